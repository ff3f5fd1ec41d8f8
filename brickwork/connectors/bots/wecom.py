"""WeCom's group robot (企业微信群机器人): the ``key`` in the webhook URL is the only
credential, so the whole URL is sealed like a password; 20 messages a minute per robot."""

from __future__ import annotations

from typing import Any

from brickwork.connectors.bots.common import BotSettings, post, tester
from brickwork.connectors.registry import Connector


class WeComSettings(BotSettings):
    pass


def payload(message: dict[str, Any]) -> dict[str, Any]:
    kind, text, title = message.get("type", "text"), message.get("text", ""), message.get("title") or "Brickwork"
    users = list(message.get("at_user_ids") or []) + (["@all"] if message.get("at_all") else [])
    if kind == "card" and not message.get("url"):  # a card needs somewhere to go: markdown instead
        kind, text = "markdown", f"**{title}**\n{text}"
    if kind == "markdown":  # WeCom's markdown names people inline
        mentions = " ".join(f"<@{u}>" for u in users if u != "@all")
        return {"msgtype": "markdown", "markdown": {"content": f"{text}\n{mentions}".strip()}}
    if kind == "card":
        card: dict[str, Any] = {"card_type": "text_notice", "main_title": {"title": title},
                                "sub_title_text": text,
                                "card_action": {"type": 1, "url": message["url"]}}
        return {"msgtype": "template_card", "template_card": card}
    return {"msgtype": "text", "text": {"content": text, "mentioned_list": users,
                                        "mentioned_mobile_list": list(message.get("at_mobiles") or [])}}


def send(session: Any, connection: Any, message: dict[str, Any]) -> dict[str, Any]:
    settings: WeComSettings = connection.settings
    post(settings.webhook, payload(message), settings.timeout, lambda data: data.get("errcode"))
    return {"type": message.get("type", "text")}


WECOM = Connector("wecom", {"en": "WeCom group robot", "zh-CN": "企业微信群机器人"}, WeComSettings,
                  secrets=("webhook",), send_test=tester(send), send=send, limits=((20, 60.0),))
