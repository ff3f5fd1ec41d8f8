"""Outgoing HTTP for every connector, with an SSRF guard.

The host is resolved once; if any address it resolves to is loopback, link-local (cloud
metadata at 169.254.169.254 included), private, shared, reserved, multicast or unspecified
(IPv4, IPv6, and IPv4 inside IPv6), the call is refused unless the host is on the
administrator's allow-list (``BRICKWORK_HTTP_ALLOW_HOSTS``). The connection then goes to the
address that was checked, so a second DNS answer cannot swap in another (DNS rebinding).
Redirects are not followed: a 3xx is the answer. Standard library only (``http.client``).
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from brickwork.connectors import config
from brickwork.platform.i18n import _

MAX_BODY = 1024 * 1024  # bytes of an answer read; the rest is dropped
USER_AGENT = "Brickwork"


class Refused(Exception):
    """The URL may not be called: the text says why, in the user's language."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body.decode("utf-8"))

    def text(self, limit: int = 500) -> str:
        return self.body[:limit].decode("utf-8", errors="replace")


def tls_context() -> ssl.SSLContext:
    """A verifying client context, made once: loading the system's CA store costs ~70 ms.
    Keyed by OpenSSL's variables naming the store, so a changed store is read again."""
    return _context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@lru_cache(maxsize=4)
def _context(_cafile: str | None, _capath: str | None) -> ssl.SSLContext:
    return ssl.create_default_context()


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in config.settings().http_allow_hosts.split(",") if h.strip()}


def _inside(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether the address is one this machine or its network answers (not the internet)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return _inside(mapped)
    return (address.is_loopback or address.is_link_local or address.is_private or address.is_reserved
            or address.is_multicast or address.is_unspecified or not address.is_global)


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to), or Refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("Give an http:// or https:// address."))
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(_("The address has no valid port.")) from None
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):  # unknown, or not a name at all
        raise Refused(_("The host %(host)s cannot be found.", host=host)) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in found]
    if host not in allowed_hosts() and any(_inside(a) for a in addresses):
        raise Refused(_("%(host)s is an address inside this network (loopback, link-local or private); "
                        "an administrator must allow it first.", host=host))
    return parts.scheme, host, port, str(addresses[0])


class _Pinned(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=tls_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def request(method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes | None = None,
            timeout: float = 10.0) -> Answer:
    scheme, host, port, address = resolve(url)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedTLS if scheme == "https" else _Pinned
    connection = kind(host, port, address, timeout)
    try:
        connection.request(method.upper(), target, body=body,
                           headers={"User-Agent": USER_AGENT, **(headers or {})})
        response = connection.getresponse()
        data = response.read(MAX_BODY)
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def post_json(url: str, payload: Any, timeout: float = 10.0) -> Answer:
    import json

    return request("POST", url, headers={"Content-Type": "application/json; charset=utf-8"},
                   body=json.dumps(payload, ensure_ascii=False).encode("utf-8"), timeout=timeout)
