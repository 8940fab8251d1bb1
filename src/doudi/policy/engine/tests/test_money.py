from decimal import Decimal

import pytest

from ..money import Rounding, fmt, fmt_ratio, show, to_decimal

D = Decimal


@pytest.mark.parametrize(
    ("step", "mode", "amount", "expected"),
    [
        ("0.01", "half_up", "1282.505", "1282.51"),
        ("0.01", "half_even", "1282.505", "1282.50"),
        ("1", "half_up", "1282.50", "1283.00"),
        ("1", "down", "1282.99", "1282.00"),
        ("1", "up", "1282.01", "1283.00"),
        ("0.1", "half_up", "12.25", "12.30"),
    ],
)
def test_rounding_step_and_mode_are_policy_choices(step, mode, amount, expected):
    """Rounding follows the region's step and mode and always shows two decimals."""
    assert str(Rounding(D(step), mode)(D(amount))) == expected


@pytest.mark.parametrize("bad", [0.1, True, "abc", "NaN", "Infinity", None, [1]])
def test_floats_and_junk_are_not_money(bad):
    """Floats are refused so that binary rounding errors never reach a benefit amount."""
    with pytest.raises(ValueError):
        to_decimal(bad)


def test_formatting():
    assert fmt(D("740")) == "740.00"
    assert fmt(D("312.505")) == "312.51"
    assert fmt_ratio(D("0.2")) == "20%"
    assert fmt_ratio(D("0.125")) == "12.5%"


@pytest.mark.parametrize(
    "amount, machine, people",
    [
        ("740", "740.00", "740.00"),
        ("1455", "1455.00", "1,455.00"),
        ("1234567.505", "1234567.51", "1,234,567.51"),
        ("-1085.5", "-1085.50", "-1,085.50"),
    ],
)
def test_machine_form_and_the_form_people_read(amount, machine, people):
    """``fmt`` for results and files read back, ``show`` for the sentences of an explanation."""
    assert fmt(D(amount)) == machine
    assert show(D(amount)) == people
