"""Feishu / Lark's custom bot (自定义机器人): ``timestamp`` in seconds and ``sign`` = base64
of HMAC-SHA256 keyed with "{timestamp}\\n{secret}" over an empty message, both in the JSON
body; 100 messages a minute and 5 a second per bot. Feishu's custom bots @ people by their
open or user id only (not by phone)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from html import escape
from typing import Any

from pydantic import Field

from brickwork.connectors.bots.common import BotSettings, post, tester
from brickwork.connectors.registry import Connector


class FeishuSettings(BotSettings):
    secret: str = Field(default="", max_length=200, description="The signing secret, if signing is on.")


def sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def payload(message: dict[str, Any]) -> dict[str, Any]:
    kind, text, title = message.get("type", "text"), message.get("text", ""), message.get("title") or "Brickwork"
    ids = list(message.get("at_user_ids") or []) + (["all"] if message.get("at_all") else [])
    mentions = " ".join(f'<at user_id="{escape(i)}"></at>' for i in ids)
    if kind == "text":
        return {"msg_type": "text", "content": {"text": f"{text} {mentions}".strip()}}
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": f"{text} {mentions}"
                                                               .strip()}}]
    if kind == "card" and message.get("url"):
        elements.append({"tag": "action", "actions": [{"tag": "button", "type": "primary", "url": message["url"],
                                                         "text": {"tag": "plain_text",
                                                                  "content": message.get("button") or "→"}}]})
    return {"msg_type": "interactive", "card": {"header": {"title": {"tag": "plain_text", "content": title}},
                                                "elements": elements}}


def send(session: Any, connection: Any, message: dict[str, Any]) -> dict[str, Any]:
    settings: FeishuSettings = connection.settings
    body = payload(message)
    if settings.secret:
        timestamp = int(time.time())
        body = {"timestamp": str(timestamp), "sign": sign(settings.secret, timestamp), **body}
    post(settings.webhook, body, settings.timeout, lambda data: data.get("code", data.get("StatusCode")))
    return {"type": message.get("type", "text")}


FEISHU = Connector("feishu", {"en": "Feishu / Lark bot", "zh-CN": "飞书群机器人"}, FeishuSettings,
                   secrets=("webhook", "secret"), send_test=tester(send), send=send,
                   limits=((100, 60.0), (5, 1.0)))
