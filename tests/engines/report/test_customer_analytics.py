"""Customer analytics on 70 000 transactions, checked against pandas on the same rows.

The data set is generated with a fixed seed (customers of very different activity, two
years of days, money in cents, some blank amounts and regions), loaded once per module
through the records bulk API, and every report is computed a second time in pandas from
the generated rows, by the definitions in docs/reports.md and engine-semantics §5: BLANK is
its own group, sums and averages skip blank values, money is exact, datetimes are bucketed
in the app's zone (Asia/Shanghai), weeks are ISO weeks, RFM scores are NTILE(5) with the
customer breaking ties (or CEIL(5 × CUME_DIST()) with ``ties: shared``).

Loading takes most of the module's time (about a minute on SQLite, more on PostgreSQL);
the reports themselves take a few seconds.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient

from brickwork.app import create_app
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.settings import load_settings
from tests.engines.form.helpers import APP, field, form, publish, records
from tests.support.databases import database

pytestmark = pytest.mark.dataset

ROWS = 70_000
CUSTOMERS = 2_000
REGIONS = ["east", "south", "north", "west", "central", "northeast"]
PRODUCTS = ["phone", "laptop", "tablet", "watch", "earbuds", "camera", "speaker", "charger"]
STATUSES = ["placed", "paid", "shipped", "delivered", "refunded"]
FIRST_DAY, DAYS = date(2023, 1, 1), 731  # 2023-01-01 … 2024-12-31
AS_OF = "2024-10-31"
NOT_REFUNDED = {"fn": "<>", "args": [{"ref": "status"}, {"lit": "refunded", "type": "choice"}]}
ZONE = "Asia/Shanghai"


def options(ids: list[str]) -> list[dict]:
    return [{"id": i, "label": {"en": i.title()}} for i in ids]


SALES = form("sales", field("s_customer", "text", "customer"), field("s_day", "date", "day"),
             field("s_paid_at", "datetime", "paid_at"), field("s_amount", "money", "amount"),
             field("s_qty", "number", "qty"), field("s_region", "select", "region", options=options(REGIONS)),
             field("s_product", "select", "product", options=options(PRODUCTS)),
             field("s_status", "select", "status", options=options(STATUSES)))


def generate() -> list[dict]:
    """Deterministic transactions: a few customers buy often, most rarely (every customer
    at least twice); about 1 % of amounts and 3 % of regions are blank."""
    rng = random.Random(17)
    names = [f"C{i:04d}" for i in range(1, CUSTOMERS + 1)]
    weights = [1 / (i ** 0.8) for i in range(1, CUSTOMERS + 1)]
    who = names * 2 + rng.choices(names, weights, k=ROWS - 2 * CUSTOMERS)
    rng.shuffle(who)
    rows = []
    for customer in who:
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        paid_at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
        rows.append({
            "customer": customer, "day": day.isoformat(), "paid_at": paid_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "amount": None if rng.random() < 0.01 else f"{Decimal(rng.randrange(100, 500_000)) / 100:.2f}",
            "qty": rng.randrange(1, 6),
            "region": None if rng.random() < 0.03 else rng.choice(REGIONS),
            "product": rng.choice(PRODUCTS),
            "status": rng.choices(STATUSES, [10, 30, 25, 30, 5])[0]})
    return rows


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["cents"] = pd.array([None if r["amount"] is None else int(Decimal(r["amount"]) * 100) for r in rows],
                           dtype="Int64")
    df["day"] = pd.to_datetime(df["day"])
    df["local"] = pd.to_datetime(df["paid_at"], utc=True).dt.tz_convert(ZONE)
    return df


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """One database for the module (a file, or a PostgreSQL schema), the data set loaded
    through ``records:bulk``, an administrator's client; and the same rows in pandas."""
    folder = tmp_path_factory.mktemp("analytics")
    with database(folder) as url:
        settings = load_settings(data_dir=Path(folder) / "data", database_url=url, worker=False)
        engine = make_engine(url)
        with transaction(make_sessionmaker(engine)) as session:
            create_user(session, "admin", "admin-password-1", is_admin=True)
            token = create_token(session, "admin", "tests")[1]
        rows = generate()
        try:
            with TestClient(create_app(settings), headers={"Accept-Language": "en"}) as client:
                client.headers["Authorization"] = f"Bearer {token}"
                assert publish(client, SALES).status_code == 200
                for start in range(0, ROWS, 5_000):
                    response = client.post(f"{records('sales')}:bulk", json={"records": rows[start:start + 5_000]})
                    assert response.status_code == 201, response.text[:500]
                yield client, frame(rows)
        finally:
            engine.dispose()


def report(client, body: dict, chart: dict | None = None) -> dict:
    payload = {"query": {"source": {"form": "sales"}, **body}, **({"chart": chart} if chart else {})}
    response = client.post(f"{APP}/reports:query", json=payload)
    assert response.status_code == 200, response.text
    return response.json()


def yuan(cents) -> str | None:
    """Cents as the API writes money: exact, two places."""
    return None if pd.isna(cents) else str(Decimal(int(cents)).scaleb(-2))


def total(cents: pd.Series) -> str | None:
    """A SUM as SQL has it: BLANK when there is no value to add."""
    return yuan(cents.sum(min_count=1))


def average(total, count) -> str | None:
    """An average of money: exact, two more places than the field, half to even."""
    if not count:
        return None
    return str((Decimal(int(total)) / Decimal(int(count))).scaleb(-2).quantize(Decimal("0.0001")))


def key(value):
    return None if pd.isna(value) else value


def by_group(df: pd.DataFrame, column: str) -> dict:
    """count, count of amounts, sum, avg, min, max, distinct customers per group, BLANK a group."""
    out = {}
    for group, part in df.groupby(column, dropna=False):
        cents = part["cents"].dropna()
        out[key(group)] = {"n": len(part), "amounts": len(cents), "rev": total(cents),
                           "avg": average(cents.sum(), len(cents)), "lo": yuan(cents.min()) if len(cents) else None,
                           "hi": yuan(cents.max()) if len(cents) else None, "buyers": part["customer"].nunique()}
    return out


MEASURES = [{"id": "n", "agg": "count"}, {"id": "amounts", "agg": "count", "field": "amount"},
            {"id": "rev", "agg": "sum", "field": "amount"}, {"id": "avg", "agg": "avg", "field": "amount"},
            {"id": "lo", "agg": "min", "field": "amount"}, {"id": "hi", "agg": "max", "field": "amount"},
            {"id": "buyers", "agg": "count_distinct", "field": "customer"}]


def test_the_data_set_is_what_it_says(shop):
    client, df = shop
    assert len(df) == ROWS and df["customer"].nunique() == CUSTOMERS
    assert df["cents"].isna().sum() > 500 and df["region"].isna().sum() > 1500
    assert report(client, {"measures": [{"id": "n", "agg": "count"}]})["rows"] == [{"n": ROWS}]


@pytest.mark.parametrize("dimension", ["region", "product", "status"])
def test_count_sum_average_min_max_distinct_by_group(shop, dimension):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "g", "field": dimension}], "measures": MEASURES})
    got = {row.pop("g"): row for row in data["rows"]}
    assert got == by_group(df, dimension)


@pytest.mark.parametrize("grain, label", [
    ("day", lambda d: d.strftime("%Y-%m-%d")),
    ("week", lambda d: f"{d.isocalendar().year}-W{d.isocalendar().week:02d}"),
    ("month", lambda d: d.strftime("%Y-%m")),
    ("quarter", lambda d: f"{d.year}-Q{(d.month + 2) // 3}"),
    ("year", lambda d: str(d.year))])
def test_a_trend_of_a_date_buckets_as_pandas_does(shop, grain, label):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "g", "field": "day", "grain": grain}], "measures": MEASURES})
    assert {row.pop("g"): row for row in data["rows"]} == by_group(df.assign(g=df["day"].map(label)), "g")


def test_a_monthly_trend_of_a_datetime_is_bucketed_in_the_app_zone(shop):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "g", "field": "paid_at", "grain": "month"}], "measures": MEASURES},
                  chart={"type": "line"})
    expected = by_group(df.assign(g=df["local"].dt.strftime("%Y-%m")), "g")
    assert {row.pop("g"): row for row in data["rows"]} == expected
    # Midnight in Shanghai is 16:00 UTC: some rows of the last UTC day of a month count in the next.
    assert sum(1 for m in expected if m == "2025-01") == 1
    assert data["chart"]["categories"] == sorted(expected)


def test_filtered_measures_and_a_conversion_rate_per_month(shop):
    client, df = shop
    delivered = {"fn": "=", "args": [{"ref": "status"}, {"lit": "delivered", "type": "choice"}]}
    data = report(client, {
        "dimensions": [{"id": "m", "field": "day", "grain": "month"}],
        "measures": [{"id": "n", "agg": "count"}, {"id": "done", "agg": "count", "filter": delivered},
                     {"id": "done_rev", "agg": "sum", "field": "amount", "filter": delivered},
                     {"id": "rate", "calc": {"fn": "/", "args": [{"ref": "done"}, {"ref": "n"}]}}],
        "filters": {"fn": "=", "args": [{"ref": "region"}, {"lit": "east", "type": "choice"}]}})
    east = df[df["region"] == "east"]
    expected = {}
    for month, part in east.groupby(east["day"].dt.strftime("%Y-%m")):
        done = part[part["status"] == "delivered"]
        expected[month] = {"n": len(part), "done": len(done), "done_rev": total(done["cents"]),
                           "rate": len(done) / len(part)}
    assert {row.pop("m"): row for row in data["rows"]} == expected


def test_a_pivot_of_region_by_product_with_its_subtotals(shop):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "region", "field": "region"}, {"id": "product", "field": "product"}],
                           "measures": [{"id": "n", "agg": "count"}, {"id": "rev", "agg": "sum", "field": "amount"},
                                        {"id": "avg", "agg": "avg", "field": "amount"}]},
                  chart={"type": "pivot"})
    pivot = data["chart"]
    cells = {(r, c): pivot["cells"][i][j] for i, r in enumerate(pivot["rows"]) for j, c in enumerate(pivot["columns"])}
    expected = {}
    for (region, product), part in df.groupby(["region", "product"], dropna=False):
        cents = part["cents"].dropna()
        expected[(key(region), product)] = {"n": len(part), "rev": total(cents),
                                            "avg": average(cents.sum(), len(cents))}
    assert cells == expected
    # Subtotals: counts and sums added up; an average has none (adding averages is wrong).
    rows = {r: t for r, t in zip(pivot["rows"], pivot["row_totals"], strict=True)}
    assert rows == {key(r): {"n": str(len(p)), "rev": yuan(p["cents"].sum()), "avg": None}
                    for r, p in df.groupby("region", dropna=False)}
    columns = {c: t for c, t in zip(pivot["columns"], pivot["column_totals"], strict=True)}
    assert columns == {c: {"n": str(len(p)), "rev": yuan(p["cents"].sum()), "avg": None}
                       for c, p in df.groupby("product")}
    assert pivot["total"] == {"n": str(ROWS), "rev": yuan(df["cents"].sum()), "avg": None}


def test_a_leaderboard_of_the_top_customers(shop):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "who", "field": "customer"}],
                           "measures": [{"id": "rev", "agg": "sum", "field": "amount"}],
                           "rank": {"by": "rev"}, "sort": [{"by": "rev", "dir": "desc"}], "limit": 20},
                  chart={"type": "leaderboard"})
    totals = df.groupby("customer")["cents"].sum().rename("cents").reset_index()
    totals["rank"] = totals["cents"].rank(method="min", ascending=False).astype(int)
    top = totals.sort_values(["cents", "customer"], ascending=[False, True]).head(20)
    assert [(i["rank"], i["name"], i["value"]) for i in data["chart"]["items"]] == \
        [(r.rank, r.customer, yuan(r.cents)) for r in top.itertuples()]


def test_a_funnel_of_order_statuses(shop):
    client, df = shop
    data = report(client, {"dimensions": [{"id": "status", "field": "status"}],
                           "measures": [{"id": "n", "agg": "count"}]},
                  chart={"type": "funnel", "options": {"stages": ["placed", "paid", "shipped", "delivered"]}})
    counts = df["status"].value_counts()
    stages, first, previous = [], counts["placed"], None
    for name in ["placed", "paid", "shipped", "delivered"]:
        stages.append({"name": name, "value": int(counts[name]), "of_first": counts[name] / first,
                       "of_previous": None if previous is None else counts[name] / previous})
        previous = counts[name]
    assert data["chart"]["stages"] == stages


# The standard (R, F) → segment map of engine-semantics §5.5, written out cell by cell.
SEGMENTS = {
    5: ["new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"],
    4: ["promising", "potential_loyalists", "potential_loyalists", "loyal_customers", "loyal_customers"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers", "loyal_customers"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"]}


def ntile(n: int, position: int) -> int:
    """SQL's NTILE(5) for the row at ``position`` (0-based) of ``n``: the first n % 5
    buckets hold one row more."""
    size, bigger = divmod(n, 5)
    if position < bigger * (size + 1):
        return position // (size + 1) + 1
    return bigger + (position - bigger * (size + 1)) // size + 1


def scores(values: pd.Series, customers: pd.Series, ascending: bool, ties: str) -> pd.Series:
    if ties == "ntile":
        order = pd.DataFrame({"v": values, "c": customers}).sort_values(["v", "c"], ascending=[ascending, True])
        return pd.Series([ntile(len(order), i) for i in range(len(order))], index=order.index)
    share = values.rank(method="max", ascending=ascending) / len(values)  # CUME_DIST()
    return (5 * share).map(math.ceil)


def rfm_in_pandas(df: pd.DataFrame, ties: str) -> pd.DataFrame:
    paid = df[(df["status"] != "refunded") & (df["day"] <= pd.Timestamp(AS_OF))]
    per = paid.groupby("customer").agg(last=("day", "max"), frequency=("day", "size"),
                                       cents=("cents", lambda c: c.sum(min_count=1))).reset_index()
    assert per["cents"].notna().all()  # the data set gives every scored customer an amount
    per["recency"] = (pd.Timestamp(AS_OF) - per["last"]).dt.days
    per["r"] = scores(per["recency"], per["customer"], False, ties)
    per["f"] = scores(per["frequency"], per["customer"], True, ties)
    per["m"] = scores(per["cents"], per["customer"], True, ties)
    per["segment"] = [SEGMENTS[r][f - 1] for r, f in zip(per["r"], per["f"], strict=True)]
    return per.sort_values("customer")


@pytest.mark.parametrize("ties", ["ntile", "shared"])
def test_rfm_scores_and_segments_match_pandas(shop, ties):
    client, df = shop
    response = client.post(f"{APP}/reports:rfm", json={
        "form": "sales", "customer": "customer", "date": "day", "amount": "amount", "as_of": AS_OF,
        "filters": NOT_REFUNDED, "ties": ties})
    assert response.status_code == 200, response.text
    result = response.json()
    per = rfm_in_pandas(df, ties)
    assert [(c["customer"], c["recency_days"], c["frequency"], c["monetary"], c["r"], c["f"], c["m"], c["segment"])
            for c in result["customers"]] == \
        [(p.customer, p.recency, p.frequency, yuan(p.cents), p.r, p.f, p.m, p.segment) for p in per.itertuples()]
    everything = Decimal(int(per["cents"].sum()))
    expected = {}
    for name in dict.fromkeys(s for row in SEGMENTS.values() for s in row):
        mine = per[per["segment"] == name]
        cents = Decimal(int(mine["cents"].sum()))
        expected[name] = (len(mine), str(cents.scaleb(-2)), float(cents / everything))
    assert {s["segment"]: (s["customers"], s["revenue"], s["share"]) for s in result["segments"]} == expected
