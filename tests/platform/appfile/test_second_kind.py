"""A second kind of definition, registered in the test, goes the whole way forms go: a draft
checked at save, a publish step, versions and diffs, export, import into a new app, and a
template upgrade by the kind's merge rule. Forms travel beside it in the same file, and an
app file of forms only installs unchanged through the same registry."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from brickwork.engines.form.kind import FORM
from brickwork.platform.appfile import export_app, install_document, install_template
from brickwork.platform.apps import create_app, get_app
from brickwork.platform.db import transaction
from brickwork.platform.definitions.base import DefinitionModel, Key, OneLine, StableId
from brickwork.platform.definitions.kinds import Kind, KindRegistry, template_wins
from brickwork.platform.definitions.store import PUBLISHED, DefinitionStore
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.models import Definition
from tests.engines.form.helpers import field, form
from tests.platform.appfile.test_install import DOCUMENT


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StableId
    text: OneLine


class Checklist(DefinitionModel):
    """A tiny kind: steps to tick off about one form's records."""

    about: Key  # the form the checklist is about
    steps: list[Step] = []


def no_step_twice(checklist: Checklist) -> list[FieldError]:
    """The check at save, beyond the model: two steps may not say the same thing."""
    seen: set[str] = set()
    problems = []
    for i, step in enumerate(checklist.steps):
        if step.text in seen:
            problems.append(FieldError(f"$.steps[{i}].text", "duplicate", "This step is listed already."))
        seen.add(step.text)
    return problems


def publish_checklist(session, app, key, previous, body, version, *, dry_run, force, fill=None):
    """The publish step: the form it is about must be live (so forms install first)."""
    live = session.scalar(select(Definition.id).where(
        Definition.app_id == app.id, Definition.kind == "form", Definition.key == body["about"],
        Definition.state == PUBLISHED))
    if live is None:
        raise Invalid("The checklist is about no form.", errors=[
            FieldError("$.about", "unknown_form", f"There is no form {body['about']}.")])
    return body, {"steps": len(body["steps"]), "before": len(previous["steps"]) if previous else 0}


# Registered before the form: its place after forms comes from ``after``, not the order.
CHECKLIST = Kind(name="checklist", model=Checklist, publish=publish_checklist, check=no_step_twice,
                 section="checklists", plural="checklists", after=("form",))
ONBOARDING = {"key": "onboarding", "label": {"en": "Onboarding"}, "about": "companies",
              "steps": [{"id": "s1", "text": "Call them"}, {"id": "s2", "text": "Send the contract"}]}


def stores(checklist: Kind = CHECKLIST) -> DefinitionStore:
    return DefinitionStore(KindRegistry([checklist, FORM]))


def with_checklist(version: str = "1.0.0") -> dict:
    document = copy.deepcopy(DOCUMENT)
    document["template"]["version"] = version
    document["definitions"]["checklists"] = [copy.deepcopy(ONBOARDING)]
    return document


def test_a_draft_is_checked_at_save_published_by_its_step_and_versioned(sessions):
    store = stores()
    with transaction(sessions) as session:
        app = install_document(session, store, copy.deepcopy(DOCUMENT), None, "ops").app
        twice = {**ONBOARDING, "steps": [{"id": "s1", "text": "Call"}, {"id": "s2", "text": "Call"}]}
        with pytest.raises(Invalid) as refused:
            store.save_draft(session, app, "checklist", "onboarding", twice, None)
        assert [e.field for e in refused.value.errors] == ["$.steps[1].text"]

        store.save_draft(session, app, "checklist", "onboarding", ONBOARDING, None)
        _draft, report = store.publish(session, app, "checklist", "onboarding", None)
        assert report == {"steps": 2, "before": 0}
        changed = {**ONBOARDING, "steps": [*ONBOARDING["steps"], {"id": "s3", "text": "Visit"}]}
        store.save_draft(session, app, "checklist", "onboarding", changed, None)
        _draft, report = store.publish(session, app, "checklist", "onboarding", None)
        assert report == {"steps": 3, "before": 2}
        assert [v.version for v in store.versions(session, app, "checklist", "onboarding")] == [1, 2]
        assert [c["op"] for c in store.diff(session, app, "checklist", "onboarding", 1, 2)] == ["added"]

        orphan = {**ONBOARDING, "key": "orphan", "about": "nowhere"}
        store.save_draft(session, app, "checklist", "orphan", orphan, None)
        with pytest.raises(Invalid) as refused:
            store.publish(session, app, "checklist", "orphan", None)
        assert refused.value.errors[0].field == "$.about"


def test_export_then_import_into_a_new_app_gives_the_same_file(sessions):
    store = stores()
    with transaction(sessions) as session:
        done = install_document(session, store, with_checklist(), None)
        # Forms first, whatever order the registry lists the kinds in: the step needs them.
        assert done.published == ["form/companies", "form/people", "checklist/onboarding"]
        assert done.parts == {"views": 1}
        first = export_app(session, store, done.app)
    assert first["definitions"]["checklists"] == [ONBOARDING]
    with transaction(sessions) as session:
        copied = install_document(session, store, {**copy.deepcopy(first), "template": None}, None, "tiny_two")
        second = export_app(session, store, copied.app)
    assert second["definitions"] == first["definitions"]
    assert second["views"] == first["views"]


def test_an_app_file_of_forms_only_installs_unchanged_beside_another_kind(sessions):
    with transaction(sessions) as session:
        done = install_document(session, stores(), copy.deepcopy(DOCUMENT), None)
        exported = export_app(session, stores(), done.app)
    assert "checklists" not in exported["definitions"]
    assert exported["definitions"]["form"][0]["key"] == "companies"


def test_a_section_no_kind_registered_is_refused_at_its_place(sessions):
    document = {**copy.deepcopy(DOCUMENT), "definitions": {"form": DOCUMENT["definitions"]["form"],
                                                           "flows": [{"key": "x"}]}}
    with transaction(sessions) as session, pytest.raises(Invalid) as refused:
        install_document(session, stores(), document, None)
    assert [e.field for e in refused.value.errors] == ["$.definitions.flows"]
    with sessions() as session:
        assert session.scalar(select(Definition.id)) is None  # nothing installed


def users_change_then_upgrade(sessions, store: DefinitionStore) -> tuple[dict, dict]:
    """Install 1.0; the users reword step s1; 1.1 rewords s1 and s2 and adds s3."""
    with transaction(sessions) as session:
        install_template(session, store, with_checklist(), None)
    with transaction(sessions) as session:
        app = get_app(session, "tiny")
        mine = copy.deepcopy(ONBOARDING)
        mine["steps"][0]["text"] = "Call them twice"
        store.save_draft(session, app, "checklist", "onboarding", mine, None)
        store.publish(session, app, "checklist", "onboarding", None)
    newer = with_checklist("1.1.0")
    steps = newer["definitions"]["checklists"][0]["steps"]
    steps[0]["text"], steps[1]["text"] = "Phone them", "Send the signed contract"
    steps.append({"id": "s3", "text": "Visit"})
    newer["definitions"]["form"].append(form("visits", field("v1", "date", "day")))
    with transaction(sessions) as session:
        report = install_template(session, store, newer, None).as_dict()
    with transaction(sessions) as session:
        body = store.get(session, get_app(session, "tiny"), "checklist", "onboarding").body
    return report, body


def test_an_upgrade_merges_by_the_default_rule_keeping_the_users_change(sessions):
    report, body = users_change_then_upgrade(sessions, stores())
    assert [s["text"] for s in body["steps"]] == ["Call them twice", "Send the signed contract", "Visit"]
    assert [c["path"] for c in report["conflicts"]] == ["checklist/onboarding.steps[s1].text"]
    assert report["replaced"] == []
    assert set(report["published"]) == {"form/visits", "checklist/onboarding"}


def test_an_upgrade_by_a_template_wins_rule_takes_the_new_version(sessions):
    report, body = users_change_then_upgrade(sessions, stores(dataclasses.replace(CHECKLIST, merge=template_wins)))
    assert [s["text"] for s in body["steps"]] == ["Phone them", "Send the signed contract", "Visit"]
    assert report["conflicts"] == [] and report["replaced"] == ["checklist/onboarding"]


def test_the_registry_orders_installs_and_refuses_a_kind_twice():
    registry = KindRegistry([CHECKLIST, FORM])
    assert [k.name for k in registry.in_install_order()] == ["form", "checklist"]
    with pytest.raises(ValueError):
        registry.add(FORM)
    with pytest.raises(ValueError):  # its section is another kind's
        registry.add(Kind(name="list", model=Checklist, section="checklists"))


def test_a_kind_nobody_registered_is_not_found(sessions):
    from brickwork.platform.errors import NotFound

    with transaction(sessions) as session:
        app = create_app(session, {"key": "ops", "label": {"en": "Ops"}}, None)
        with pytest.raises(NotFound):
            stores().save_draft(session, app, "flow", "x", {"key": "x", "label": {"en": "X"}}, None)


@pytest.fixture
def ops_api(settings, engine, admin_token, tmp_path):
    """The web application serving the checklist kind beside forms, offering one template
    from a folder of its own: the top floor's choices, handed in."""
    import json

    from fastapi.testclient import TestClient

    from brickwork.app import create_app as create_web_app
    from brickwork.platform.appfile import Catalog

    (tmp_path / "tiny_template.json").write_text(json.dumps(with_checklist()), "utf-8")
    web = create_web_app(settings, catalog=Catalog(tmp_path))
    web.state.store = stores()
    with TestClient(web, headers={"Accept-Language": "en", "Authorization": f"Bearer {admin_token}"}) as client:
        yield client


def test_the_second_kind_over_http_from_a_handed_in_catalog(ops_api):
    listed = ops_api.get("/api/v1/templates").json()
    assert [(t["name"], t["forms"], t["checklists"]) for t in listed] == [("tiny", 2, 1)]
    installed = ops_api.post("/api/v1/templates/tiny:install")
    assert installed.status_code == 201 and "checklist/onboarding" in installed.json()["published"]

    url = "/api/v1/apps/tiny/definitions/checklist/onboarding"
    twice = {**ONBOARDING, "steps": [{"id": "s1", "text": "Call"}, {"id": "s2", "text": "Call"}]}
    refused = ops_api.put(url, json=twice)
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["$.steps[1].text"]
    changed = {**ONBOARDING, "steps": [*ONBOARDING["steps"], {"id": "s3", "text": "Visit"}]}
    assert ops_api.put(url, json=changed).status_code == 200
    published = ops_api.post(f"{url}:publish")
    assert published.status_code == 200 and published.json()["report"] == {"steps": 3, "before": 2}

    document = ops_api.get("/api/v1/apps/tiny:export").json()
    assert document["definitions"]["checklists"] == [changed]
    copied = ops_api.post("/api/v1/apps:import", params={"key": "tiny_two"}, json=document)
    assert copied.status_code == 201 and copied.json()["views"] == 1
    assert ops_api.get("/api/v1/apps/tiny_two/definitions/checklist/onboarding").json()["body"] == changed
