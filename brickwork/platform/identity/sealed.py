"""Secrets the server must read back (a person's TOTP seed): sealed with a key derived from
the installation's secret key (BRICKWORK_SECRET_KEY or data_dir/secret_key), so a copy of
the database alone does not give away anyone's second factor."""

from __future__ import annotations

from cryptography.fernet import InvalidToken

from brickwork.platform.secretbox import fernet


def seal(secret_key: str, purpose: str, plain: str) -> str:
    return fernet(secret_key, purpose).encrypt(plain.encode()).decode()


def unseal(secret_key: str, purpose: str, sealed: str) -> str | None:
    """The plain text, or None when the secret key changed since it was sealed."""
    try:
        return fernet(secret_key, purpose).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
