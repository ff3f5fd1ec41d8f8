"""In a real Chromium: the permission designer gives the CRM's `sales` "own records, revenue
hidden" and `sales_manager` "department and below"; the preview as an East salesperson and
as the Sales head shows each exactly their records, counted as a direct SQL query counts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from tests.engines.form.sales_org import hand_over, sales_org

pytestmark = pytest.mark.browser
APP = "/api/v1/apps/crm"


@pytest.fixture
def crm_org(live_api, database_url):
    assert live_api.post("/api/v1/templates/crm:install", json={}).status_code == 201
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as s:
        org = sales_org(s, {"head": "Sales", "east1": "East", "east2": "East", "north1": "North",
                            "outsider": "Other"}, {"Sales": "head", "East": "east1", "North": "north1"})
    people, app_id, sales = org["people"], org["app_id"], org["departments"]["Sales"]
    assert live_api.post(f"{APP}/roles/sales/members", json={"department": sales}).status_code == 201
    assert live_api.post(f"{APP}/roles/sales_manager/members", json={"user": people["head"][0]}).status_code == 201
    for name, count in {"east1": 3, "east2": 2, "north1": 2, "outsider": 3}.items():
        for i in range(count):
            made = live_api.post(f"{APP}/forms/customers/records",
                                 json={"name": f"{name} customer {i}", "annual_revenue": "777000"})
            assert made.status_code == 201, made.text
            with transaction(sessions) as s:
                hand_over(s, app_id, "customers", made.json()["id"], people[name])

    def count(where: str, **params) -> int:
        with transaction(sessions) as s:
            return s.execute(text(f"SELECT count(*) FROM r{app_id}_customers WHERE deleted_at IS NULL AND {where}"),
                             params).scalar_one()

    yield {"people": people, "tree": org["tree"], "count": count}
    engine.dispose()


def test_permission_designer_and_preview(signed_in, live_server, live_api, crm_org, shot):
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/customers/permissions")
    sales = page.locator("[data-role=sales]")
    for action, ticked in (("create", True), ("read", True), ("update", True), ("delete", False)):
        box = sales.locator(f"input[data-action={action}]")
        box.set_checked(ticked)
    sales.locator("select[data-scope]").select_option("own")
    sales.locator("summary").click()
    sales.locator("select[data-field=annual_revenue]").select_option("none")
    manager = page.locator("[data-role=sales_manager]")
    for action, ticked in (("create", False), ("read", True), ("update", True), ("delete", False)):
        manager.locator(f"input[data-action={action}]").set_checked(ticked)
    manager.locator("select[data-scope]").select_option("department_tree")
    page.locator("[data-action=publish]").click()
    expect(page.get_by_test_id("perm-status")).to_have_text("Published.")

    live = live_api.get(f"{APP}/forms/customers").json()["body"]["permissions"]
    by_role = {p["role"]: p for p in live}
    assert by_role["sales"]["scope"] == "own" and by_role["sales"]["fields"] == {"cus_annual_revenue": "none"}
    assert by_role["sales_manager"] == {"role": "sales_manager", "actions": ["read", "update"],
                                        "scope": "department_tree", "fields": {}}

    east1, head = crm_org["people"]["east1"], crm_org["people"]["head"]
    own = crm_org["count"]("owner_id = :u", u=east1[0])
    tree = ",".join(str(d) for d in crm_org["tree"])
    below = crm_org["count"](f"(department_id IN ({tree}) OR owner_id = :u)", u=head[0])
    assert (own, below) == (3, 7)

    person = page.get_by_test_id("preview-person")
    person.fill(f"east1 (#{east1[0]})")
    page.locator("[data-preview-form] button[type=submit]").click()
    expect(page.get_by_test_id("preview-count")).to_have_text(f"{own} records visible")
    table = page.get_by_test_id("preview-table")
    expect(table.locator("tbody tr")).to_have_count(own)
    expect(table).not_to_contain_text("777")  # the revenue is hidden from `sales`
    expect(table).not_to_contain_text("east2 customer")
    # People and choices by name, not by id: the owner field holds the administrator who made them.
    expect(table.locator("td[data-field=owner]").first).to_have_text("Administrator")
    shot(page, "preview-east")

    person.fill(f"head (#{head[0]})")
    page.locator("[data-preview-form] button[type=submit]").click()
    expect(page.get_by_test_id("preview-count")).to_have_text(f"{below} records visible")
    expect(table.locator("tbody tr")).to_have_count(below)
    expect(table).not_to_contain_text("outsider")
    assert page.errors == []

    # On a phone, in Chinese: the same page, nothing wider than the screen.
    phone = signed_in(locale="zh-CN", phone=True)
    phone.goto(f"{live_server.url}/apps/crm/forms/customers/permissions")
    expect(phone.locator("[data-role=sales] input[data-action=read]")).to_be_checked()
    expect(phone.locator("h1")).to_contain_text("权限")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "phone")
    assert phone.errors == []
