"""What the designer's form-logic editors need from the server: conditions as formula text
for the editor, a condition turned between text and the AST (the filter builder's form),
which fields the preview's visibility rules hide, and the function help of the formula editor.

The browser never evaluates or parses the expression language itself: it asks the engine,
so there is one implementation (logic.py, formula.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from brickwork.engines.form.conditions import context
from brickwork.engines.form.definition import FieldDef, FormDefinition
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.engines.form.formulas import infos
from brickwork.engines.form.logic import visibility
from brickwork.platform.errors import FieldError, Invalid
from brickwork.platform.expression import parse, parse_condition, to_json
from brickwork.platform.expression.formula import parse_formula
from brickwork.platform.expression.printer import print_formula
from brickwork.platform.i18n import _
from brickwork.platform.identity.users import Principal


def condition_texts(body: dict[str, Any]) -> dict[str, str]:
    """``<field, section or rule id>.<show_when|when>`` → the stored condition as formula text
    with today's field keys. A draft that does not validate shows none (the editor keeps text)."""
    try:
        definition = FormDefinition.model_validate(body)
    except ValidationError:
        return {}
    known = infos(definition.fields)
    found: dict[str, str] = {}
    for item in [*definition.fields, *definition.sections]:
        if isinstance(item.show_when, dict):
            found[f"{item.id}.show_when"] = print_formula(parse(item.show_when), known)
    for rule in definition.rules:
        if isinstance(rule.when, dict):
            found[f"{rule.id}.when"] = print_formula(parse(rule.when), known)
    return found


def _field_defs(fields: list[Any]) -> list[FieldDef]:
    """The draft's fields that are valid on their own: a condition may name only those."""
    found = []
    for data in fields if isinstance(fields, list) else []:
        try:
            found.append(FieldDef.model_validate(data))
        except ValidationError:
            continue
    return found


def convert(fields: list[Any], condition: Any) -> dict[str, Any]:
    """A condition (formula text or an AST) as both: ``{"ast": ..., "text": ...}``. A problem is
    ``Invalid`` at ``$.condition``, with the position in the text where there is one."""
    known = infos(_field_defs(fields))
    try:
        if isinstance(condition, str):
            node = parse_formula(condition, known, expect="boolean")
        else:
            node = parse_condition(condition, known)
    except Invalid as problem:
        raise Invalid(problem.title, errors=[replace(e, field="$.condition") for e in problem.errors]) from None
    except (ValueError, TypeError, KeyError) as problem:  # a malformed AST
        raise Invalid(_("The condition is not valid."),
                      errors=[FieldError("$.condition", "expression", str(problem))]) from None
    return {"ast": to_json(node), "text": print_formula(node, known)}


def preview_hidden(definition: FormDefinition, values: dict[str, Any], who: Principal) -> dict[str, list[str]]:
    """What the preview hides for the values typed into it (by key, as a form posts them): the
    keys of hidden fields and ids of hidden sections. A value not valid yet counts as BLANK."""
    logical: dict[str, Any] = {}
    by_key = {f.key: f for f in definition.fields}
    for key, raw in (values or {}).items():
        f = by_key.get(key)
        if f is None or raw in ("", None, []):
            continue
        try:
            logical[f.id] = REGISTRY[f.type].parse(f, raw)
        except Exception:  # noqa: BLE001 - any value the type refuses is simply not there yet
            continue
    found = visibility(definition, logical, context(who))
    keys = {f.id: f.key for f in definition.fields}
    return {"hidden_fields": sorted(keys[fid] for fid in found.hidden_fields),
            "hidden_sections": sorted(found.hidden_sections)}


def function_help() -> list[dict[str, str]]:
    """The functions the formula editor offers, each with how it is written and what it does."""
    return [{"name": name, "syntax": syntax, "help": text} for name, syntax, text in (
        ("IF", "IF(condition, then, [else])", _("The second value when the condition holds, else the third.")),
        ("IFS", "IFS(condition1, value1, …, [default])", _("The value of the first condition that holds.")),
        ("SWITCH", "SWITCH(x, value1, result1, …, [default])", _("The result of the first value equal to x.")),
        ("AND", "AND(condition1, condition2, …)", _("True when every condition holds.")),
        ("OR", "OR(condition1, condition2, …)", _("True when any condition holds.")),
        ("NOT", "NOT(condition)", _("True when the condition does not hold.")),
        ("ISBLANK", "ISBLANK(x)", _("True when x has no value.")),
        ("BLANKVALUE", "BLANKVALUE(x, fallback)", _("x, or the fallback when x has no value.")),
        ("IN", "IN(x, value1, value2, …)", _("True when x equals one of the values.")),
        ("HAS", "HAS(choices, option)", _("True when a multiple-choice field has the option.")),
        ("CONTAINS", "CONTAINS(text, part)", _("True when the text contains the part (any case).")),
        ("STARTSWITH", "STARTSWITH(text, part)", _("True when the text starts with the part.")),
        ("ENDSWITH", "ENDSWITH(text, part)", _("True when the text ends with the part.")),
        ("SUM", "SUM(x, …)", _("The sum of the numbers.")),
        ("AVERAGE", "AVERAGE(x, …)", _("The average of the numbers.")),
        ("MIN", "MIN(x, …)", _("The smallest number.")),
        ("MAX", "MAX(x, …)", _("The largest number.")),
        ("ROUND", "ROUND(x, [places])", _("x rounded, half away from zero.")),
        ("ROUNDUP", "ROUNDUP(x, [places])", _("x rounded away from zero.")),
        ("ROUNDDOWN", "ROUNDDOWN(x, [places])", _("x rounded toward zero.")),
        ("INT", "INT(x)", _("x rounded down to a whole number.")),
        ("ABS", "ABS(x)", _("x without its sign.")),
        ("MOD", "MOD(a, b)", _("The remainder of a divided by b.")),
        ("POWER", "POWER(a, b)", _("a to the power of b.")),
        ("SQRT", "SQRT(x)", _("The square root of x.")),
        ("VALUE", "VALUE(text)", _("The number written in the text.")),
        ("CONCAT", "CONCAT(x, …)", _("The values joined into one text (also a & b).")),
        ("LEN", "LEN(text)", _("The number of characters.")),
        ("LEFT", "LEFT(text, [n])", _("The first n characters.")),
        ("RIGHT", "RIGHT(text, [n])", _("The last n characters.")),
        ("MID", "MID(text, start, n)", _("n characters from position start.")),
        ("UPPER", "UPPER(text)", _("The text in capitals.")),
        ("LOWER", "LOWER(text)", _("The text in small letters.")),
        ("TRIM", "TRIM(text)", _("The text without spaces at both ends.")),
        ("FIND", "FIND(part, text, [start])", _("Where the part is in the text (0: absent).")),
        ("SUBSTITUTE", "SUBSTITUTE(text, old, new)", _("The text with every old part replaced.")),
        ("TEXT", 'TEXT(x, "0.00")', _("A number or date as text in a pattern.")),
        ("TODAY", "TODAY()", _("Today's date.")),
        ("NOW", "NOW()", _("The current date and time.")),
        ("DATE", "DATE(year, month, day)", _("The date of a year, month and day.")),
        ("YEAR", "YEAR(date)", _("The year of a date.")),
        ("MONTH", "MONTH(date)", _("The month of a date.")),
        ("DAY", "DAY(date)", _("The day of the month of a date.")),
        ("WEEKDAY", "WEEKDAY(date)", _("The day of the week, Monday = 1.")),
        ("DATEADD", 'DATEADD(date, n, "day")', _("The date n days, weeks, months or years later.")),
        ("DAYS", "DAYS(end, start)", _("The days from start to end.")),
        ("DATEDIF", 'DATEDIF(start, end, "M")', _('Whole days ("D"), months ("M") or years ("Y") between.')),
        ("EOMONTH", "EOMONTH(date, n)", _("The last day of the month n months on.")),
    )]


def logic_strings() -> dict[str, str]:
    """The texts of the logic editors (designer_logic.js, designer_condition.js, designer_formula.js)."""
    return {
        "logic": _("Logic"), "show_when": _("Show when"),
        "keep_when_hidden": _("Keep the value when hidden"),
        "keep_hint": _("Otherwise a hidden field's value is cleared when the record is saved."),
        "fill_from": _("Fill from"), "fill_form": _("Fill from form"), "fill_take": _("Take the value of"),
        "fill_match": _("Where"), "fill_equals": _("equals this form's"), "add_match": _("Add condition"),
        "fill_hint": _("When the fields named here change, this field is filled once from the most recently "
                       "updated matching record of the other form."),
        "record_id": _("Record id"), "build": _("Build"), "write": _("Formula"),
        "no_condition_fields": _("A condition names other fields of the form: add one first."),
        "cannot_build": _("This condition is too complex for the builder; edit it as a formula."),
        "condition_formula_hint": _('Such as {Stage} = "won" AND {Amount} > 1000.'),
        "rules": _("Rules"), "rules_hint": _("A rule refuses the save when its condition holds, with its message."),
        "add_rule": _("Add rule"), "rule": _("Rule %(n)s"), "refuse_when": _("Refuse the save when"),
        "message_zh": _("Message (Chinese)"), "message_en": _("Message (English)"),
        "message_at": _("Show the message at"), "form_top": _("(top of the form)"), "no_rules": _("No rules yet."),
        "functions": _("Insert a function"), "operator": _("Operator"), "is": _("is"), "is_not": _("is not"),
        "lt": _("less than"), "le": _("at most"), "gt": _("greater than"), "ge": _("at least"),
        "in": _("is any of"), "contains": _("contains"), "starts": _("starts with"), "blank": _("is blank"),
        "has": _("has"), "all": _("All of"), "any": _("Any of"), "add_condition": _("Add condition"),
        "add_group": _("Add group"), "value": _("Value"), "choose": _("(choose)"),
        "comma": _("Separate values with commas."),
        "default_dynamic": _("Or from the list: $me is the person creating the record, $my_department their "
                             "department, $today and $now the day and time of creation."),
        "default_url": _("A value in the new-record page's address (?key=value) fills the field too."),
    }
