"""An install of the shipped CRM 1.0.0 (kept as ``crm_1.0.0.json``, the file 1.0.0 shipped)
that its team edited upgrades to 2.0 with the edits kept and 2.0's parts added (issue 20)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from brickwork.kinds import store
from brickwork.platform.appfile import install_template
from brickwork.platform.apps import get_app
from brickwork.platform.db import transaction
from brickwork.templates import load
from tests.engines.form.helpers import field

SHIPPED_1_0 = json.loads((Path(__file__).parent / "crm_1.0.0.json").read_text(encoding="utf-8"))
STORE = store()
VIEWS = "/api/v1/apps/crm/forms/customers/views"


def test_the_shipped_1_0_file_is_what_1_0_0_was():
    assert SHIPPED_1_0["template"] == {"name": "crm", "version": "1.0.0"}
    assert "rule" not in SHIPPED_1_0["definitions"] and load("crm")["template"]["version"] == "2.0.0"


def test_an_edited_1_0_install_upgrades_to_2_0_keeping_its_edits(api, sessions, admin, drain):
    with transaction(sessions) as session:
        install_template(session, STORE, copy.deepcopy(SHIPPED_1_0), admin.id)
    with transaction(sessions) as session:  # the team: a field of their own and a label changed
        app = get_app(session, "crm")
        mine = copy.deepcopy(STORE.get(session, app, "form", "customers").body)
        mine["fields"].append(field("cus_vip_note", "text", "vip_note"))
        next(f for f in mine["fields"] if f["key"] == "industry")["label"]["zh-CN"] = "所属行业"
        STORE.save_draft(session, app, "form", "customers", mine, admin.id)
        STORE.publish(session, app, "form", "customers", admin.id)
    saved = api.post(VIEWS, json={"name": "华东 A 类", "type": "table", "shared": True, "config": {
        "filter": {"fn": "=", "args": [{"ref": "cus_level"}, {"lit": "lvl_a", "type": "choice"}]},
        "columns": ["cus_name", "cus_vip_note"]}})
    assert saved.status_code == 201, saved.text
    customer = api.post("/api/v1/apps/crm/forms/customers/records", json={"name": "杭州云帆", "vip_note": "老客户"})
    assert customer.status_code == 201, customer.text

    upgraded = api.post("/api/v1/templates/crm:install")
    assert upgraded.status_code in (200, 201), upgraded.text
    report = upgraded.json()
    assert report["action"] == "upgraded" and (report["from"], report["to"]) == ("1.0.0", "2.0.0")
    assert report["conflicts"] == []
    assert {"form/leads", "rule/cus_claim", "rule/led_mql", "flow/quote_approval"} <= set(report["published"])

    body = api.get("/api/v1/apps/crm/definitions/form/customers").json()
    fields = {f["key"]: f for f in body.get("body", body)["fields"]}
    assert {"vip_note", "owned_since"} <= set(fields)  # theirs kept, 2.0's added
    assert fields["industry"]["label"]["zh-CN"] == "所属行业"
    names = [v["name"] for v in api.get(VIEWS).json()["items"]]
    assert {"华东 A 类", "公海客户"} <= {n if isinstance(n, str) else n.get("zh-CN") for n in names}
    kept = api.get(f"/api/v1/apps/crm/forms/customers/records/{customer.json()['id']}").json()
    assert (kept["name"], kept["vip_note"]) == ("杭州云帆", "老客户")
    # the 2.0 parts work on the upgraded app: a lead is scored
    lead = api.post("/api/v1/apps/crm/forms/leads/records", json={"name": "周敏", "form_filled": True})
    assert lead.status_code == 201, lead.text
    drain()
    assert api.get(f"/api/v1/apps/crm/forms/leads/records/{lead.json()['id']}").json()["score"] == "20"
