"""The template gallery page: administrators see the templates and install one with a
click; others are refused."""

from tests.platform.http.test_csrf import form_token, sign_in


def test_install_the_crm_from_the_gallery(client, admin):
    sign_in(client)
    page = client.get("/templates")
    assert page.status_code == 200 and 'data-template="crm"' in page.text
    done = client.post("/templates/crm/install", data={"csrf_token": form_token(client, "/templates"), "size": "0"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/apps/crm"
    again = client.get("/templates")
    assert "Installed" in again.text and 'action="/templates/crm/install"' not in again.text
    assert client.get("/apps/crm").status_code == 200


def test_the_gallery_is_for_administrators(client, sessions):
    from brickwork.platform.db import transaction
    from brickwork.platform.identity.users import create_user

    with transaction(sessions) as session:
        create_user(session, "clerk", "a long enough password 1")
    response = client.post("/login", data={"username": "clerk", "password": "a long enough password 1",
                                           "csrf_token": form_token(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/templates").status_code == 403
