"""DingTalk's custom group robot (自定义机器人): ``timestamp`` in milliseconds and ``sign`` =
URL-encoded base64 of HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}"), both in the
query string; 20 messages a minute per robot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import quote_plus

from pydantic import Field

from brickwork.connectors.bots.common import BotSettings, post, tester
from brickwork.connectors.registry import Connector


class DingTalkSettings(BotSettings):
    secret: str = Field(default="", max_length=200, description="The signing secret (SEC...), if signing is on.")


def signed_url(webhook: str, secret: str, now_ms: int | None = None) -> str:
    if not secret:
        return webhook
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest))
    return f"{webhook}{'&' if '?' in webhook else '?'}timestamp={timestamp}&sign={sign}"


def payload(message: dict[str, Any]) -> dict[str, Any]:
    kind, text, title = message.get("type", "text"), message.get("text", ""), message.get("title") or "Brickwork"
    at = {"atMobiles": message.get("at_mobiles") or [], "atUserIds": message.get("at_user_ids") or [],
          "isAtAll": bool(message.get("at_all"))}
    mentions = " ".join(f"@{m}" for m in at["atMobiles"] + at["atUserIds"])
    if kind == "card" and not message.get("url"):  # a card needs somewhere to go: markdown instead
        kind, text = "markdown", f"### {title}\n\n{text}"
    if kind == "markdown":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"{text}\n\n{mentions}".strip()},
                "at": at}
    if kind == "card":
        return {"msgtype": "actionCard", "actionCard": {
            "title": title, "text": f"### {title}\n\n{text}", "singleTitle": message.get("button") or "→",
            "singleURL": message["url"]}}
    return {"msgtype": "text", "text": {"content": text}, "at": at}


def send(session: Any, connection: Any, message: dict[str, Any]) -> dict[str, Any]:
    settings: DingTalkSettings = connection.settings
    post(signed_url(settings.webhook, settings.secret), payload(message), settings.timeout,
         lambda data: data.get("errcode"))
    return {"type": message.get("type", "text")}


DINGTALK = Connector("dingtalk", {"en": "DingTalk group robot", "zh-CN": "钉钉群机器人"}, DingTalkSettings,
                     secrets=("webhook", "secret"), send_test=tester(send), send=send, limits=((20, 60.0),))
