"""The print template (kind ``print``): HTML in Jinja2's sandbox over one record of a form,
its sub-form rows and related records, laid out on pages with a header and a footer.

The entry lives on the connectors floor because it renders through an outside library
(WeasyPrint, decision 0032); the top floor lists it in the kinds registry, and no engine
imports it."""

from __future__ import annotations

from typing import Annotated, Literal

from jinja2 import TemplateSyntaxError
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from brickwork.connectors.printing.sandbox import ENV
from brickwork.platform.definitions.base import DefinitionModel, Key, Label, LocaleTag
from brickwork.platform.definitions.kinds import Kind
from brickwork.platform.errors import FieldError
from brickwork.platform.i18n import _

TEMPLATE_CHARS = 100_000


def _some_text(texts: dict[str, str]) -> dict[str, str]:
    if not any(text.strip() for text in texts.values()):
        raise ValueError(_("Give the text in at least one language."))
    return texts


def _per_language(chars: int, *, required: bool = False) -> object:
    """One template for every language, or one per language (``{"zh-CN": ..., "en": ...}``),
    of which the printing person's language is picked (else English, else any)."""
    one = Annotated[str, Field(min_length=1 if required else 0, max_length=chars)]
    each = Annotated[str, Field(max_length=chars)]
    return one | Annotated[dict[LocaleTag, each], Field(min_length=1), AfterValidator(_some_text)]


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
    body: _per_language(TEMPLATE_CHARS, required=True)  # type: ignore[valid-type]
    header: _per_language(4000) = ""  # type: ignore[valid-type]
    footer: _per_language(4000) = ""  # type: ignore[valid-type]
    page_numbers: bool = True  # "1 / 3" at the bottom right of each page
    css: str = Field(default="", max_length=20_000)


def check_print(definition: BaseModel) -> list[FieldError]:
    """Each template part compiles in the sandbox; a syntax error says where."""
    assert isinstance(definition, PrintDefinition)
    errors = []
    for part in ("body", "header", "footer"):
        value = getattr(definition, part)
        texts = value.items() if isinstance(value, dict) else [("", value)]
        for locale, text in texts:
            try:
                ENV.parse(text)
            except TemplateSyntaxError as exc:
                errors.append(FieldError(f"$.{part}.{locale}" if locale else f"$.{part}", "template", _(
                    "Line %(line)s: %(problem)s", line=exc.lineno, problem=exc.message or "")))
    return errors


PRINT = Kind(name="print", model=PrintDefinition, check=check_print, plural="prints", after=("form",))
