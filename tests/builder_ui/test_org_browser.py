"""People and the org chart in a real Chromium: an administrator builds a two-level org
(Sales with East and North, each with a head) including a drag-and-drop move, imports 50
people from an xlsx made here, invites a person; that person replaces their one-time
password and makes an API token on /me. Then the department page on a phone."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.builder_ui.test_designer_browser import drag

pytestmark = pytest.mark.browser


def departments(live_api) -> dict[str, dict]:
    return {d["path"]: d for d in live_api.get("/api/v1/departments").json()}


def add_department(page, name, under=None):
    form = page.get_by_test_id("department-create")
    form.get_by_label("New department").fill(name)
    form.get_by_label("Under").select_option(label=under or "(the top)")
    with page.expect_navigation():
        form.get_by_role("button", name="Add").click()


def edit(page, department):
    page.locator(f".dept[data-name={department}] > .dept-row").get_by_role("button", name="Edit").click()


def set_head(page, department, head_label):
    edit(page, department)
    dialog = page.locator("#department-dialog")
    dialog.get_by_label("Heads").select_option(label=head_label)
    with page.expect_navigation():
        dialog.get_by_role("button", name="Save").click()


def people_sheet(path):
    book = openpyxl.Workbook()
    book.active.append(["username", "name", "email", "department", "manager"])
    for n in range(1, 51):
        team = "East" if n <= 25 else "North"
        first = 1 if team == "East" else 26
        manager = "" if n == first else f"{team.lower()}{first:02d}"
        book.active.append([f"{team.lower()}{n:02d}", f"{team} person {n}", f"p{n}@example.com",
                            f"Sales/{team}", manager])
    book.save(path)


def test_an_administrator_builds_the_org_and_a_person_uses_their_page(signed_in, live_server, live_api, browser,
                                                                      shot, tmp_path):
    page = signed_in("en")
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=False).first).to_be_visible()

    # The tree: Sales, East and North, made at the top.
    page.goto(f"{live_server.url}/admin/departments")
    add_department(page, "Sales")
    add_department(page, "East")
    add_department(page, "North")
    assert set(departments(live_api)) == {"Sales", "East", "North"}

    # East is dragged by its handle to just below Sales's row, into Sales's (empty) list.
    # A synthetic pointer on a loaded machine sometimes releases while SortableJS has the
    # item back at the top (it re-reads the pointer every 50 ms, and the empty list grows as
    # the item enters it): nothing is saved then, and the page stays. As a person would, the
    # test drags again; the move itself is checked below, through the API.
    for attempt in range(3):
        try:
            with page.expect_navigation(timeout=15_000):
                drag(page, page.locator(".dept[data-name=East] .dept-handle"),
                     page.locator(".dept[data-name=Sales] > .dept-row"), dx=0.3, dy=1.15,
                     until=page.locator(".dept[data-name=Sales] .dept[data-name=East]"))
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    expect(page.locator(".dept[data-name=Sales] .dept[data-name=East]")).to_be_visible()
    assert set(departments(live_api)) == {"Sales", "Sales/East", "North"}
    # North moves by its Edit dialog (the way without a pointer); never under itself.
    edit(page, "North")
    dialog = page.locator("#department-dialog")
    dialog.get_by_label("Under").select_option(label="Sales")
    with page.expect_navigation():
        dialog.get_by_role("button", name="Save").click()
    assert set(departments(live_api)) == {"Sales", "Sales/East", "Sales/North"}
    edit(page, "Sales")
    dialog.get_by_label("Under").select_option(label="Sales/East")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("[data-role=error]")).to_contain_text("cannot move under itself")
    dialog.get_by_role("button", name="Cancel").click()
    shot(page, "tree")

    # 50 people from a spreadsheet, checked and imported.
    sheet = tmp_path / "people.xlsx"
    people_sheet(sheet)
    page.goto(f"{live_server.url}/admin/people")
    page.get_by_test_id("org-import").locator("input[type=file]").set_input_files(str(sheet))
    page.get_by_test_id("org-import").get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-summary")).to_have_text("Created 50, updated 0, failed 0.")
    listed = live_api.get("/api/v1/users", params={"department": departments(live_api)["Sales/North"]["id"]}).json()
    assert listed["total"] == 25

    # Each team gets a head.
    page.goto(f"{live_server.url}/admin/departments")
    set_head(page, "East", "East person 1 (east01)")
    set_head(page, "North", "North person 26 (north26)")
    tree = departments(live_api)
    heads = {p["username"]: p["id"] for p in live_api.get("/api/v1/users", params={"q": "01"}).json()["items"]}
    assert tree["Sales/East"]["heads"] == [heads["east01"]] and len(tree["Sales/North"]["heads"]) == 1
    expect(page.locator(".dept[data-name=East] [data-testid=heads]")).to_contain_text("East person 1")

    # A person is invited and shown a one-time password once.
    page.goto(f"{live_server.url}/admin/people")
    page.get_by_test_id("invite").click()
    dialog = page.locator("#invite-dialog")
    dialog.get_by_label("User name").fill("mei")
    dialog.get_by_label("Name", exact=True).fill("Mei <b>Lin</b>")
    dialog.get_by_label("Departments").select_option(label="Sales/East")
    dialog.get_by_role("button", name="Invite").click()
    expect(page.get_by_test_id("one-time")).to_be_visible()
    one_time = page.locator("#one-time-value").text_content()
    expect(page.get_by_test_id("people")).to_contain_text("Mei <b>Lin</b>")
    shot(page, "people")
    assert page.errors == []

    # Mei signs in with it, lands on /me, chooses a password and makes a token.
    context = browser.new_context(locale="en")
    try:
        mine = context.new_page()
        mine.goto(f"{live_server.url}/login")
        mine.locator("input[name=username]").fill("mei")
        mine.locator("input[name=password]").fill(one_time)
        mine.locator("form[action='/login'] button[type=submit]").click()
        mine.wait_for_url(f"{live_server.url}/me")
        expect(mine.get_by_test_id("must-change")).to_be_visible()
        form = mine.get_by_test_id("password-form")
        form.get_by_label("Current password").fill(one_time)
        form.get_by_label("New password", exact=True).fill("mei-own-password")
        form.get_by_label("New password again").fill("mei-own-password")
        form.get_by_role("button", name="Change my password").click()
        expect(mine.get_by_test_id("password-done")).to_be_visible()
        tokens = mine.get_by_test_id("token-form")
        tokens.get_by_placeholder("What is it for?").fill("my script")
        tokens.get_by_role("button", name="Make a token").click()
        expect(mine.get_by_test_id("new-token")).to_be_visible()
        token = mine.locator("#new-token-value").text_content()
        expect(mine.get_by_test_id("tokens")).to_contain_text("my script")
        shot(mine, "me")
    finally:
        context.close()
    as_mei = live_api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert as_mei.status_code == 200 and as_mei.json()["username"] == "mei"
    mei = live_api.get("/api/v1/users", params={"q": "mei"}).json()["items"][0]
    assert mei["must_change_password"] is False


def test_the_department_page_fits_a_phone_in_chinese(signed_in, live_server, live_api, shot):
    sales = live_api.post("/api/v1/departments", json={"name": "销售部"}).json()
    long_name = "华东区域销售一部（上海、江苏、浙江）"
    live_api.post("/api/v1/departments", json={"name": long_name, "parent_id": sales["id"]})
    page = signed_in("zh-CN", phone=True)
    for path in ("/admin/departments", "/admin/people", "/me"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide"
    page.goto(f"{live_server.url}/admin/departments")
    expect(page.get_by_role("heading", name="部门")).to_be_visible()
    shot(page, "phone")
    assert page.errors == []
