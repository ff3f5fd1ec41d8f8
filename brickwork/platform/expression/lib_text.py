"""Text functions. Positions and lengths count characters (never bytes), 1-based; a count
or position that is BLANK, negative or not whole gives BLANK (FIND: 0). In CONCAT and &
BLANK is "" (numeric.text_of says how other types read as text)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from brickwork.platform.expression.lib_math import PG_SPACES, SPACES
from brickwork.platform.expression.numeric import EXACT, text_of, whole
from brickwork.platform.expression.operand import Sql
from brickwork.platform.expression.signature import Function, literal_choice, signature
from brickwork.platform.expression.values import lower

MAX_COUNT = 100_000  # no text is longer (reference §3.4)
JOINABLE = ("text", "number", "boolean", "date", "datetime", "choice", "user", "department", "record")
ZONE = "CAST({z} AS TEXT)"
LOCAL = f"timezone({ZONE}, timezone('UTC', {{%d}}))"


def _pg_text(i: int, type_: str) -> str:
    """PostgreSQL for the text of argument i (numeric.text_of)."""
    if type_ == "number":
        return f"CAST(trim_scale({{{i}}}) AS TEXT)"
    if type_ == "boolean":
        return f"CASE WHEN {{{i}}} THEN 'TRUE' ELSE 'FALSE' END"
    if type_ == "date":
        return f"to_char({{{i}}}, 'YYYY-MM-DD')"
    if type_ == "datetime":
        return f"to_char({LOCAL % i}, 'YYYY-MM-DD HH24:MI:SS')"
    if type_ in ("user", "department", "record"):
        return f"CAST({{{i}}} AS TEXT)"
    return f"{{{i}}}"


def _concat(args, types, ctx):
    return "".join(text_of(v, t, ctx.zone) or "" for v, t in zip(args, types, strict=True)) or None


def _concat_sql(args) -> str:
    return "NULLIF(%s, '')" % " || ".join(f"coalesce({_pg_text(i, a.type)}, '')" for i, a in enumerate(args))


def _len(args, types, ctx):
    return Decimal(len(args[0] or ""))


def _left(args, types, ctx):
    text, n = args[0], whole(args[1]) if len(args) > 1 else 1
    if text is None or n is None or n < 0:
        return None
    return text[:n] or None


def _right(args, types, ctx):
    text, n = args[0], whole(args[1]) if len(args) > 1 else 1
    if text is None or n is None or n < 0:
        return None
    return text[len(text) - n:] if 0 < n < len(text) else (text if n else None)


def _count_sql(name: str):
    def sql(args) -> str:
        n = "{1}" if len(args) > 1 else "1"
        return (f"CASE WHEN {n} = trunc({n}) AND {n} >= 0 "
                f"THEN NULLIF({name}({{0}}, CAST(least({n}, {MAX_COUNT}) AS INTEGER)), '') END")
    return sql


def _mid(args, types, ctx):
    text, start, n = args[0], whole(args[1]), whole(args[2])
    if text is None or start is None or n is None or start < 1 or n < 0:
        return None
    return text[start - 1:start - 1 + n] or None


MID_SQL = (f"CASE WHEN {{1}} = trunc({{1}}) AND {{2}} = trunc({{2}}) AND {{1}} >= 1 AND {{2}} >= 0 "
           f"THEN NULLIF(substr({{0}}, CAST(least({{1}}, {MAX_COUNT + 1}) AS INTEGER), "
           f"CAST(least({{2}}, {MAX_COUNT}) AS INTEGER)), '') END")


def simple_upper(text: str) -> str:
    """Upper case one character at a time ('straße' → 'STRAßE'), as PostgreSQL's libc
    upper() does: a letter whose full mapping is two letters keeps its simple (title) one."""
    def one(c: str) -> str:
        upper = c.upper()
        if len(upper) == 1:
            return upper
        title = c.title()
        return title if len(title) == 1 else c
    return "".join(one(c) for c in text)


def _text_fn(fn):
    return lambda args, types, ctx: None if args[0] is None else (fn(args[0]) or None)


def _find(args, types, ctx):
    needle, text = args[0], args[1]
    start = whole(args[2]) if len(args) > 2 else 1
    if needle is None or text is None or start is None or not 1 <= start <= len(text):
        return Decimal(0)
    return Decimal(text.find(needle, start - 1) + 1)


def _find_sql(args) -> str:
    s = "{2}" if len(args) > 2 else "1"
    at = f"strpos(substr({{1}}, CAST({s} AS INTEGER)), {{0}})"
    return (f"CASE WHEN {{0}} IS NULL OR {{1}} IS NULL OR {s} IS NULL OR {s} <> trunc({s}) OR {s} < 1 "
            f"OR {s} > char_length({{1}}) THEN 0 WHEN {at} = 0 THEN 0 ELSE {at} + {s} - 1 END")


def _substitute(args, types, ctx):
    text, old, new = args
    if text is None or old is None:
        return text
    return text.replace(old, new or "") or None


# --- TEXT(x, pattern) -------------------------------------------------------------------------

NUMBER_PATTERNS = {"0": ("{:f}", 0, "FM9999999999999999990"),
                   "0.00": ("{:f}", 2, "FM9999999999999999990.00"),
                   "#,##0.00": ("{:,f}", 2, "FM9,999,999,999,999,999,990.00"),
                   "0%": ("{:f}%", 0, "FM999999999999999999990")}
# Python's strftime does not pad years before 1000, so the shapes are spelled out.
DATE_PATTERNS = {"YYYY-MM-DD": ("{0.year:04d}-{0.month:02d}-{0.day:02d}", "YYYY-MM-DD"),
                 "YYYY年MM月DD日": ("{0.year:04d}年{0.month:02d}月{0.day:02d}日", 'YYYY"年"MM"月"DD"日"'),
                 "HH:mm": ("{0.hour:02d}:{0.minute:02d}", "HH24:MI")}
PATTERNS = (*NUMBER_PATTERNS, *DATE_PATTERNS)


def _text(args, types, ctx):
    value, pattern = args
    if value is None:
        return None
    if types[0] == "number":
        shape, places, _pg = NUMBER_PATTERNS[pattern]
        value = value * 100 if pattern == "0%" else value
        rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=EXACT)
        return shape.format(abs(rounded) if rounded == 0 else rounded)
    if types[0] == "datetime":
        value = value.astimezone(ctx.zone)
    return DATE_PATTERNS[pattern][0].format(value)


def _text_sql(args) -> str:
    pattern = args[1].value
    if args[0].type == "number":
        _shape, places, picture = NUMBER_PATTERNS[pattern]
        value = "{0} * 100" if pattern == "0%" else "{0}"
        return f"to_char(round({value}, {places}), '{picture}')" + (" || '%'" if pattern == "0%" else "")
    value = LOCAL % 0 if args[0].type == "datetime" else "{0}"
    return f"to_char({value}, '{DATE_PATTERNS[pattern][1]}')"


def _check_pattern(nodes, types) -> None:
    allowed = tuple(NUMBER_PATTERNS) if types[0] == "number" else (
        ("YYYY-MM-DD", "YYYY年MM月DD日") if types[0] == "date" else tuple(DATE_PATTERNS))
    literal_choice(1, allowed, "bad_pattern")(nodes, types)


T = "text"
TEXT_FUNCTIONS = (
    Function("&", (2, 2), python=_concat, sql=Sql(_concat_sql), **signature(rest=JOINABLE, result=T)),
    Function("CONCAT", (1, None), python=_concat, sql=Sql(_concat_sql), **signature(rest=JOINABLE, result=T)),
    Function("LEN", (1, 1), python=_len, sql=Sql("char_length(coalesce({0}, ''))"), **signature(T)),
    Function("LEFT", (1, 2), python=_left, sql=Sql(_count_sql("left")), **signature(T, "number", result=T)),
    Function("RIGHT", (1, 2), python=_right, sql=Sql(_count_sql("right")), **signature(T, "number", result=T)),
    Function("MID", (3, 3), python=_mid, sql=Sql(MID_SQL), **signature(T, "number", "number", result=T)),
    Function("UPPER", (1, 1), python=_text_fn(simple_upper), sql=Sql('upper({0} COLLATE "C.utf8")'),
             **signature(T, result=T)),
    Function("LOWER", (1, 1), python=_text_fn(lower), sql=Sql('lower({0} COLLATE "und-x-icu")'),
             **signature(T, result=T)),
    Function("TRIM", (1, 1), python=_text_fn(lambda t: t.strip(SPACES)),
             sql=Sql(f"NULLIF(btrim({{0}}, {PG_SPACES}), '')"), **signature(T, result=T)),
    Function("FIND", (2, 3), python=_find, sql=Sql(_find_sql), **signature(T, T, "number")),
    Function("SUBSTITUTE", (3, 3), python=_substitute,
             sql=Sql("NULLIF(CASE WHEN {1} IS NULL THEN {0} ELSE replace({0}, {1}, coalesce({2}, '')) END, '')"),
             **signature(T, T, T, result=T)),
    Function("TEXT", (2, 2), python=_text, sql=Sql(_text_sql),
             **signature(("number", "date", "datetime"), T, result=T, check=_check_pattern)),
)
