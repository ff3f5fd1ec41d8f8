"""A connector for tests of the house (connections, delivery, retries): it keeps what it
"sends" in ``SENT`` and, while ``DOWN`` is set, fails with an answer that quotes its secret,
as a careless service might, so scrubbing can be checked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from brickwork.connectors.registry import Connector, register

SENT: list[dict[str, Any]] = []
DOWN: list[bool] = []


class EchoSettings(BaseModel):
    target: str = "loopback"
    token: str = ""


def send(session, connection, message: dict[str, Any]) -> dict[str, Any]:
    if DOWN:
        raise ConnectionRefusedError(f"refused: token {connection.settings.token} is not welcome at "
                                     f"{connection.settings.target}")
    SENT.append(message)
    return {"echoed": message.get("text", "")}


def send_test(session, connection) -> str:
    send(session, connection, {"text": "test"})
    return "sent"


ECHO = register(Connector("tests_echo", "Echo", EchoSettings, secrets=("token",), send=send, send_test=send_test,
                          limits=((3, 60.0),)))
