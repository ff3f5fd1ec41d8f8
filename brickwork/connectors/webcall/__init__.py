"""HTTP calls to other systems: the ``http`` connector (a base URL and a sealed
``Authorization`` header, shared by the rules that call that system) and the rule action
``http_call``, which also works without a connection."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from brickwork.connectors import outbound
from brickwork.connectors.registry import Connector, register
from brickwork.connectors.webcall.action import HTTP_CALL
from brickwork.platform.errors import Invalid
from brickwork.platform.i18n import _


class HttpSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(min_length=8, max_length=2000, pattern=r"^https?://")
    authorization: str = Field(default="", max_length=4000, description="The Authorization header's value.")
    timeout: float = Field(default=10.0, gt=0, le=30)


def send_test(session: Any, connection: Any) -> str:
    settings: HttpSettings = connection.settings
    headers = {"Authorization": settings.authorization} if settings.authorization else {}
    try:
        answer = outbound.request("GET", settings.base_url, headers=headers, timeout=settings.timeout)
    except (outbound.Refused, OSError) as exc:
        raise Invalid(_("The system could not be reached."), detail=str(exc)) from None
    return _("The system answered with HTTP %(status)s.", status=answer.status)


HTTP = register(Connector("http", {"en": "HTTP endpoint", "zh-CN": "HTTP 接口"}, HttpSettings,
                          secrets=("authorization",), send_test=send_test, actions=(HTTP_CALL,)))
