"""The formula tokenizer: numbers, "text", {field}, bare names (``lines.amount`` is one),
$variables, operators (``.`` joins ``{Order lines}.{Amount}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from brickwork.platform.i18n import _

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>[0-9]+(?:\.[0-9]+)?)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<field>\{[^{}\n]*\})
  | (?P<var>\$[^\W\d]\w*)
  | (?P<name>[^\W\d]\w*(?:\.\w+)*)
  | (?P<op><>|!=|<=|>=|[-+*/&=<>(),.])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, field, var, name, op, end
    text: str
    start: int
    end: int


class TokenError(Exception):
    def __init__(self, start: int, end: int, code: str, message: str) -> None:
        super().__init__(message)
        self.start, self.end, self.code, self.message = start, end, code, message


def tokenize(source: str) -> list[Token]:
    tokens, at = [], 0
    while at < len(source):
        match = _TOKEN.match(source, at)
        if match is None:
            raise _stray(source, at)
        if match.lastgroup != "space":
            text = match.group()
            tokens.append(Token(match.lastgroup, "<>" if text == "!=" else text, at, match.end()))
        at = match.end()
    tokens.append(Token("end", "", len(source), len(source)))
    return tokens


def _stray(source: str, at: int) -> TokenError:
    char = source[at]
    if char == '"':
        return TokenError(at, len(source), "unclosed_text", _('This text has no closing ".'))
    if char == "{":
        return TokenError(at, len(source), "unclosed_field", _("This field name has no closing }."))
    return TokenError(at, at + 1, "unexpected_character", _("Unexpected character %(char)s.", char=char))


def unquote(text: str) -> str:
    """The value of a "…" token: \\" is a quote, \\\\ a backslash (any other \\x is x)."""
    return re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.DOTALL)
