"""In Chromium: an edited CRM 1.0 upgraded from the gallery. The page shows the report, the
conflict with the team's value kept beside the template's, in Chinese; the report stays on
the gallery, and reads in English too."""

from __future__ import annotations

import copy

import pytest
from playwright.sync_api import expect

from brickwork.kinds import store
from brickwork.platform.appfile import install_template
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.models import User
from tests.templates.test_crm_upgrade import SHIPPED_1_0

pytestmark = pytest.mark.browser
CUSTOMERS = "/api/v1/apps/crm/definitions/form/customers"


def test_the_gallery_upgrades_and_shows_each_conflict_in_both_languages(live_server, live_api, database_url,
                                                                        signed_in, shot):
    engine = make_engine(database_url)
    with transaction(make_sessionmaker(engine)) as session:
        admin = session.query(User).filter_by(username="admin").one()
        install_template(session, store(), copy.deepcopy(SHIPPED_1_0), admin.id)
    engine.dispose()
    body = live_api.get(CUSTOMERS).json()
    body = copy.deepcopy(body.get("body", body))
    level = next(f for f in body["fields"] if f["key"] == "level")
    next(o for o in level["options"] if o["id"] == "lvl_a")["label"]["zh-CN"] = "A 类大客户"
    assert live_api.put(CUSTOMERS, json=body).status_code == 200
    assert live_api.post(f"{CUSTOMERS}:publish").status_code == 200

    page = signed_in("zh-CN")
    page.goto(f"{live_server.url}/templates")
    page.locator("[data-template='crm'] form.template-install button[type=submit]").click()
    report = page.get_by_test_id("upgrade-report")
    expect(report).to_be_visible()
    expect(report.locator("h2")).to_contain_text("1.0.0")
    row = report.get_by_test_id("upgrade-conflicts").locator("tbody tr", has_text="lvl_a")
    expect(row).to_contain_text("字段 客户等级 (cus_level)")
    expect(row.get_by_test_id("conflict-mine")).to_have_text("A 类大客户")
    expect(row.get_by_test_id("conflict-theirs")).to_have_text("A 重点客户")
    expect(report.get_by_test_id("upgrade-published")).to_contain_text("线索")
    shot(page, "upgrade-report-zh")

    english = signed_in("en")
    english.goto(f"{live_server.url}/templates")  # the report stays on the gallery
    again = english.get_by_test_id("upgrade-report")
    expect(again.locator("h3").first).to_have_text("Conflicts: your version was kept")
    expect(again.get_by_test_id("upgrade-conflicts")).to_contain_text("Field Level (cus_level)")
    expect(english.locator("[data-template='crm'] .template-state")).to_contain_text("Installed")
    assert page.errors == [] and english.errors == []
