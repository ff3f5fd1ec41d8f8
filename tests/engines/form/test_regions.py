"""Region values keep their GB/T 2260 codes but read, export and import as names."""

import pytest

from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.display import display
from brickwork.engines.form.fieldtypes import REGISTRY, FieldValueError
from brickwork.engines.form.regions import region_codes, region_names
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import csv_bytes

REGION = FieldDef(id="r", key="region", label={"en": "Region"}, type="region")


def test_a_region_reads_as_province_city_and_district_names():
    value = {"province": "310000", "city": "310100", "district": "310115"}
    assert display(REGION, value) == "上海市 / 上海市 / 浦东新区"
    assert region_names("330000/330100") == ["浙江省", "杭州市"]


@pytest.mark.parametrize(("text", "stored"), [
    ("上海市 / 上海市 / 浦东新区", "310000/310100/310115"),
    ("浙江省/杭州市/西湖区", "330000/330100/330106"),
    ("上海市/市辖区/浦东新区", "310000/310100/310115"),
    ("330000/330100", "330000/330100"),
])
def test_names_or_codes_are_taken_and_stored_as_codes(text, stored):
    assert REGISTRY["region"].parse(REGION, text) == stored


def test_a_name_not_under_the_region_above_is_refused():
    with pytest.raises(FieldValueError) as caught:
        REGISTRY["region"].parse(REGION, "浙江省 / 上海市")
    assert caught.value.code == "region"
    assert region_codes(["浙江省", "朝阳区"]) is None


def test_an_import_accepts_names_and_the_export_writes_them(api):
    assert publish(api, form("shops", field("f1", "text", "name", required=True, label={"en": "Name"}),
                             field("f2", "region", "region", label={"en": "Region"}))).status_code == 200
    data = csv_bytes(["Name,Region", "One,上海市 / 上海市 / 浦东新区", "Two,330000/330100/330106"])
    result = api.post(records("shops") + ":import", files={"file": ("s.csv", data)}).json()
    assert result["created"] == 2, result
    items = api.get(records("shops"), params={"sort": "id"}).json()["items"]
    assert [i["region"]["district"] for i in items] == ["310115", "330106"]
    assert items[0]["_meta"]["display"] == {"region": "上海市 / 上海市 / 浦东新区"}  # names beside the codes
    exported = api.get(records("shops") + ":export", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "浙江省 / 杭州市 / 西湖区" in exported

    bad = api.post(records("shops") + ":import", files={"file": ("s.csv", csv_bytes(["Name,Region", "Three,火星"]))})
    problem = bad.json()["problems"][0]
    assert (bad.json()["failed"], problem["row"], problem["message"].startswith("No such region: 火星")) == (1, 2, True)


@pytest.mark.parametrize("value", ["٣١٠٠٠٠", "３１００００/３１０１００", {"province": "٣١٠٠٠٠"}])
def test_codes_in_other_digits_are_refused_not_stored(value):
    with pytest.raises(FieldValueError) as caught:
        REGISTRY["region"].parse(REGION, value)
    assert caught.value.code == "region"
