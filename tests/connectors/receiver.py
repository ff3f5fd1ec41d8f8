"""Loopback stand-ins for the DingTalk, Feishu and WeCom robots, checking each request
exactly as ../shared/reference/connectors.md says the services do, and answering as they
do: HTTP 200 with a non-zero code for a refused message. Also a plain JSON endpoint for
HTTP-call tests. Stoppable and startable again on the same port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.connectors.smtp_server import free_port

DING_TOKEN, DING_SECRET = "ding-token-5a6b7c", "SECd1e2f3a4b5c6d7e8f9"
FEISHU_TOKEN, FEISHU_SECRET = "feishu-hook-8d9e0f", "fs-secret-1a2b3c4d"
WECOM_KEY = "wecom-key-7f6e5d4c"
DING_TYPES = {"text", "markdown", "actionCard", "link", "feedCard"}
FEISHU_TYPES = {"text", "post", "image", "share_chat", "interactive"}
WECOM_TYPES = {"text", "markdown", "image", "news", "file", "template_card"}
HOUR = 3600
FEISHU_BAD_SIGN = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}
FEISHU_BAD_TOKEN = {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, dict[str, Any]]] = []  # (service, body) of accepted messages
        self.refused: list[tuple[str, str]] = []  # (service, reason)
        self.calls: list[dict[str, Any]] = []  # the plain endpoint's requests
        self.server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, data: dict[str, Any], status: int = 200) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self._plain()

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/robot/send":
                    self._answer(receiver.dingtalk(query, raw))
                elif url.path.startswith("/open-apis/bot/v2/hook/"):
                    self._answer(receiver.feishu(url.path.rsplit("/", 1)[1], raw))
                elif url.path == "/cgi-bin/webhook/send":
                    self._answer(receiver.wecom(query, raw))
                else:
                    self._plain(raw)

            def _plain(self, raw: bytes = b"") -> None:
                receiver.calls.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": raw.decode("utf-8", errors="replace")})
                self._answer({"status": "ok", "ticket": {"number": "ERP-42", "amount": 199.5}})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _refuse(self, service: str, reason: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.refused.append((service, reason))
        return answer

    def dingtalk(self, query: dict[str, str], raw: bytes) -> dict[str, Any]:
        """access_token in the query; timestamp (ms, within an hour) and
        sign = base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}")), URL-encoded, in the query."""
        if query.get("access_token") != DING_TOKEN:
            return self._refuse("dingtalk", "token", {"errcode": 300001, "errmsg": "token is not exist"})
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > HOUR * 1000:
            return self._refuse("dingtalk", "timestamp", {"errcode": 310000, "errmsg": "timestamp expired"})
        wanted = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{timestamp}\n{DING_SECRET}".encode(),
                                           hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(wanted, sign):
            return self._refuse("dingtalk", "sign", {"errcode": 310000, "errmsg": "sign not match"})
        body = json.loads(raw)
        if body.get("msgtype") not in DING_TYPES:
            return self._refuse("dingtalk", "msgtype", {"errcode": 40035, "errmsg": "bad msgtype"})
        self.received.append(("dingtalk", body))
        return {"errcode": 0, "errmsg": "ok"}

    def feishu(self, token: str, raw: bytes) -> dict[str, Any]:
        """timestamp (s, within an hour) and sign = base64(HMAC-SHA256(key="{timestamp}\\n{secret}",
        msg="")) in the JSON body."""
        if token != FEISHU_TOKEN:
            return self._refuse("feishu", "token", FEISHU_BAD_TOKEN)
        body = json.loads(raw)
        timestamp, sign = str(body.get("timestamp", "")), body.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > HOUR:
            return self._refuse("feishu", "timestamp", FEISHU_BAD_SIGN)
        key = f"{timestamp}\n{FEISHU_SECRET}".encode()
        wanted = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(wanted, sign):
            return self._refuse("feishu", "sign", FEISHU_BAD_SIGN)
        if body.get("msg_type") not in FEISHU_TYPES:
            return self._refuse("feishu", "msg_type", {"code": 19002, "msg": "params error, msg_type need"})
        self.received.append(("feishu", body))
        return {"code": 0, "msg": "success", "data": {}}

    def wecom(self, query: dict[str, str], raw: bytes) -> dict[str, Any]:
        """The key in the URL is the only credential."""
        if query.get("key") != WECOM_KEY:
            return self._refuse("wecom", "key", {"errcode": 93000, "errmsg": "invalid webhook url"})
        body = json.loads(raw)
        if body.get("msgtype") not in WECOM_TYPES:
            return self._refuse("wecom", "msgtype", {"errcode": 40008, "errmsg": "invalid message type"})
        self.received.append(("wecom", body))
        return {"errcode": 0, "errmsg": "ok"}
