"""RFM segmentation, a built-in customer analysis usable on any app with an order form
that names its customer, a date and an amount (engine-semantics §5.5).

Two stages in one statement: per-customer aggregates (last order, number of orders, total
spent) under the viewer's row scope and the preset's filter, then window scores 1–5 by
quintile, 5 best. Scores are ``NTILE(5)`` with the customer id breaking ties (the default:
equal-sized buckets, twins may split) or ``CEIL(5 * CUME_DIST())`` (``ties: shared``: twins
share a score, buckets differ in size). Segments come from the (R, F) pair by a map the
app may replace; the default is the map most public implementations use.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, func, literal_column, null, select

from brickwork.engines.form.records import RecordService
from brickwork.engines.report.buckets import local_time, utc_bounds
from brickwork.engines.report.fields import Fields, invalid
from brickwork.engines.report.model import Rfm
from brickwork.platform.clock import today
from brickwork.platform.i18n import _


def _score(order, dialect: str, ties: str):
    if ties == "ntile":
        return func.ntile(5).over(order_by=order)
    share = func.cume_dist().over(order_by=order[0]) * 5
    if dialect == "postgresql":
        return cast(func.ceil(share), Integer)
    whole = cast(share, Integer)  # SQLite: CAST truncates toward zero, so ceil is whole + (share > whole)
    return whole + case((share > whole, 1), else_=0)


def rfm_statement(service: RecordService, spec: Rfm):
    service.grant.require("read")
    dialect = service.db.dialect.name
    fields = Fields(service)
    customer = fields.resolve(spec.customer, "customer")
    when = fields.resolve(spec.date, "date")
    amount = fields.resolve(spec.amount, "amount")
    if when.type not in ("date", "datetime"):
        raise invalid("date", "type", _("RFM needs a date field."))
    if amount.type != "number":
        raise invalid("amount", "type", _("RFM needs a number or money field for the amount."))
    as_of = date.fromisoformat(spec.as_of) if spec.as_of else today()
    t = service.table
    where = [service.grant.scope, t.c.deleted_at.is_(None), customer.column.is_not(None),
             when.column < utc_bounds(as_of + timedelta(days=1), when.type)]
    if spec.filters is not None:
        where.append(service.compile_condition(spec.filters, check_readable=True))
    day = local_time(when.column, when.type, dialect)
    if when.type == "datetime":
        day = func.date(day) if dialect == "sqlite" else cast(day, Date)
    base = (select(customer.column.label("customer"), func.max(day).label("last_order"),
                   # Orders without an amount add nothing (BLANK is zero in a sum); a customer with
                   # none spent 0, not NULL, which the two databases would sort at opposite ends.
                   func.count().label("frequency"), func.coalesce(func.sum(amount.column), 0).label("monetary"))
            .select_from(fields_source(fields)).where(*where).group_by(customer.column).cte("base"))
    if dialect == "postgresql":
        recency = cast(literal_column(f"DATE '{as_of.isoformat()}'") - cast(base.c.last_order, Date), Integer)
    else:
        recency = cast(func.julianday(literal_column(f"'{as_of.isoformat()}'")) - func.julianday(base.c.last_order),
                       Integer)
    rfm = select(base, recency.label("recency")).cte("rfm")
    scored = select(
        rfm,
        _score([rfm.c.recency.desc(), rfm.c.customer], dialect, spec.ties).label("r"),
        _score([rfm.c.frequency, rfm.c.customer], dialect, spec.ties).label("f"),
        _score([rfm.c.monetary, rfm.c.customer], dialect, spec.ties).label("m"),
    ).cte("scored")
    segment = case(*[(and_(scored.c.r.in_(s.r), scored.c.f.in_(s.f)), s.name) for s in spec.segments], else_=null())
    return select(scored.c.customer, scored.c.recency, scored.c.frequency, scored.c.monetary,
                  scored.c.r, scored.c.f, scored.c.m, segment.label("segment")).order_by(scored.c.customer), amount


def fields_source(fields: Fields):
    source = fields.service.table
    for linked, on in fields.joins.values():
        source = source.outerjoin(linked, on)
    return source


def run_rfm(service: RecordService, spec: Rfm) -> dict[str, Any]:
    statement, amount = rfm_statement(service, spec)
    customers = []
    for row in service.db.execute(statement):
        monetary = Decimal(int(row.monetary)).scaleb(-amount.scale) if row.monetary is not None else None
        customers.append({"customer": row.customer, "recency_days": int(row.recency), "frequency": int(row.frequency),
                          "monetary": None if monetary is None else str(monetary), "r": row.r, "f": row.f, "m": row.m,
                          "rfm": f"{row.r}{row.f}{row.m}", "segment": row.segment})
    return {"customers": customers, "segments": summary(customers, spec)}


def summary(customers: list[dict], spec: Rfm) -> list[dict]:
    """Customers and revenue per segment (additive: summed from the scored rows), with the
    share of revenue; every segment of the map, empty ones too, largest revenue first."""
    total = sum((Decimal(c["monetary"] or 0) for c in customers), Decimal(0))
    out = []
    for s in spec.segments:
        mine = [c for c in customers if c["segment"] == s.name]
        revenue = sum((Decimal(c["monetary"] or 0) for c in mine), Decimal(0))
        out.append({"segment": s.name, "customers": len(mine), "revenue": str(revenue),
                    "share": float(revenue / total) if total else None})
    out.sort(key=lambda s: (-Decimal(s["revenue"]), s["customers"]))
    return out
