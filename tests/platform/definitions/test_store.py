import copy

import pytest
from sqlalchemy import select

from brickwork.engines.form.definition import FormDefinition
from brickwork.platform.apps import create_app
from brickwork.platform.db import transaction
from brickwork.platform.definitions.kinds import Kind, KindRegistry
from brickwork.platform.definitions.store import DefinitionStore
from brickwork.platform.errors import Conflict, Invalid, NotFound
from brickwork.platform.models import AuditEntry, OutboxEvent

CUSTOMERS = {
    "key": "customers",
    "label": {"zh-CN": "客户", "en": "Customers"},
    "fields": [
        {"id": "f1", "key": "name", "label": {"zh-CN": "名称", "en": "Name"}, "type": "text", "required": True},
        {"id": "f2", "key": "level", "label": {"en": "Level"}, "type": "select",
         "options": [{"id": "a", "label": {"en": "A"}}, {"id": "b", "label": {"en": "B"}}]},
    ],
}
# The form's model alone, without its publish step: the store's own behaviour, no tables.
MODELS_ONLY = KindRegistry([Kind("form", FormDefinition)])


@pytest.fixture
def store():
    return DefinitionStore(MODELS_ONLY)


@pytest.fixture
def crm(sessions):
    with transaction(sessions) as session:
        return create_app(session, {"key": "crm", "label": {"en": "CRM"}}, None)


def test_draft_then_publish_then_a_new_draft_leaves_the_published_version_alone(sessions, store, crm):
    with transaction(sessions) as s:
        draft = store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        assert (draft.version, draft.state, draft.revision) == (1, "draft", 1)
        assert store.get(s, crm, "form", "customers", missing_ok=True) is None  # nothing live yet
        store.publish(s, crm, "form", "customers", None)
    changed = copy.deepcopy(CUSTOMERS)
    changed["label"]["en"] = "Clients"
    with transaction(sessions) as s:
        second = store.save_draft(s, crm, "form", "customers", changed, None)
        assert (second.version, second.state) == (2, "draft")
    with transaction(sessions) as s:
        live = store.get(s, crm, "form", "customers")
        assert live.version == 1 and live.body["label"]["en"] == "Customers"
        assert store.get(s, crm, "form", "customers", which="draft").body["label"]["en"] == "Clients"
        assert [(v.version, v.state) for v in store.versions(s, crm, "form", "customers")] == [
            (1, "published"), (2, "draft")]
        assert [d.version for d in store.latest(s, crm, "form")] == [2]


def test_publishing_records_audit_and_an_outbox_event(sessions, store, crm):
    with transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        store.publish(s, crm, "form", "customers", None)
    with transaction(sessions) as s:
        event = s.scalar(select(OutboxEvent).where(OutboxEvent.topic == "definition.published"))
        assert event.payload == {"app": "crm", "kind": "form", "key": "customers", "version": 1}
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "definition.publish"))
        assert entry.subject_id == "crm/customers" and entry.changes["version"] == 1


def test_a_stale_draft_revision_is_a_conflict_and_changes_nothing(sessions, store, crm):
    with transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None, revision=0)
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None, revision=1)
    stale = copy.deepcopy(CUSTOMERS)
    stale["label"]["en"] = "Lost update"
    with pytest.raises(Conflict), transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", stale, None, revision=1)
    with transaction(sessions) as s:
        draft = store.get(s, crm, "form", "customers", which="draft")
        assert draft.revision == 2 and draft.body["label"]["en"] == "Customers"


def test_saving_over_a_draft_that_was_published_meanwhile_is_a_conflict(sessions, store, crm):
    with transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        store.publish(s, crm, "form", "customers", None)
    with pytest.raises(Conflict), transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None, revision=1)


def test_invalid_definitions_are_refused_with_the_path_of_each_error(sessions, store, crm):
    bad = copy.deepcopy(CUSTOMERS)
    bad["fields"][0]["key"] = "Bad Key"
    bad["fields"][1]["type"] = "hologram"
    bad["fields"].append({"id": "f1", "key": "dup", "label": {"en": "Dup"}, "type": "text", "colour": 1})
    with pytest.raises(Invalid) as caught, transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", bad, None)
    paths = {(e.field, e.code) for e in caught.value.errors}
    assert ("$.fields[0].key", "string_pattern_mismatch") in paths
    assert ("$.fields[1].type", "literal_error") in paths
    assert ("$.fields[2].colour", "extra_forbidden") in paths
    with transaction(sessions) as s:
        assert store.get(s, crm, "form", "customers", which="draft", missing_ok=True) is None


def test_duplicate_field_ids_are_refused(store):
    bad = copy.deepcopy(CUSTOMERS)
    bad["fields"][1]["id"] = "f1"
    with pytest.raises(Invalid) as caught:
        store.validate("form", bad)
    assert caught.value.errors[0].field == "$.fields"
    assert "f1" in caught.value.errors[0].message


def test_the_body_key_must_match_the_definition_key(sessions, store, crm):
    with pytest.raises(Invalid) as caught, transaction(sessions) as s:
        store.save_draft(s, crm, "form", "contacts", CUSTOMERS, None)
    assert caught.value.errors[0].field == "$.key"


def test_unknown_kinds_and_missing_drafts_are_not_found(sessions, store, crm):
    with transaction(sessions) as s:
        with pytest.raises(NotFound):
            store.save_draft(s, crm, "spaceship", "x", {}, None)
        with pytest.raises(NotFound):
            store.publish(s, crm, "form", "customers", None)
        with pytest.raises(NotFound):
            store.versions(s, crm, "form", "customers")


def test_diff_between_versions_names_what_changed(sessions, store, crm):
    changed = copy.deepcopy(CUSTOMERS)
    changed["fields"].reverse()
    changed["fields"][0]["label"]["en"] = "Tier"
    with transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        store.publish(s, crm, "form", "customers", None)
        store.save_draft(s, crm, "form", "customers", changed, None)
        store.publish(s, crm, "form", "customers", None)
        changes = store.diff(s, crm, "form", "customers", 1, 2)
    assert {"op": "changed", "path": "$.fields[id=f2].label.en", "before": "Level", "after": "Tier"} in changes
    assert sum(c["op"] == "moved" for c in changes) == 1


def test_discarding_a_draft_keeps_the_published_version(sessions, store, crm):
    with transaction(sessions) as s:
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        store.publish(s, crm, "form", "customers", None)
        store.save_draft(s, crm, "form", "customers", CUSTOMERS, None)
        store.discard_draft(s, crm, "form", "customers", None, revision=1)
        assert [v.state for v in store.versions(s, crm, "form", "customers")] == ["published"]
