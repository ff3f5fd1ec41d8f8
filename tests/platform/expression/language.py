"""Hypothesis strategies for the whole formula language: well-typed ASTs (stored JSON) of
every function, over every field type, with BLANKs and the edge cases of rounding,
division, dates and text (CJK, case mapping, spaces, digits)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from brickwork.platform.expression.lib_text import DATE_PATTERNS, NUMBER_PATTERNS
from brickwork.platform.expression.values import DATE_UNITS, START_UNITS, TIME_UNITS
from tests.platform.expression.helpers import FIELDS, fn, lit, ref, var
from tests.platform.expression.test_property import VALUES, WORDS, instants

NUMBERS = ["0", "1", "-1", "2.5", "-2.5", "2.675", "1234.5", "0.005", "-0.005", "7", "-7", "2", "3", "0.5",
           "19.9", "100", "12", "999999999999999999", "-999999999999999999", "0.0000000001", "31", "13", "60"]
TEXTS = [*WORDS, " 12.5 ", "12a", "-3", "1.50", " ", "客户名称", "a\tb ", "straße", "ΣΑΣ", "12"]
DATES = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 12, 30), date(2025, 2, 28), date(2024, 7, 1),
         date(1, 1, 1), date(9999, 12, 31), date(2000, 3, 1)]
ORDERED = ("text", "number", "date", "datetime")
EQUATABLE = ("text", "number", "boolean", "date", "datetime", "choice", "user", "department")
CHOOSABLE = EQUATABLE
JOINABLE = EQUATABLE


def literal(type_: str):
    if type_ == "number":
        value = st.one_of(st.sampled_from(NUMBERS),
                          st.builds(lambda i, k: format(st_decimal(i, k), "f"), st.integers(-3000, 3000),
                                    st.integers(0, 3)))
    elif type_ == "text":
        value = st.one_of(st.sampled_from(TEXTS), st.text("aÄß客 1.-%_", max_size=4))
    elif type_ == "date":
        value = st.one_of(st.sampled_from(DATES), VALUES["date"]).map(lambda d: d.isoformat())
    elif type_ == "datetime":
        value = instants.map(lambda v: v.isoformat().replace("+00:00", "Z"))
    elif type_ == "boolean":
        return st.builds(lit, st.booleans(), st.just("boolean"))
    else:
        value = VALUES[type_]
    return st.builds(lit, st.one_of(st.none(), value), st.just(type_))


def st_decimal(i: int, k: int):
    from decimal import Decimal

    return Decimal(i).scaleb(-k)


def leaf(type_: str):
    choices = [literal(type_)]
    refs = [ref(fid) for fid, info in FIELDS.items() if info.type == type_]
    if refs:
        choices += [st.sampled_from(refs)] * 3
    if type_ == "date":
        choices.append(st.sampled_from([fn("TODAY"), var("$today")]))
    if type_ == "datetime":
        choices.append(st.sampled_from([fn("NOW"), var("$now")]))
    if type_ in ("user", "department"):
        choices.append(st.just(var("$me" if type_ == "user" else "$my_department")))
    return st.one_of(choices)


def text_lit(*options: str):
    return st.sampled_from(options).map(lambda o: lit(o, "text"))


def expr(type_: str, depth: int):
    """A well-typed expression of ``type_`` at most ``depth`` calls deep."""
    if depth == 0:
        return leaf(type_)
    sub = lambda t: expr(t, depth - 1)  # noqa: E731
    calls = [_choice(type_, sub)] + CALLS.get(type_, lambda sub: [])(sub)
    # Picked uniformly (one_of leans towards its first branches).
    return st.sampled_from([leaf(type_), *calls]).flatmap(lambda strategy: strategy)


def _choice(type_, sub):
    """IF, IFS, SWITCH, BLANKVALUE: any type."""
    if type_ == "choices":
        return leaf(type_)
    return st.one_of(
        st.builds(lambda c, a, b: fn("IF", c, a, *b), sub("boolean"), sub(type_), st.lists(sub(type_), max_size=1)),
        st.builds(lambda pairs, d: fn("IFS", *[x for p in pairs for x in p], *d),
                  st.lists(st.tuples(sub("boolean"), sub(type_)), min_size=1, max_size=2),
                  st.lists(sub(type_), max_size=1)),
        st.sampled_from(CHOOSABLE).flatmap(lambda k: st.builds(
            lambda x, pairs, d: fn("SWITCH", x, *[y for p in pairs for y in p], *d),
            sub(k), st.lists(st.tuples(sub(k), sub(type_)), min_size=1, max_size=2), st.lists(sub(type_), max_size=1))),
        st.builds(lambda a, b: fn("BLANKVALUE", a, b), sub(type_), sub(type_)),
    )


def _numbers(sub):
    n = sub("number")
    days = st.sampled_from(["date", "datetime"]).flatmap(sub)
    digits = st.one_of(st.just([]), st.integers(-3, 4).map(lambda d: [lit(str(d), "number")]))
    return [
        st.builds(lambda op, a, b: fn(op, a, b), st.sampled_from(["+", "-", "*", "/", "MOD", "POWER"]), n, n),
        st.builds(lambda a: fn("-", a), n),
        st.builds(lambda name, xs: fn(name, *xs), st.sampled_from(["SUM", "AVERAGE", "MIN", "MAX"]),
                  st.lists(n, min_size=1, max_size=3)),
        st.builds(lambda name, child: fn(name, {"ref": "lines", "path": [child]}),
                  st.sampled_from(["SUM", "AVERAGE", "MIN", "MAX", "COUNT", "COUNTALL"]),
                  st.sampled_from(["l_amount", "l_qty"])),
        st.builds(lambda name, path: fn(name, {"ref": "lines", **path}), st.sampled_from(["COUNT", "COUNTALL"]),
                  st.sampled_from([{}, {"path": ["l_due"]}])),
        st.builds(lambda name, x, d: fn(name, x, *d), st.sampled_from(["ROUND", "ROUNDUP", "ROUNDDOWN"]), n, digits),
        st.builds(lambda name, x: fn(name, x), st.sampled_from(["INT", "FLOOR", "CEILING", "ABS", "SQRT"]), n),
        st.builds(lambda t: fn("VALUE", t), sub("text")),
        st.builds(lambda t: fn("LEN", t), sub("text")),
        st.builds(lambda a, b, s: fn("FIND", a, b, *s), sub("text"), sub("text"), st.lists(n, max_size=1)),
        st.builds(lambda name, d: fn(name, d), st.sampled_from(["YEAR", "MONTH", "DAY", "WEEKDAY", "WEEKNUM",
                                                                 "ISOYEAR"]), days),
        st.builds(lambda name, d: fn(name, d), st.sampled_from(["HOUR", "MINUTE"]), sub("datetime")),
        st.builds(lambda a, b: fn("DAYS", a, b), days, days),
        st.builds(lambda a, b, u: fn("DATEDIF", a, b, lit(u, "text")), days, days, st.sampled_from("DMY")),
    ]


def _texts(sub):
    t, n = sub("text"), sub("number")
    joinable = st.sampled_from(JOINABLE).flatmap(sub)
    return [
        st.builds(lambda a, b: fn("&", a, b), joinable, joinable),
        st.builds(lambda xs: fn("CONCAT", *xs), st.lists(joinable, min_size=1, max_size=3)),
        st.builds(lambda name, x, k: fn(name, x, *k), st.sampled_from(["LEFT", "RIGHT"]), t, st.lists(n, max_size=1)),
        st.builds(lambda x, a, b: fn("MID", x, a, b), t, n, n),
        st.builds(lambda name, x: fn(name, x), st.sampled_from(["UPPER", "LOWER", "TRIM"]), t),
        st.builds(lambda x, a, b: fn("SUBSTITUTE", x, a, b), t, t, t),
        st.builds(lambda x, p: fn("TEXT", x, lit(p, "text")), n, st.sampled_from(sorted(NUMBER_PATTERNS))),
        st.builds(lambda x, p: fn("TEXT", x, lit(p, "text")), sub("date"),
                  st.sampled_from(["YYYY-MM-DD", "YYYY年MM月DD日"])),
        st.builds(lambda x, p: fn("TEXT", x, lit(p, "text")), sub("datetime"), st.sampled_from(sorted(DATE_PATTERNS))),
    ]


def _pair(kinds, sub):
    partner = lambda t: st.sampled_from(["date", "datetime"]) if t in ("date", "datetime") else st.just(t)  # noqa: E731
    return st.sampled_from(kinds).flatmap(lambda t: st.tuples(sub(t), partner(t).flatmap(sub)))


def _booleans(sub):
    b, t = sub("boolean"), sub("text")
    return [
        st.builds(lambda op, p: fn(op, *p), st.sampled_from(["=", "<>"]), _pair(EQUATABLE, sub)),
        st.builds(lambda op, p: fn(op, *p), st.sampled_from(["<", "<=", ">", ">="]), _pair(ORDERED, sub)),
        st.builds(lambda name, xs: fn(name, *xs), st.sampled_from(["AND", "OR"]), st.lists(b, min_size=1, max_size=3)),
        st.builds(lambda x: fn("NOT", x), b),
        st.builds(lambda p, more: fn("IN", *p, *more), _pair(("number", "text", "choice"), sub), st.just([])),
        st.builds(lambda x: fn("ISBLANK", x), st.sampled_from(["number", "text", "date", "choices"]).flatmap(sub)),
        st.builds(lambda name, a, c: fn(name, a, c), st.sampled_from(["CONTAINS", "STARTSWITH", "ENDSWITH"]), t, t),
        st.builds(lambda cs, c: fn("HAS", cs, c), sub("choices"), sub("choice")),
    ]


def _count(sub):
    """A count of units: the checker refuses a literal that is not whole (a field may be)."""
    return sub("number").filter(lambda x: "lit" not in x or x["lit"] is None or Decimal(x["lit"]) % 1 == 0)


def _dates(sub):
    n = sub("number")
    return [
        st.builds(lambda y, m, d: fn("DATE", y, m, d), n, n, n),
        st.builds(lambda y, m, d: fn("DATE", lit(str(y), "number"), m, d),
                  st.sampled_from([2024, 2025, 1, 9999]), n, n),
        st.builds(lambda d, k, u: fn("DATEADD", d, k, lit(u, "text")), sub("date"), _count(sub),
                  st.sampled_from(DATE_UNITS)),
        st.builds(lambda d, u: fn("STARTOF", d, lit(u, "text")), sub("date"), st.sampled_from(START_UNITS)),
        st.builds(lambda name: fn(name, {"ref": "lines", "path": ["l_due"]}), st.sampled_from(["MIN", "MAX"])),
        st.builds(lambda d, k: fn("EOMONTH", d, k), st.sampled_from(["date", "datetime"]).flatmap(sub), _count(sub)),
    ]


def _datetimes(sub):
    return [
        st.builds(lambda d, k, u: fn("DATEADD", d, k, lit(u, "text")), sub("datetime"), _count(sub),
                  st.sampled_from(DATE_UNITS + TIME_UNITS)),
        st.builds(lambda d, u: fn("STARTOF", d, lit(u, "text")), sub("datetime"), st.sampled_from(START_UNITS)),
    ]


CALLS = {"number": _numbers, "text": _texts, "boolean": _booleans, "date": _dates, "datetime": _datetimes}
TYPES = ("number", "text", "boolean", "date", "datetime", "choice", "user", "department")
formulas = st.sampled_from(TYPES).flatmap(lambda t: st.tuples(st.just(t), expr(t, 2)))
