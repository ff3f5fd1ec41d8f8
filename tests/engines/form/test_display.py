import pytest

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import Names, display
from brickwork.engines.form.transfer.jobs import principal
from brickwork.platform.i18n import current_locale
from brickwork.platform.identity.users import create_user

HOT = {"options": [{"id": "o1", "label": {"en": "Hot", "zh-CN": "热"}}]}


def f(type_, **extra):
    return FieldDef(id="a", key="a", label={"en": "A"}, type=type_, **extra)


@pytest.mark.parametrize(("locale", "field", "value", "text"), [
    ("en", f("select", **HOT), "o1", "Hot"),
    ("zh-CN", f("select", **HOT), "o1", "热"),
    ("en", f("multiselect", **HOT), ["o1"], "Hot"),
    ("en", f("money"), "1234.5", "CN¥1,234.50"),
    ("zh-CN", f("money"), "1234.5", "¥1,234.50"),
    ("en", f("date"), "2026-11-29", "Nov 29, 2026"),
    ("zh-CN", f("boolean"), True, "是"),
    ("en", f("text"), None, ""),
    ("en", f("text"), "<script>", "<script>"),
])
def test_values_read_as_people_expect(locale, field, value, text):
    token = current_locale.set(locale)
    try:
        assert display(field, value) == text
    finally:
        current_locale.reset(token)


def test_users_are_shown_by_name_fetched_once_for_a_page(sessions):
    with sessions() as session:
        user = create_user(session, "li", "pw-12345678", display_name="李雷")
        session.commit()
        owner = f("user")
        names = Names(session, [owner], [{"a": user.id}, {"a": None}], who=principal(session, "li"))
        assert display(owner, user.id, names) == "李雷"
        assert display(owner, 999, names) == "#999"


def test_linked_records_are_named_by_their_title_field(api, sessions):
    from brickwork.engines.form.forms import load_form
    from tests.engines.form.helpers import field, form, publish, records

    customers = form("customers", field("c0", "number", "size"), field("c1", "text", "name"))
    assert publish(api, customers).status_code == 200
    acme = api.post(records("customers"), json={"name": "Acme <script>", "size": 5}).json()["id"]
    definition = form("contacts", field("k1", "relation", "companies", target="customers", multiple=True))
    assert publish(api, definition).status_code == 200
    with sessions() as session:
        contacts = load_form(session, "crm", "contacts")
        linked = contacts.field("companies")
        names = Names(session, contacts.definition.fields, [{"companies": [acme, 4242]}], app_key="crm",
                      who=principal(session, None))
        assert display(linked, [acme, 4242], names) == "Acme <script>, #4242"


def test_sums_of_amounts_show_their_currency(api):
    """A formula or rollup over amounts is an amount: it shows its currency; a count does not."""
    from tests.engines.form.helpers import APP, field, form, publish

    lines = field("o2", "subform", "lines", fields=[
        field("l2", "number", "qty", scale=0), field("l3", "money", "price", currency="USD"),
        field("l4", "formula", "amount", formula="qty * price")])
    orders = form("orders", lines, field("o3", "formula", "total", formula="SUM(lines.amount) - 1"),
                  field("o4", "formula", "pieces", formula="SUM(lines.qty)"),
                  field("o5", "rollup", "dearest", source="lines", aggregate="max", field="price"),
                  field("o6", "formula", "ratio", formula="SUM(lines.amount) / MAX(lines.price)"),
                  field("o7", "formula", "net", formula="BLANKVALUE(SUM(lines.amount), 0) - BLANKVALUE(dearest, 0)"))
    answer = publish(api, orders)
    assert answer.status_code == 200, answer.text
    published = {x["key"]: x for x in api.get(f"{APP}/forms/orders").json()["body"]["fields"]}
    assert [published[k].get("currency") for k in ("total", "pieces", "dearest", "ratio", "net")] == [
        "USD", None, "USD", None, "USD"]
    token = current_locale.set("en")
    try:
        assert display(FieldDef(**published["total"]), "3749.00") == "$3,749.00"
        assert display(FieldDef(**published["dearest"]), "1250.00") == "$1,250.00"
        assert display(FieldDef(**published["pieces"]), "3") == "3"
    finally:
        current_locale.reset(token)
