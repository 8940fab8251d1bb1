"""Decimal helpers for amounts in yuan.

Money is never a float: amounts arrive as strings, ints or Decimals and are kept exact until the
single point where a policy's rounding rule turns them into payable figures. The rounding step and
mode are policy parameters because regions differ (0.01 元 in most, whole 元 in some).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
TWELVE = Decimal(12)

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
ROUNDING_STEPS = ("0.01", "0.1", "1")


@dataclass(frozen=True, slots=True)
class Rounding:
    """How a region rounds payable amounts: a step (0.01, 0.1 or 1 元) and a mode."""

    step: Decimal = CENT
    mode: str = "half_up"

    def __call__(self, amount: Decimal) -> Decimal:
        """Return ``amount`` rounded to the step; the result keeps two decimals for display."""
        rounded = amount.quantize(self.step, rounding=ROUNDING_MODES[self.mode])
        return rounded.quantize(CENT)


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as a finite Decimal; raise ValueError for floats, bools and junk.

    Floats are refused on purpose: ``0.1 + 0.2`` style errors in benefit amounts are not
    acceptable, so JSON producers must send amounts as strings or integers.
    """
    if isinstance(value, (bool, float)):
        raise ValueError(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(value) from None
    else:
        raise ValueError(value)
    if not result.is_finite():
        raise ValueError(value)
    return result


def fmt(amount: Decimal) -> str:
    """Return an amount as shown to people: two decimals, no exponent (``740.00``)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def show(amount: Decimal) -> str:
    """Return an amount as written in a sentence people read: thousands separators, two decimals (``1,455.00``).

    ``fmt`` stays the machine form (results, API, files that are read back); explanations use this one."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def fmt_ratio(ratio: Decimal) -> str:
    """Return a ratio as a percentage without trailing zeros (``0.2`` → ``20%``)."""
    pct = (ratio * 100).normalize()
    text = f"{pct:f}"
    return f"{text}%"
