"""Reading xlsx and csv files row by row, in the encodings Chinese and other spreadsheets write."""

import io
from datetime import datetime

import pytest

from brickwork.engines.form.transfer.reading import open_table
from brickwork.platform.errors import Invalid
from tests.engines.form.transfer.files import csv_bytes, xlsx


def rows(data: bytes, name: str = "f.csv"):
    table = open_table(io.BytesIO(data), name)
    return table, list(table.rows)


def test_gbk_csv_from_a_chinese_excel_reads_right():
    data = csv_bytes(["客户名称,城市", "杭州西湖茶业有限公司,杭州", "深圳鹏城电子,深圳"], "gbk")
    table, found = rows(data)
    assert table.encoding == "GBK/GB18030"
    assert table.headers == ["客户名称", "城市"]
    assert found == [(2, {"客户名称": "杭州西湖茶业有限公司", "城市": "杭州"}),
                     (3, {"客户名称": "深圳鹏城电子", "城市": "深圳"})]


def test_utf8_with_and_without_bom():
    table, found = rows(b"\xef\xbb\xbf" + csv_bytes(["name,city", "Ölmühle,Zürich"]))
    assert table.encoding == "UTF-8 (BOM)" and table.headers == ["name", "city"]  # no BOM in the header
    assert found == [(2, {"name": "Ölmühle", "city": "Zürich"})]
    table, _found = rows(csv_bytes(["名称", "客户"]))
    assert table.encoding == "UTF-8"


def test_semicolons_tabs_quotes_blank_rows_and_repeated_headers():
    data = csv_bytes(['name;note;name', '"Li; Ltd";"two', 'lines";x', ';;', '  ;b;'])
    table, found = rows(data)
    assert table.headers == ["name", "note", "name (2)"]
    # Row numbers count records as a spreadsheet shows them; blank rows are skipped, not renumbered.
    assert found == [(2, {"name": "Li; Ltd", "note": "two\r\nlines", "name (2)": "x"}),
                     (4, {"name": None, "note": "b", "name (2)": None})]


def test_xlsx_rows_keep_numbers_and_dates():
    data = xlsx([[None], ["Name", "Amount", "Day", None, "Short"], ["Acme", 12.0, datetime(2024, 7, 1)],
                 [None, None], ["Beta", -1.5, None, "ignored", "B"]])
    table, found = rows(data, "f.xlsx")
    assert table.kind == "xlsx" and table.headers == ["Name", "Amount", "Day", "Short"]
    assert found == [(3, {"Name": "Acme", "Amount": 12, "Day": datetime(2024, 7, 1), "Short": None}),
                     (5, {"Name": "Beta", "Amount": -1.5, "Day": None, "Short": "B"})]


@pytest.mark.parametrize("data, name, code", [
    (b"", "empty.csv", "header"),
    (b"\r\n , \r\n", "blank.csv", "header"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "format"),
    (b"%PDF-1.7 ...", "scan.pdf", "format"),
    (b"PK\x03\x04not really a zip", "broken.xlsx", "format"),
    (b"name\n\x80\xff\xfe\x81", "odd.csv", "encoding"),
])
def test_files_that_cannot_be_read_say_why(data, name, code):
    with pytest.raises(Invalid) as caught:
        rows(data, name)
    assert caught.value.errors[0].field == "file" and caught.value.errors[0].code == code
