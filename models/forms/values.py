"""Cell values to typed values: points, percentages, codes; each failure is a named rule."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from models.words import word

POINT_PLACES = 3
# digits, then at most one decimal separator (point or comma); no underscores, exponents or thousands groups
NUMBER = re.compile(r"(?P<whole>[+-]?[0-9]{1,15})(?:(?P<sep>[.,])(?P<fraction>[0-9]{1,15}))?")


class BadValue(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A cell as text: numbers without a trailing .0, surrounding space removed."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def decimal(value: Any) -> Decimal:
    """A number as an exact decimal: 2.5, "2,5" and "2.5" alike; text, booleans and NaN refused."""
    if isinstance(value, bool):
        raise BadValue("not-a-number", word("form.not_a_number", value=repr(value)))
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        raw = str(value).strip().replace("\u00a0", "").replace(" ", "")
        match = NUMBER.fullmatch(raw)
        if match is None:
            raise BadValue("not-a-number", word("form.not_a_number_hint", value=repr(str(value)[:40])))
        if match["sep"] == "," and len(match["fraction"]) == 3 and match["whole"].lstrip("+-") not in ("", "0"):
            raise BadValue("ambiguous-number", word("form.ambiguous_number", value=repr(value),
                                                     decimal=f"{match['whole']}.{match['fraction']}",
                                                     whole=f"{match['whole']}{match['fraction']}"))
        try:
            number = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise BadValue("not-a-number", word("form.not_a_number", value=repr(str(value)[:40]))) from None
    if not number.is_finite():
        raise BadValue("not-a-number", word("form.not_a_number", value=repr(value)))
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > POINT_PLACES:
        raise BadValue("precision", word("form.precision", value=value, places=POINT_PLACES))
    return number


def points(value: Any, maximum: Decimal) -> Decimal:
    number = decimal(value)
    if number < 0:
        raise BadValue("below-zero", word("form.below_zero", value=number))
    if number > maximum:
        raise BadValue("above-maximum", word("form.above_maximum", value=number, maximum=maximum.normalize()))
    return number


def percentage(value: Any) -> Decimal:
    number = decimal(value)
    if not Decimal(0) <= number <= Decimal(100):
        raise BadValue("out-of-range", word("form.not_percentage", value=number))
    return number


def whole_number(value: Any, *, low: int, high: int) -> int:
    number = decimal(value)
    if number != number.to_integral_value() or not low <= number <= high:
        raise BadValue("out-of-range", word("form.not_whole", value=value, low=low, high=high))
    return int(number)
