"""Building blocks shared by every kind of definition."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from brickwork.platform.i18n import _

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
"""A readable slug: lower-case letters, digits and underscores, starting with a letter."""

StableId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
"""An element's id: given once, never changed, what every reference points at."""

LocaleTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]


CONTROLS = re.compile("[\x00-\x1f\x7f]")
CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse(pattern: re.Pattern[str], text: str) -> str:
    if found := pattern.search(text):
        raise ValueError(_("Remove the control character %(char)s: this field cannot hold it.",
                           char=f"U+{ord(found.group()):04X}"))
    return text


def _no_controls(text: str) -> str:
    """A label is one line of text: no tab, line break, NUL or other control character."""
    return _refuse(CONTROLS, text)


OneLine = Annotated[str, AfterValidator(_no_controls)]
"""Text of one line: no control character at all."""

Lines = Annotated[str, AfterValidator(lambda text: _refuse(CONTROLS_BUT_LINES, text))]
"""Text that may hold tabs and line breaks, and no other control character."""


def _some_text(label: dict[str, str]) -> dict[str, str]:
    if not any(text.strip() for text in label.values()):
        raise ValueError(_("Give the text in at least one language."))
    return label


Label = Annotated[
    dict[LocaleTag, Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_controls)]],
    AfterValidator(_some_text),
    Field(json_schema_extra={"examples": [{"zh-CN": "客户", "en": "Customer"}]}),
]
"""A translatable text: ``{"zh-CN": "客户", "en": "Customer"}``."""


class DefinitionModel(BaseModel):
    """The root of every kind of definition."""

    model_config = ConfigDict(extra="forbid")

    key: Key
    label: Label
