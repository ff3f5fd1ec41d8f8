"""The print template (kind ``print``): HTML in Jinja2's sandbox over one record of a form,
its sub-form rows and related records, laid out on pages with a header and a footer.

The entry lives on the connectors floor because it renders through an outside library
(WeasyPrint, decision 0032); the top floor lists it in the kinds registry, and no engine
imports it."""

from __future__ import annotations

from typing import Literal

from jinja2 import TemplateSyntaxError
from pydantic import BaseModel, ConfigDict, Field

from brickwork.connectors.printing.sandbox import ENV
from brickwork.platform.definitions.base import DefinitionModel, Key, Label
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _

TEMPLATE_CHARS = 100_000


class PrintDefinition(DefinitionModel):
    """A way to print the records of one form as PDF."""

    model_config = ConfigDict(extra="forbid")
    key: Key
    label: Label
    form: Key
    page_size: Literal["A3", "A4", "A5", "B5", "letter", "legal"] = "A4"
    orientation: Literal["portrait", "landscape"] = "portrait"
    margin_mm: int = Field(default=18, ge=5, le=60)
    # Jinja2 (sandboxed) HTML: the page's content, and what repeats at the top and bottom of each page.
    body: str = Field(min_length=1, max_length=TEMPLATE_CHARS)
    header: str = Field(default="", max_length=4000)
    footer: str = Field(default="", max_length=4000)
    page_numbers: bool = True  # "1 / 3" at the bottom right of each page
    css: str = Field(default="", max_length=20_000)


def check_print(definition: BaseModel) -> list[FieldError]:
    """Each template part compiles in the sandbox; a syntax error says where."""
    assert isinstance(definition, PrintDefinition)
    errors = []
    for part in ("body", "header", "footer"):
        try:
            ENV.parse(getattr(definition, part))
        except TemplateSyntaxError as exc:
            errors.append(FieldError(f"$.{part}", "template", _(
                "Line %(line)s: %(problem)s", line=exc.lineno, problem=exc.message or "")))
    return errors


PRINT = Kind(name="print", model=PrintDefinition, check=check_print, plural="prints", after=("form",))
