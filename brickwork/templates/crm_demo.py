"""Demo data for the CRM template: ``generate(session, app, size, seed)``.

``size`` customers, and in proportion their contacts (~2 each), opportunities (~1.5) moving
through the stages over the last two years, follow-ups (~4), quotes, contracts and orders for
the deals won, repeat orders (so RFM and funnels show real shapes), receivables and payments,
service tickets and knowledge articles. The same seed gives the same data.

Then the CRM at work (``crm_demo_flows``): leads touched as people touch them, for the
scoring rules to count, and quotes and contracts in approval, submitted and decided by the
demo people through the flow service. The rules run when the caller drains the job system
(the install command does, once): generating only writes, as every user would.

Every record goes through the record service's bulk path, a chunk of customers with all their
children at a time, and each chunk is committed: memory stays flat however large ``size`` is.
So pass a session that is not inside a ``transaction()`` block.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.engines.form import storage
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.transfer.jobs import principal
from brickwork.platform.clock import app_zone, now
from brickwork.platform.errors import NotFound
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import PRINCIPAL_COLUMNS, Principal
from brickwork.platform.models import App, User
from brickwork.templates import crm_demo_flows
from brickwork.templates import crm_demo_words as words
from brickwork.templates.crm_demo_org import DEMO_PASSWORD, Member, Org, ensure_org, people
from brickwork.templates.crm_demo_sales import Sales, day_at

__all__ = ["DEMO_PASSWORD", "generate", "people"]  # the install command prints the demo people

CHUNK = 500  # customers per chunk: with their children about 6 000 records, committed together
DAYS = 730  # the history goes two years back
LEVELS = {"lvl_a": 8, "lvl_b": 22, "lvl_c": 42, "lvl_d": 28}
STATUSES = {"st_lead": 22, "st_active": 52, "st_dormant": 16, "st_lost": 10}
SOURCES = {"src_website": 24, "src_referral": 20, "src_exhibition": 14, "src_cold_call": 14, "src_campaign": 14,
           "src_partner": 9, "src_other": 5}
TAGS = ["tag_vip", "tag_new", "tag_renewal", "tag_high_potential", "tag_price_sensitive", "tag_overseas"]
SIZES = [(5, 20), (20, 100), (100, 500), (500, 2000), (2000, 20000)]
SCORE_BASE = {"lvl_a": 75, "lvl_b": 60, "lvl_c": 45, "lvl_d": 30}


def generate(session: Session, app: App | str, size: int, seed: int = 1, actor_id: int | None = None) -> dict[str, int]:
    """Make the demo records in the installed CRM app; returns how many of each form."""
    demo = Demo(session, app if isinstance(app, str) else app.key, seed, _actor(session, actor_id))
    demo.prepare(size)
    for start in range(0, size, CHUNK):
        demo.chunk(min(CHUNK, size - start))
        session.commit()
    demo.at_work(size)
    return dict(demo.counts)


def _actor(session: Session, actor_id: int | None) -> Principal:
    """The given user; else the first administrator; else, on a first start before anyone
    signed up (``make run``), the system itself: records created by nobody."""
    if actor_id is None:
        try:
            return principal(session, None)
        except NotFound:
            return Principal(None, "system", "System", True, "demo")  # type: ignore[arg-type]
    row = session.execute(select(*PRINCIPAL_COLUMNS).where(User.id == actor_id, User.is_active.is_(True))).first()
    if row is None:
        raise NotFound(_("No active user has the id %(id)s.", id=actor_id))
    return Principal.of(row, "demo")


class Demo:
    def __init__(self, session: Session, app_key: str, seed: int, who: Principal):
        self.session, self.app_key, self.who = session, app_key, who
        self.rng = random.Random(seed)
        self.today = now().astimezone(app_zone()).date()
        self.counts: Counter[str] = Counter()
        self.taken: set[str] = set()  # the names of the chunk being made: memory stays flat
        self.owner_of: dict[int, int | None] = {}  # customer id → its owner, for the chunk's children
        self.people: dict[int, Principal] = {}

    def create(self, form_key: str, rows: list[dict[str, Any]]) -> list[int]:
        """Through the record service's bulk path: the same checks as any other write. Each
        record is created by the salesperson who owns it (a customer's records: by whoever
        created the customer, since linking needs read access to it), so "own" and
        "department" scopes show each person their part; the rest by the acting user."""
        if not rows:
            return []
        form = load_form(self.session, self.app_key, form_key)
        by_creator: dict[int | None, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            # A customer's records are made by whoever made the customer: linking needs read
            # access to it (a customer in the pool was made by the acting user).
            customer = row.get("customer")
            by_creator[self.owner_of[customer] if customer in self.owner_of else row.get("owner")].append(i)
        ids: list[int] = [0] * len(rows)
        for creator, positions in by_creator.items():
            service = RecordService(self.session, form, self.person(creator))
            for i, record in zip(positions, service.bulk_create([rows[i] for i in positions]), strict=True):
                ids[i] = record["id"]
        if form_key == "customers":
            self.owner_of.update((cid, row.get("owner")) for cid, row in zip(ids, rows, strict=True))
        self.counts[form_key] += len(ids)
        return ids

    def person(self, user_id: int | None) -> Principal:
        if user_id is None:
            return self.who
        if user_id not in self.people:
            self.people[user_id] = Principal.of(self.session.execute(
                select(*PRINCIPAL_COLUMNS).where(User.id == user_id)).one(), "demo")
        return self.people[user_id]

    def prepare(self, size: int) -> None:
        form = load_form(self.session, self.app_key, "customers")  # NotFound when the CRM is not installed
        self.org: Org = ensure_org(self.session)
        self.names = form.table.c[storage.column_name("cus_name")]
        self.sales = Sales(self, self._products())
        count = max(6, min(len(words.ARTICLES) * 20, size // 40))
        self.articles = self.create("knowledge", [self.sales.article(i) for i in range(count)])
        self.session.commit()

    def _products(self) -> list[tuple[int, str, int]]:
        """The catalogue, made on the first run: (id, unit, list price)."""
        form = load_form(self.session, self.app_key, "products")
        code = form.table.c[storage.column_name("prd_code")]
        have = dict(self.session.execute(select(code, form.table.c.id)).all())
        missing = [p for p in words.PRODUCTS if p[0] not in have]
        made = self.create("products", [
            {"code": c, "name": n, "category": cat, "unit": unit, "price": str(price), "cost": str(cost),
             "description": n} for c, n, cat, unit, price, cost in missing])
        have.update(zip([p[0] for p in missing], made, strict=True))
        return [(have[c], unit, price) for c, _n, _cat, unit, price, _cost in words.PRODUCTS]

    def at_work(self, size: int) -> None:
        """Leads (a quarter as many as customers, at most 100) and the approvals in progress."""
        self.owner_of = {}  # what is made now is made by the owner it names
        crm_demo_flows.leads(self, min(100, max(10, size // 4)))
        self.session.commit()
        self.counts["flows"] += crm_demo_flows.approvals(self)
        self.session.commit()

    def chunk(self, count: int) -> None:
        rng = self.rng
        self.taken, self.owner_of = set(), {}
        people = [self._customer() for _n in range(count)]
        self._unique_names([p["row"] for p in people])
        ids = self.create("customers", [p.pop("row") for p in people])
        for person, cid in zip(people, ids, strict=True):
            person["id"] = cid
        contact_rows = [(p, self._contact(p)) for p in people
                        for _n in range(1 + (rng.random() < .6) + (rng.random() < .3))]
        contact_ids = self.create("contacts", [row for _p, row in contact_rows])
        for (p, _row), kid in zip(contact_rows, contact_ids, strict=True):
            p.setdefault("contacts", []).append(kid)
        self.sales.deals(people)
        self._followups(people)
        self.sales.orders(people)
        self.sales.tickets(people)

    def _customer(self) -> dict[str, Any]:
        rng = self.rng
        chinese = rng.random() < .8
        industry = words.weighted(rng, words.INDUSTRY_WEIGHTS)
        province, city, city_name = words.region(rng)
        for _attempt in range(8):
            name, short, domain = words.company(rng, industry, city_name, chinese)
            if name.lower() not in self.taken:
                break
        self.taken.add(name.lower())
        level = words.weighted(rng, LEVELS)
        status = words.weighted(rng, STATUSES)
        in_pool = status != "st_active" and rng.random() < .25
        members = [m for m in self.org.sales if m.key_accounts] if level == "lvl_a" and rng.random() < .6 \
            else self.org.sales
        owner: Member = rng.choice(members)
        band = min(len(SIZES) - 1, max(0, "dcba".index(level[-1]) + rng.choice((-1, 0, 0, 1))))
        staff = rng.randint(*SIZES[band])
        base = SCORE_BASE[level]
        since = self.today - timedelta(days=rng.randrange(DAYS))
        row = {
            "name": name, "short_name": short, "industry": industry, "level": level,
            "source": words.weighted(rng, SOURCES), "region": f"{province}/{city}",
            "address": f"{city_name}{rng.choice(words.STREETS)}{rng.randint(1, 999)}号",
            "size": staff, "annual_revenue": str(staff * rng.randint(30, 120) * 10000 // 100 * 100),
            "owner": None if in_pool else owner.user_id, "department": owner.department_id, "status": status,
            "tags": rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2))),
            "contact_birthday": (date(1965, 1, 1) + timedelta(days=rng.randrange(11000))).isoformat(),
            "in_pool": in_pool,
            # held since the customer came (not the time of generation: the same seed, the same data)
            "owned_since": None if in_pool else f"{since.isoformat()}T02:00:00Z",
            "pool_entered_at": day_at(rng, self.today - timedelta(days=rng.randrange(180))) if in_pool else None,
            **{k: min(100, max(0, base + rng.randint(-25, 25))) for k in
               ("profit_score", "potential_score", "strategic_score", "relationship_score")},
        }
        return {"row": row, "chinese": chinese, "domain": domain, "status": status, "since": since,
                "owner": owner.user_id, "level": level,
                "short": short if chinese else short + " "}

    def _unique_names(self, rows: list[dict[str, Any]]) -> None:
        """Customer names are unique: a name met before (in this chunk, or in the table, which
        its unique index answers) gets a number."""
        original = [row["name"] for row in rows]
        number = self.counts["customers"]
        low_name = func.lower(self.names)
        while True:
            lowered = [row["name"].lower() for row in rows]
            stored = set(self.session.scalars(select(low_name).where(low_name.in_(lowered))))
            seen: set[str] = set()
            clashes = 0
            for row, low, base in zip(rows, lowered, original, strict=True):
                if low in seen or low in stored:
                    number += 1
                    row["name"] = f"{base} ({number})" if base.isascii() else f"{base}（{number}）"
                    clashes += 1
                seen.add(row["name"].lower())
            if not clashes:
                return

    def _contact(self, customer: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        name, handle = words.person(rng, customer["chinese"])
        title = rng.choice(words.TITLES)
        return {"name": name, "customer": customer["id"], "title": title[0] if customer["chinese"] else title[1],
                "role": rng.choice(("role_decision_maker", "role_influencer", "role_user", "role_user")),
                "phone": words.mobile(rng), "email": f"{handle}@{customer['domain']}",
                "wechat": f"wxid_{rng.randrange(36**8):x}" if customer["chinese"] else None,
                "birthday": (date(1962, 1, 1) + timedelta(days=rng.randrange(13000))).isoformat()}

    def _followups(self, people: list[dict[str, Any]]) -> None:
        rng, rows = self.rng, []
        for p in people:
            many = 4.5 if p["status"] in ("st_active", "st_lead") else 2
            for _n in range(min(15, int(rng.expovariate(1 / many)))):
                kind = rng.choice(list(words.FOLLOWUP_SUBJECTS))
                span = (self.today - p["since"]).days
                day = p["since"] + timedelta(days=rng.randint(0, span))
                deals = p.get("deals", [])
                rows.append({
                    "subject": rng.choice(words.FOLLOWUP_SUBJECTS[kind]), "customer": p["id"], "type": kind,
                    "contact": rng.choice(p["contacts"]), "time": day_at(rng, day),
                    "opportunity": rng.choice(deals) if deals and rng.random() < .6 else None,
                    "summary": rng.choice(words.SUMMARIES), "next_step": rng.choice(words.NEXT_STEPS),
                    "next_followup_date": (day + timedelta(days=rng.randint(3, 30))).isoformat(),
                    "owner": p["owner"]})
        self.create("followups", rows)
