"""The README's screenshots, taken from the `make run` demo by hand:

    .venv/bin/python docs/screenshots/take.py [--out docs/screenshots] [--demo-data 200]

Needs the dev extras (Playwright) and Debian's Chromium at /usr/bin/chromium. It does what
`make run` does on a fresh SQLite database in a temporary directory (migrate, install the
CRM with demo data, serve on a free loopback port), signs in as the demo people (password
``brickwork-demo``) and saves one PNG per page into --out. Nothing outside the temporary
directory and --out is touched; the server is stopped at the end."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "brickwork-demo"  # brickwork/templates/crm_demo_org.py
ADMIN_PASSWORD = "screenshots-admin-1"
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
# Who each picture is taken as: the director, a sales rep, the rep's team manager.
BOSS, REP, MANAGER = "demo.zhengyu", "demo.lina", "demo.zhangwei"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def brickwork(env: dict[str, str], *args: str) -> str:
    """One `brickwork` command, as `make run` runs it; its output is printed and returned."""
    done = subprocess.run([sys.executable, "-m", "brickwork", *args], env=env, cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    print(done.stdout, end="")
    if done.returncode:
        raise SystemExit(f"brickwork {' '.join(args)} failed ({done.returncode})")
    return done.stdout


def wait_until_serving(url: str, server: subprocess.Popen) -> None:
    for _ in range(900):  # up to 90 s: a busy machine starts slowly
        if server.poll() is not None:
            raise SystemExit("brickwork serve exited")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("brickwork serve did not answer")


class Camera:
    def __init__(self, browser, url: str, out: Path, as_admin: bool):
        self.browser, self.url, self.out, self.as_admin = browser, url, out, as_admin

    def page(self, who: str, locale: str = "zh-CN", phone: bool = False):
        """A new browser context signed in as ``who`` (with --as-admin: as the administrator)."""
        who = "admin" if self.as_admin else who
        context = self.browser.new_context(locale=locale, **(PHONE if phone else DESKTOP))
        page = context.new_page()
        page.goto(f"{self.url}/login")
        page.locator("input[name=username]").fill(who)
        page.locator("input[name=password]").fill(ADMIN_PASSWORD if who == "admin" else DEMO_PASSWORD)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(f"{self.url}/", timeout=15000)
        return page

    def save(self, page, name: str) -> None:
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path))  # the viewport: what one sees on opening the page
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")
        page.context.close()


def dashboard_drawn(page) -> None:
    """Every card has its chart, table or "no data" (the cards load one by one)."""
    page.wait_for_function("""() => {
        const boxes = [...document.querySelectorAll("[data-testid=card-chart]")];
        return boxes.length > 0 && boxes.every((b) => b.querySelector("canvas, svg, table, p, .report-kpi"));
    }""", timeout=60000)


def take(camera: Camera) -> None:
    url = camera.url
    boss = camera.page(BOSS)
    boss.goto(f"{url}/apps/crm/dashboards/dash_boss")
    dashboard_drawn(boss)
    camera.save(boss, "boss-dashboard")

    rep = camera.page(REP, phone=True)
    rep.goto(f"{url}/apps/crm/dashboards/dash_sales")
    dashboard_drawn(rep)
    camera.save(rep, "sales-desk-phone")

    kanban = camera.page(MANAGER)
    kanban.goto(f"{url}/apps/crm/forms/opportunities/kanban")
    kanban.locator("#view-switch").select_option(label="商机看板")
    expect(kanban.locator("#view-switch option:checked")).to_have_text("商机看板")
    expect(kanban.locator("[data-testid=kanban-card], .kanban-card").first).to_be_visible()
    camera.save(kanban, "pipeline-kanban")

    if camera.as_admin:
        print("quote-approval: skipped (the administrator approves nothing in the demo)")
    else:
        inbox = camera.page(MANAGER)
        inbox.goto(f"{url}/inbox")
        inbox.get_by_test_id("inbox-item").filter(has_text="报价审批").first.locator("a").click()
        expect(inbox.get_by_test_id("approval-values")).to_be_visible()
        camera.save(inbox, "quote-approval")

    customers = camera.page(MANAGER, locale="en")
    customers.goto(f"{url}/apps/crm/forms/customers")
    customers.locator("#view-switch").select_option(label="All customers")
    expect(customers.locator("#view-switch option:checked")).to_have_text("All customers")
    expect(customers.locator("table tbody tr").first).to_be_visible()
    camera.save(customers, "customers-en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--demo-data", type=int, default=200)
    parser.add_argument("--as-admin", action="store_true", help="every picture as the administrator")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bw-shots-") as tmp:
        port = free_port()
        env = {**os.environ, "BRICKWORK_DATA_DIR": f"{tmp}/data", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1",
               "BRICKWORK_DATABASE_URL": f"sqlite:///{tmp}/brickwork.db", "BRICKWORK_ADMIN_PASSWORD": ADMIN_PASSWORD}
        brickwork(env, "db", "upgrade")
        brickwork(env, "templates", "install", "crm", "--demo-data", str(args.demo_data), "--if-no-apps")
        server = subprocess.Popen([sys.executable, "-m", "brickwork", "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, cwd=ROOT,
                                  stdout=open(f"{tmp}/serve.log", "w"), stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(url, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                take(Camera(browser, url, args.out, args.as_admin))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
