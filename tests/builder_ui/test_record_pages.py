"""The record pages over HTTP: create, edit with conflicts, the record page and its history,
the recycle bin, and friendly refusals."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import unquote

import pytest
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import publish, records
from tests.platform.http.test_csrf import form_token, sign_in

XSS = "<script>alert(1)</script>"
DEAL = {
    "key": "deal", "label": {"en": "Deals", "zh-CN": "商机"},
    "fields": [
        {"id": "fname", "key": "name", "type": "text", "required": True, "unique": True,
         "label": {"en": "Name", "zh-CN": "名称"}, "placeholder": {"en": "Company name", "zh-CN": "公司名称"}},
        {"id": "fstage", "key": "stage", "type": "select", "label": {"en": "Stage", "zh-CN": "阶段"},
         "options": [{"id": "new", "label": {"en": "New", "zh-CN": "新建"}},
                     {"id": "won", "label": {"en": "Won", "zh-CN": "赢单"}}]},
        {"id": "famount", "key": "amount", "type": "money", "label": {"en": "Amount", "zh-CN": "金额"}},
        {"id": "fclose", "key": "close", "type": "date", "label": {"en": "Close date", "zh-CN": "成交日期"}},
        {"id": "fnotes", "key": "notes", "type": "textarea", "label": {"en": f"Notes {XSS}", "zh-CN": f"备注 {XSS}"},
         "description": {"en": "Anything worth knowing", "zh-CN": "值得知道的"}},
        {"id": "fowner", "key": "owner", "type": "user", "default": "$me", "label": {"en": "Owner", "zh-CN": "负责人"}},
        {"id": "fvip", "key": "vip", "type": "boolean", "label": {"en": "VIP", "zh-CN": "重要"}},
        {"id": "ftags", "key": "tags", "type": "multiselect", "label": {"en": "Tags", "zh-CN": "标签"},
         "options": [{"id": "hot", "label": {"en": "Hot", "zh-CN": "热"}},
                     {"id": "cold", "label": {"en": "Cold", "zh-CN": "冷"}}]},
    ],
    "sections": [{"id": "sbasics", "label": {"en": "Basics", "zh-CN": "基本信息"}}],
    "layout": [["sbasics"], ["fname", "fstage"], ["famount", "fclose", "fowner"]],
}
BASE = "/apps/crm/forms/deal"


@pytest.fixture
def bearer(app, admin_token):
    """An API client beside the browser-like one (pages want a session, not a token)."""
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token}", "Accept-Language": "en"}) as api:
        assert publish(api, DEAL).status_code == 200
        yield api


@pytest.fixture
def signed(client, admin, bearer):
    sign_in(client)
    return client


def token(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def fragment(client, path: str, data: dict):
    """A submit as record.js makes it."""
    return client.post(path, data=data, headers={"X-Fragment": "1", "X-CSRF-Token": token(client, path)})


def new_deal(api, **values) -> dict:
    response = api.post(records("deal"), json={"name": "Acme", **values})
    assert response.status_code == 201, response.text
    return response.json()


def beside(page: str, key: str) -> str:
    """The HTML of one field's cell."""
    match = re.search(rf'<div class="record-cell" data-key="{key}">(.*?)</div>\s*(?=<div class="record-cell"|</div>)',
                      page, re.S)
    assert match, key
    return match.group(1)


def test_anonymous_visitors_go_to_login(client):
    for path in (f"{BASE}/records/new", f"{BASE}/records/1", f"{BASE}/records/1/edit", f"{BASE}/trash"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"


def test_the_create_form_follows_the_layout_and_takes_values_from_the_link(signed):
    page = signed.get(f"{BASE}/records/new?name=Globex&stage=won&tags=hot")
    assert page.status_code == 200
    text = page.text
    assert "<h2>Basics</h2>" in text and 'class="record-row cols-2"' in text
    assert 'placeholder="Company name"' in text and '<span class="required"' in beside(text, "name")
    assert 'value="Globex"' in beside(text, "name")
    assert 'value="won" selected' in beside(text, "stage")
    assert 'value="hot" checked' in beside(text, "tags")
    assert re.search(r'<option value="\d+" selected>admin</option>', beside(text, "owner"))  # $me, picked by name
    assert 'class="record-row cols-3"' in text
    assert "Anything worth knowing" in text
    assert XSS not in text and html.escape(XSS) in text  # a label is text, never markup


def test_errors_appear_beside_their_fields_and_typed_values_stay(signed, bearer):
    new_deal(bearer)
    path = f"{BASE}/records/new"
    empty = fragment(signed, path, {"name": "", "amount": "12.345", "notes": "kept"})
    assert empty.status_code == 422
    assert "This is required." in beside(empty.text, "name")
    assert "At most 2 decimal places." in beside(empty.text, "amount")
    assert 'value="12.345"' in empty.text and ">kept</textarea>" in empty.text
    taken = fragment(signed, path, {"name": "acme", "amount": "5"})
    assert taken.status_code == 409
    assert "This value is taken by another record." in beside(taken.text, "name")
    assert 'value="acme"' in taken.text


def test_a_saved_record_opens_its_page_with_the_values_as_people_read_them(signed, bearer):
    done = fragment(signed, f"{BASE}/records/new", {
        "name": "Initech", "stage": "won", "amount": "1234.5", "close": "2024-07-01", "vip": ["false", "true"],
        "tags": ["cold", "hot"], "notes": "line one\nline two"})
    assert done.status_code == 200, done.text
    location = done.json()["location"]
    assert re.fullmatch(rf"{BASE}/records/\d+\?saved=1", location)
    page = signed.get(location).text
    assert "Saved." in page and "Initech" in page and "Won" in page and "CN¥1,234.50" in page
    assert "Jul 1, 2024" in page and "Yes" in page and "Hot, Cold" in page
    record = bearer.get(records("deal") + "/" + location.split("/")[-1].split("?")[0]).json()
    assert record["amount"] == "1234.50" and record["tags"] == ["hot", "cold"] and record["vip"] is True


def test_without_script_the_form_posts_and_redirects(signed):
    path = f"{BASE}/records/new"
    response = signed.post(path, data={"name": "Plain", "csrf_token": token(signed, path)}, follow_redirects=False)
    assert response.status_code == 303 and "?saved=1" in response.headers["location"]


def test_a_conflict_keeps_my_typing_marks_their_change_and_saves_mine_on_request(signed, bearer):
    deal = new_deal(bearer, stage="new", amount="10")
    edit = f"{BASE}/records/{deal['id']}/edit"
    form = signed.get(edit).text
    original = html.unescape(re.search(r'name="_original" value="([^"]*)"', form).group(1))
    assert 'name="_version" value="1"' in form
    theirs = bearer.patch(f"{records('deal')}/{deal['id']}", json={"version": 1, "stage": "won", "amount": "20"})
    assert theirs.status_code == 200
    mine = {"name": "Acme Corp", "stage": "new", "amount": "10", "_version": "1", "_original": original}
    clash = fragment(signed, edit, mine)
    assert clash.status_code == 409
    assert "admin saved this record at" in clash.text and "while you were editing" in clash.text
    assert 'value="Acme Corp"' in clash.text  # what I typed
    assert "admin changed this to: Won" in beside(clash.text, "stage")
    assert 'value="won" selected' in beside(clash.text, "stage")  # I left it alone: theirs now
    over = re.search(r'name="_over" value="(\d+)"', clash.text).group(1)
    original = html.unescape(re.search(r'name="_original" value="([^"]*)"', clash.text).group(1))
    saved = fragment(signed, edit, {**mine, "stage": "won", "amount": "20", "_over": over, "_original": original})
    assert saved.status_code == 200, saved.text
    record = bearer.get(f"{records('deal')}/{deal['id']}").json()
    assert (record["name"], record["stage"], record["amount"], record["version"]) == ("Acme Corp", "won", "20.00", 3)


def test_edit_in_place_and_the_history_says_what_changed(signed, bearer):
    deal = new_deal(bearer, stage="new")
    page = signed.get(f"{BASE}/records/{deal['id']}").text
    assert f'data-edit="{BASE}/records/{deal["id"]}/fields/stage"' in page
    editor = signed.get(f"{BASE}/records/{deal['id']}/fields/stage").text
    assert 'name="_version" value="1"' in editor and "<select" in editor
    path = f"{BASE}/records/{deal['id']}/fields/stage"
    saved = fragment(signed, path, {"stage": "won", "_version": "1", "_original": '"new"'})
    assert saved.status_code == 200 and 'data-version="2"' in saved.text
    assert re.search(r"Stage:</span> <del>New</del> → <ins>Won</ins>", saved.text)
    assert "created the record" in saved.text
    stale = fragment(signed, path, {"stage": "new", "_version": "1", "_original": '"new"'})
    assert stale.status_code == 409 and "admin changed this to: Won" in stale.text
    bad = fragment(signed, f"{BASE}/records/{deal['id']}/fields/name", {"name": "", "_version": "2",
                                                                          "_original": '"Acme"'})
    assert bad.status_code == 422 and "This is required." in bad.text


def test_delete_to_the_recycle_bin_and_restore(signed, bearer):
    deal = new_deal(bearer, name="Umbrella")
    other = new_deal(bearer, name="Hooli")
    record = f"{BASE}/records/{deal['id']}"
    gone = signed.post(f"{record}/delete", data={"_version": "1", "csrf_token": token(signed, record)},
                       follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == f"{BASE}/trash?deleted={deal['id']}"
    bearer.delete(f"{records('deal')}/{other['id']}")
    trash = signed.get(gone.headers["location"]).text
    assert "Umbrella" in trash and "Hooli" in trash and "admin" in trash
    assert "Umbrella is in the recycle bin now." in trash
    assert "This record is in the recycle bin." in signed.get(f"{record}?deleted=1").text
    assert signed.get(record).status_code == 404
    back = signed.post(f"{BASE}/trash/restore", data={"one": str(deal["id"]), "ids": [str(other["id"])],
                                                     "csrf_token": token(signed, f"{BASE}/trash")},
                       follow_redirects=False)
    assert back.headers["location"] == f"{record}?restored=1"
    assert bearer.get(f"{records('deal')}/{deal['id']}").status_code == 200
    assert bearer.get(f"{records('deal')}/{other['id']}").status_code == 404  # only the one asked for
    history = signed.get(record).text
    assert "moved the record to the recycle bin" in history and "restored the record" in history


def test_refusals_are_friendly_pages_in_the_persons_language(signed, client, sessions, bearer):
    missing = signed.get(f"{BASE}/records/999", headers={"Accept-Language": "zh-CN"})
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert "页面不存在" in missing.text
    with transaction(sessions) as session:
        create_user(session, "guest", "guest-password-1")
    client.cookies.clear()
    login = form_token(client)
    client.post("/login", data={"username": "guest", "password": "guest-password-1", "csrf_token": login})
    refused = client.get(f"{BASE}/records/new")
    assert refused.status_code == 403 and "You may not add records to this form." in refused.text


def test_values_with_markup_stay_text_everywhere(signed, bearer):
    deal = new_deal(bearer, name=XSS, notes=XSS)
    bearer.patch(f"{records('deal')}/{deal['id']}", json={"version": 1, "notes": XSS + "!"})
    for path in (f"{BASE}/records/{deal['id']}", f"{BASE}/records/{deal['id']}/edit", f"{BASE}/trash"):
        assert XSS not in signed.get(path).text, path
    assert json.dumps(XSS)[1:-1] not in signed.get(f"{BASE}/records/{deal['id']}/fields/notes").text


def test_fields_a_role_may_only_read_are_shown_not_offered(client, sessions, bearer):
    sales = {"role": "sales", "actions": ["create", "read", "update"], "scope": "all",
             "fields": {"famount": "read", "fnotes": "none"}}
    assert publish(bearer, {**DEAL, "permissions": [sales]}).status_code == 200
    deal = new_deal(bearer, amount="12", notes="secret")
    with transaction(sessions) as session:
        user = create_user(session, "li", "li-password-12")
        create_role(session, "sales", {"en": "Sales"})
        grant_role(session, user.id, "sales")
    login = form_token(client)
    client.post("/login", data={"username": "li", "password": "li-password-12", "csrf_token": login})
    edit = client.get(f"{BASE}/records/{deal['id']}/edit").text
    assert 'name="name"' in edit and 'name="amount"' not in edit and "CN¥12.00" in beside(edit, "amount")
    assert "secret" not in edit and "notes" not in edit
    page = client.get(f"{BASE}/records/{deal['id']}").text
    assert f"{BASE}/records/{deal['id']}/fields/name" in page and "/fields/amount" not in page
    assert "Delete" not in page and "secret" not in page
    saved = fragment(client, f"{BASE}/records/{deal['id']}/edit",
                     {"name": "Acme Li", "_version": "1", "_original": '{"name": "Acme"}'})
    assert saved.status_code == 200 and "location" in saved.json()


def test_the_recycle_bin_pages_forward_and_restores_the_selected(signed, bearer, monkeypatch):
    from brickwork.builder_ui import record_trash

    monkeypatch.setattr(record_trash, "PAGE", 2)
    names = ["Alpha", "Bravo", "Charlie"]
    ids = [new_deal(bearer, name=name)["id"] for name in names]
    for record_id in ids:
        assert bearer.delete(f"{records('deal')}/{record_id}").status_code == 204
    first = signed.get(f"{BASE}/trash").text
    assert "3 deleted records" in first and "Charlie" in first and "Bravo" in first and "Alpha" not in first
    cursor = html.unescape(re.search(r'href="\?cursor=([^"]+)"', first).group(1))
    second = signed.get(f"{BASE}/trash", params={"cursor": unquote(cursor)}).text
    assert "Alpha" in second and "Charlie" not in second
    nothing = signed.post(f"{BASE}/trash/restore", data={"csrf_token": token(signed, f"{BASE}/trash")})
    assert nothing.status_code == 422 and "Select the records to restore." in nothing.text
    back = signed.post(f"{BASE}/trash/restore", data={"ids": [str(ids[0]), str(ids[2])],
                                                     "csrf_token": token(signed, f"{BASE}/trash")},
                       follow_redirects=False)
    assert back.headers["location"] == f"{BASE}/trash?restored=2"
    assert "Restored 2 records." in signed.get(back.headers["location"]).text
    assert [bearer.get(f"{records('deal')}/{i}").status_code for i in ids] == [200, 404, 200]
