"""The administrator `serve` creates on first start is called "Administrator" in English and
"管理员" in Chinese, whatever language the server was started in."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from brickwork.cli import _first_admin
from brickwork.platform.i18n import current_locale
from tests.conftest import ADMIN_PASSWORD
from tests.platform.http.test_csrf import sign_in


@pytest.mark.parametrize("server_language", ["en", "zh-CN"])
def test_the_first_administrator_is_named_in_the_readers_language(app, settings, monkeypatch, capsys,
                                                                  server_language):
    monkeypatch.setenv("BRICKWORK_ADMIN_PASSWORD", ADMIN_PASSWORD)
    token = current_locale.set(server_language)  # as `serve` sets it from LANG
    try:
        _first_admin(settings, "http://127.0.0.1:8000")
    finally:
        current_locale.reset(token)
    capsys.readouterr()
    for reader, name in (("en", "Administrator"), ("zh-CN", "管理员")):
        with TestClient(app, headers={"Accept-Language": reader}) as client:
            sign_in(client)
            home = client.get("/").text
            assert re.search(r'data-testid="who"[^>]*>([^<]*)<', home).group(1) == name
