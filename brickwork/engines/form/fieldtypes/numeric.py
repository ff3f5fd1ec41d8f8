"""Numbers, money, percentages and ratings.

All are stored as integers scaled by 10**scale (money in minor units, C4): SQLite has no
decimal type, and one representation on both databases keeps filters and sums exact.
Extra decimal places are refused, never rounded away silently.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Integer

from brickwork.engines.form.fields import FieldSettings
from brickwork.engines.form.fieldtypes.base import FieldType, FieldValueError, blank, wrong_type
from brickwork.platform.i18n import _

NUMBER_OPERATORS = ("=", "<>", "<", "<=", ">", ">=", "IN", "ISBLANK")
CURRENCY_SCALE = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "GBP": 2, "TWD": 2, "SGD": 2, "JPY": 0, "KRW": 0}
STORED_LIMIT = 2**63 - 1  # BIGINT


def to_decimal(value: Any) -> Decimal:
    """A finite Decimal from a number or a text such as "1,234.50"; floats by their shortest
    representation, so 0.1 is 0.1."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise wrong_type(_("a number"))
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise wrong_type(_("a number")) from None
    if not number.is_finite():
        raise wrong_type(_("a number"))
    return number


def decimal_schema(scale: int, description: str) -> dict[str, Any]:
    """A decimal is a string in the API, both ways (decision 0035): a float loses places a
    generated client cannot see, and the server refuses what is not exact to the scale."""
    places = rf"(\.[0-9]{{1,{scale}}})?" if scale > 0 else ""
    return {"type": ["string", "null"], "format": "decimal", "pattern": rf"^-?[0-9]+{places}$",
            "description": description}


class NumberField(FieldType):
    name = "number"
    logical = "number"
    widget = "number"
    settings = frozenset({"default", "scale", "min", "max", "unique"})
    operators = NUMBER_OPERATORS

    def scale(self, field: FieldSettings) -> int:
        return field.scale or 0

    def value_scale(self, field: FieldSettings) -> int:
        return self.scale(field)

    def column_type(self, field: FieldSettings):
        return BigInteger()

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return decimal_schema(self.scale(field), f"decimal, at most {self.scale(field)} places")

    def parse(self, field: FieldSettings, value: Any) -> Decimal | None:
        if blank(value):
            return None
        number = to_decimal(value)
        scale = self.scale(field)
        if abs(number).adjusted() + scale >= 18 and abs(number.scaleb(scale)) > STORED_LIMIT:
            raise FieldValueError("range", _("This number is too large."))
        rounded = number.quantize(Decimal(1).scaleb(-scale))
        if rounded != number:  # extra places are refused, never rounded away
            raise FieldValueError("scale", _("At most %(n)s decimal places.", n=scale))
        return rounded

    def check(self, field: FieldSettings, value: Decimal) -> None:
        if field.min is not None and value < field.min:
            raise FieldValueError("min", _("At least %(n)s.", n=field.min))
        if field.max is not None and value > field.max:
            raise FieldValueError("max", _("At most %(n)s.", n=field.max))

    def to_db(self, field: FieldSettings, value: Decimal | None) -> int | None:
        return None if value is None else int(value.scaleb(self.scale(field)))

    def from_db(self, field: FieldSettings, stored: int | None) -> Decimal | None:
        return None if stored is None else Decimal(stored).scaleb(-self.scale(field))

    def to_api(self, field: FieldSettings, value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    def to_text(self, field: FieldSettings, value: Decimal | None) -> str:
        return "" if value is None else str(value)


class PercentField(NumberField):
    """Stored in percent units: 12.5 means 12.5 %."""

    name = "percent"

    def scale(self, field: FieldSettings) -> int:
        return 2 if field.scale is None else field.scale


class MoneyField(NumberField):
    """One currency per field; the value is the amount in that currency."""

    name = "money"
    widget = "money"
    settings = frozenset({"default", "currency", "min", "max", "unique"})

    def scale(self, field: FieldSettings) -> int:
        return CURRENCY_SCALE[field.currency or "CNY"]

    def check_definition(self, field: FieldSettings) -> None:
        if field.currency is not None and field.currency not in CURRENCY_SCALE:
            raise ValueError(_("Unknown currency %(code)s.", code=field.currency))

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        scale = self.scale(field)
        return decimal_schema(scale, f"amount in {field.currency or 'CNY'}, at most {scale} places")


class RatingField(NumberField):
    """Whole stars from 1 to ``max`` (5 unless set)."""

    name = "rating"
    widget = "rating"
    settings = frozenset({"default", "max"})

    def column_type(self, field: FieldSettings):
        return Integer()

    def check_definition(self, field: FieldSettings) -> None:
        if field.max is not None and not 1 <= field.max <= 100:
            raise ValueError(_("A rating has 1 to 100 stars."))

    def check(self, field: FieldSettings, value: Decimal) -> None:
        top = int(field.max or 5)
        if not 1 <= value <= top:
            raise FieldValueError("range", _("Give 1 to %(n)s stars.", n=top))

    def to_api(self, field: FieldSettings, value: Decimal | None) -> int | None:
        return None if value is None else int(value)

    def json_schema(self, field: FieldSettings) -> dict[str, Any]:
        return {"type": ["integer", "null"], "minimum": 1, "maximum": int(field.max or 5)}
