"""Rollups: kept correct when children are added, changed, moved, binned and restored."""

import pytest

from tests.engines.form.helpers import APP, changed, field, form, publish, records

STAGE = [{"id": "open", "label": {"en": "Open"}}, {"id": "won", "label": {"en": "Won"}},
         {"id": "lost", "label": {"en": "Lost"}}]
CUSTOMERS = form("customers", field("c1", "text", "name"))
OPPORTUNITIES = form(
    "opportunities",
    field("p1", "text", "title"),
    field("p2", "relation", "customer", target="customers", on_delete="clear"),
    field("p3", "select", "stage", options=STAGE),
    field("p4", "money", "amount"),
    field("p5", "date", "closed"),
)
WON = field("c2", "rollup", "won_total", source="opportunities.customer", aggregate="sum", field="amount",
            condition='stage = "won"')
COUNT = field("c3", "rollup", "deals", source="opportunities.customer", aggregate="count")
LAST = field("c4", "rollup", "last_closed", source="opportunities.p2", aggregate="latest", field="closed")
SHARE = field("c5", "formula", "won_share", formula="IF(deals = 0, 0, won_total / deals)")


@pytest.fixture
def crm(api):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish(api, OPPORTUNITIES).status_code == 200
    published = publish(api, {**CUSTOMERS, "fields": [*CUSTOMERS["fields"], WON, COUNT, LAST, SHARE]})
    assert published.status_code == 200, published.text
    ids = [api.post(records("customers"), json={"name": n}).json()["id"] for n in ("Acme", "Beta")]
    return ids


def customer(api, cid):
    return api.get(f"{records('customers')}/{cid}").json()


def test_a_new_customer_counts_nothing_as_zero_not_blank(api, crm):
    created = api.post(records("customers"), json={"name": "Gamma"}).json()
    assert (created["deals"], created["won_total"], created["won_share"]) == ("0", "0.00", "0.00")
    assert created["last_closed"] is None
    many = api.post(f"{records('customers')}:bulk", json={"records": [{"name": "Delta"}, {"name": "Eta"}]})
    assert [r["deals"] for r in many.json()["items"]] == ["0", "0"]


def test_won_total_follows_stage_moves_the_bin_and_restore(api, crm):
    acme, beta = crm
    deal = api.post(records("opportunities"), json={"title": "D1", "customer": acme, "stage": "open",
                                                    "amount": "100.50", "closed": "2024-07-01"}).json()
    api.post(records("opportunities"), json={"title": "D2", "customer": acme, "stage": "won", "amount": "20"})
    assert (customer(api, acme)["won_total"], customer(api, acme)["deals"]) == ("20.00", "2")
    assert customer(api, acme)["last_closed"] == "2024-07-01"
    deal = api.patch(f"{records('opportunities')}/{deal['id']}", json={"version": deal["version"],
                                                                      "stage": "won"}).json()
    assert customer(api, acme)["won_total"] == "120.50"
    assert customer(api, acme)["won_share"] == "60.25"
    deal = api.patch(f"{records('opportunities')}/{deal['id']}", json={"version": deal["version"],
                                                                      "customer": beta}).json()
    assert (customer(api, acme)["won_total"], customer(api, beta)["won_total"]) == ("20.00", "100.50")
    assert (customer(api, acme)["deals"], customer(api, beta)["deals"]) == ("1", "1")
    assert api.delete(f"{records('opportunities')}/{deal['id']}").status_code == 204
    assert (customer(api, beta)["won_total"], customer(api, beta)["deals"]) == ("0.00", "0")
    assert customer(api, beta)["last_closed"] is None
    assert api.post(f"{records('opportunities')}/{deal['id']}:restore").status_code == 200
    assert customer(api, beta)["won_total"] == "100.50"


def test_a_rollup_is_filtered_and_sorted_like_a_column(api, crm):
    acme, beta = crm
    api.post(records("opportunities"), json={"customer": acme, "stage": "won", "amount": "5"})
    api.post(records("opportunities"), json={"customer": beta, "stage": "won", "amount": "50"})
    page = api.get(records("customers"), params={"sort": "-won_total"}).json()["items"]
    assert [c["name"] for c in page] == ["Beta", "Acme"]
    found = api.get(records("customers"), params={"filter": '{"fn": ">", "args": [{"ref": "won_total"}, '
                                                            '{"lit": "10", "type": "number"}]}'}).json()
    assert [c["name"] for c in found["items"]] == ["Beta"]


def test_changing_the_condition_recomputes_every_parent(api, crm):
    acme, _beta = crm
    api.post(records("opportunities"), json={"customer": acme, "stage": "lost", "amount": "7"})
    assert customer(api, acme)["won_total"] == "0.00"
    with_lost = {**CUSTOMERS, "fields": [*CUSTOMERS["fields"], {**WON, "condition": 'stage <> "open"'},
                                         COUNT, LAST, SHARE]}
    assert publish(api, with_lost).status_code == 200
    assert customer(api, acme)["won_total"] == "7.00"


def test_a_rollup_over_a_relation_to_many_and_bulk_writes(api):
    tasks = form("tasks", field("t1", "text", "name"), field("t2", "number", "hours", scale=1))
    assert publish(api, tasks).status_code == 200
    made = api.post(f"{records('tasks')}:bulk", json={"records": [{"name": "a", "hours": "1.5"},
                                                                  {"name": "b", "hours": "2"}]}).json()["items"]
    projects = form("projects", field("r1", "text", "name"),
                    field("r2", "relation", "tasks", target="tasks", multiple=True,
                          on_delete="clear"),
                    field("r3", "rollup", "hours", source="tasks", aggregate="sum", field="hours"),
                    field("r4", "rollup", "average", source="tasks", aggregate="avg", field="hours"))
    assert publish(api, projects).status_code == 200
    project = api.post(records("projects"), json={"name": "P", "tasks": [t["id"] for t in made]}).json()
    assert (project["hours"], project["average"]) == ("3.5", "1.75")
    first = made[0]
    api.patch(f"{records('tasks')}/{first['id']}", json={"version": first["version"], "hours": "4"})
    assert api.get(f"{records('projects')}/{project['id']}").json()["hours"] == "6.0"
    assert api.delete(f"{records('tasks')}/{made[1]['id']}").status_code == 204
    assert api.get(f"{records('projects')}/{project['id']}").json()["hours"] == "4.0"


def test_a_rollup_source_that_does_not_link_here_is_refused(api):
    assert publish(api, CUSTOMERS).status_code == 200
    assert publish(api, OPPORTUNITIES).status_code == 200
    wrong = {**CUSTOMERS, "fields": [*CUSTOMERS["fields"], {**WON, "source": "opportunities.title"}]}
    answer = publish(api, wrong)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "$.fields[1].source"


def test_a_field_another_form_sums_up_cannot_change_type(api, crm):
    as_text = changed(OPPORTUNITIES, p4={"type": "text"})
    answer = publish(api, as_text)
    assert answer.status_code == 422, answer.text
    assert "Won_Total" in answer.json()["errors"][0]["message"]
    assert api.get(f"{APP}/forms/customers").status_code == 200
