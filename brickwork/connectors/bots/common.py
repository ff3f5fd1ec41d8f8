"""What the three group bots share: the message every bot is handed (one shape, made by
the ``send_im`` action), posting it, and reading the service's answer, where an error
comes back with HTTP 200 and a non-zero code.

The message: ``type`` (``text``, ``markdown`` or ``card``), ``title``, ``text``, ``url`` and
``button`` (a card's link), ``at_mobiles``, ``at_user_ids``, ``at_all``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brickwork.connectors import outbound
from brickwork.platform.errors import Invalid
from brickwork.platform.i18n import _

TYPES = ("text", "markdown", "card")


class BotError(Exception):
    """The service answered, and refused the message."""


class BotSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    webhook: str = Field(min_length=1, max_length=2000, description="The robot's full webhook URL.")
    timeout: float = Field(default=10.0, gt=0, le=60)

    @field_validator("webhook")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(_("Give the robot's webhook address, starting with https://."))
        return value


def post(url: str, payload: dict[str, Any], timeout: float, code_of: Callable[[dict[str, Any]], Any]) -> dict:
    """POST the JSON; any HTTP error, an unreadable answer or a non-zero code raises."""
    answer = outbound.post_json(url, payload, timeout)
    if answer.status != 200:
        raise BotError(f"HTTP {answer.status}: {answer.text(300)}")
    try:
        data = answer.json()
    except ValueError:
        raise BotError(f"not JSON: {answer.text(300)}") from None
    code = code_of(data) if isinstance(data, dict) else None
    if code not in (0, None):
        raise BotError(f"code {code}: {data.get('errmsg') or data.get('msg') or data}")
    return data


def tester(send: Callable[[Any, Any, dict[str, Any]], dict[str, Any]]) -> Callable[[Any, Any], str]:
    def send_test(session: Any, connection: Any) -> str:
        try:
            send(session, connection, {"type": "text", "title": "Brickwork",
                                       "text": _("Brickwork test message: this robot works.")})
        except (OSError, BotError, outbound.Refused) as exc:
            raise Invalid(_("The robot did not take the test message."), detail=str(exc)) from None
        return _("The robot took the test message.")
    return send_test
