"""The worked RFM example of engine-semantics §5.5, and its variants, through the API."""

from datetime import date, timedelta

import pytest

from tests.engines.form.helpers import APP
from tests.engines.report.helpers import setup

# customer, last order, orders, total (yuan) -> R, F, M, segment (the reference's table)
CUSTOMERS = [
    ("C01", "2024-06-29", 12, 5200, "555", "champions"),
    ("C02", "2024-06-26", 1, 120, "511", "new_customers"),
    ("C03", "2024-06-19", 8, 2300, "444", "loyal_customers"),
    ("C04", "2024-06-11", 2, 300, "411", "promising"),
    ("C05", "2024-05-17", 5, 1200, "333", "need_attention"),
    ("C06", "2024-05-02", 3, 450, "322", "about_to_sleep"),
    ("C07", "2024-03-28", 15, 4100, "255", "cant_lose"),
    ("C08", "2024-03-03", 6, 1500, "233", "at_risk"),
    ("C09", "2023-12-14", 9, 2600, "144", "at_risk"),
    ("C10", "2023-08-26", 4, 900, "122", "hibernating"),
]
RECENCY = {"C01": 2, "C02": 5, "C03": 12, "C04": 20, "C05": 45, "C06": 60, "C07": 95, "C08": 120, "C09": 200,
           "C10": 310}
PAID = {"fn": "=", "args": [{"ref": "stage"}, {"lit": "won", "type": "choice"}]}


def orders(customer: str, last: str, count: int, total: int, stage: str = "won") -> list[dict]:
    """``count`` orders 7 days apart ending on ``last``, ``total`` yuan split evenly in cents."""
    cents, end = total * 100, date.fromisoformat(last)
    share, rest = divmod(cents, count)
    return [{"customer": customer, "stage": stage, "day": (end - timedelta(days=7 * i)).isoformat(),
             "amount": f"{(share + (i < rest)) / 100:.2f}"} for i in range(count)]


def spec(**extra) -> dict:
    return {"form": "orders", "customer": "customer", "date": "day", "amount": "amount", "as_of": "2024-07-01",
            "filters": PAID, **extra}


def rfm(api, **extra) -> dict:
    response = api.post(f"{APP}/reports:rfm", json=spec(**extra))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def shop(api):
    rows = [o for c in CUSTOMERS for o in orders(*c[:4])]
    assert len(rows) == 65
    setup(api, rows)
    return api


def test_the_worked_example_scores_and_segments(shop):
    result = rfm(shop)
    got = [(c["customer"], c["recency_days"], c["frequency"], c["monetary"], c["rfm"], c["segment"])
           for c in result["customers"]]
    assert got == [(c, RECENCY[c], n, f"{total}.00", score, segment) for c, _l, n, total, score, segment in CUSTOMERS]
    summary = [(s["segment"], s["customers"], s["revenue"], round(s["share"] * 100, 1)) for s in result["segments"]]
    assert summary == [
        ("champions", 1, "5200.00", 27.9), ("cant_lose", 1, "4100.00", 22.0), ("at_risk", 2, "4100.00", 22.0),
        ("loyal_customers", 1, "2300.00", 12.3), ("need_attention", 1, "1200.00", 6.4),
        ("hibernating", 1, "900.00", 4.8), ("about_to_sleep", 1, "450.00", 2.4), ("promising", 1, "300.00", 1.6),
        ("new_customers", 1, "120.00", 0.6), ("potential_loyalists", 0, "0", 0.0)]


def test_a_twin_splits_under_ntile_and_shares_under_cume_dist(shop):
    shop.post("/api/v1/apps/crm/forms/orders/records:bulk", json={"records": orders("C11", "2024-05-02", 3, 450)})
    by = {c["customer"]: (c["rfm"], c["segment"]) for c in rfm(shop)["customers"]}
    assert by["C06"] == ("211", "hibernating") and by["C11"] == ("322", "about_to_sleep")
    assert by["C08"][0][0] == "1" and by["C08"][1] == "at_risk"
    unchanged = {c: (s, seg) for c, _l, _n, _t, s, seg in CUSTOMERS if c not in ("C06", "C08")}
    assert {c: by[c] for c in unchanged} == unchanged
    shared = {c["customer"]: (c["rfm"], c["segment"]) for c in rfm(shop, ties="shared")["customers"]}
    assert shared["C06"] == shared["C11"] == ("322", "about_to_sleep")
    assert shared["C03"] == ("544", "champions") and shared["C05"] == ("433", "potential_loyalists")
    assert shared["C09"] == ("155", "cant_lose") and shared["C10"] == ("133", "at_risk")


def test_a_day_later_only_recency_moves(shop):
    before, after = rfm(shop)["customers"], rfm(shop, as_of="2024-07-02")["customers"]
    assert [c["recency_days"] + 1 for c in before] == [c["recency_days"] for c in after]
    assert [(c["rfm"], c["segment"]) for c in before] == [(c["rfm"], c["segment"]) for c in after]


def test_a_cancelled_order_is_left_out(shop):
    shop.post("/api/v1/apps/crm/forms/orders/records:bulk",
              json={"records": orders("C02", "2024-06-30", 1, 999, stage="lost")})
    c02 = next(c for c in rfm(shop)["customers"] if c["customer"] == "C02")
    assert (c02["frequency"], c02["monetary"], c02["segment"]) == (1, "120.00", "new_customers")


def test_a_customer_whose_orders_have_no_amount_spent_nothing(shop):
    # Scored lowest for money on both databases (not NULL, which each sorts at its own end).
    shop.post("/api/v1/apps/crm/forms/orders/records:bulk",
              json={"records": [{"customer": "C12", "stage": "won", "day": "2024-06-30"}]})
    c12 = next(c for c in rfm(shop)["customers"] if c["customer"] == "C12")
    assert (c12["frequency"], c12["monetary"], c12["m"]) == (1, "0.00", 1)


def test_the_segment_map_is_the_apps_to_choose(shop):
    mine = [{"name": "best", "r": [4, 5], "f": [4, 5]}, {"name": "rest", "r": [1, 2, 3], "f": [1, 2, 3, 4, 5]}]
    segments = {c["customer"]: c["segment"] for c in rfm(shop, segments=mine)["customers"]}
    assert segments["C01"] == "best" and segments["C10"] == "rest" and segments["C02"] is None
    overlapping = [{"name": "a", "r": [1], "f": [1]}, {"name": "b", "r": [1], "f": [1, 2]}]
    assert shop.post(f"{APP}/reports:rfm", json=spec(segments=overlapping)).status_code == 422


def test_a_saved_rfm_report_reads_the_same(shop):
    body = {"key": "rfm", "label": {"en": "RFM"}, "rfm": spec(), "chart": {"type": "table"}}
    assert shop.put(f"{APP}/definitions/report/rfm", json=body).status_code == 200
    assert shop.post(f"{APP}/definitions/report/rfm:publish").status_code == 200
    data = shop.get(f"{APP}/reports/rfm/data").json()
    assert data["rfm"] == rfm(shop)
