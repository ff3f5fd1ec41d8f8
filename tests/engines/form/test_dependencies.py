"""The dependency graph: computation order, cycles across forms, changes carried onwards."""

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.dependencies import build
from brickwork.engines.form.forms import AppRef, Form
from tests.engines.form.helpers import field, form, publish, records


def test_the_order_computes_row_formulas_then_rollups_then_formulas_over_them():
    orders = FormDefinition.model_validate(form(
        "orders",
        field("o1", "formula", "grand_total", formula="lines_total + 1"),
        field("o2", "subform", "lines", fields=[field("l1", "number", "qty"), field("l2", "money", "price"),
                                                field("l3", "formula", "line_total", formula="qty * price")]),
        field("o3", "rollup", "lines_total", source="lines", aggregate="sum", field="line_total"),
    ))
    graph = build({"orders": Form(AppRef(1, "crm"), "orders", 1, orders)})
    assert graph.order == [("orders", "o2.l3"), ("orders", "o3"), ("orders", "o1")]
    rollup = next(f for f in orders.fields if f.key == "lines_total")
    assert (rollup.field, rollup.result, rollup.scale) == ("l3", "number", 2)


def test_a_cycle_across_forms_is_refused_at_publish_with_the_cycle_named(api):
    assert publish(api, form("b", field("b1", "text", "name"), field("b2", "number", "n"))).status_code == 200
    a = form("a", field("a1", "text", "name"), field("a2", "relation", "b_link", target="b"),
             field("a3", "relation", "bs", target="b", multiple=True),
             field("a4", "rollup", "x", source="bs", aggregate="sum", field="n"))
    assert publish(api, a).status_code == 200
    b = form("b", field("b1", "text", "name"), field("b2", "number", "n"),
             field("b3", "rollup", "sum_a", source="a.b_link", aggregate="sum", field="x"))
    assert publish(api, b).status_code == 200
    circle = {**a, "fields": [*a["fields"][:3], {**a["fields"][3], "field": "sum_a"}]}
    answer = publish(api, circle)
    assert answer.status_code == 422, answer.text
    message = answer.json()["errors"][0]["message"]
    assert "X → Sum_A → X" in message or "Sum_A → X → Sum_A" in message


def test_a_change_is_carried_through_a_rollup_of_a_rollup(api):
    assert publish(api, form("regions", field("g1", "text", "name"))).status_code == 200
    assert publish(api, form("customers", field("c1", "text", "name"),
                             field("c2", "relation", "region", target="regions"))).status_code == 200
    assert publish(api, form("deals", field("d1", "relation", "customer", target="customers"),
                             field("d2", "money", "amount"))).status_code == 200
    assert publish(api, form("customers", field("c1", "text", "name"),
                             field("c2", "relation", "region", target="regions"),
                             field("c3", "rollup", "total", source="deals.customer", aggregate="sum",
                                   field="amount"))).status_code == 200
    assert publish(api, form("regions", field("g1", "text", "name"),
                             field("g2", "rollup", "total", source="customers.region", aggregate="sum",
                                   field="total"),
                             field("g3", "formula", "label", formula='name & ": " & total'))).status_code == 200
    east = api.post(records("regions"), json={"name": "East"}).json()
    acme = api.post(records("customers"), json={"name": "Acme", "region": east["id"]}).json()
    deal = api.post(records("deals"), json={"customer": acme["id"], "amount": "10"}).json()
    api.post(records("deals"), json={"customer": acme["id"], "amount": "5.5"})
    region = api.get(f"{records('regions')}/{east['id']}").json()
    assert (region["total"], region["label"]) == ("15.50", "East: 15.5")
    api.patch(f"{records('deals')}/{deal['id']}", json={"version": deal["version"], "amount": "1"})
    assert api.get(f"{records('regions')}/{east['id']}").json()["total"] == "6.50"
