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
    # the team's edits, listed as kept: the field, the label, the view
    assert {"form/customers.fields[cus_vip_note]", "form/customers.fields[cus_industry].label.zh-CN",
            f"views[view_{saved.json()['id']}]"} <= set(report["edits"]), report["edits"]

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


def edited_1_0(sessions, admin) -> None:
    """CRM 1.0 installed, then its team renamed the A level, which 2.0 renames too."""
    with transaction(sessions) as session:
        install_template(session, STORE, copy.deepcopy(SHIPPED_1_0), admin.id)
    with transaction(sessions) as session:
        app = get_app(session, "crm")
        mine = copy.deepcopy(STORE.get(session, app, "form", "customers").body)
        level = next(f for f in mine["fields"] if f["key"] == "level")
        next(o for o in level["options"] if o["id"] == "lvl_a")["label"]["zh-CN"] = "A 类大客户"
        STORE.save_draft(session, app, "form", "customers", mine, admin.id)
        STORE.publish(session, app, "form", "customers", admin.id)


CONFLICT = "form/customers.fields[cus_level].options[lvl_a].label.zh-CN"


def test_a_conflicting_edit_is_kept_and_its_report_stays_with_the_templates(api, sessions, admin):
    edited_1_0(sessions, admin)
    upgraded = api.post("/api/v1/templates/crm:install")
    assert upgraded.status_code == 200, upgraded.text
    report = upgraded.json()
    [conflict] = [c for c in report["conflicts"] if c["path"] == CONFLICT]
    assert (conflict["base"], conflict["mine"], conflict["theirs"]) == ("A（重点）", "A 类大客户", "A 重点客户")
    assert CONFLICT not in report["edits"]
    body = api.get("/api/v1/apps/crm/definitions/form/customers").json()
    level = next(f for f in body.get("body", body)["fields"] if f["key"] == "level")
    assert next(o for o in level["options"] if o["id"] == "lvl_a")["label"]["zh-CN"] == "A 类大客户"  # theirs kept
    # the last upgrade's report is kept with the template's listing, with when and by whom
    [crm] = [t for t in api.get("/api/v1/templates").json() if t["name"] == "crm"]
    last = crm["last_upgrade"]
    assert (last["from"], last["to"], last["by"]) == ("1.0.0", "2.0.0", admin.id) and last["at"]
    assert last["conflicts"] == report["conflicts"] and last["published"] == report["published"]
    entries = api.get("/api/v1/audit", params={"action": "app.upgrade"})
    assert entries.status_code == 200 and entries.json()["items"], entries.text


def test_the_report_names_places_in_both_languages(api, sessions, admin):
    from brickwork.builder_ui.upgrade_report import readable
    from brickwork.platform.appfile import export_app
    from brickwork.platform.i18n import current_locale

    edited_1_0(sessions, admin)
    report = api.post("/api/v1/templates/crm:install").json()
    with sessions() as session:
        app_file = export_app(session, STORE, get_app(session, "crm"))
    seen = {}
    for locale in ("zh-CN", "en"):
        token = current_locale.set(locale)
        try:
            [conflict] = [c for c in readable(report, app_file)["conflicts"] if c["where"].path == CONFLICT]
        finally:
            current_locale.reset(token)
        seen[locale] = (conflict["where"].steps, conflict["where"].prop, conflict["mine"], conflict["theirs"])
    assert seen["zh-CN"] == (["表单 客户 (customers)", "字段 客户等级 (cus_level)", "选项 A 类大客户 (lvl_a)"],
                             "名称 · zh-CN", "A 类大客户", "A 重点客户")
    assert seen["en"][:2] == (
        ["Form Customers (customers)", "Field Level (cus_level)", "Option A – Key account (lvl_a)"], "Name · zh-CN")
