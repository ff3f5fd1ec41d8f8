"""The CRM demo at work, after its records are in: leads whose behaviour the scoring rules
will count, and quotes and contracts in approval, started and acted on through the flow
service by the demo people themselves (a rep submits, their manager, the director and
finance decide), so the inboxes, the timelines and the audit log are the real ones.

Nothing here runs a rule: the install drains the job system once afterwards, and the
template's rules (lead scoring, MQL assignment, the flow-approved rules) do their work
then, into the run log and the notifications."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from brickwork.engines.flow import service as flows
from brickwork.engines.form import storage
from brickwork.engines.form.forms import Form, load_form
from brickwork.engines.form.records import RecordService
from brickwork.platform.models import FlowTask, Membership
from brickwork.templates import crm_demo_words as words

BIG = 100000  # the flows send a quote or contract above this to the director
# How each submitted quote goes, in turn: the steps its deciders take ("approve" or "return").
QUOTE_PLANS = [[], ["approve"], ["approve", "approve"], [], ["return"], ["approve"], ["approve", "approve"]]
CONTRACT_PLANS = [["approve"], [], ["approve", "approve", "approve"], ["approve", "approve"], ["approve"]]
COMMENTS = {"approve": ["同意。", "价格合理，同意。", "可以，尽快签约。"],
            "return": ["交付周期请写清楚，修改后再提交。"]}


def column(form: Form, key: str):
    return form.table.c[storage.column_name(form.by_key[key].id)]


def leads(demo, count: int) -> int:
    """``count`` leads, created as the template's web form would and then touched as people
    are (an email opened, a meeting held): each an update the scoring rules react to."""
    rng, session = demo.rng, demo.session
    form = load_form(session, demo.app_key, "leads")
    service = RecordService(session, form, demo.who)
    rows = []
    for _n in range(count):
        name, _handle = words.person(rng, True)
        province, city, city_name = words.region(rng)
        company, _short, _domain = words.company(rng, words.weighted(rng, words.INDUSTRY_WEIGHTS), city_name, True)
        rows.append({"name": name, "company": company, "phone": words.mobile(rng), "form_filled": rng.random() < .8,
                     "source": rng.choice(["lsrc_website", "lsrc_campaign", "lsrc_exhibition", "lsrc_referral",
                                           "lsrc_ads"])})
    made = service.bulk_create(rows)
    for record in made:
        version = record["version"]
        # Most open an email, many meet us: with the form, 60 points make an MQL.
        for key, chance in (("emails_opened", .7), ("meetings_held", .5)):
            if rng.random() < chance:
                version = service.update(record["id"], {key: 1}, version, full=False)["version"]
    demo.counts["leads"] += len(made)
    return len(made)


class Approvals:
    """Submits and decides as the demo people: ``demo`` gives ``person(user id)``."""

    def __init__(self, demo):
        self.demo, self.session, self.app_key = demo, demo.session, demo.app_key
        self.departments = dict(self.session.execute(
            select(Membership.user_id, Membership.department_id).where(Membership.is_main.is_(True))).all())
        self.counts = {"flows": 0}

    def run(self, flow_key: str, items: list[tuple[int, int]], plans: list[list[str]]) -> None:
        """``items``: (record id, submitter id); each submitted and taken along its plan."""
        for (record_id, submitter), plan in zip(items, plans, strict=False):
            who = self.demo.person(submitter)
            instance = flows.start(self.session, self.app_key, flow_key, {"record_id": record_id}, who)
            self.session.flush()
            for step in plan:
                if not self._decide(instance.id, submitter, step):
                    break
            self.session.commit()
            self.counts["flows"] += 1

    def _decide(self, instance_id: int, submitter: int, action: str) -> bool:
        tasks = self.session.scalars(select(FlowTask).where(FlowTask.instance_id == instance_id,
                                                            FlowTask.state == "open").order_by(FlowTask.id)).all()
        if not tasks:
            return False
        # The submitter's own team lead where several managers may decide.
        task = next((t for t in tasks if self.departments.get(t.assignee_id) == self.departments.get(submitter)),
                    tasks[0])
        comment = self.demo.rng.choice(COMMENTS[action])
        flows.act_on_task(self.session, task.id, action, {"comment": comment}, self.demo.person(task.assignee_id))
        self.session.flush()
        return True


def approvals(demo) -> int:
    """Open quotes submitted by their reps (the big ones first, so the director has some),
    and new contracts for deals in negotiation; each taken some way along its flow."""
    session, sellers = demo.session, {m.user_id for m in demo.org.sales}
    quotes = load_form(session, demo.app_key, "quotes")
    total, owner = column(quotes, "total"), quotes.table.c.owner_id
    open_quotes = session.execute(
        select(quotes.table.c.id, owner, total).where(column(quotes, "status") == "qs_sent",
                                                      quotes.table.c.deleted_at.is_(None), owner.in_(sellers))
        .order_by(quotes.table.c.id.desc()).limit(60)).all()
    big = [q for q in open_quotes if q[2] is not None and Decimal(str(q[2])) > BIG]
    small = [q for q in open_quotes if q not in big]
    # Plans 2 and 6 need the director: big quotes there; the rest small where there are some.
    ordered, b, s = [], iter(big), iter(small)
    for plan in QUOTE_PLANS:
        ordered.append(next(b, None) if len(plan) == 2 else next(s, None) or next(b, None))
    pick = [(q[0], q[1]) for q in ordered if q is not None]
    done = Approvals(demo)
    done.run("quote_approval", pick, [p for p, q in zip(QUOTE_PLANS, ordered, strict=True) if q])
    done.run("contract_approval", _contracts(demo, sellers), CONTRACT_PLANS)
    return done.counts["flows"]


def _contracts(demo, sellers: set[int]) -> list[tuple[int, int]]:
    """Draft contracts for the deals in negotiation that have a quote, newest first."""
    session = demo.session
    deals, quotes = (load_form(session, demo.app_key, k) for k in ("opportunities", "quotes"))
    d, q = deals.table, quotes.table
    found = session.execute(
        select(d.c.id, d.c.owner_id, column(deals, "name"), column(deals, "customer"), column(deals, "amount"), q.c.id)
        .join(q, column(quotes, "opportunity") == d.c.id)
        .where(column(deals, "stage") == "stg_negotiation", d.c.deleted_at.is_(None), d.c.owner_id.in_(sellers))
        .order_by(column(deals, "amount").desc(), d.c.id).limit(len(CONTRACT_PLANS))).all()
    today = demo.today.isoformat()
    rows: list[dict[str, Any]] = [{
        "name": str(name).removesuffix("项目") + "合同", "customer": customer, "opportunity": oid, "quote": qid,
        "amount": str(amount), "signed_on": today, "start_date": today, "status": "cs_draft", "owner": owner}
        for oid, owner, name, customer, amount, qid in found]
    ids = demo.create("contracts", rows)
    return [(cid, row["owner"]) for cid, row in zip(ids, rows, strict=True)]
