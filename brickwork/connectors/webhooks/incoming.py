"""Signed incoming webhooks: a rule whose webhook trigger says ``"verify": true`` takes only
deliveries signed per Standard Webhooks with its signing secret (``whsec_…``). The secret
is made (and remade) through the API, shown once, sealed at rest, and kept out of the rule's
definition, so it never travels in an app file."""

from __future__ import annotations

import time

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from brickwork.connectors.webhooks import signing
from brickwork.engines.rules.engine import LiveRule
from brickwork.engines.rules.service import HOOK_CHECKS, the_rule
from brickwork.platform import secretbox
from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import Conflict, NotAuthenticated
from brickwork.platform.i18n import _
from brickwork.platform.models import WebhookInSecret


def wants_signature(live: LiveRule) -> bool:
    return (live.body.trigger.model_extra or {}).get("verify") is True


def check(session: Session, app: str, live: LiveRule, headers: dict[str, str], raw: bytes) -> None:
    """Refuse (401) a delivery to a verifying rule whose signature is missing, wrong or stale."""
    if not wants_signature(live):
        return
    row = session.scalar(select(WebhookInSecret).where(WebhookInSecret.app == app,
                                                       WebhookInSecret.rule == live.body.key))
    try:
        key = secretbox.unseal(row.secret) if row is not None else None
    except secretbox.Unreadable:  # sealed under another installation key: a new secret is needed
        key = None
    ok = key is not None and signing.verify(key, headers.get("webhook-id", ""), headers.get("webhook-timestamp", ""),
                                            headers.get("webhook-signature", ""), raw, time.time())
    if not ok:
        raise NotAuthenticated(_("The webhook's signature is not valid."), detail=_(
            "Sign the delivery per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) "
            "with the rule's signing secret; the timestamp may be at most 5 minutes off."))


def make_secret(session: Session, app: str, rule: str, actor: int | None) -> str:
    """A new signing secret for the rule's webhook (the old one stops working at once)."""
    live = the_rule(session, app, rule)
    if live.body.trigger.type != "webhook":
        raise Conflict(_("This rule is not started by a webhook."))
    plain = signing.new_secret()
    session.execute(delete(WebhookInSecret).where(WebhookInSecret.app == app, WebhookInSecret.rule == rule))
    session.add(WebhookInSecret(app=app, rule=rule, secret=secretbox.seal(plain), created_at=utcnow()))
    audit(session, actor, "webhook.in_secret", "rule", f"{app}/{rule}", {})
    return plain


HOOK_CHECKS.append(check)
