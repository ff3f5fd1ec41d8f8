"""The duplicates page and the merge page, server-rendered: the pairs a form's detection
finds, two records side by side, the merge sent as a plain form; a stale version shows the
page again with the reason and merges nothing."""

from __future__ import annotations

from tests.engines.form.helpers import publish, records
from tests.engines.form.test_duplicates import CUSTOMERS, customers, two_duplicates
from tests.platform.http.test_csrf import form_token, sign_in

BASE = "/apps/crm/forms/customers"


def test_the_pages_list_the_pair_and_merge_it(api, client):
    assert publish(api, customers(duplicates={"match": [{"field": "c_phone", "how": "phone"},
                                                        {"field": "c_name", "how": "fuzzy"}]})).status_code == 200
    survivor, loser = two_duplicates(api)
    client.headers.pop("Authorization", None)
    sign_in(client)
    listed = client.get(f"{BASE}/duplicates")
    assert listed.status_code == 200
    assert f'data-testid="compare-{survivor["id"]}-{loser["id"]}"' in listed.text
    assert "上海某某科技有限公司" in listed.text

    page = client.get(f"{BASE}/merge", params={"keep": survivor["id"], "drop": loser["id"]})
    assert page.status_code == 200
    assert 'data-testid="merge-field-name"' in page.text and 'data-testid="merge-field-email"' in page.text
    token = form_token(client, f"{BASE}/merge?keep={survivor['id']}&drop={loser['id']}")
    form = {"csrf_token": token, "keep": survivor["id"], "drop": loser["id"], "keep_version": survivor["version"],
            "drop_version": loser["version"] + 1, "v.name": "loser"}
    stale = client.post(f"{BASE}/merge", data=form, follow_redirects=False)
    assert stale.status_code == 409 and 'data-testid="merge-error"' in stale.text
    assert client.get(f"{records('customers')}/{loser['id']}", headers=api.headers).status_code == 200

    done = client.post(f"{BASE}/merge", data={**form, "drop_version": loser["version"]}, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"{BASE}/records/{survivor['id']}?merged={loser['id']}"
    assert "Merged." in client.get(done.headers["location"]).text
    assert api.get(f"{CUSTOMERS}/{survivor['id']}").json()["name"] == "上海某某科技"
    assert api.get(f"{CUSTOMERS}/{loser['id']}").status_code == 404


def test_a_form_without_detection_says_so(api, client):
    assert publish(api, customers()).status_code == 200
    client.headers.pop("Authorization", None)
    sign_in(client)
    page = client.get(f"{BASE}/duplicates")
    assert page.status_code == 200 and 'data-testid="duplicates-off"' in page.text
