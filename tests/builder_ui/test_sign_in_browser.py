"""In Chromium: two-factor sign-in set up on /me and used at sign-in, and single sign-on at a
real OpenID Connect provider on loopback."""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.users import create_user
from tests.live_server import LiveServer
from tests.support.oidc import OidcProvider

pytestmark = pytest.mark.browser


def sign_in_with_password(page, url, password):
    page.goto(f"{url}/login")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()


def enter_code(page, code):
    page.get_by_test_id("totp-code").fill(code)
    page.locator("form[action='/login/code'] button[type=submit]").click()


def sign_out(page):
    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login")


def test_two_factor_sign_in_with_an_authenticator_and_a_recovery_code(signed_in, live_server, shot):
    page = signed_in()
    url, password = live_server.url, live_server.admin_password()
    page.goto(f"{url}/me")
    page.get_by_role("button", name="Set up an authenticator app").click()
    secret = page.get_by_test_id("totp-secret")
    expect(secret).not_to_be_empty()
    assert page.locator("#two-factor-qr").get_attribute("src").startswith("data:image/svg+xml")
    app = pyotp.TOTP(secret.inner_text().strip())
    page.locator("#confirm-code").fill(app.now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10, timeout=20_000)  # hashing them takes a moment on a busy machine
    recovery = codes.nth(0).inner_text().strip()
    shot(page, "recovery-codes")
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_test_id("two-factor-on")).to_contain_text("Recovery codes left: 10")
    sign_out(page)

    sign_in_with_password(page, url, password)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    enter_code(page, "000000")
    expect(page.get_by_role("alert")).to_contain_text("The code is wrong")
    enter_code(page, app.at(time.time() + app.interval))  # the current one confirmed the enrolment
    page.wait_for_url(f"{url}/")
    sign_out(page)

    sign_in_with_password(page, url, password)
    enter_code(page, recovery)
    page.wait_for_url(f"{url}/")
    sign_out(page)
    sign_in_with_password(page, url, password)
    enter_code(page, recovery)  # used up
    expect(page.get_by_role("alert")).to_contain_text("The code is wrong")
    # The browser logs each provoked refusal (a wrong code answers 401); nothing else went wrong.
    assert [e for e in page.errors if "status of 401" not in e] == []


@pytest.fixture
def sso_server(tmp_path, database_url):
    """A live Brickwork configured for a live oidc-provider, and a person the provider knows
    by the same email."""
    provider = OidcProvider(tmp_path / "provider.log")
    server = LiveServer(tmp_path / "data", database_url, extra_env=provider.settings())
    try:
        provider.start(f"{server.url}/login/oidc/callback")
        engine = make_engine(database_url)
        with transaction(make_sessionmaker(engine)) as session:
            create_user(session, "ann", "password-123", display_name="Ann Lee", email="ann@example.com")
        engine.dispose()
        yield server
    finally:
        server.stop()
        provider.stop()


def sign_in_at_provider(browser, server, account):
    context = browser.new_context(locale="en")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.get_by_test_id("oidc-sign-in").click()
    page.locator("input[name=login]").fill(account)  # the provider's own sign-in page
    page.locator("input[name=password]").fill("anything")
    page.locator("button[type=submit]").click()
    return context, page


def test_single_sign_on_at_the_provider_lands_signed_in(browser, sso_server, shot):
    expect_button = browser.new_page()
    expect_button.goto(f"{sso_server.url}/login")
    expect(expect_button.get_by_test_id("oidc-sign-in")).to_have_text("Sign in with Test SSO")
    expect_button.close()

    context, page = sign_in_at_provider(browser, sso_server, "ann")
    page.wait_for_url(f"{sso_server.url}/")
    expect(page.get_by_test_id("who")).to_have_text("Ann Lee")
    context.close()

    context, page = sign_in_at_provider(browser, sso_server, "stranger")
    expect(page.get_by_role("alert")).to_contain_text("No Brickwork account matches stranger@example.com")
    assert page.url.startswith(f"{sso_server.url}/login/oidc/callback")
    shot(page, "refused")
    context.close()


def test_on_a_phone_in_chinese_enrolment_and_the_code_step_fit(browser, signed_in, live_server, shot):
    from tests.conftest import PHONE

    page = signed_in(locale="zh-CN", phone=True)
    page.goto(f"{live_server.url}/me")
    page.get_by_role("button", name="设置身份验证器应用").tap()
    secret = page.get_by_test_id("totp-secret")
    expect(secret).not_to_be_empty()
    fits_width(page, "#two-factor-qr", "#confirm-code")
    shot(page, "enrol")
    page.locator("#confirm-code").fill(pyotp.TOTP(secret.inner_text().strip()).now())
    page.get_by_role("button", name="开启", exact=True).tap()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10, timeout=20_000)
    fits_width(page, "[data-testid=recovery-codes]")

    context = browser.new_context(locale="zh-CN", **PHONE)
    fresh = context.new_page()
    sign_in_with_password(fresh, live_server.url, live_server.admin_password())
    expect(fresh.get_by_role("heading", name="输入验证码")).to_be_visible()
    fits_width(fresh, "[data-testid=totp-code]", "form[action='/login/code'] button")
    shot(fresh, "code")
    context.close()


def fits_width(page, *selectors):
    width = page.evaluate("innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in selectors:
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box)
