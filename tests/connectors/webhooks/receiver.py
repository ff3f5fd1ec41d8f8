"""A webhook receiver on loopback that checks every message with the Standard Webhooks
reference library (``standardwebhooks``): what a real subscriber would accept."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.messages: list[dict] = []  # verified, in arrival order: {"id", "body"}
        self.refused = 0  # bad signatures
        self.failing = False  # answer 503 to everything while set
        self.fail_next = 0  # answer 503 to this many more requests
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                with outer.lock:
                    fail = outer.failing or outer.fail_next > 0
                    outer.fail_next = max(0, outer.fail_next - 1)
                if fail:
                    self._answer(503)
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                for secret in outer.secrets:
                    try:
                        body = Webhook(secret).verify(raw, headers)
                    except WebhookVerificationError:
                        continue
                    with outer.lock:
                        outer.messages.append({"id": headers["webhook-id"], "body": body,
                                               "signatures": headers["webhook-signature"]})
                    self._answer(204)
                    return
                with outer.lock:
                    outer.refused += 1
                self._answer(401)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def unique(self) -> list[dict]:
        """Each message once (by webhook-id), in the order it first arrived."""
        seen, found = set(), []
        with self.lock:
            for m in self.messages:
                if m["id"] not in seen:
                    seen.add(m["id"])
                    found.append(m)
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
