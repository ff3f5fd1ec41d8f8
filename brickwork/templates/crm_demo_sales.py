"""The selling and serving half of the CRM demo: opportunities with their quotes and
contracts, orders (the deals won and repeat purchases) with receivables and payments, service
tickets and knowledge articles. Row values are API values, as any caller sends them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from brickwork.platform.clock import app_zone
from brickwork.templates import crm_demo_words as words


class Demo(Protocol):
    """What the sales half needs of the demo maker (``crm_demo.Demo``), which imports it."""

    rng: random.Random
    today: date
    org: Any
    articles: list[int]

    def create(self, form: str, rows: list[dict[str, Any]]) -> list[int]: ...

OPEN_STAGES = ["stg_initial", "stg_needs", "stg_proposal", "stg_quote", "stg_negotiation"]
QUOTED = 3  # from the quote stage on, a deal has a quote
CENT = Decimal("0.01")
PRIORITIES = {"pri_low": 25, "pri_medium": 45, "pri_high": 22, "pri_urgent": 8}
QUANTITIES = {"用户·年": (5, 80), "人天": (3, 40)}  # seats and man-days come by the dozen; the rest by the piece
# Hours to the first response and to the resolution by priority: the template's SLA (its
# tickets' formulas compute the deadlines from them).
RESPONSE_HOURS = {"pri_low": 24, "pri_medium": 8, "pri_high": 4, "pri_urgent": 1}
SLA_HOURS = {"pri_low": 120, "pri_medium": 72, "pri_high": 24, "pri_urgent": 4}


def day_at(rng: random.Random, day: date) -> str:
    """A moment of working hours on a local day, as the API writes it."""
    local = datetime.combine(day, time(rng.randrange(9, 18), rng.randrange(0, 60, 5)), tzinfo=app_zone())
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def line_amount(line: dict[str, Any]) -> Decimal:
    """As the sub-form's formula computes it: quantity × price less the discount, to the cent."""
    gross = Decimal(line["quantity"]) * Decimal(line["unit_price"]) * (100 - Decimal(line["discount"])) / 100
    return gross.quantize(CENT, ROUND_HALF_UP)


class Sales:
    def __init__(self, demo: Demo, products: list[tuple[int, str, int]]):
        """``products``: (id, unit, list price) each."""
        self.demo, self.rng, self.today = demo, demo.rng, demo.today
        self.products = products
        self.repeatable = [p for p in products if p[2] <= 40000]  # what customers buy again and again

    def _lines(self, catalogue: list[tuple[int, str, int]], most: int) -> list[dict[str, Any]]:
        rng = self.rng
        lines = []
        for product_id, unit, price in rng.sample(catalogue, rng.randint(1, most)):
            least, most_of_it = QUANTITIES.get(unit, (1, 12 if price < 10000 else 2))
            quantity = rng.randint(least, most_of_it)
            lines.append({"product": product_id, "quantity": str(quantity),
                          "unit_price": str(price * rng.randint(85, 100) // 100), "discount": rng.choice("0005")})
        return lines

    def _day(self, start: date, most: int) -> date:
        """A day from ``start`` up to ``most`` days later, never after today."""
        return min(self.today, start + timedelta(days=self.rng.randint(0, max(0, most))))

    def deals(self, people: list[dict[str, Any]]) -> None:
        rng, made = self.rng, []
        for p in people:
            for _ in range(rng.choices((0, 1, 2, 3), (12, 38, 33, 17))[0]):
                opened = self._day(p["since"], (self.today - p["since"]).days)
                age = (self.today - opened).days
                reached = 0
                while reached < len(OPEN_STAGES) and rng.random() < (.75 if p["status"] != "st_lead" else .5):
                    reached += 1
                lines = self._lines(self.products, 3)
                amount = sum(line_amount(line) for line in lines)
                if reached == len(OPEN_STAGES):
                    stage = "stg_won"
                elif age > 90 and rng.random() < .55:
                    stage = "stg_lost"
                else:
                    stage = OPEN_STAGES[reached]
                closed = self._day(opened + timedelta(days=15), min(age, 150)) if stage in ("stg_won", "stg_lost") \
                    else None
                product = next(pr for pr in words.PRODUCTS if pr[0] == _code(self.products, lines[0]["product"]))
                made.append((p, reached, stage, lines, opened, closed, {
                    "name": f"{p['short']}{product[1]}项目", "customer": p["id"], "stage": stage, "amount": str(amount),
                    "opened_on": opened.isoformat(), "closed_on": closed and closed.isoformat(),
                    "expected_close_date": (opened + timedelta(days=rng.randint(30, 120))).isoformat(),
                    "owner": p["owner"], "competitor": rng.choice(words.COMPETITORS) if rng.random() < .4 else None,
                    "loss_reason": rng.choice(words.LOSS_REASONS) if stage == "stg_lost" else None}))
        ids = self.demo.create("opportunities", [m[-1] for m in made])
        quoted = []
        for (p, reached, stage, lines, opened, closed, row), oid in zip(made, ids, strict=True):
            p.setdefault("deals", []).append(oid)
            if reached >= QUOTED:
                quoted.append((p, oid, stage, lines, opened, closed, row))
        quote_ids = self.demo.create("quotes", [self._quote(*q) for q in quoted])
        won = [(q, qid) for q, qid in zip(quoted, quote_ids, strict=True) if q[2] == "stg_won"]
        contract_ids = self.demo.create("contracts", [{
            "name": row["name"].removesuffix("项目") + "合同", "customer": p["id"], "opportunity": oid, "quote": qid,
            "amount": row["amount"], "signed_on": closed.isoformat(), "start_date": closed.isoformat(),
            "end_date": (closed + timedelta(days=365)).isoformat(), "owner": p["owner"],
            "status": "cs_active" if closed + timedelta(days=365) >= self.today else "cs_expired",
        } for (p, oid, _stage, _lines, _opened, closed, row), qid in won])
        for ((p, _oid, _stage, lines, _opened, closed, _row), _qid), cid in zip(won, contract_ids, strict=True):
            p.setdefault("won", []).append((cid, lines, closed))

    def _quote(self, p, oid, stage, lines, opened, closed, row) -> dict[str, Any]:
        day = self._day(opened, ((closed or self.today) - opened).days // 2)
        status = {"stg_won": "qs_accepted", "stg_lost": "qs_rejected"}.get(stage, "qs_sent")
        return {"title": row["name"].removesuffix("项目") + "报价", "customer": p["id"], "opportunity": oid,
                "quote_date": day.isoformat(), "valid_until": (day + timedelta(days=30)).isoformat(),
                "status": status, "lines": lines, "owner": p["owner"]}

    def orders(self, people: list[dict[str, Any]]) -> None:
        rng, made = self.rng, []
        for p in people:
            for contract, lines, signed in p.get("won", []):
                made.append((p, contract, lines, self._day(signed, 14)))
            repeats = 0
            while p["status"] in ("st_active", "st_dormant") and repeats < 12 and rng.random() < .6:
                repeats += 1
            last = self.today - timedelta(days=200 if p["status"] == "st_dormant" else 0)
            for _ in range(repeats if last > p["since"] else 0):
                day = p["since"] + timedelta(days=rng.randint(0, (last - p["since"]).days))
                made.append((p, p["won"][0][0] if p.get("won") else None, self._lines(self.repeatable, 2), day))
        rows = []
        for p, contract, lines, day in made:
            age = (self.today - day).days
            status = "os_cancelled" if rng.random() < .03 else "os_completed" if age > 30 else \
                "os_shipped" if age > 7 else rng.choice(("os_new", "os_confirmed"))
            rows.append({"customer": p["id"], "contract": contract, "order_date": day.isoformat(), "status": status,
                         "lines": lines, "owner": p["owner"]})
        ids = self.demo.create("orders", rows)
        payments = []
        for (p, contract, lines, day), row, oid in zip(made, rows, ids, strict=True):
            if row["status"] == "os_cancelled":
                continue
            total = sum(line_amount(line) for line in lines)
            due = day + timedelta(days=30)
            common = {"customer": p["id"], "contract": contract, "order": oid, "owner": p["owner"]}
            payments.append({**common, "kind": "pk_receivable", "amount": str(total), "due_date": due.isoformat()})
            if due > self.today + timedelta(days=15) or rng.random() < .1:
                continue  # not paid yet
            parts = [total] if total < 20000 or rng.random() < .7 else [(total / 2).quantize(CENT)] * 2
            parts[-1] = total - sum(parts[:-1])
            for part in parts:
                paid = self._day(due - timedelta(days=20), 45)
                payments.append({**common, "kind": "pk_received", "amount": str(part), "due_date": due.isoformat(),
                                 "received_on": paid.isoformat(),
                                 "method": rng.choice(("pm_bank", "pm_bank", "pm_bank", "pm_alipay", "pm_wechat",
                                                       "pm_cheque"))})
        self.demo.create("payments", payments)

    def tickets(self, people: list[dict[str, Any]]) -> None:
        rng, rows = self.rng, []
        for p in people:
            if p["status"] not in ("st_active", "st_dormant"):
                continue
            for _ in range(rng.choices((0, 1, 2, 3), (50, 30, 14, 6))[0]):
                day = self._day(p["since"], (self.today - p["since"]).days)
                priority = words.weighted(rng, PRIORITIES)
                age = (self.today - day).days
                status = rng.choices(("ts_closed", "ts_revisited", "ts_processing"), (50, 45, 5))[0] \
                    if age > 14 else rng.choice(("ts_received", "ts_assigned", "ts_processing", "ts_closed"))
                reported = day_at(rng, day)
                done = status in ("ts_closed", "ts_revisited")
                rows.append({
                    "title": rng.choice(words.TICKET_TITLES), "customer": p["id"], "contact": rng.choice(p["contacts"]),
                    "product": rng.choice(self.products)[0], "priority": priority, "status": status,
                    "assignee": None if status == "ts_received" else rng.choice(self.demo.org.service).user_id,
                    "description": rng.choice(words.TICKET_TITLES) + "，客户希望尽快处理。", "reported_at": reported,
                    "first_responded_at": None if status == "ts_received"
                    else _plus_hours(reported, rng.randint(0, RESPONSE_HOURS[priority] * 5 // 4)),
                    "resolved_at": _plus_hours(reported, rng.randint(1, SLA_HOURS[priority] * 3 // 2))
                    if done else None,
                    "csat": rng.choice((3, 4, 4, 5, 5, 5)) if done else None,
                    "knowledge": rng.sample(self.demo.articles, rng.choice((0, 1, 1, 2)))})
        self.demo.create("tickets", rows)

    def article(self, index: int) -> dict[str, Any]:
        category, title = words.ARTICLES[index % len(words.ARTICLES)]
        edition = index // len(words.ARTICLES)
        return {"title": title if not edition else f"{title}（第 {edition + 1} 版）", "category": category,
                "product": self.rng.choice(self.products)[0],
                "content": f"{title}：\n1. 确认问题现象并记录时间。\n2. 按本文步骤处理。\n3. 仍未解决请提交工单。",
                "author": self.rng.choice(self.demo.org.service).user_id}


def _code(products: list[tuple[int, str, int]], product_id: int) -> str:
    return words.PRODUCTS[[p[0] for p in products].index(product_id)][0]


def _plus_hours(moment: str, hours: int) -> str:
    later = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=hours)
    return later.strftime("%Y-%m-%dT%H:%M:%SZ")
