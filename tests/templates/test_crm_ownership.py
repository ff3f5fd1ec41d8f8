"""Whose customers a sales manager sees in the CRM: those their team owns now (the forms'
owner field), whoever entered them. A customer claimed from the pool by a rep is in the
rep's department; handed to a rep of another team, it leaves it."""

from __future__ import annotations

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department
from tests.templates.crm import RECORDS


def edit_as(crm, who: str, form: str, record_id: int, **values) -> int:
    version = crm.get(form, record_id)["version"]
    answer = crm.clients[who].patch(f"{RECORDS.format(form)}/{record_id}", json={**values, "version": version})
    return answer.status_code


def test_a_manager_works_on_the_customers_their_team_claimed_and_no_longer_on_those_handed_away(crm, sessions):
    with transaction(sessions) as s:
        east, west = create_department(s, "华东"), create_department(s, "华南")
        for name, team in (("mia", east), ("ann", east), ("bob", west)):
            add_member(s, crm.ids[name], team.id)
    pooled = crm.create("customers", name="苏州远景", in_pool=True, owner=None)  # entered by the administrator
    assert edit_as(crm, "mia", "customers", pooled["id"], address="苏州 1") in (403, 404)  # in the pool: read only
    assert crm.press("ann", "customers", pooled["id"], "cus_claim")["status"] == "succeeded"
    assert edit_as(crm, "mia", "customers", pooled["id"], address="苏州 2") == 200  # her team's now
    mine = [r["id"] for r in crm.clients["mia"].get(RECORDS.format("customers")).json()["items"]]
    assert pooled["id"] in mine
    crm.edit("customers", pooled["id"], owner=crm.ids["bob"])  # handed to the other team
    assert edit_as(crm, "mia", "customers", pooled["id"], address="苏州 3") in (403, 404)
    # an opportunity a rep enters for a colleague is the colleague's: in their list, not hers
    hers = crm.create("customers", "ann", name="杭州云帆")
    deal = crm.create("opportunities", "ann", name="ERP 项目", customer=hers["id"], owner=crm.ids["bob"])
    assert deal["id"] in [r["id"] for r in crm.clients["bob"].get(RECORDS.format("opportunities")).json()["items"]]
    assert deal["id"] not in [r["id"] for r in crm.clients["ann"].get(RECORDS.format("opportunities")).json()["items"]]
