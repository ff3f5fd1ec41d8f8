"""The field type registry: how each type reads, checks, stores and writes back its values.

Expected semantics: engine-semantics.md §4.1 (field types) and §4.8 (form test cases).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.platform import clock

BIGINT_MAX = 2**63 - 1

OPTIONS = [
    {"id": "opt_a", "label": {"en": "Alpha", "zh-CN": "甲"}},
    {"id": "opt_b", "label": {"en": "Beta", "zh-CN": "乙"}},
    {"id": "opt_c", "label": {"en": "Gamma", "zh-CN": "丙"}},
]


def fd(type_: str, **settings: Any) -> FieldDef:
    return FieldDef(id="f1", key="f", label={"en": "F"}, type=type_, **settings)


def save(field: FieldDef, value: Any) -> Any:
    """What the save pipeline does with an API value: parse, then check a non-blank result."""
    kind = REGISTRY[field.type]
    logical = kind.parse(field, value)
    if logical is not None:
        kind.check(field, logical)
    return logical


def refused(field: FieldDef, value: Any) -> FieldValueError:
    with pytest.raises(FieldValueError) as caught:
        save(field, value)
    error = caught.value
    assert error.message.strip(), "a refusal must tell the user why"
    assert str(error) == error.message
    return error


@pytest.fixture
def app_zone():
    """Run with the default app zone and restore whatever was configured before."""
    before = clock.app_zone()
    clock.configure(ZoneInfo("Asia/Shanghai"))
    yield
    clock.configure(before)


# --------------------------------------------------------------------------------------------
# Every registered type: round trips and wrong-type refusals
# --------------------------------------------------------------------------------------------

# (field, API input, logical value, stored value, API output)
ROUND_TRIPS = {
    "text": (fd("text"), "  Hello  ", "Hello", "Hello", "Hello"),
    "textarea": (fd("textarea"), "line 1\nline 2", "line 1\nline 2", "line 1\nline 2", "line 1\nline 2"),
    "number": (fd("number", scale=2), "19.90", Decimal("19.90"), 1990, "19.90"),
    "money": (fd("money", currency="CNY"), "19.9", Decimal("19.90"), 1990, "19.90"),
    "percent": (fd("percent"), "12.5", Decimal("12.50"), 1250, "12.50"),
    "date": (fd("date"), "2024-07-01", date(2024, 7, 1), date(2024, 7, 1), "2024-07-01"),
    "datetime": (fd("datetime"), "2024-07-01T09:30:00+08:00", datetime(2024, 7, 1, 1, 30, tzinfo=ZoneInfo("UTC")),
                 datetime(2024, 7, 1, 1, 30), "2024-07-01T01:30:00Z"),
    "boolean": (fd("boolean"), True, True, True, True),
    "select": (fd("select", options=OPTIONS), "opt_b", "opt_b", "opt_b", "opt_b"),
    "multiselect": (fd("multiselect", options=OPTIONS), ["opt_c", "opt_a"], ["opt_a", "opt_c"],
                    ["opt_a", "opt_c"], ["opt_a", "opt_c"]),
    "user": (fd("user"), 12, 12, 12, 12),
    "department": (fd("department"), "7", 7, 7, 7),
    "phone": (fd("phone"), "+86 138 0013 8000", "+8613800138000", "+8613800138000", "+8613800138000"),
    "email": (fd("email"), "Li@Example.COM", "Li@example.com", "Li@example.com", "Li@example.com"),
    "url": (fd("url"), "https://example.com/a?b=1", "https://example.com/a?b=1", "https://example.com/a?b=1",
            "https://example.com/a?b=1"),
    "region": (fd("region"), {"province": "330000", "city": "330100", "district": "330106"},
               "330000/330100/330106", "330000/330100/330106",
               {"province": "330000", "city": "330100", "district": "330106"}),
    "rating": (fd("rating"), 4, Decimal(4), 4, 4),
    "attachment": (fd("attachment"), ["file_1", {"id": "file_2"}], ["file_1", "file_2"], ["file_1", "file_2"],
                   ["file_1", "file_2"]),
    "image": (fd("image"), ["img_1"], ["img_1"], ["img_1"], ["img_1"]),
    "autonumber": (fd("autonumber", pattern="KH-{yyyy}{mm}-{0000}"), "KH-202407-0012", "KH-202407-0012",
                   "KH-202407-0012", "KH-202407-0012"),
    "relation": (fd("relation", target="customers"), "12", 12, 12, 12),
    "subform": (fd("subform", fields=[{"id": "q", "key": "qty", "label": {"en": "Qty"}, "type": "number"}]),
                [{"qty": "2"}], [{"id": None, "q": Decimal(2)}], [{"id": None, "q": Decimal(2)}],
                [{"id": None, "qty": "2"}]),
    # Computed: values set by the server travel as their result type does.
    "formula": (fd("formula", expression={"lit": "19.9", "type": "number"}, result="number"), "19.9",
                Decimal("19.90"), 1990, "19.90"),
    "rollup": (fd("rollup", source="lines", aggregate="max", field="d", result="date"), "2024-07-01",
               date(2024, 7, 1), date(2024, 7, 1), "2024-07-01"),
    "lookup": (fd("lookup", relation="customer", field="phone"), "+8613800138000", "+8613800138000",
               "+8613800138000", "+8613800138000"),
}

# (field, a value of the wrong type, the stable code)
WRONG_TYPES = {
    "text": (fd("text"), ["a", "b"], "type"),
    "textarea": (fd("textarea"), {"a": 1}, "type"),
    "number": (fd("number"), "twelve", "type"),
    "money": (fd("money"), True, "type"),
    "percent": (fd("percent"), [50], "type"),
    "date": (fd("date"), 20240701, "type"),
    "datetime": (fd("datetime"), 1719797400, "type"),
    "boolean": (fd("boolean"), "maybe", "type"),
    "select": (fd("select", options=OPTIONS), 3, "type"),
    "multiselect": (fd("multiselect", options=OPTIONS), {"opt_a": True}, "type"),
    "user": (fd("user"), "x", "type"),
    "department": (fd("department"), True, "type"),
    "phone": (fd("phone"), True, "type"),
    "email": (fd("email"), ["li@example.com"], "type"),
    "url": (fd("url"), {"href": "https://example.com"}, "type"),
    "region": (fd("region"), 330000, "type"),
    "rating": (fd("rating"), "five", "type"),
    "attachment": (fd("attachment"), "file_1", "type"),
    "image": (fd("image"), [42], "type"),
    "autonumber": (fd("autonumber"), {"n": 12}, "type"),
    "relation": (fd("relation", target="customers", multiple=True), "12", "type"),
    "subform": (fd("subform", fields=[{"id": "q", "key": "qty", "label": {"en": "Qty"}, "type": "number"}]),
                {"qty": "2"}, "type"),
    "formula": (fd("formula", expression={"lit": "1", "type": "number"}, result="number"), "twelve", "type"),
    "rollup": (fd("rollup", source="lines", aggregate="count", result="number"), [1], "type"),
    "lookup": (fd("lookup", relation="customer", field="phone"), {"a": 1}, "type"),
}


def test_the_tables_cover_every_registered_type():
    assert set(ROUND_TRIPS) == set(REGISTRY)
    assert set(WRONG_TYPES) == set(REGISTRY)


@pytest.mark.usefixtures("app_zone")
@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_api_value_survives_the_database(name):
    field, api_in, logical, stored, api_out = ROUND_TRIPS[name]
    kind = REGISTRY[name]
    parsed = save(field, api_in)
    assert parsed == logical
    assert kind.to_db(field, parsed) == stored
    back = kind.from_db(field, kind.to_db(field, parsed))
    assert back == logical
    assert kind.to_api(field, back) == api_out


@pytest.mark.usefixtures("app_zone")
@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_value_survives_export_and_import(name):
    field, _, logical, _, _ = ROUND_TRIPS[name]
    kind = REGISTRY[name]
    text = kind.to_text(field, logical)
    assert isinstance(text, str) and text
    assert kind.from_text(field, text) == logical


@pytest.mark.usefixtures("app_zone")
@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_blank_survives_export_and_import(name):
    field = ROUND_TRIPS[name][0]
    kind = REGISTRY[name]
    never_blank = name == "boolean"
    assert kind.parse(field, None) is (False if never_blank else None)
    assert kind.parse(field, "") is (False if never_blank else None)
    assert kind.from_text(field, kind.to_text(field, None)) is (False if never_blank else None)
    if not never_blank:
        assert kind.to_db(field, None) is None
        assert kind.from_db(field, None) is None
        assert kind.to_api(field, None) is None


@pytest.mark.parametrize("name", sorted(WRONG_TYPES))
def test_value_of_the_wrong_type_is_refused(name):
    field, bad, code = WRONG_TYPES[name]
    assert refused(field, bad).code == code


# --------------------------------------------------------------------------------------------
# Text family
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("  Acme Ltd  ", "Acme Ltd"),
    ("\tAcme\n", "Acme"),
    ("", None),
    ("   ", None),
    (None, None),
    (42, "42"),
])
def test_text_is_trimmed_and_empty_is_blank(raw, expected):
    assert save(fd("text"), raw) == expected


def test_text_default_max_length_is_200():
    assert save(fd("text"), "x" * 200) == "x" * 200
    assert refused(fd("text"), "x" * 201).code == "max_length"


def test_text_max_length_setting_counts_after_trimming():
    field = fd("text", max_length=5)
    assert save(field, "  abcde  ") == "abcde"
    assert refused(field, "abcdef").code == "max_length"


def test_textarea_keeps_inner_newlines_and_allows_long_text():
    assert save(fd("textarea"), "  first line\n\n  second line\n") == "first line\n\n  second line"
    assert save(fd("textarea"), "x" * 10_000) == "x" * 10_000
    assert refused(fd("textarea"), "x" * 10_001).code == "max_length"


@pytest.mark.parametrize("raw", ["+86 138 0013 8000", "13800138000", "138-0013-8000", " 13800138000 ", 13800138000])
def test_phone_is_normalised_to_e164(raw):
    assert save(fd("phone"), raw) == "+8613800138000"  # M8


@pytest.mark.parametrize("raw", ["12345", "phone me", "+86 000"])
def test_phone_refuses_what_is_not_a_number(raw):
    assert refused(fd("phone"), raw).code == "phone"


@pytest.mark.parametrize("raw, expected", [
    ("Li@Example.COM", "Li@example.com"),
    ("zhang.san@Company.com.CN", "zhang.san@company.com.cn"),
])
def test_email_domain_is_lower_cased(raw, expected):
    assert save(fd("email"), raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "li@", "@example.com", "li@@example.com"])
def test_email_refuses_what_is_not_an_address(raw):
    assert refused(fd("email"), raw).code == "email"


@pytest.mark.parametrize("raw", ["http://example.com", "https://example.com/path?q=1#top", "HTTPS://Example.com"])
def test_url_accepts_web_addresses(raw):
    assert save(fd("url"), raw) == raw


@pytest.mark.parametrize("raw", ["javascript:alert(1)", "ftp://x", "example.com", "http://", "https://exa mple.com",
                                 "data:text/html,<script>alert(1)</script>"])
def test_url_refuses_everything_but_http_and_https(raw):
    assert refused(fd("url"), raw).code == "url"  # M8


@pytest.mark.parametrize("field, raw, expected", [
    (fd("email"), " li@Example.com ", "li@example.com"),
    (fd("email"), "li@example.com\n", "li@example.com"),
    (fd("url"), " https://example.com/a ", "https://example.com/a"),
])
def test_email_and_url_are_trimmed_like_text(field, raw, expected):
    assert save(field, raw) == expected


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, logical, stored", [
    ("19.90", Decimal("19.90"), 1990),
    ("19.9", Decimal("19.90"), 1990),
    ("1,234.5", Decimal("1234.50"), 123450),
    ("-0.01", Decimal("-0.01"), -1),
    (7, Decimal("7.00"), 700),
    (19.9, Decimal("19.90"), 1990),
    ("19.900", Decimal("19.90"), 1990),  # only zeros beyond the scale: nothing is lost
])
def test_number_with_scale_2_is_stored_as_scaled_integer(raw, logical, stored):
    field = fd("number", scale=2)
    kind = REGISTRY["number"]
    value = save(field, raw)
    assert value == logical
    assert kind.to_db(field, value) == stored
    assert isinstance(kind.to_db(field, value), int)
    assert kind.to_api(field, kind.from_db(field, stored)) == str(logical)


@pytest.mark.parametrize("field, raw", [
    (fd("number", scale=2), "1.005"),
    (fd("money", currency="CNY"), "1.005"),  # M7: refused, never rounded
    (fd("number"), "1.5"),
    (fd("money", currency="JPY"), "100.5"),
    (fd("percent"), "12.345"),
])
def test_extra_decimal_places_are_refused_not_rounded(field, raw):
    assert refused(field, raw).code == "scale"


def test_money_sum_of_minor_units_is_exact():
    field = fd("money", currency="CNY")  # M7
    kind = REGISTRY["money"]
    stored = [kind.to_db(field, save(field, v)) for v in ("19.99", "0.01")]
    assert stored == [1999, 1]
    assert kind.to_api(field, kind.from_db(field, sum(stored))) == "20.00"


@pytest.mark.parametrize("currency, raw, stored", [
    ("CNY", "19.90", 1990),
    ("USD", "0.5", 50),
    ("JPY", "100", 100),
    ("JPY", "1,500", 1500),
])
def test_money_scale_comes_from_the_currency(currency, raw, stored):
    field = fd("money", currency=currency)
    assert REGISTRY["money"].to_db(field, save(field, raw)) == stored


def test_money_without_currency_is_cny():
    field = fd("money")
    assert REGISTRY["money"].to_db(field, save(field, "19.90")) == 1990


def test_percent_defaults_to_two_places_and_honours_scale():
    assert REGISTRY["percent"].to_db(fd("percent"), save(fd("percent"), "12.34")) == 1234
    field = fd("percent", scale=0)
    assert REGISTRY["percent"].to_db(field, save(field, "12")) == 12
    assert refused(field, "12.5").code == "scale"


@pytest.mark.parametrize("raw, code", [("-1", "min"), ("100.01", "max")])
def test_number_min_and_max_are_enforced(raw, code):
    field = fd("number", scale=2, min=0, max=100)
    assert refused(field, raw).code == code


@pytest.mark.parametrize("raw", ["0", "100", "100.00", "55.5"])
def test_number_within_min_and_max_is_accepted(raw):
    assert save(fd("number", scale=2, min=0, max=100), raw) == Decimal(raw)


def test_money_min_is_enforced():
    assert refused(fd("money", currency="CNY", min=1), "0.99").code == "min"


@pytest.mark.parametrize(("scale", "raw"), [(0, "1e19"), (0, "-9223372036854775808"), (0, "99999999999999999999"),
                                            (2, "92233720368547758.08"), (8, "100000000000")])
def test_a_number_too_large_for_its_column_is_refused(scale, raw):
    assert refused(fd("number", scale=scale), raw).code == "range"


def test_the_largest_number_that_fits_is_kept_exactly():
    field = fd("number", scale=2)
    assert REGISTRY["number"].to_db(field, REGISTRY["number"].parse(field, "92233720368547758.07")) == 2**63 - 1


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-inf", "1.2.3", "12a", "1 000"])
def test_number_refuses_non_numbers(raw):
    assert refused(fd("number", scale=2), raw).code == "type"


@pytest.mark.parametrize("scale", [4, 8])
def test_accepted_number_fits_the_bigint_column(scale):
    field = fd("number", scale=scale)
    kind = REGISTRY["number"]
    try:
        value = save(field, "999999999999999")
    except FieldValueError as error:
        assert error.code == "range"
        return
    assert -BIGINT_MAX <= kind.to_db(field, value) <= BIGINT_MAX


@pytest.mark.parametrize("scale, raw", [(0, "123456789012345678901234567890.5"),
                                        (2, "123456789012345678901234567890.123")])
def test_huge_number_with_extra_places_is_refused_cleanly(scale, raw):
    assert refused(fd("number", scale=scale), raw).code in {"scale", "range"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_decimal_is_refused(value):
    assert refused(fd("number", scale=2), value).code == "type"


@pytest.mark.parametrize("field, raw, expected", [
    (fd("rating"), 1, 1),
    (fd("rating"), "5", 5),
    (fd("rating", max=10), 10, 10),
])
def test_rating_accepts_one_to_max(field, raw, expected):
    kind = REGISTRY["rating"]
    value = save(field, raw)
    assert kind.to_api(field, kind.from_db(field, kind.to_db(field, value))) == expected


@pytest.mark.parametrize("field, raw", [
    (fd("rating"), 0),
    (fd("rating"), 6),
    (fd("rating"), -1),
    (fd("rating", max=10), 11),
])
def test_rating_outside_one_to_max_is_refused(field, raw):
    assert refused(field, raw).code == "range"


def test_rating_is_whole_stars():
    assert refused(fd("rating"), "4.5").code == "scale"


# --------------------------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["2024-07-01", "2024/7/1", "2024年7月1日", "2024.07.01", " 2024-7-1 ",
                                 "2024-07-01T23:30:00", date(2024, 7, 1)])
def test_date_accepts_common_spellings(raw):
    assert save(fd("date"), raw) == date(2024, 7, 1)


@pytest.mark.parametrize("raw", ["2024-02-30", "2023-02-29", "2024-13-01", "yesterday", "01/07/2024"])
def test_date_refuses_impossible_dates(raw):
    assert refused(fd("date"), raw).code == "date"


@pytest.mark.usefixtures("app_zone")
@pytest.mark.parametrize("raw", [
    "2024-07-01T09:30:00+08:00",
    "2024-07-01T01:30:00Z",
    "2024-07-01T01:30:00+00:00",
    "2024-07-01T09:30:00",  # naive: read in the app zone (Asia/Shanghai)
    "2024-07-01 09:30:00",
])
def test_datetime_is_stored_as_naive_utc(raw):
    field = fd("datetime")
    kind = REGISTRY["datetime"]
    stored = kind.to_db(field, save(field, raw))
    assert stored == datetime(2024, 7, 1, 1, 30)
    assert stored.tzinfo is None
    api = kind.to_api(field, kind.from_db(field, stored))
    assert api == "2024-07-01T01:30:00Z"
    assert api.endswith("Z")


def test_naive_datetime_follows_the_configured_app_zone():
    before = clock.app_zone()
    try:
        clock.configure(ZoneInfo("Europe/Berlin"))
        value = save(fd("datetime"), "2024-07-01T09:30:00")
    finally:
        clock.configure(before)
    assert REGISTRY["datetime"].to_db(fd("datetime"), value) == datetime(2024, 7, 1, 7, 30)


@pytest.mark.usefixtures("app_zone")
def test_datetime_exports_in_the_app_zone():
    field = fd("datetime")
    assert REGISTRY["datetime"].to_text(field, save(field, "2024-07-31T16:30:00Z")) == "2024-08-01 00:30:00"


@pytest.mark.parametrize("raw", ["yesterday", "2024-07-01T25:00:00", "2024-02-30T09:00:00"])
def test_datetime_refuses_non_times(raw):
    assert refused(fd("datetime"), raw).code == "datetime"


# --------------------------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (None, False), ("", False), (True, True), (False, False),
    ("是", True), ("yes", True), ("true", True), ("TRUE", True), (" Yes ", True), ("1", True), ("√", True),
    ("否", False), ("no", False), ("false", False), ("0", False),
])
def test_boolean_is_never_blank(raw, expected):
    assert save(fd("boolean"), raw) is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "是的吧"])
def test_boolean_refuses_other_words(raw):
    assert refused(fd("boolean"), raw).code == "type"


@pytest.mark.parametrize("raw", ["opt_b", " opt_b ", "Beta", "乙"])
def test_select_takes_an_option_id_or_a_label_in_any_language(raw):
    assert save(fd("select", options=OPTIONS), raw) == "opt_b"


@pytest.mark.parametrize("raw", ["opt_z", "Delta", "beta"])
def test_select_refuses_unknown_options(raw):
    assert refused(fd("select", options=OPTIONS), raw).code == "option"


@pytest.mark.parametrize("raw, expected", [
    (["opt_c", "opt_a"], ["opt_a", "opt_c"]),
    (["opt_b", "opt_b", "Beta", "乙"], ["opt_b"]),
    ("Gamma, Alpha", ["opt_a", "opt_c"]),
    ("丙；甲", ["opt_a", "opt_c"]),
    ("opt_b;opt_a, ", ["opt_a", "opt_b"]),
    ([], None),
    ("", None),
    (None, None),
])
def test_multiselect_gives_ids_in_option_order(raw, expected):
    assert save(fd("multiselect", options=OPTIONS), raw) == expected


@pytest.mark.parametrize("raw", [["opt_a", "opt_z"], "Alpha, Omega"])
def test_multiselect_refuses_unknown_options(raw):
    assert refused(fd("multiselect", options=OPTIONS), raw).code == "option"


def test_select_exports_the_label_and_imports_it_back():
    field = fd("multiselect", options=OPTIONS)
    kind = REGISTRY["multiselect"]
    assert kind.to_text(field, ["opt_a", "opt_c"]) == "Alpha, Gamma"
    assert kind.from_text(field, "Alpha, Gamma") == ["opt_a", "opt_c"]


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", ["user", "department"])
@pytest.mark.parametrize("raw, expected", [("12", 12), (12, 12), (" 12 ", 12), ("", None), (None, None)])
def test_people_take_ids(type_, raw, expected):
    assert save(fd(type_), raw) == expected


@pytest.mark.parametrize("type_", ["user", "department"])
@pytest.mark.parametrize("raw", ["x", "12a", True, [12], {"id": 12}])
def test_people_refuse_non_ids(type_, raw):
    assert refused(fd(type_), raw).code == "type"


@pytest.mark.parametrize("type_", ["user", "department"])
def test_people_refuse_fractional_ids(type_):
    assert refused(fd(type_), 12.5).code == "type"


# --------------------------------------------------------------------------------------------
# Region
# --------------------------------------------------------------------------------------------

def test_region_is_stored_as_a_path_and_read_back_as_a_dict():
    field = fd("region")
    kind = REGISTRY["region"]
    api = {"province": "330000", "city": "330100", "district": "330106"}
    value = save(field, api)
    assert kind.to_db(field, value) == "330000/330100/330106"
    assert kind.to_api(field, kind.from_db(field, "330000/330100/330106")) == api


@pytest.mark.parametrize("raw, expected", [
    ({"province": "330000"}, "330000"),
    ({"province": "330000", "city": "330100"}, "330000/330100"),
    ({"province": "330000", "city": "330100", "district": ""}, "330000/330100"),
    ("330000/330100/330106", "330000/330100/330106"),
    ({}, None),
])
def test_region_accepts_a_partial_path(raw, expected):
    assert save(fd("region"), raw) == expected


@pytest.mark.parametrize("raw", [
    {"province": "330000", "city": "320100"},  # M10: Nanjing is not in Zhejiang
    {"province": "330000", "city": "330100", "district": "330206"},  # district of another city
    {"province": "330000", "district": "330106"},  # city missing
    {"city": "330100"},  # province missing
    {"province": "33"},
])
def test_region_refuses_codes_that_do_not_nest(raw):
    assert refused(fd("region"), raw).code == "region"


def test_region_levels_city_drops_the_district():
    field = fd("region", levels="city")
    value = save(field, {"province": "330000", "city": "330100", "district": "330106"})
    assert value == "330000/330100"
    assert REGISTRY["region"].to_api(field, value) == {"province": "330000", "city": "330100"}


def test_region_levels_province_keeps_only_the_province():
    assert save(fd("region", levels="province"), {"province": "330000", "city": "330100"}) == "330000"


# --------------------------------------------------------------------------------------------
# Attachments and images
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", ["attachment", "image"])
def test_attachments_are_file_ids_without_repeats(type_):
    assert save(fd(type_), ["f_b", "f_a", "f_b", {"id": "f_a"}]) == ["f_b", "f_a"]
    assert save(fd(type_), []) is None


@pytest.mark.parametrize("type_", ["attachment", "image"])
def test_attachments_over_max_files_are_refused(type_):
    field = fd(type_, max_files=2)
    assert save(field, ["f1", "f2", "f2"]) == ["f1", "f2"]  # duplicates do not count
    assert refused(field, ["f1", "f2", "f3"]).code == "max_files"


def test_attachments_default_to_at_most_20_files():
    assert len(save(fd("attachment"), [f"f{i}" for i in range(20)])) == 20
    assert refused(fd("attachment"), [f"f{i}" for i in range(21)]).code == "max_files"


def test_attachments_export_and_import_as_comma_list():
    field = fd("attachment")
    kind = REGISTRY["attachment"]
    assert kind.to_text(field, ["f1", "f2"]) == "f1, f2"
    assert kind.from_text(field, " f1 ,f2,, f1") == ["f1", "f2"]


@pytest.mark.parametrize("type_, accept, mime, ok", [
    ("attachment", None, "application/pdf", True),
    ("attachment", None, "image/png", True),
    ("attachment", ["image/*"], "image/png", True),
    ("attachment", ["image/*"], "application/pdf", False),
    ("attachment", ["image/*"], "imagex/png", False),
    ("attachment", ["application/pdf", "image/*"], "application/pdf", True),
    ("attachment", ["application/pdf"], "application/pdfx", False),
    ("image", None, "image/jpeg", True),
    ("image", None, "application/pdf", False),
    ("image", None, "text/html", False),
    ("image", ["image/png"], "image/png", True),
    ("image", ["image/png"], "image/gif", False),
])
def test_attachment_mime_allow_list(type_, accept, mime, ok):
    field = fd(type_, accept=accept)
    assert REGISTRY[type_].accepts(field, mime) is ok


# --------------------------------------------------------------------------------------------
# Auto-numbers
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["KH-{yyyy}", "KH-{yyyy}{mm}", "KH-{0000", "KH-{seq}-{0000}", "{YYYY}-{0000}"])
def test_autonumber_pattern_needs_a_counter_and_known_tokens(pattern):
    with pytest.raises(ValidationError):
        fd("autonumber", pattern=pattern)


@pytest.mark.parametrize("pattern", ["KH-{yyyy}{mm}-{0000}", "{0}", "INV{yy}{mm}{dd}{000000}", None])
def test_autonumber_good_patterns_are_accepted(pattern):
    assert fd("autonumber", pattern=pattern).pattern == pattern


@pytest.mark.parametrize("pattern, counter, expected", [
    ("KH-{yyyy}{mm}-{0000}", 12, "KH-202407-0012"),
    ("KH-{yyyy}{mm}-{0000}", 1, "KH-202407-0001"),
    ("KH-{yyyy}{mm}-{0000}", 12345, "KH-202407-12345"),  # never truncated
    ("{yy}{mm}{dd}-{000}", 7, "240705-007"),
    (None, 3, "0003"),
])
def test_autonumber_render(pattern, counter, expected):
    field = fd("autonumber", pattern=pattern)
    assert REGISTRY["autonumber"].render(field, date(2024, 7, 5), counter) == expected


@pytest.mark.parametrize("pattern, period", [
    ("KH-{yyyy}{mm}-{0000}", "202407"),
    ("KH-{yyyy}{mm}{dd}-{0000}", "20240705"),
    ("KH-{yyyy}-{0000}", "2024"),
    ("KH-{yy}-{0000}", "2024"),
    ("KH-{0000}", "-"),
    (None, "-"),
])
def test_autonumber_period_follows_the_finest_date_token(pattern, period):
    field = fd("autonumber", pattern=pattern)
    assert REGISTRY["autonumber"].period(field, date(2024, 7, 5)) == period


def test_autonumber_periods_differ_across_months():
    field = fd("autonumber", pattern="KH-{yyyy}{mm}-{0000}")
    kind = REGISTRY["autonumber"]
    assert kind.period(field, date(2024, 7, 31)) != kind.period(field, date(2024, 8, 1))
    assert kind.period(field, date(2024, 7, 1)) == kind.period(field, date(2024, 7, 31))


# --------------------------------------------------------------------------------------------
# The definition: per-type settings
# --------------------------------------------------------------------------------------------

def form_with(field: dict[str, Any]) -> dict[str, Any]:
    return {"key": "crm", "label": {"en": "CRM"},
            "fields": [{"id": "f1", "key": "f", "label": {"en": "F"}, **field}]}


@pytest.mark.parametrize("field", [
    {"type": "text", "scale": 2},
    {"type": "number", "options": OPTIONS},
    {"type": "boolean", "unique": True},
    {"type": "money", "scale": 2},
    {"type": "money", "currency": "XYZ"},
    {"type": "rating", "min": 1},
    {"type": "select", "max_length": 5},
    {"type": "date", "unique": True},
    {"type": "textarea", "unique": True},
    {"type": "attachment", "default": ["f1"]},
    {"type": "region", "options": OPTIONS},
    {"type": "user", "levels": "city"},
    {"type": "text", "accept": ["image/*"]},
])
def test_settings_that_do_not_fit_the_type_are_refused(field):
    with pytest.raises(ValidationError):
        FormDefinition.model_validate(form_with(field))


@pytest.mark.parametrize("field", [
    {"type": "text", "max_length": 50, "unique": True},
    {"type": "number", "scale": 2, "min": 0, "max": 100, "unique": True},
    {"type": "money", "currency": "JPY"},
    {"type": "percent", "scale": 1},
    {"type": "rating", "max": 10},
    {"type": "boolean", "default": True},
    {"type": "select", "options": OPTIONS, "default": "opt_a"},
    {"type": "multiselect", "options": OPTIONS},
    {"type": "region", "levels": "city"},
    {"type": "attachment", "max_files": 3, "max_size_mb": 10, "accept": ["image/*"]},
    {"type": "email", "unique": True},
    {"type": "phone", "unique": True},
    {"type": "autonumber", "pattern": "KH-{yyyy}{mm}-{0000}"},
])
def test_settings_that_fit_the_type_are_accepted(field):
    form = FormDefinition.model_validate(form_with(field))
    assert form.fields[0].type == field["type"]
