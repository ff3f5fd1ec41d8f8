"""Indexes derived from saved views: made when a view's filter and sort want one, used by
the listing's page and its total, dropped when no view wants them, out of a publish's way."""

import json

import pytest
from sqlalchemy import event

from brickwork.engines.form import derived_indexes
from tests.engines.form.helpers import APP, field, form, publish, records

VIEWS = f"{APP}/forms/customers/views"
TABLE = "r1_customers"
LEVELS = [{"id": v, "label": {"en": v}} for v in "ABCD"]


def customers(*extra):
    return form("customers", field("f_name", "text", "name"), field("f_level", "select", "level", options=LEVELS),
                field("f_revenue", "number", "revenue"), *extra)


def level_and_revenue(level: str, above: int) -> dict:
    return {"fn": "AND", "args": [
        {"fn": "=", "args": [{"ref": "level"}, {"lit": level, "type": "choice"}]},
        {"fn": ">", "args": [{"ref": "revenue"}, {"lit": above, "type": "number"}]}]}


def derived(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return derived_indexes.existing(conn, TABLE)


def view(api, name: str, config: dict, shared: bool = True) -> dict:
    made = api.post(VIEWS, json={"name": name, "shared": shared, "config": config})
    assert made.status_code == 201, made.text
    return made.json()


def fill(api, count: int) -> list[dict]:
    batch = [{"name": f"C{i}", "level": "ABCD"[i % 4], "revenue": (i * 7919) % 1000} for i in range(count)]
    made = api.post(f"{records('customers')}:bulk", json={"records": batch})
    assert made.status_code == 201, made.text
    return made.json()["items"]


def plan(engine, statement: str, parameters) -> str:
    """How the database runs a statement; on PostgreSQL with scans of the table itself
    disabled, so a tiny table shows whether the index can serve it at all."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            cur.execute("SET enable_seqscan = off")
            cur.execute("EXPLAIN " + statement, parameters)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in cur.fetchall())
    finally:
        raw.rollback()
        raw.close()


def test_a_views_filter_and_sort_get_one_index_that_serves_the_page_and_its_total(app, api, engine):
    assert publish(api, customers()).status_code == 200
    fill(api, 200)
    view(api, "A by revenue", {"filter": level_and_revenue("A", 500), "sort": "-f_revenue"})
    (name, columns), = derived(engine).items()
    # equality, then the sort, then the tie-breaker; deleted_at so a count needs only the index
    assert columns == ["f_f_level", "f_f_revenue", "id", "deleted_at"]

    statements = []

    def capture(_conn, _cur, statement, parameters, _context, _many):
        if TABLE in statement and "saved_views" not in statement:
            statements.append((statement, parameters))

    event.listen(app.state.engine, "before_cursor_execute", capture)
    try:  # another level and bound than the view's: the shape counts, not the values
        page = api.get(records("customers"), params={
            "filter": json.dumps(level_and_revenue("B", 300)), "sort": "-revenue", "limit": 5})
    finally:
        event.remove(app.state.engine, "before_cursor_execute", capture)
    assert page.status_code == 200, page.text
    listing = [s for s in statements if "ORDER BY" in s[0]]
    counting = [s for s in statements if "count(" in s[0].lower()]
    assert listing and counting
    assert name in plan(engine, *listing[-1])
    assert name in plan(engine, *counting[-1])
    if engine.dialect.name == "sqlite":  # the total is counted from the index alone
        assert f"COVERING INDEX {name}" in plan(engine, *counting[-1])
    assert "TEMP B-TREE FOR ORDER BY" not in plan(engine, *listing[-1])  # read in order, not sorted


def test_the_total_stays_exact_after_creates_deletes_and_restores(api):
    assert publish(api, customers()).status_code == 200
    view(api, "A by revenue", {"filter": level_and_revenue("A", 500), "sort": "-f_revenue"})
    made = fill(api, 120)
    wanted = [r for r in made if r["level"] == "A" and int(r["revenue"]) > 500]
    params = {"filter": json.dumps(level_and_revenue("A", 500)), "sort": "-revenue", "limit": 7}

    def listed() -> tuple[int, list[int]]:
        body = api.get(records("customers"), params=params).json()
        return body["total"], [int(r["revenue"]) for r in body["items"]]

    total, first = listed()
    assert total == len(wanted)
    assert first == sorted((int(r["revenue"]) for r in wanted), reverse=True)[:7]
    gone = wanted[:3]
    for record in gone:
        assert api.delete(f"{records('customers')}/{record['id']}",
                          params={"version": record["version"]}).status_code == 204
    assert listed()[0] == len(wanted) - 3  # records in the recycle bin are not counted
    assert api.post(f"{records('customers')}/{gone[0]['id']}:restore").status_code == 200
    created = api.post(records("customers"), json={"name": "New", "level": "A", "revenue": 999})
    assert created.status_code == 201
    total, first = listed()
    assert total == len(wanted) - 1 and first[0] == 999


def test_an_index_goes_when_no_view_wants_it_and_changes_with_the_sort(api, engine):
    assert publish(api, customers()).status_code == 200
    config = {"filter": level_and_revenue("A", 500), "sort": "-f_revenue"}
    shared = view(api, "Team", config)
    mine = view(api, "Mine", config, shared=False)
    assert len(derived(engine)) == 1  # one shape, one index
    assert api.delete(f"{VIEWS}/{shared['id']}").status_code == 204
    # "Mine" still wants it
    assert list(derived(engine).values()) == [["f_f_level", "f_f_revenue", "id", "deleted_at"]]
    resorted = api.patch(f"{VIEWS}/{mine['id']}", json={"version": mine["version"],
                                                      "config": {**config, "sort": "f_name"}})
    assert resorted.status_code == 200, resorted.text
    assert list(derived(engine).values()) == [["f_f_level", "f_f_name", "id", "f_f_revenue", "deleted_at"]]
    assert api.delete(f"{VIEWS}/{mine['id']}").status_code == 204
    assert derived(engine) == {}


def test_a_view_on_nothing_indexable_makes_no_index(api, engine):
    assert publish(api, customers()).status_code == 200
    view(api, "Newest", {"sort": "-created_at"})
    view(api, "Names with Li", {"filter": {"fn": "CONTAINS", "args": [{"ref": "name"}, {"lit": "Li", "type": "text"}]}})
    assert derived(engine) == {}


@pytest.mark.parametrize("change", ["delete_then_purge", "convert"])
def test_publishing_a_change_to_an_indexed_field_keeps_indexes_true(api, engine, change):
    assert publish(api, customers()).status_code == 200
    fill(api, 20)
    view(api, "By revenue", {"sort": "-f_revenue"})
    assert list(derived(engine).values()) == [["f_f_revenue", "id", "deleted_at"]]
    if change == "convert":  # the column is renamed to a backup and made anew: the index follows the field
        converted = customers()
        converted["fields"][2]["type"] = "text"
        assert publish(api, converted).status_code == 200
        assert list(derived(engine).values()) == [["f_f_revenue", "id", "deleted_at"]]
        body = api.get(records("customers"), params={"sort": "-revenue", "limit": 3}).json()
        as_text = sorted((str((i * 7919) % 1000) for i in range(20)), reverse=True)
        assert [r["revenue"] for r in body["items"]] == as_text[:3]  # now compared as text
        return
    without = form("customers", *customers()["fields"][:2])
    deleted = publish(api, without)
    assert deleted.status_code == 200, deleted.text
    assert derived(engine) == {}  # no view can use a field in the trash
    purged = publish(api, {**without, "trash": []})
    assert purged.status_code == 200, purged.text
    assert purged.json()["report"]["purged"] == ["f_revenue"]


def test_a_view_of_my_records_or_of_a_flag_leads_its_index_with_that_field(app, api, engine):
    """"My customers" (owner = $me) and "the public pool" (in_pool = true): the field leads the
    index, so the page and its total read only the caller's or the flagged records."""
    assert publish(api, customers(field("f_owner", "user", "owner"), field("f_pool", "boolean", "in_pool"))
                   ).status_code == 200
    view(api, "Mine", {"filter": {"fn": "=", "args": [{"ref": "f_owner"}, {"var": "$me"}]}, "sort": "f_name"})
    view(api, "Pool", {"filter": {"fn": "=", "args": [{"ref": "f_pool"}, {"lit": True, "type": "boolean"}]},
                       "sort": "-f_revenue"})
    assert sorted(derived(engine).values()) == [["f_f_owner", "f_f_name", "id", "deleted_at"],
                                                ["f_f_pool", "f_f_revenue", "id", "deleted_at"]]
    statements = []

    def capture(_conn, _cur, statement, parameters, _context, _many):
        if TABLE in statement and "saved_views" not in statement and "ORDER BY" in statement:
            statements.append((statement, parameters))

    event.listen(app.state.engine, "before_cursor_execute", capture)
    try:
        for flt, sort in (({"fn": "=", "args": [{"ref": "owner"}, {"var": "$me"}]}, "name"),
                          ({"fn": "=", "args": [{"ref": "in_pool"}, {"lit": True, "type": "boolean"}]}, "-revenue")):
            page = api.get(records("customers"), params={"filter": json.dumps(flt), "sort": sort, "limit": 5})
            assert page.status_code == 200, page.text
    finally:
        event.remove(app.state.engine, "before_cursor_execute", capture)
    names = {tuple(columns): name for name, columns in derived(engine).items()}
    assert names[("f_f_owner", "f_f_name", "id", "deleted_at")] in plan(engine, *statements[0])
    assert names[("f_f_pool", "f_f_revenue", "id", "deleted_at")] in plan(engine, *statements[1])
    assert all("TEMP B-TREE FOR ORDER BY" not in plan(engine, *s) for s in statements)
