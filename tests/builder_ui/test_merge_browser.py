"""The merge page in a real Chromium, on a phone (390 px) in Chinese: the duplicates page
finds the pair, the merge page compares them side by side, one field takes the other
record's value, the dialog confirms, the opportunity follows; the recycle bin undoes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.test_duplicates import DETECT, customers
from tests.support.browser import wait_landed

pytestmark = pytest.mark.browser
BASE = "/apps/crm/forms/customers"


def test_merge_two_customers_on_a_phone_in_chinese_and_undo_it(signed_in, live_server, live_api, shot):
    assert publish(live_api, customers(duplicates=DETECT)).status_code == 200
    assert publish(live_api, form("opportunities", field("o_name", "text", "name"),
                                  field("o_customer", "relation", "customer", target="customers"))).status_code == 200
    keep = live_api.post(records("customers"), json={"name": "上海某某科技有限公司",
                                                     "phone": "+86 138-0013-8000"}).json()
    drop = live_api.post(records("customers"), json={"name": "上海某某科技", "phone": "13800138000",
                                                     "email": "sales@mou.cn"}).json()
    deal = live_api.post(records("opportunities"), json={"name": "ERP", "customer": drop["id"]}).json()

    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}{BASE}/duplicates")
    expect(page.get_by_test_id("duplicates-total")).to_contain_text("1 组疑似重复")
    page.get_by_test_id(f"compare-{keep['id']}-{drop['id']}").click()
    page.wait_for_url(re.compile(r"/merge\?keep="))
    expect(page.get_by_role("heading", name="合并记录")).to_be_visible()
    email = page.get_by_test_id("merge-field-email")
    expect(email.locator("input[value=loser]")).to_be_checked()  # a blank filled from the other record
    name = page.get_by_test_id("merge-field-name")
    expect(name.locator("input[value=survivor]")).to_be_checked()
    name.get_by_text("上海某某科技", exact=True).click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "merge-phone")
    page.get_by_test_id("merge-submit").click()
    expect(page.get_by_test_id("merge-dialog")).to_be_visible()
    page.get_by_test_id("merge-confirm").click()
    page.wait_for_url(re.compile(rf"/records/{keep['id']}\?merged={drop['id']}$"))
    expect(page.get_by_test_id("notice")).to_contain_text("已合并")
    assert live_api.get(f"{records('opportunities')}/{deal['id']}").json()["customer"] == keep["id"]
    merged = live_api.get(f"{records('customers')}/{keep['id']}").json()
    assert (merged["name"], merged["email"]) == ("上海某某科技", "sales@mou.cn")

    page.goto(f"{live_server.url}{BASE}/trash")
    page.get_by_test_id(f"trash-row-{drop['id']}").locator("[data-restore-one]").click()
    wait_landed(page, rf"/records/{drop['id']}", "restored")
    assert live_api.get(f"{records('opportunities')}/{deal['id']}").json()["customer"] == drop["id"]
    assert live_api.get(f"{records('customers')}/{keep['id']}").json()["name"] == "上海某某科技有限公司"
    assert page.errors == []
