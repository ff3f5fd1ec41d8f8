"""The connections page: an app admin adds a mail connection with the connector's form, the
password never comes back into the page, "send a test" shows the server's answer, and
people who are not the app's admins are refused."""

from __future__ import annotations

from sqlalchemy import select

from brickwork.connectors.delivery import enqueue
from brickwork.platform.db import transaction
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Connection
from tests.conftest import ADMIN_PASSWORD
from tests.connectors.smtp_server import SmtpServer
from tests.platform.http.test_csrf import form_token, sign_in

PASSWORD = "page-secret-4d3c2b1a"


def test_an_admin_adds_a_mail_connection_and_sends_a_test(client, admin, sessions, drain):
    smtp = SmtpServer()
    smtp.start()
    try:
        sign_in(client)
        token = form_token(client, "/")
        client.post("/apps", data={"key": "crm", "label_en": "CRM", "icon": "money", "csrf_token": token})
        assert "/apps/crm/connections" in client.get("/apps/crm").text
        assert 'data-testid="no-connections"' in client.get("/apps/crm/connections").text
        form = client.get("/apps/crm/connections/new", params={"connector": "email"})
        assert form.status_code == 200 and 'type="password" name="s_password"' in form.text
        refused = client.post("/apps/crm/connections/save", data={
            "csrf_token": token, "connector": "email", "key": "mail", "s_host": "127.0.0.1", "s_port": "99999",
            "s_security": "none", "s_password": PASSWORD, "s_sender": "desk@example.com", "enabled": "on"})
        assert refused.status_code == 422 and PASSWORD not in refused.text and "field-error" in refused.text
        saved = client.post("/apps/crm/connections/save", follow_redirects=False, data={
            "csrf_token": token, "connector": "email", "key": "mail", "label_zh": "邮件", "s_host": "127.0.0.1",
            "s_port": str(smtp.port), "s_security": "none", "s_username": "desk", "s_password": PASSWORD,
            "s_sender": "desk@example.com", "s_timeout": "5", "enabled": "on"})
        assert saved.status_code == 303, saved.text
        listed = client.get("/apps/crm/connections").text
        assert 'data-connection="mail"' in listed and PASSWORD not in listed
        edit = client.get("/apps/crm/connections/mail/edit").text
        assert PASSWORD not in edit and "leave blank to keep it" in edit
        # Saving the edit with the password blank keeps it: the test still logs in with it.
        again = client.post("/apps/crm/connections/save", follow_redirects=False, data={
            "csrf_token": token, "connector": "email", "key": "mail", "version": "1", "s_host": "127.0.0.1",
            "s_port": str(smtp.port), "s_security": "none", "s_username": "desk", "s_password": "",
            "s_sender": "desk@example.com", "enabled": "on"})
        assert again.status_code == 303, again.text
        tested = client.post("/apps/crm/connections/mail/test", data={"csrf_token": token})
        assert 'data-testid="test-result"' in tested.text and "desk@example.com" in tested.text
        assert smtp.logins == [("desk", PASSWORD)]
        with transaction(sessions) as session:
            row = session.scalar(select(Connection))
            enqueue(session, row, {"to": ["lin@example.com"], "subject": "工单已关闭"}, "page-test-1",
                    {"to": ["lin@example.com"], "subject": "工单已关闭"})
        drain()
        sent = client.get("/apps/crm/connections/mail/edit").text
        assert 'data-delivery-status="sent"' in sent and "工单已关闭 → lin@example.com" in sent
        smtp.stop()
        failed = client.post("/apps/crm/connections/mail/test", data={"csrf_token": token})
        assert "did not take the test message" in failed.text or "refused" in failed.text.lower()
        deleted = client.post("/apps/crm/connections/mail/delete", data={"csrf_token": token},
                              follow_redirects=False)
        assert deleted.status_code == 303
        assert 'data-testid="no-connections"' in client.get("/apps/crm/connections").text
    finally:
        smtp.stop()


def test_people_who_are_not_the_apps_admins_are_refused(client, api, sessions):
    assert api.post("/api/v1/apps", json={"key": "crm", "label": {"en": "CRM"}}).status_code == 201
    del api.headers["Authorization"]
    with transaction(sessions) as s:
        create_user(s, "staff", ADMIN_PASSWORD)
    token = form_token(client)
    client.post("/login", data={"username": "staff", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert client.get("/apps/crm/connections").status_code == 403
    assert client.post("/apps/crm/connections/save", data={"csrf_token": token, "connector": "email",
                                                            "key": "x"}).status_code == 403
    assert 'data-testid="app-connections"' not in client.get("/apps/crm").text


def test_an_admin_chooses_which_notifications_a_mail_connection_passes_on(client, admin, sessions):
    sign_in(client)
    token = form_token(client, "/")
    client.post("/apps", data={"key": "crm", "label_en": "CRM", "icon": "money", "csrf_token": token})
    form = client.get("/apps/crm/connections/new", params={"connector": "email"}).text
    assert 'data-testid="notify-on"' in form and 'value="task_created"' in form
    fields = {"csrf_token": token, "connector": "email", "key": "mail", "s_host": "127.0.0.1", "s_port": "2525",
              "s_security": "none", "s_sender": "desk@example.com", "enabled": "on"}
    saved = client.post("/apps/crm/connections/save", follow_redirects=False,
                        data={**fields, "notify_on": ["task_created", "approved"]})
    assert saved.status_code == 303, saved.text
    with sessions() as session:
        assert session.scalar(select(Connection.notify_on)) == ["task_created", "approved"]
    edit = client.get("/apps/crm/connections/mail/edit").text
    assert 'value="approved" checked' in edit and 'value="rejected" checked' not in edit
    cleared = client.post("/apps/crm/connections/save", follow_redirects=False,
                          data={**fields, "version": "1"})
    assert cleared.status_code == 303, cleared.text
    with sessions() as session:
        assert session.scalar(select(Connection.notify_on)) == []
