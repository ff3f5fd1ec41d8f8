"""A sub-form's row counts speak proper English: one row, two rows."""

import pytest

from tests.engines.form.helpers import field, form, publish, records


@pytest.mark.parametrize(("least", "most", "rows", "message"), [
    (1, None, 0, "Add at least 1 row."),
    (2, None, 0, "Add at least 2 rows."),
    (None, 1, 2, "Keep at most 1 row."),
    (None, 3, 4, "Keep at most 3 rows."),
])
def test_the_row_count_message_agrees_with_the_number(api, least, most, rows, message):
    lines = field("o2", "subform", "lines", min_rows=least, max_rows=most, fields=[field("l1", "text", "product")])
    assert publish(api, form("orders", field("o1", "text", "title"), lines)).status_code == 200
    bad = api.post(records("orders"), json={"title": "A", "lines": [{"product": "Pen"}] * rows})
    assert bad.status_code == 422
    assert [e["message"] for e in bad.json()["errors"] if e["field"] == "lines"] == [message]
