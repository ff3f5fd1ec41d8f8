"""What holds for any records: the groups add up to the total, exactly (money in cents)."""

import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engines.form.helpers import records
from tests.engines.report.helpers import STAGES, query, setup

ROWS = st.lists(st.tuples(st.sampled_from([None, *(s["id"] for s in STAGES)]),
                          st.one_of(st.none(), st.integers(min_value=-10**9, max_value=10**9)),
                          st.sampled_from([None, "2024-02-29", "2024-03-01", "2024-12-31", "2025-01-01"])),
                max_size=25)
MEASURES = [{"id": "n", "agg": "count"}, {"id": "rev", "agg": "sum", "field": "amount"},
            {"id": "k", "agg": "count", "field": "amount"}]


def test_groups_add_up_to_the_total(api):
    setup(api, [])
    batch = itertools.count()

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=ROWS, grain=st.sampled_from(["day", "week", "month", "quarter", "year"]))
    def check(rows, grain):
        tag = f"batch-{next(batch)}"
        made = [{"customer": tag, "stage": s, "day": d,
                 **({} if c is None else {"amount": str(Decimal(c).scaleb(-2))})} for s, c, d in rows]
        if made:
            assert api.post(f"{records('orders')}:bulk", json={"records": made}).status_code in (200, 201)
        mine = {"fn": "=", "args": [{"ref": "customer"}, {"lit": tag, "type": "text"}]}
        total = query(api, {"measures": MEASURES, "filters": mine})["rows"][0]
        expected = sum(c for _s, c, _d in rows if c is not None)
        assert total["n"] == len(rows)
        assert Decimal(total["rev"] or 0) == Decimal(expected).scaleb(-2)
        for dims in ([{"id": "s", "field": "stage"}], [{"id": "t", "field": "day", "grain": grain}],
                     [{"id": "s", "field": "stage"}, {"id": "t", "field": "day", "grain": grain}]):
            groups = query(api, {"dimensions": dims, "measures": MEASURES, "filters": mine})["rows"]
            assert sum(g["n"] for g in groups) == total["n"]
            assert sum(g["k"] for g in groups) == total["k"]
            assert sum(Decimal(g["rev"] or 0) for g in groups) == Decimal(total["rev"] or 0)

    check()
