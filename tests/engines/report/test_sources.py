"""What a report reads besides a form's own fields: linked records (to one), a sub-form's
rows, region levels."""

from tests.engines.form.helpers import APP, field, form, publish, records

CUSTOMERS = form("customers", field("c_name", "text", "name"), field("c_region", "region", "region"),
                 field("c_industry", "text", "industry"))
DEALS = form("deals", field("d_customer", "relation", "customer", target="customers"),
             field("d_amount", "money", "amount"),
             field("d_lines", "subform", "lines", fields=[field("l_product", "text", "product"),
                                                          field("l_qty", "number", "qty")]))


def run(api, body: dict) -> list[dict]:
    response = api.post(f"{APP}/reports:query", json={"query": body})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def seed(api) -> None:
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish(api, DEALS).status_code == 200
    ids = []
    for name, region, industry in (("a", "330000/330100/330106", "retail"), ("b", "330000/330200", "food"),
                                   ("c", "110000/110100/110101", "retail")):
        made = api.post(records("customers"), json={"name": name, "region": region, "industry": industry})
        assert made.status_code == 201, made.text
        ids.append(made.json()["id"])
    for customer, amount, lines in ((ids[0], "100", [("x", 1), ("y", 2)]), (ids[1], "50", [("x", 5)]),
                                    (ids[2], "7", []), (None, "1", [("y", 1)])):
        made = api.post(records("deals"), json={"customer": customer, "amount": amount,
                                               "lines": [{"product": p, "qty": q} for p, q in lines]})
        assert made.status_code == 201, made.text


def test_dimensions_follow_a_link_to_one_record(api):
    seed(api)
    rows = run(api, {"source": {"form": "deals"}, "dimensions": [{"id": "i", "field": "customer.industry"}],
                     "measures": [{"id": "s", "agg": "sum", "field": "amount"}, {"id": "n", "agg": "count"}]})
    assert rows == [{"i": "food", "s": "50.00", "n": 1}, {"i": "retail", "s": "107.00", "n": 2},
                    {"i": None, "s": "1.00", "n": 1}]


def test_a_region_groups_by_province_or_city(api):
    seed(api)
    body = {"source": {"form": "deals"}, "dimensions": [{"id": "p", "field": "customer.region", "level": "province"}],
            "measures": [{"id": "s", "agg": "sum", "field": "amount"}]}
    assert run(api, body) == [{"p": "110000", "s": "7.00"}, {"p": "330000", "s": "150.00"}, {"p": None, "s": "1.00"}]
    body["dimensions"][0]["level"] = "city"
    assert [r["p"] for r in run(api, body)] == ["110100", "330100", "330200", None]
    response = api.post(f"{APP}/reports:query", json={"query": body, "chart": {"type": "map"}})
    assert response.status_code == 422  # a map is by province


def test_a_sub_forms_rows_are_a_source(api):
    seed(api)
    rows = run(api, {"source": {"form": "deals", "subform": "lines"}, "dimensions": [{"id": "p", "field": "product"}],
                     "measures": [{"id": "q", "agg": "sum", "field": "qty"}, {"id": "n", "agg": "count"},
                                  {"id": "deals", "agg": "count_distinct", "field": "record.id"}]})
    assert rows == [{"p": "x", "q": 6, "n": 2, "deals": 2}, {"p": "y", "q": 3, "n": 2, "deals": 2}]
    by_owner = run(api, {"source": {"form": "deals", "subform": "lines"}, "dimensions": [{"id": "o", "field": "owner"}],
                         "measures": [{"id": "n", "agg": "count"}]})
    assert len(by_owner) == 1 and by_owner[0]["n"] == 4  # the rows' record's owner
