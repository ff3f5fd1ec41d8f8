"""Form posts (strings) become the values the engine parses; moments show in the app's zone."""

from starlette.datastructures import ImmutableMultiDict

from brickwork.builder_ui.record_values import changed, input_value, posted, same
from brickwork.engines.form.definition import FieldDef

OPTIONS = [{"id": "a", "label": {"en": "A"}}, {"id": "b", "label": {"en": "B"}}]
FIELDS = [
    FieldDef(id="f1", key="tags", label={"en": "Tags"}, type="multiselect", options=OPTIONS),
    FieldDef(id="f2", key="vip", label={"en": "VIP"}, type="boolean"),
    FieldDef(id="f3", key="stars", label={"en": "Stars"}, type="rating"),
    FieldDef(id="f4", key="place", label={"en": "Place"}, type="region"),
    FieldDef(id="f5", key="amount", label={"en": "Amount"}, type="money"),
    FieldDef(id="f6", key="owner", label={"en": "Owner"}, type="user"),
]


def test_a_form_post_becomes_api_shaped_values():
    data = ImmutableMultiDict([("tags", "b"), ("tags", "a"), ("vip", "false"), ("vip", "true"), ("stars", "4"),
                               ("place.province", "330000"), ("place.city", "330100"), ("place.district", ""),
                               ("amount", "12.5"), ("owner", "3")])
    assert posted(FIELDS, data) == {"tags": ["b", "a"], "vip": True, "stars": 4,
                                    "place": {"province": "330000", "city": "330100"}, "amount": "12.5", "owner": 3}


def test_a_complete_form_means_blank_where_nothing_was_sent():
    values = posted(FIELDS, ImmutableMultiDict([("vip", "false")]), complete=True)
    assert values == {"tags": None, "vip": False, "stars": None, "place": None, "amount": None, "owner": None}
    assert posted(FIELDS, ImmutableMultiDict([("tags", "a,b")])) == {"tags": ["a", "b"]}  # from a link


def test_only_what_the_person_changed_is_sent():
    original = {"tags": ["a"], "amount": "12.50", "owner": 3, "vip": False}
    values = {"tags": ["a"], "amount": "12.5", "owner": 4, "vip": False}
    assert changed(FIELDS, values, original) == {"owner": 4}
    assert not same(FIELDS[4], "12.5x", "12.5x")  # what does not parse is sent, and refused with a reason


def test_a_moment_shows_as_the_app_zones_wall_clock():
    moment = FieldDef(id="f7", key="at", label={"en": "At"}, type="datetime")
    assert input_value(moment, "2024-07-01T01:30:00Z") == "2024-07-01T09:30"  # Asia/Shanghai
    assert input_value(moment, "2024-07-01T09:30") == "2024-07-01T09:30"  # as typed
