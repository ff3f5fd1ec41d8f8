"""Every API route checks who is calling: a route that forgot ``work()`` would answer
without credentials, and this test would say which."""

import re

# Routes whose credential is a secret in the URL (a rule's incoming webhook, a fill link): a
# wrong secret is a 404, as if the route were not there, and nothing runs.
SECRET_IN_URL = {"/api/v1/hooks/{app}/{key}/{secret}", "/api/v1/fill/{token}"}


def test_every_api_route_refuses_a_caller_without_credentials(app, client):
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            # A token that is no token: past CSRF (programs need none), refused by the route.
            response = client.request(method.upper(), concrete, json={},
                                      headers={"Authorization": "Bearer bwt_not-a-real-token"})
            # 422: FastAPI refused malformed parameters before the route ran; nothing leaked.
            expected = (404,) if path in SECRET_IN_URL else (401, 422)
            assert response.status_code in expected, f"{method.upper()} {path} answered {response.status_code}"
            checked += 1
    assert checked >= 25
