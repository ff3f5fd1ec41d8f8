"""Secrets handed to people or browsers: random, shown once, stored only as a digest.

They carry 256 bits of randomness, so a plain SHA-256 is the right digest (a slow
password hash would only slow every request)."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
