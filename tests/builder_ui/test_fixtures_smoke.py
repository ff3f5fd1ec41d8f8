"""The browser fixtures the page tests start from."""

import pytest

pytestmark = pytest.mark.browser


def test_signed_in_pages_and_the_live_api_share_one_server(signed_in, live_api):
    assert live_api.post("/api/v1/apps", json={"key": "shop", "label": {"en": "Shop"}}).status_code == 201
    page = signed_in("en")
    page.reload()
    assert "Shop" in page.get_by_test_id("apps").inner_text()
    assert page.errors == []
