import pytest

from brickwork.builder_ui.display import Names, display
from brickwork.engines.form.definition import FieldDef
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
        names = Names(session, [owner], [{"a": user.id}, {"a": None}])
        assert display(owner, user.id, names) == "李雷"
        assert display(owner, 999, names) == "#999"
