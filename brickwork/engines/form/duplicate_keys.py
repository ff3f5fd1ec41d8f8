"""What makes two values "the same" for duplicate detection: one normaliser per ``how``, in
Python (a record being saved) and, for the exact kinds, the same rule as a SQL expression
(a whole table, grouped in the database). The two must agree: ``tests`` check both.

- phone: separators `` -+().`` removed, then a leading ``0086`` (or ``86`` before 11
  digits) dropped, so ``+86 138-0013-8000``, ``0086 13800138000`` and ``13800138000`` meet.
  A phone field already stores E.164 (``+8613800138000``), which lands on the same key.
- email: trimmed and lower-cased. Gmail's dots and ``+tags`` are kept: in business mail
  ``a.li@`` and ``ali@`` are often two people, and a false merge costs more than a missed one.
- exact: trimmed and lower-cased text.
- fuzzy: for names of companies; see ``name_key``.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, ColumnElement, Index, MetaData, String, Table, case, func, literal
from sqlalchemy.sql.elements import Grouping

SEPARATORS = " -+().\t/"
# Legal-form suffixes that say nothing about which company it is (longest first).
CN_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "集团", "公司")
EN_SUFFIXES = frozenset({"co", "company", "corp", "corporation", "inc", "incorporated", "llc", "ltd", "limited",
                         "gmbh", "plc", "group", "holdings", "sa", "ag", "bv", "pte"})
_NOT_WORD = re.compile(r"[^\w]+")


def phone_key(text: str | None) -> str | None:
    if not text:
        return None
    key = text.strip()
    for char in SEPARATORS:
        key = key.replace(char, "")
    if key.startswith("0086"):
        key = key[4:]
    elif key.startswith("86") and len(key) == 13:
        key = key[2:]
    return key or None


def text_key(text: str | None) -> str | None:
    key = (text or "").strip().lower()
    return key or None


def name_key(text: str | None) -> str | None:
    """A company name as compared: lower-cased, punctuation to spaces, legal-form suffixes
    (有限公司, Co., Ltd., Inc. ...) dropped from the end, words kept for a token-based score."""
    words = _NOT_WORD.sub(" ", (text or "").lower()).split()
    while words and words[-1] in EN_SUFFIXES:
        words.pop()
    if words:
        last = words[-1]
        for suffix in CN_SUFFIXES:
            while last.endswith(suffix) and len(last) > len(suffix):
                last = last[: -len(suffix)]
        words[-1] = last
    return " ".join(words) or None


def key_of(how: str, text: str | None) -> str | None:
    if how == "phone":
        return phone_key(text)
    if how == "fuzzy":
        return name_key(text)
    return text_key(text)


# Where a Chinese company name starts with its place (上海某某科技), the trade name after it
# (某某) is what tells companies apart: blocks start there. Provinces and the largest cities.
PLACES = tuple(sorted((
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 广州 深圳 杭州 南京 苏州 成都 武汉 西安 "
    "长沙 郑州 青岛 宁波 厦门 无锡 合肥 济南 沈阳 大连 哈尔滨 长春 福州 昆明 南宁 石家庄 太原 南昌 贵阳 佛山 "
    "东莞 温州 珠海 常州 烟台").split(), key=len, reverse=True))
PLACE_ENDS = ("特别行政区", "自治区", "省", "市")


def block_of(key: str) -> str:
    """Fuzzy names are compared only within a block: the first two characters of the name
    after a leading place (上海, 上海市, 广东省). Names that differ there (``某某网络`` and
    ``某网络``) are not compared; their exact keys (phone, email) still meet."""
    for place in PLACES:
        if key.startswith(place) and len(key) > len(place):
            key = key[len(place):]
            for end in PLACE_ENDS:
                if key.startswith(end) and len(key) > len(end):
                    key = key[len(end):]
                    break
            break
    return key.lstrip()[:2]


def _const(value: str | int):
    """A constant written into the statement itself (not a bound parameter), so that the
    expression reads the same in a query as in its index, and the index is used."""
    return literal(value, literal_execute=True)


def key_sql(how: str, column) -> ColumnElement[str]:
    """The key of ``how`` (phone, email, exact) as SQL, the same rule as ``key_of``; it runs
    on SQLite and PostgreSQL alike and only calls deterministic functions (``replace``,
    ``substr``, ``length``, ``lower``, ``trim``), so it can be indexed (``key_index``)."""
    if how != "phone":
        return func.lower(func.trim(column))
    key = func.trim(column)
    for char in SEPARATORS:
        key = func.replace(key, _const(char), _const(""))
    return case((func.substr(key, _const(1), _const(4)) == _const("0086"), func.substr(key, _const(5))),
                ((func.substr(key, _const(1), _const(2)) == _const("86")) & (func.length(key) == _const(13)),
                 func.substr(key, _const(3))),
                else_=key)


def name_sql(column, dialect: str) -> ColumnElement[str]:
    """A fuzzy field's text as its index holds it: lower-cased, compared byte by byte (as
    pickers search titles), so a block's candidates are a few index ranges."""
    key = func.lower(column)
    return key.collate("C") if dialect == "postgresql" else key


def block_starts(block: str) -> list[str]:
    """The starts of the names in a block: the block itself, and each place before it (with
    省, 市 ... or not). ``likely`` reads each start as one range of the name index."""
    return [block] + [place + end + block for place in PLACES for end in ("", *PLACE_ENDS)]


def key_index(table_name: str, column_name: str, column_type, how: str, index_name: str, dialect: str) -> Index:
    """The index a field's keys are looked up and grouped by (exact keys), or its names'
    blocks read by (fuzzy). Built on a table object of its own, so it never joins the
    cached record table's indexes."""
    column = Column(column_name, column_type)
    Table(table_name, MetaData(), column)
    # In parentheses: PostgreSQL takes an expression (other than a function call) only so.
    return Index(index_name, Grouping(name_sql(column, dialect) if how == "fuzzy" else key_sql(how, column)))


def empty_to_null(expression: ColumnElement[str]) -> ColumnElement[str]:
    return func.nullif(expression, literal("", String))
