"""The first minutes of a newcomer, in a real Chromium against a real `brickwork serve`."""

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize(("locale", "texts"), [
    ("zh-CN", {"title": "登录", "button": "登录", "apps": "应用", "empty": "还没有应用。", "out": "退出登录"}),
    ("en", {"title": "Sign in", "button": "Sign in", "apps": "Apps", "empty": "There are no apps yet.",
            "out": "Sign out"}),
])
def test_the_admin_signs_in_with_the_printed_password(browser, live_server, shot, locale, texts):
    password = live_server.admin_password()
    context = browser.new_context(locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url)
    assert page.url.endswith("/login?next=/")
    assert page.locator("h1").inner_text() == texts["title"]
    shot(page, "login")
    page.get_by_label("用户名" if locale == "zh-CN" else "Username").fill("admin")
    page.get_by_label("密码" if locale == "zh-CN" else "Password").fill(password)
    page.get_by_role("button", name=texts["button"], exact=True).click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == texts["apps"]
    assert page.get_by_test_id("no-apps").inner_text() == texts["empty"]
    shot(page, "home")
    page.get_by_role("button", name=texts["out"]).click()
    page.wait_for_url(f"{live_server.url}/login")
    assert errors == []  # no script error, no CSP violation
    context.close()


def test_a_wrong_password_keeps_the_visitor_out(browser, live_server):
    page = browser.new_context(locale="en").new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."
    assert page.get_by_label("Username").input_value() == "admin"


def test_switching_language_and_creating_an_app_on_a_phone(browser, live_server, shot):
    context = browser.new_context(locale="en", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_role("button", name="中文").click()
    assert page.locator("h1").inner_text() == "登录"
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(live_server.admin_password())
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_label("名称（中文）").fill("客户管理 <script>alert(1)</script>")
    page.get_by_label("标识").fill("crm")
    page.get_by_role("button", name="创建").click()
    page.wait_for_url(f"{live_server.url}/apps/crm")  # a new app opens
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_server.url}/")
    card = page.get_by_test_id("apps").locator("li").first
    assert "客户管理 <script>alert(1)</script>" in card.inner_text()
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "home-phone")
    context.close()
