"""Changing a published form under live data: no value is ever lost."""

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, inspect, text

from brickwork.engines.form.forms import load_form
from brickwork.engines.form.storage import record_table
from brickwork.platform.db import transaction
from tests.engines.form.helpers import APP, changed, field, form, publish, records

CUSTOMERS = form(
    "customers",
    field("f_name", "text", "name", required=True),
    field("f_size", "number", "size"),
    field("f_level", "select", "level", options=[{"id": "a", "label": {"en": "A"}}, {"id": "b", "label": {"en": "B"}}]),
)
ROWS = [{"name": "Acme", "size": "12", "level": "a"}, {"name": "Beta", "size": "250"}, {"name": "Gamma"}]


def seeded(api):
    assert publish(api, CUSTOMERS).status_code == 200
    for row in ROWS:
        assert api.post(records("customers"), json=row).status_code == 201


def values(api, *keys):
    items = api.get(records("customers"), params={"sort": "id"}).json()["items"]
    return [tuple(item.get(k) for k in keys) for item in items]


def test_publishing_creates_a_real_table_and_a_readable_view(api, engine):
    seeded(api)
    names = inspect(engine).get_table_names()
    assert "r1_customers" in names
    with engine.connect() as conn:
        rows = conn.execute(text('SELECT name, size, level FROM crm_customers ORDER BY id')).all()
    assert [tuple(r) for r in rows] == [("Acme", 12, "a"), ("Beta", 250, None), ("Gamma", None, None)]


def test_adding_a_field_fills_its_default_for_existing_records(api):
    seeded(api)
    new = form("customers", *CUSTOMERS["fields"], field("f_vip", "boolean", "vip"),
               field("f_source", "text", "source", default="website"))
    assert publish(api, new).status_code == 200
    assert values(api, "name", "vip", "source") == [("Acme", False, "website"), ("Beta", False, "website"),
                                                    ("Gamma", False, "website")]


def test_renaming_a_label_or_key_keeps_every_value(api, engine):
    seeded(api)
    renamed = changed(CUSTOMERS, f_size={"key": "employees", "label": {"en": "Employees"}})
    report = publish(api, renamed).json()["report"]
    assert report == {"renamed": ["f_size"]}
    assert values(api, "name", "employees") == [("Acme", "12"), ("Beta", "250"), ("Gamma", None)]
    with engine.connect() as conn:  # the view follows the new key
        assert conn.execute(text("SELECT employees FROM crm_customers ORDER BY id")).scalars().all() == [12, 250, None]


def test_number_to_text_converts_every_value(api):
    seeded(api)
    preview = publish(api, changed(CUSTOMERS, f_size={"type": "text"}), dry_run="true").json()
    assert preview["dry_run"] and preview["report"]["converted"]["f_size"]["failed"] == 0
    assert values(api, "size") == [("12",), ("250",), (None,)]  # a preview changes nothing
    assert api.post(f"{APP}/forms/customers:publish").status_code == 200
    assert values(api, "name", "size") == [("Acme", "12"), ("Beta", "250"), ("Gamma", None)]


def test_text_to_number_reports_what_does_not_convert_and_keeps_it(api, engine):
    definition = form("customers", field("f_name", "text", "name"), field("f_code", "text", "code"))
    publish(api, definition)
    for code in ("12", "12a", None):
        api.post(records("customers"), json={"name": "x", "code": code})
    to_number = changed(definition, f_code={"type": "number"})
    refused = publish(api, to_number)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "code"
    preview = api.post(f"{APP}/forms/customers:publish", params={"dry_run": "true"}).json()["report"]
    assert preview["converted"]["f_code"]["failures"] == [
        {"id": 2, "value": "12a", "reason": "Expected a number."}]
    forced = api.post(f"{APP}/forms/customers:publish", params={"force": "true"})
    assert forced.status_code == 200
    assert [b["column"] for b in forced.json()["body"]["backups"]] == ["b2_f_code"]
    assert values(api, "code") == [("12",), (None,), (None,)]
    with engine.connect() as conn:  # the old values wait in the backup column until purged
        backup = conn.execute(text('SELECT "b2_f_code" FROM r1_customers ORDER BY id')).scalars().all()
    assert backup == ["12", "12a", None]


def test_deleting_a_field_moves_it_to_the_trash_and_restoring_brings_the_data_back(api):
    seeded(api)
    without_size = form("customers", CUSTOMERS["fields"][0], CUSTOMERS["fields"][2])
    published = publish(api, without_size).json()
    assert published["report"]["deleted"] == ["f_size"]
    assert [t["field"]["id"] for t in published["body"]["trash"]] == ["f_size"]
    assert "size" not in api.get(records("customers")).json()["items"][0]
    restored = form("customers", *CUSTOMERS["fields"])
    assert publish(api, restored).json()["report"]["restored"] == ["f_size"]
    assert values(api, "size") == [("12",), ("250",), (None,)]


def test_purging_a_trashed_field_drops_its_column(api, engine):
    seeded(api)
    publish(api, form("customers", CUSTOMERS["fields"][0], CUSTOMERS["fields"][2]))
    purged = publish(api, form("customers", CUSTOMERS["fields"][0], CUSTOMERS["fields"][2], trash=[]))
    assert purged.json()["report"]["purged"] == ["f_size"]
    columns = {c["name"] for c in inspect(engine).get_columns("r1_customers")}
    assert "f_f_size" not in columns and "f_f_name" in columns


def test_making_a_field_unique_is_refused_while_duplicates_exist(api):
    seeded(api)
    api.post(records("customers"), json={"name": "ACME"})
    refused = publish(api, changed(CUSTOMERS, f_name={"unique": True}))
    assert refused.status_code == 409
    assert refused.json()["errors"] == [{"field": "name", "code": "duplicate", "message": "acme appears 2 times."}]
    assert api.get(records("customers")).json()["total"] == 4  # nothing changed
    last = api.get(records("customers"), params={"sort": "-id", "limit": 1}).json()["items"][0]
    api.delete(f"{records('customers')}/{last['id']}")
    assert api.post(f"{APP}/forms/customers:publish").status_code == 200
    duplicate = api.post(records("customers"), json={"name": "acme"})
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "name"


def test_a_form_key_that_would_shadow_a_platform_table_is_refused(api):
    api.post("/api/v1/apps", json={"key": "user", "label": {"en": "U"}})
    api.put("/api/v1/apps/user/forms/sessions", json=form("sessions", field("f1", "text", "name")))
    refused = api.post("/api/v1/apps/user/forms/sessions:publish")
    assert refused.status_code == 409


def index_names(engine, table: str) -> set[str]:
    # SQLAlchemy's SQLite reflection skips indexes on the rowid alias, so ask the catalogue.
    query = ("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"
             if engine.dialect.name == "sqlite" else "SELECT indexname FROM pg_indexes WHERE tablename = :t")
    with engine.connect() as conn:
        return set(conn.execute(text(query), {"t": table}).scalars())


def test_indexing_a_field_adds_and_removes_its_index(api, engine):
    seeded(api)
    assert publish(api, changed(CUSTOMERS, f_level={"indexed": True})).json()["report"] == {"index_added": ["f_level"]}
    assert "ix_r1_customers_f_level" in index_names(engine, "r1_customers")
    assert publish(api, CUSTOMERS).json()["report"] == {"index_dropped": ["f_level"]}
    assert "ix_r1_customers_f_level" not in index_names(engine, "r1_customers")


def test_a_form_indexed_after_publishing_is_made_whole_in_another_database(api, sessions, tmp_path):
    # Record tables are cached per definition: the index added by publishing must not join
    # the cached table a second time, or the next database made from it gets it twice.
    seeded(api)
    publish(api, changed(CUSTOMERS, f_level={"indexed": True}))
    with transaction(sessions) as session:
        form = load_form(session, "crm", "customers")
    elsewhere = create_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    record_table(form.app.id, "customers", form.definition).create(elsewhere)
    assert "ix_r1_customers_f_level" in index_names(elsewhere, "r1_customers")
    elsewhere.dispose()



def test_the_trash_and_backups_are_the_servers_to_keep(api):
    seeded(api)
    made_up = {"field": field("f_ghost", "text", "ghost"), "deleted_in": 1}
    sneaky = form("customers", CUSTOMERS["fields"][0], CUSTOMERS["fields"][2], trash=[made_up],
                  backups=[{"field": field("f_x", "text", "x"), "column": "no_such_column", "version": 1}])
    published = publish(api, sneaky).json()
    assert [t["field"]["id"] for t in published["body"]["trash"]] == ["f_size"]  # the real deletion only
    assert published["body"]["backups"] == []
    assert api.get(records("customers")).status_code == 200  # no query names a missing column


def test_a_dry_run_reports_repeated_values_before_unique_is_refused(api):
    seeded(api)
    api.post(records("customers"), json={"name": "acme"})
    preview = publish(api, changed(CUSTOMERS, f_name={"unique": True}), dry_run="true")
    assert preview.status_code == 200
    assert preview.json()["report"]["duplicates"] == {"f_name": [{"value": "acme", "count": 2}]}


def test_two_apps_cannot_share_a_readable_view(api):
    api.post("/api/v1/apps", json={"key": "a_b", "label": {"en": "AB"}})
    api.post("/api/v1/apps", json={"key": "a", "label": {"en": "A"}})
    api.put("/api/v1/apps/a_b/forms/c", json=form("c", field("f1", "text", "name")))
    assert api.post("/api/v1/apps/a_b/forms/c:publish").status_code == 200
    api.put("/api/v1/apps/a/forms/b_c", json=form("b_c", field("f1", "text", "name")))
    assert api.post("/api/v1/apps/a/forms/b_c:publish").status_code == 409


def test_long_keys_get_names_the_database_keeps_whole(api, engine):
    key = "k" * 55  # the view crm_<key> still fits; the index name needs a digest
    definition = form(key, field("f" * 60, "text", "name", unique=True))
    assert publish(api, definition).status_code == 200
    assert api.post(records(key), json={"name": "x"}).status_code == 201
    duplicate = api.post(records(key), json={"name": "X"})
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize("amount", ["0.10", "0.20", "19.99", "-0.05", "-1.50", "0.00", "92233720368547758.07"])
def test_the_readable_view_shows_each_amount_exactly(api, engine, amount):
    """A BI tool reading the view sees the amount as a number: exact decimals on PostgreSQL;
    on SQLite (no decimal type) the float nearest it, which reads back as what was saved
    up to 15 significant digits."""
    assert publish(api, form("bills", field("b1", "money", "amount"), field("b2", "text", "note"))).status_code == 200
    assert api.post(records("bills"), json={"amount": amount}).status_code == 201
    assert api.post(records("bills"), json={"note": "no amount"}).status_code == 201
    with engine.connect() as conn:
        shown = conn.execute(text("SELECT amount FROM crm_bills ORDER BY id")).scalars().all()
    if engine.dialect.name == "postgresql":
        assert [None if value is None else str(value) for value in shown] == [amount, None]
    else:
        assert isinstance(shown[0], float) and shown[1] is None
        assert Decimal(repr(shown[0])) == Decimal(amount) or len(amount.replace("-", "")) > 16


def test_the_readable_view_gives_amounts_with_their_places(api, engine):
    """Money sums in the view are exact decimals on PostgreSQL (SQLite sums REALs in floating
    point; the table keeps exact scaled integers)."""
    assert publish(api, form("bills", field("b1", "money", "amount"))).status_code == 200
    assert api.post(records("bills") + ":bulk", json={"records": [{"amount": "0.10"}] * 30 + [
        {"amount": "12345.63"}]}).status_code == 201
    with engine.connect() as conn:
        total = conn.execute(text("SELECT SUM(amount) FROM crm_bills")).scalar()
    if engine.dialect.name == "postgresql":
        assert str(total) == "12348.63"
    else:
        assert round(total, 2) == 12348.63
