"""Cell values to typed values: points, percentages, codes; each failure is a named rule."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

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
        raise BadValue("not-a-number", f"{value!r} is not a number")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        raw = str(value).strip().replace("\u00a0", "").replace(" ", "")
        match = NUMBER.fullmatch(raw)
        if match is None:
            raise BadValue("not-a-number", f"{str(value)[:40]!r} is not a number (write 2.5 or 2,5)")
        if match["sep"] == "," and len(match["fraction"]) == 3 and match["whole"].lstrip("+-") not in ("", "0"):
            raise BadValue("ambiguous-number", f"{value!r} reads as a thousands separator or as decimals: write "
                           f"{match['whole']}.{match['fraction']} or {match['whole']}{match['fraction']}")
        try:
            number = Decimal(raw.replace(",", "."))
        except InvalidOperation:
            raise BadValue("not-a-number", f"{str(value)[:40]!r} is not a number") from None
    if not number.is_finite():
        raise BadValue("not-a-number", f"{value!r} is not a number")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > POINT_PLACES:
        raise BadValue("precision", f"{value} has more than {POINT_PLACES} decimals")
    return number


def points(value: Any, maximum: Decimal) -> Decimal:
    number = decimal(value)
    if number < 0:
        raise BadValue("below-zero", f"{number} is below zero")
    if number > maximum:
        raise BadValue("above-maximum", f"{number} is above the maximum {maximum.normalize()}")
    return number


def percentage(value: Any) -> Decimal:
    number = decimal(value)
    if not Decimal(0) <= number <= Decimal(100):
        raise BadValue("out-of-range", f"{number} is not a percentage between 0 and 100")
    return number


def whole_number(value: Any, *, low: int, high: int) -> int:
    number = decimal(value)
    if number != number.to_integral_value() or not low <= number <= high:
        raise BadValue("out-of-range", f"{value} is not a whole number from {low} to {high}")
    return int(number)
