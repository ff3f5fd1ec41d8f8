"""Quick search (the search box, ``?q=``) works on every form, whatever its computed fields."""

from tests.engines.form.helpers import field, form, publish, records

DEALS = form(
    "deals", field("d1", "text", "name"), field("d2", "number", "qty", scale=0), field("d3", "money", "price"),
    field("d4", "formula", "total", formula="qty * price"),
    field("d5", "formula", "label", formula='CONCAT(name, " deal")'),
    field("d6", "formula", "age", formula="DAYS(TODAY(), DATE(2020, 1, 1))"),
    field("d7", "formula", "stamp", formula='IF(NOW() > DATE(2020, 1, 1), name, "")'),
)


def test_quick_search_on_a_form_with_number_and_clock_formulas(api):
    answer = publish(api, DEALS)
    assert answer.status_code == 200, answer.text
    for name in ("Acme", "Beta"):
        assert api.post(records("deals"), json={"name": name, "qty": "2", "price": "3"}).status_code == 201
    found = api.get(records("deals"), params={"q": "acme"})
    assert found.status_code == 200, found.text
    assert [d["name"] for d in found.json()["items"]] == ["Acme"]
    # A text formula is searched too; a number is not text.
    assert [d["name"] for d in api.get(records("deals"), params={"q": "beta deal"}).json()["items"]] == ["Beta"]
    assert api.get(records("deals"), params={"q": "6"}).json()["items"] == []
