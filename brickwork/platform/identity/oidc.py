"""Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE.

``begin`` makes the provider's sign-in address and remembers state, nonce and the PKCE
verifier as an ``AuthChallenge`` (only the state's digest is a key; the browser also keeps
the state in a cookie, so a callback started in another browser is refused). ``exchange``
trades the code for tokens at the provider and checks the ID token: its signature against
the provider's published keys (JWKS), issuer, audience, expiry and nonce. ``sign_in`` finds
the person (by the provider's subject once linked; the first time by email or username
claim, as settings say), creates them when allowed, and opens a session.

authlib makes the authorization URL and the token request; joserfc (authlib's JOSE
library) checks the ID token. docs/decisions/0026-sign-in-oidc-and-totp.md.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brickwork.platform.audit import audit
from brickwork.platform.db import utcnow
from brickwork.platform.errors import BrickworkError, Forbidden, Invalid
from brickwork.platform.i18n import _
from brickwork.platform.identity import org, org_tree
from brickwork.platform.identity.login import open_session
from brickwork.platform.identity.secrets import digest
from brickwork.platform.identity.users import USERNAME, normalise_username
from brickwork.platform.models import AuthChallenge, User, UserIdentity
from brickwork.platform.settings import Settings

FLOW_WAIT = timedelta(minutes=10)
HTTP_TIMEOUT = 10.0
METADATA_KEPT = 600  # seconds; keys rotate rarely and an unknown key id fetches them anew
# Asymmetric signatures only: "none" and HS* (the client secret as key) are refused.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_cache: dict[str, tuple[float, dict[str, Any]]] = {}
log = logging.getLogger(__name__)


class ProviderError(BrickworkError):
    status = 502
    code = "provider_error"


def begin(session: Session, settings: Settings, redirect_uri: str, next_path: str) -> tuple[str, str]:
    """The provider's sign-in address to send the browser to, and the state for its cookie."""
    meta = _metadata(settings.oidc_issuer)
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    session.add(AuthChallenge(token_hash=digest(state), kind="oidc", data={
        "nonce": nonce, "verifier": verifier, "next": next_path, "redirect_uri": redirect_uri},
        expires_at=utcnow() + FLOW_WAIT))
    with _client(settings, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier)
    return url, state


def take_flow(session: Session, state: str, cookie_state: str) -> dict[str, Any]:
    """The remembered flow for a callback's state, used up; refused when it is unknown, late,
    or was started in another browser."""
    row = session.get(AuthChallenge, digest(state)) if state else None
    if row is None or row.kind != "oidc" or row.expires_at < utcnow() or not secrets.compare_digest(
            state, cookie_state or ""):
        raise Invalid(_("The sign-in took too long or was started elsewhere. Try again."))
    session.delete(row)
    return dict(row.data)


def exchange(settings: Settings, flow: dict[str, Any], code: str) -> dict[str, Any]:
    """The checked claims of the ID token the provider gives for ``code``. Network only: no
    transaction is held open meanwhile."""
    meta = _metadata(settings.oidc_issuer)
    try:
        with _client(settings, flow["redirect_uri"]) as client:
            token = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=flow["verifier"],
                                       grant_type="authorization_code")
        id_token = token.get("id_token")
        if not id_token:
            raise _refused(settings, "no ID token")
        claims = _verified_claims(settings, meta, id_token)
        if meta.get("userinfo_endpoint") and token.get("access_token"):
            # Many providers put only the subject in the ID token and the rest at userinfo
            # (OIDC Core 5.4); its answer counts only for the same subject (5.3.2).
            with _client(settings, flow["redirect_uri"]) as client:
                client.token = token
                answer = client.get(meta["userinfo_endpoint"])
            answer.raise_for_status()
            info = answer.json()
            if info.get("sub") == claims["sub"]:
                claims = {**info, **claims}
    except (httpx.HTTPError, OAuth2Error, JoseError, ValueError) as exc:
        raise _refused(settings, f"{type(exc).__name__}: {exc}") from None
    if not secrets.compare_digest(str(claims.get("nonce", "")), flow["nonce"]):
        raise _refused(settings, "nonce")
    return claims


def sign_in(session: Session, settings: Settings, claims: dict[str, Any], *, ip: str,
            user_agent: str = "") -> tuple[User, str]:
    user = _person(session, settings, claims)
    if not user.is_active:
        raise Forbidden(_("Your account is deactivated. Ask an administrator."))
    return user, open_session(session, settings, user, ip=ip[:64], user_agent=user_agent, factors="oidc")


def _person(session: Session, settings: Settings, claims: dict[str, Any]) -> User:
    issuer, subject = settings.oidc_issuer, str(claims["sub"])
    linked = session.scalar(select(User).join(UserIdentity, UserIdentity.user_id == User.id).where(
        UserIdentity.issuer == issuer, UserIdentity.subject == subject))
    if linked is not None:
        return linked
    email = _claim(claims, settings.oidc_email_claim)
    if claims.get("email_verified") is False:
        email = ""  # an address the provider did not check must not take over an account
    username = normalise_username(_claim(claims, settings.oidc_username_claim))
    user = None
    for rule in settings.oidc_match.split(","):
        if rule == "email" and email and user is None:
            found = session.scalars(select(User).where(func.lower(User.email) == email.lower())).all()
            user = found[0] if len(found) == 1 else None
        elif rule == "username" and username and user is None:
            user = session.scalar(select(User).where(User.username == username))
    if user is None:
        if not settings.oidc_create_users:
            raise Forbidden(_("No Brickwork account matches %(who)s. Ask an administrator to invite you.",
                              who=email or username or subject))
        user = _create(session, settings, claims, username, email)
    session.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject))
    audit(session, user.id, "user.oidc_link", "user", user.id, {"issuer": issuer, "subject": subject})
    return user


def _create(session: Session, settings: Settings, claims: dict[str, Any], username: str, email: str) -> User:
    if not USERNAME.match(username) or session.scalar(select(User.id).where(User.username == username)):
        raise Forbidden(_("No Brickwork account matches %(who)s, and the name %(name)s cannot be used for a new one. "
                          "Ask an administrator to invite you.", who=email or username, name=username or "-"))
    user = User(username=username, display_name=_claim(claims, "name")[:128] or username, email=email or None,
                password_hash=None, is_admin=False)
    session.add(user)
    session.flush()
    if settings.oidc_default_department:
        wanted = settings.oidc_default_department.strip("/")
        found = [i for i, path in org_tree.path_names(session).items() if path == wanted]
        if found:
            org.add_member(session, user.id, found[0], main=True)
    audit(session, None, "user.create", "user", user.id, {"username": username, "via": "oidc"})
    return user


def _claim(claims: dict[str, Any], name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


def _verified_claims(settings: Settings, meta: dict[str, Any], id_token: str) -> dict[str, Any]:
    allowed = [a for a in meta.get("id_token_signing_alg_values_supported", ["RS256"]) if a in ALGORITHMS]
    try:
        token = jwt.decode(id_token, _keys(meta), algorithms=allowed)
    except JoseError:
        # The provider may have rotated its keys since they were fetched.
        token = jwt.decode(id_token, _keys(meta, fresh=True), algorithms=allowed)
    jwt.JWTClaimsRegistry(
        leeway=60, iss={"essential": True, "value": meta["issuer"]}, sub={"essential": True},
        aud={"essential": True, "value": settings.oidc_client_id}, exp={"essential": True},
        nonce={"essential": True},
    ).validate(token.claims)
    return token.claims


def _metadata(issuer: str) -> dict[str, Any]:
    meta = _fetched(f"{issuer}/.well-known/openid-configuration")
    if meta.get("issuer", "").rstrip("/") != issuer:
        log.warning("OIDC discovery at %s names the issuer %r", issuer, meta.get("issuer"))
        raise ProviderError(_("The sign-in provider answered for another issuer."))
    return meta


def _keys(meta: dict[str, Any], fresh: bool = False) -> KeySet:
    return KeySet.import_key_set(_fetched(meta["jwks_uri"], fresh=fresh))


def _fetched(url: str, fresh: bool = False) -> dict[str, Any]:
    kept = _cache.get(url)
    if kept and not fresh and time.monotonic() - kept[0] < METADATA_KEPT:
        return kept[1]
    try:
        answer = httpx.get(url, timeout=HTTP_TIMEOUT, follow_redirects=False)
        answer.raise_for_status()
        data = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("OIDC: fetching %s failed: %s", url, exc)
        raise ProviderError(_("The sign-in provider cannot be reached.")) from None
    _cache[url] = (time.monotonic(), data)
    return data


def _client(settings: Settings, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(settings.oidc_client_id, settings.oidc_client_secret or None, scope=settings.oidc_scopes,
                        redirect_uri=redirect_uri, code_challenge_method="S256", timeout=HTTP_TIMEOUT)


def _refused(settings: Settings, why: str) -> ProviderError:
    log.warning("OIDC sign-in refused: %s", why)
    return ProviderError(_("Signing in with %(name)s did not work. Try again.", name=settings.oidc_name))
