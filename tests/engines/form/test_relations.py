"""Relations between forms: links to one and to many, checked, listed, and what a link does
when its record goes to the recycle bin. On whichever database the suite runs on."""

import pytest

from tests.engines.form.helpers import APP, field, form, publish, records

CUSTOMERS = form("customers", field("c1", "text", "name"))


def linked_form(**relation):
    return form("contacts", field("k1", "text", "name"),
                field("k2", "relation", "customer", target="customers", **relation))


@pytest.fixture
def customers(api):
    assert publish(api, CUSTOMERS).status_code == 200
    return [api.post(records("customers"), json={"name": n}).json()["id"] for n in ("Acme", "Globex", "Initech")]


def test_a_relation_must_link_to_a_published_form(api):
    response = publish(api, linked_form())
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "fields[1].target"
    assert "customers" in response.json()["errors"][0]["message"]


def test_a_link_to_one_is_stored_checked_and_filterable_by_id(api, customers):
    assert publish(api, linked_form()).status_code == 200
    acme = customers[0]
    made = api.post(records("contacts"), json={"name": "Li", "customer": acme})
    assert made.status_code == 201 and made.json()["customer"] == acme
    missing = api.post(records("contacts"), json={"name": "Wang", "customer": 999_999})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "customer"
    assert api.get(f"{records('contacts')}/{made.json()['id']}").json()["customer"] == acme


def test_links_to_many_keep_their_order_and_hide_records_in_the_bin(api, customers):
    assert publish(api, linked_form(multiple=True, on_delete="clear")).status_code == 200
    acme, globex, initech = customers
    made = api.post(records("contacts"), json={"name": "Li", "customer": [globex, acme]}).json()
    assert made["customer"] == [globex, acme]
    changed = api.patch(f"{records('contacts')}/{made['id']}",
                        json={"version": made["version"], "customer": [initech, globex]})
    assert changed.status_code == 200 and changed.json()["customer"] == [initech, globex]
    listed = api.get(records("contacts")).json()["items"]
    assert listed[0]["customer"] == [initech, globex]
    assert api.get(records("contacts"), params={"sort": "customer"}).status_code == 422

    assert api.delete(f"{records('customers')}/{initech}").status_code == 204
    after = api.get(f"{records('contacts')}/{made['id']}").json()
    assert after["customer"] == [globex]
    assert after["version"] == changed.json()["version"] + 1  # unlinking is a change of its own
    history = api.get(f"{records('contacts')}/{made['id']}/history").json()
    assert history[-1]["changes"] == {"customer": [[initech, globex], [globex]]}


def test_block_refuses_to_bin_a_linked_record_and_changes_nothing(api, customers):
    assert publish(api, linked_form()).status_code == 200
    api.post(records("contacts"), json={"name": "Li", "customer": customers[0]})
    refused = api.delete(f"{records('customers')}/{customers[0]}")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "linked"
    assert api.get(f"{records('customers')}/{customers[0]}").status_code == 200


def test_clear_unlinks_and_cascade_sends_linked_records_to_the_bin(api, customers):
    definition = linked_form(on_delete="clear")
    definition["fields"].append(field("k3", "relation", "owner_company", target="customers", on_delete="cascade"))
    assert publish(api, definition).status_code == 200
    acme, globex, _ = customers
    li = api.post(records("contacts"), json={"name": "Li", "customer": acme, "owner_company": globex}).json()
    assert api.delete(f"{records('customers')}/{acme}").status_code == 204
    assert api.get(f"{records('contacts')}/{li['id']}").json()["customer"] is None
    assert api.delete(f"{records('customers')}/{globex}").status_code == 204
    assert api.get(f"{records('contacts')}/{li['id']}").status_code == 404
    assert api.get(f"{records('contacts')}/{li['id']}", params={"deleted": True}).status_code == 200


def test_a_relation_cannot_change_its_type_or_its_form(api, customers):
    assert publish(api, linked_form()).status_code == 200
    changed = linked_form()
    changed["fields"][1] = field("k2", "number", "customer")
    refused = publish(api, changed)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "customer"
    assert api.get(f"{APP}/forms/contacts").status_code == 200


def test_a_form_may_link_to_itself(api):
    definition = form("people", field("p1", "text", "name"),
                      field("p2", "relation", "manager", target="people", on_delete="clear"))
    assert publish(api, definition).status_code == 200
    boss = api.post(records("people"), json={"name": "Boss"}).json()["id"]
    worker = api.post(records("people"), json={"name": "Worker", "manager": boss}).json()
    assert worker["manager"] == boss


def test_links_filter_both_ways_and_the_related_lists_count_them(api, customers):
    import json

    definition = linked_form()
    definition["fields"].append(field("k3", "relation", "partners", target="customers", multiple=True,
                                      on_delete="clear"))
    assert publish(api, definition).status_code == 200
    acme, globex, initech = customers
    li = api.post(records("contacts"), json={"name": "Li", "customer": acme, "partners": [globex]}).json()
    api.post(records("contacts"), json={"name": "Wang", "customer": acme})
    api.post(records("contacts"), json={"name": "Zhao", "customer": globex, "partners": [acme, globex]})

    def names(condition):
        page = api.get(records("contacts"), params={"filter": json.dumps(condition), "sort": "name"})
        assert page.status_code == 200, page.text
        return [r["name"] for r in page.json()["items"]]

    assert names({"fn": "=", "args": [{"ref": "customer"}, {"lit": acme, "type": "record"}]}) == ["Li", "Wang"]
    assert names({"fn": "HAS", "args": [{"ref": "partners"}, {"lit": globex}]}) == ["Li", "Zhao"]
    assert names({"fn": "ISBLANK", "args": [{"ref": "partners"}]}) == ["Wang"]
    both = [{"fn": "HAS", "args": [{"ref": "partners"}, {"lit": acme}]},
            {"fn": "=", "args": [{"ref": "customer"}, {"lit": globex, "type": "record"}]}]
    assert names({"fn": "AND", "args": both}) == ["Zhao"]
    bad = api.get(records("contacts"), params={"filter": json.dumps(
        {"fn": "HAS", "args": [{"ref": "partners"}, {"lit": "acme"}]})})
    assert bad.status_code == 422

    related = api.get(f"{records('customers')}/{acme}/related").json()
    counts = {(r["form"], r["field"]): (r["total"], [i["name"] for i in r["items"]]) for r in related}
    assert counts == {("contacts", "customer"): (2, ["Wang", "Li"]), ("contacts", "partners"): (1, ["Zhao"])}
    assert api.get(f"{records('customers')}/{initech}/related").json()[0]["total"] == 0
    assert li["partners"] == [globex]


def test_unlinking_recomputes_what_follows_the_link(api, customers):
    definition = linked_form(on_delete="clear")
    definition["fields"].append(field("k4", "formula", "linked", formula='IF(ISBLANK(customer), "no", "yes")'))
    assert publish(api, definition).status_code == 200, publish(api, definition).text
    li = api.post(records("contacts"), json={"name": "Li", "customer": customers[0]}).json()
    assert li["linked"] == "yes"
    assert api.delete(f"{records('customers')}/{customers[0]}").status_code == 204
    assert api.get(f"{records('contacts')}/{li['id']}").json()["linked"] == "no"


def orders_with_lines(**relation):
    return form("orders", field("o1", "text", "title"), field("o2", "subform", "lines", fields=[
        field("l1", "relation", "customer", target="customers", **relation),
        field("l2", "number", "qty", scale=0)]),
        field("o3", "formula", "linked", formula="COUNT(lines.customer)"))


def test_sub_form_rows_that_link_here_block_a_delete(api, customers):
    assert publish(api, orders_with_lines()).status_code == 200
    acme = customers[0]
    made = api.post(records("orders"), json={"title": "A", "lines": [{"customer": acme, "qty": "1"}]}).json()
    refused = api.delete(f"{records('customers')}/{acme}")
    assert refused.status_code == 409, refused.text
    assert "Orders" in refused.json()["title"]
    again = api.patch(f"{records('orders')}/{made['id']}", json={"version": made["version"], "title": "B"})
    assert again.status_code == 200, again.text


def test_sub_form_rows_that_link_here_are_cleared_or_removed(api, customers):
    acme, globex, _initech = customers
    assert publish(api, orders_with_lines(on_delete="clear")).status_code == 200
    made = api.post(records("orders"), json={"title": "A", "lines": [
        {"customer": acme, "qty": "1"}, {"customer": globex, "qty": "2"}]}).json()
    assert made["linked"] == "2.00"
    assert api.delete(f"{records('customers')}/{acme}").status_code == 204
    after = api.get(f"{records('orders')}/{made['id']}").json()
    assert [line["customer"] for line in after["lines"]] == [None, globex]
    assert (after["version"], after["linked"]) == (2, "1.00")
    saved = api.patch(f"{records('orders')}/{made['id']}", json={"version": 2, "title": "B"})
    assert saved.status_code == 200, saved.text
    assert publish(api, orders_with_lines(on_delete="cascade")).status_code == 200
    assert api.delete(f"{records('customers')}/{globex}").status_code == 204
    assert api.get(f"{records('orders')}/{made['id']}").json()["lines"] == [
        {**after["lines"][0], "customer": None}]
