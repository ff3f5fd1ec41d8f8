"""Standard Webhooks signing (standardwebhooks.com): ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature`` = ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed with the
bytes the ``whsec_`` secret encodes. Used to sign outgoing deliveries and to verify
incoming webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
TOLERANCE = 5 * 60  # seconds a received timestamp may be off


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers; during a rotation's grace period one ``v1,`` entry per secret."""
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)}


def verify(secret: str, msg_id: str, timestamp: str, signature: str, body: bytes, now: float) -> bool:
    """Whether one of the ``v1,`` signatures is ours, in constant time, and the timestamp is fresh."""
    if not (msg_id and timestamp.isdigit() and signature) or abs(now - int(timestamp)) > TOLERANCE:
        return False
    expected = sign(secret, msg_id, int(timestamp), body).encode()
    return any(hmac.compare_digest(expected, given.encode()) for given in signature.split(" ")
               if given.startswith("v1,"))
