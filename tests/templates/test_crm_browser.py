"""The CRM as `make run` leaves it: installed with demo data on a real server. The API
filters by the template's keys, and a customer's 360° page in Chromium shows every related
list filled."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
CUSTOMERS = "/api/v1/apps/crm/forms/customers/records"
CHILDREN = ("contacts", "opportunities", "followups", "quotes", "contracts", "orders", "payments", "tickets")


def linked(api, form: str) -> Counter:
    """How many records of a form link to each customer (every page of the list)."""
    counts: Counter = Counter()
    params = {"fields": "customer", "limit": 500}
    while True:
        page = api.get(f"/api/v1/apps/crm/forms/{form}/records", params=params).json()
        counts.update(r["customer"] for r in page["items"] if r["customer"])
        if not page["next_cursor"]:
            return counts
        params["cursor"] = page["next_cursor"]


def test_the_installed_crm_with_demo_data(live_server, live_api, signed_in, shot):
    installed = live_api.post("/api/v1/templates/crm:install", json={"demo_data": 200}, timeout=600)  # as make run
    assert installed.status_code == 201, installed.text
    level_a = {"fn": "=", "args": [{"ref": "level"}, {"lit": "lvl_a", "type": "choice"}]}
    keyed = live_api.get(CUSTOMERS, params={"filter": json.dumps(level_a), "sort": "-weighted_score",
                                            "fields": "name,level,weighted_score"}).json()
    assert keyed["total"] > 0 and {r["level"] for r in keyed["items"]} == {"lvl_a"}
    scores = [float(r["weighted_score"]) for r in keyed["items"] if r["weighted_score"] is not None]
    assert scores == sorted(scores, reverse=True)

    counts = {form: linked(live_api, form) for form in CHILDREN}
    full = [c for c in counts["contacts"] if all(counts[form][c] for form in CHILDREN)]
    assert full, "no demo customer has every related list filled"
    page = signed_in()
    page.goto(f"{live_server.url}/apps/crm/forms/customers/records/{full[0]}")
    for form in CHILDREN:
        section = page.locator(f"[data-related='{form}.customer']")
        expect(section.get_by_test_id("related-count")).to_have_text(str(counts[form][full[0]]))
        expect(section.locator(".related-items li").first).to_be_visible()
    shot(page, "customer-360")
    page.locator("[data-related='opportunities.customer'] .related-title").first.click()
    expect(page).to_have_url(re.compile(r"/apps/crm/forms/opportunities/records/\d+"))
    assert page.errors == []
