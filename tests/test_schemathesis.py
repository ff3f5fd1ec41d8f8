"""Schemathesis over the whole API: every operation of /openapi.json and of the CRM's own
OpenAPI (a typed schema per form) gets generated requests as an administrator; any 5xx, or
any status, media type or body the document does not declare, fails the test, with the request that caused it.

Bounded for CI: a few examples per operation, one database for all of them (the CRM is
installed once), no shrinking of what fails (the failing request is printed as it was).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from brickwork.app import create_app
from brickwork.platform.db import make_engine, make_sessionmaker, transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from brickwork.platform.settings import load_settings
from tests.support.databases import database
from tests.templates.install import install_crm

EXAMPLES = int(os.environ.get("BRICKWORK_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Too slow for CI: installing a template makes its demo data.
SKIP = {
    ("POST", "/api/v1/templates/{name}:install"),  # a template with up to thousands of demo records
    # Nothing leaves this machine: a generated webhook URL would be called (deliveries, the test send).
    ("POST", "/api/v1/apps/{app}/webhooks"),
    ("POST", "/api/v1/apps/{app}/webhooks/{sub_id}:test"),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One installation for the module: its own database, an administrator, the CRM."""
    data = tmp_path_factory.mktemp("fuzz")
    with database(data) as database_url:
        settings_ = load_settings(data_dir=data / "data", database_url=database_url)
        engine = make_engine(database_url)
        with transaction(make_sessionmaker(engine)) as session:
            user = create_user(session, "admin", "admin-password-1", is_admin=True)
            install_crm(session, user.id)
            token = create_token(session, "admin", "fuzz")[1]
        app = create_app(settings_)
        headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        with TestClient(app, headers=headers) as client:
            crm = client.get("/api/v1/apps/crm/openapi.json")
            assert crm.status_code == 200, crm.text
            forms = [row["key"] for row in client.get("/api/v1/apps/crm/forms").json()]
            yield app, headers, crm.json(), forms
        engine.dispose()


def real(forms: list[str]) -> dict:
    """Path parameters that name what exists: the CRM, its forms, its first records."""
    return {"app": st.just("crm"), "kind": st.just("form"), "form": st.sampled_from(forms),
            "key": st.sampled_from(forms), "record_id": st.integers(1, 40), "id": st.integers(1, 40),
            "view_id": st.integers(1, 3), "version": st.integers(1, 3)}


def fuzz(schema, headers, forms: list[str]) -> tuple[list[str], Counter]:
    """Every operation with EXAMPLES generated requests; what failed, one line each, and how
    many answers of each status class came back."""
    failures: list[str] = []
    statuses: Counter = Counter()
    known = real(forms)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        # Requests that fit the schema, and requests that break it (which must be 4xx).
        cases = operation.as_strategy() | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=cases, data=st.data())
        def run(case, data):
            # Mostly real apps, forms and records, so the requests go past the 404s.
            if case.path_parameters and data.draw(st.integers(0, 3), label="real"):
                for name in case.path_parameters:
                    if name in known:
                        case.path_parameters[name] = data.draw(known[name], label=name)
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses[f"{response.status_code // 100}xx"] += 1

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together below
            first = str(exc).strip().splitlines()
            failures.append(f"{operation.method.upper()} {operation.path}: {' | '.join(first[:6])}")
    return failures, statuses


def test_the_platform_api_answers_every_generated_request_within_its_schema(served):
    app, headers, _crm, forms = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures, statuses = fuzz(schema, headers, forms)
    assert not failures, "\n".join(failures)
    assert statuses["2xx"] > 20, statuses  # it reached the routes, not only the refusals


def test_the_crm_api_answers_every_generated_request_within_its_schema(served):
    app, headers, crm, forms = served
    schema = schemathesis.openapi.from_dict(crm)
    schema.app = app
    failures, statuses = fuzz(schema, headers, forms)
    assert not failures, "\n".join(failures)
    assert statuses["2xx"] > 20, statuses
