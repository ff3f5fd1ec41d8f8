"""A relation's picker filter that depends on another field of the record: on a quote, the
opportunity picker offers only the chosen customer's opportunities, and saving refuses one of
another customer's."""

import json

import pytest

from tests.engines.form.helpers import APP, field, form, publish, records

SAME_CUSTOMER = {"fn": "=", "args": [{"ref": "customer"}, {"var": "$record.customer"}]}
PICK = f"{APP}/forms/opportunities/records:pick"


def quotes(picker_filter=SAME_CUSTOMER):
    return form("quotes", field("q1", "text", "name"),
                field("q2", "relation", "customer", target="customers"),
                field("q3", "relation", "opportunity", target="opportunities", picker_filter=picker_filter))


@pytest.fixture
def crm(api):
    assert publish(api, form("customers", field("c1", "text", "name"))).status_code == 200
    assert publish(api, form("opportunities", field("o1", "text", "name"),
                             field("o2", "relation", "customer", target="customers"))).status_code == 200
    assert publish(api, quotes()).status_code == 200
    acme, globex = (api.post(records("customers"), json={"name": n}).json()["id"] for n in ("Acme", "Globex"))
    opps = {n: api.post(records("opportunities"), json={"name": n, "customer": c}).json()["id"]
            for n, c in (("Acme steel", acme), ("Acme pipes", acme), ("Globex deal", globex))}
    return {"acme": acme, "globex": globex, **opps}


def picked(api, **params):
    response = api.get(PICK, params=params)
    assert response.status_code == 200, response.text
    return sorted(item["title"] for item in response.json())


def test_the_picker_lists_only_the_chosen_customers_opportunities(api, crm):
    mine = {"for": "quotes.opportunity", "record": json.dumps({"customer": crm["acme"]})}
    assert picked(api, **mine) == ["Acme pipes", "Acme steel"]
    assert picked(api, **mine, q="pip") == ["Acme pipes"]
    theirs = {"for": "quotes.opportunity", "record": json.dumps({"customer": crm["globex"]})}
    assert picked(api, **theirs) == ["Globex deal"]
    # No customer chosen yet: nothing narrows; without ``for`` the picker is as before.
    assert len(picked(api, **{"for": "quotes.opportunity", "record": "{}"})) == 3
    assert len(picked(api)) == 3


def test_a_bad_for_or_record_is_a_422(api, crm):
    for params in ({"for": "quotes.name"}, {"for": "quotes.opportunity", "record": "{nope"},
                   {"for": "quotes.opportunity", "record": json.dumps({"customer": "x"})}):
        response = api.get(PICK, params=params)
        assert response.status_code == 422, params
        assert response.headers["content-type"].startswith("application/problem+json")


def test_saving_an_opportunity_of_another_customer_is_refused(api, crm):
    bad = api.post(records("quotes"), json={"name": "Q1", "customer": crm["acme"], "opportunity": crm["Globex deal"]})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["opportunity"]
    good = api.post(records("quotes"), json={"name": "Q1", "customer": crm["acme"], "opportunity": crm["Acme steel"]})
    assert good.status_code == 201, good.text
    # Changing the customer alone leaves an opportunity that no longer fits: refused too.
    url = f"{records('quotes')}/{good.json()['id']}"
    moved = api.patch(url, json={"customer": crm["globex"], "version": good.json()["version"]})
    assert moved.status_code == 422
    assert [e["field"] for e in moved.json()["errors"]] == ["opportunity"]
    both = api.patch(url, json={"customer": crm["globex"], "opportunity": crm["Globex deal"],
                                "version": good.json()["version"]})
    assert both.status_code == 200, both.text


def test_a_filter_naming_no_field_of_the_form_is_refused_at_publish(api, crm):
    wrong = {"fn": "=", "args": [{"ref": "customer"}, {"var": "$record.client"}]}
    response = api.put(f"{APP}/forms/quotes", json=quotes(wrong))
    assert response.status_code == 422
    assert "$record.client" in response.json()["errors"][0]["message"]
    over_target = {"fn": "=", "args": [{"ref": "nothing"}, {"var": "$record.customer"}]}
    assert api.put(f"{APP}/forms/quotes", json=quotes(over_target)).status_code == 200  # a draft
    response = api.post(f"{APP}/forms/quotes:publish")
    assert response.status_code == 422
    assert "picker filter of opportunity" in response.text


def test_a_picker_filter_inside_a_sub_form_is_refused(api, crm):
    child = field("l1", "relation", "opportunity", target="opportunities", picker_filter=SAME_CUSTOMER)
    lines = form("lines_quotes", field("x1", "relation", "customer", target="customers"),
                 field("x2", "subform", "lines", fields=[child]))
    response = api.put(f"{APP}/forms/lines_quotes", json=lines)
    assert response.status_code == 422
    assert "sub-form" in response.json()["errors"][0]["message"]
