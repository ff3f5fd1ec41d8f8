"""Printing in a real Chromium: the record page's print menu opens the record as PDF, and
the table view prints the selected records in one PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.connectors.printing.test_print import CUSTOMERS, LINES, QUOTE_PRINT, QUOTES

pytestmark = pytest.mark.browser

APP = "/api/v1/apps/crm"
BASE = "/apps/crm/forms/quotes"


def setup_quotes(live_api) -> list[dict]:
    assert live_api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    for definition in (CUSTOMERS, QUOTES):
        assert live_api.put(f"{APP}/forms/{definition['key']}", json=definition).status_code == 200
        assert live_api.post(f"{APP}/forms/{definition['key']}:publish").status_code == 200
    assert live_api.put(f"{APP}/definitions/print/quote", json=QUOTE_PRINT).status_code == 200
    assert live_api.post(f"{APP}/definitions/print/quote:publish").status_code == 200
    customer = live_api.post(f"{APP}/forms/customers/records", json={"name": "华东贸易", "city": "上海"}).json()
    return [live_api.post(f"{APP}/forms/quotes/records", json={
        "quote_no": f"BJ-{n}", "customer": customer["id"], "lines": LINES[:5]}).json() for n in (1, 2, 3)]


def pdf_text(page, url: str) -> str:
    answer = page.request.get(page.url.split("/apps/")[0] + url if url.startswith("/") else url)  # its cookie
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)


def test_the_record_page_prints_and_the_table_prints_a_selection(signed_in, live_api, live_server, shot):
    quotes = setup_quotes(live_api)
    page = signed_in("zh-CN")
    page.goto(f"{live_server.url}{BASE}/records/{quotes[0]['id']}")
    page.get_by_test_id("print-menu").locator("summary").click()
    link = page.get_by_test_id("print-quote")
    assert link.is_visible() and link.inner_text() == "报价单 (PDF)"
    shot(page, "print-menu")
    text = pdf_text(page, link.get_attribute("href"))
    assert "报价单 BJ-1" in text and "不锈钢螺栓 M05" in text

    page.goto(f"{live_server.url}{BASE}")
    boxes = page.locator("#rows .row-select")
    boxes.nth(0).check()
    boxes.nth(2).check()
    with page.expect_popup() as opened:
        page.get_by_test_id("print-selected-quote").click()
    url = opened.value.url
    assert "/print/quote.pdf?ids=" in url
    text = pdf_text(page, url)
    assert "BJ-1" in text and "BJ-3" in text and "BJ-2" not in text
    assert not page.errors, page.errors
