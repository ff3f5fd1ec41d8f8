"""Settings from ``BRICKWORK_*`` environment variables.

A wrong value stops start-up with one line naming the variable (``ConfigError``), never a
pydantic traceback: operators read this line in a terminal or a service log.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOCALES = ("zh-CN", "en")
ENV_PREFIX = "BRICKWORK_"


class ConfigError(Exception):
    """A setting is wrong; the message is one line that names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str = ""
    secret_key: str = ""
    timezone: str = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    # Login attempts allowed per username and address in the window before 429. The bounds
    # keep sign-in working: 0 would refuse every sign-in, a huge number of days overflows
    # the expiry date.
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_window_seconds: int = Field(default=900, ge=1, le=86_400)
    session_days: int = Field(default=14, ge=1, le=3650)
    # Seconds one database statement of a request may run; then it is cancelled and the
    # request answers 503 with Retry-After (docs/decisions/0011-request-cost-bounds.md).
    statement_timeout: float = 10.0
    # Jobs (docs/decisions/0018-events-and-jobs.md, docs/operations.md). On SQLite the web
    # process runs the jobs unless this is off; on PostgreSQL `brickwork worker` does.
    worker: bool = True
    # Modules imported by web and worker processes at start: they register subscribers/tasks.
    plugins: str = ""
    # Days kept before the daily pruning deletes them: outbox events; run log, receipts, dead jobs.
    # Hosts that outgoing HTTP of connectors (HTTP calls, bots) may reach though they resolve to
    # loopback, link-local or private addresses: comma-separated names or IP addresses.
    http_allow_hosts: str = ""
    # The address people open Brickwork at (https://brickwork.example.com): links in mails and
    # chat messages start with it. Empty: the links are paths only.
    public_url: str = ""
    events_retention_days: int = Field(default=30, ge=1, le=3650)
    runs_retention_days: int = Field(default=30, ge=1, le=3650)
    # Administrators must use two-factor sign-in: one who has not enrolled sets up the
    # authenticator app during the password sign-in, before any session opens.
    totp_required_for_admins: bool = False
    # Single sign-on with an OpenID Connect provider (docs/operations.md, docs/decisions/0026).
    # Off while oidc_issuer is empty. The button reads "Sign in with <oidc_name>".
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_name: str = "SSO"
    oidc_scopes: str = "openid email profile"
    oidc_username_claim: str = "preferred_username"
    oidc_email_claim: str = "email"
    # Which claims link a first sign-in to an existing person: "email", "username" or both.
    oidc_match: str = "email"
    # People the provider knows and Brickwork does not: created on first sign-in, or refused.
    oidc_create_users: bool = False
    oidc_default_department: str = ""  # a path such as "Sales/East", for people created so
    # Where the provider sends the browser back; by default this server's /login/oidc/callback
    # as the browser reached it (set it behind a proxy that rewrites the host or scheme).
    oidc_redirect_uri: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("statement_timeout")
    @classmethod
    def _positive_timeout(cls, value: float) -> float:
        if not 0 < value <= 3600:
            raise ValueError("give seconds from more than 0 up to 3600")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"{value!r} is not one of {', '.join(LOCALES)}")
        return value

    @field_validator("database_url")
    @classmethod
    def _parsable_url(cls, value: str) -> str:
        if value:
            try:
                url = make_url(value)
            except ArgumentError as exc:
                raise ValueError(f"cannot parse {value!r} as a database URL") from exc
            if url.get_backend_name() not in ("sqlite", "postgresql"):
                raise ValueError("only sqlite and postgresql databases are supported")
        return value

    @field_validator("oidc_issuer", "oidc_redirect_uri", "public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("give an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("oidc_match")
    @classmethod
    def _match_claims(cls, value: str) -> str:
        chosen = [part.strip() for part in value.split(",") if part.strip()]
        if not chosen or any(part not in ("email", "username") for part in chosen):
            raise ValueError("give email, username or email,username")
        return ",".join(chosen)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read the environment, fill the derived defaults, or raise ``ConfigError``."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ENV_PREFIX + str(first["loc"][0]).upper()
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {reason}") from None
    if settings.oidc_issuer and not settings.oidc_client_id:
        raise ConfigError(f"{ENV_PREFIX}OIDC_CLIENT_ID: give the client id registered at {settings.oidc_issuer}")
    data_dir = settings.data_dir
    try:
        # Owner-only: it holds the database, the secret key and uploaded files.
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{ENV_PREFIX}DATA_DIR: cannot create {data_dir}: {exc.strerror}") from None
    if not settings.database_url:
        settings.database_url = f"sqlite:///{(data_dir / 'brickwork.db').resolve()}"
    if not settings.secret_key:
        settings.secret_key = _kept_secret(data_dir / "secret_key")
    return settings


def _kept_secret(path: Path) -> str:
    """Generate the secret key on first start and keep it, readable by the owner only."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key
