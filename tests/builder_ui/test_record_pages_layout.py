"""The record page as one reads it: the records linked to this one come before its long
history, and an edit in place of the title field renames the page."""

from __future__ import annotations

import re

from tests.builder_ui.test_links import APP_BASE, api, crm, page  # noqa: F401  (fixtures)
from tests.builder_ui.test_record_pages import fragment
from tests.engines.form.helpers import records


def test_linked_records_come_before_the_history(page, api, crm):  # noqa: F811
    acme = crm["Acme Steel"]
    api.post(records("contacts"), json={"name": "Li", "customer": acme})
    for city in ("Ningbo", "Suzhou", "Wuxi"):  # a history that grows
        version = api.get(f"{records('customers')}/{acme}").json()["version"]
        assert api.patch(f"{records('customers')}/{acme}", json={"version": version, "city": city}).status_code == 200
    shown = page.get(f"{APP_BASE}/customers/records/{acme}").text
    assert 'data-related="contacts.customer"' in shown
    assert shown.index('data-related="contacts.customer"') < shown.index('data-testid="history"')


def test_an_edit_in_place_of_the_title_gives_the_new_title(page, api, crm):  # noqa: F811
    acme = crm["Acme Steel"]
    path = f"{APP_BASE}/customers/records/{acme}/fields/name"
    saved = fragment(page, path, {"name": "Acme Steel Group", "_version": "1", "_original": '"Acme Steel"'})
    assert saved.status_code == 200, saved.text
    assert re.search(r'id="record-main"[^>]*data-title="Acme Steel Group"', saved.text)
    assert 'data-related="contacts.customer"' in saved.text  # the linked records stay on the page
