"""低保边缘 (§3.1) and 刚性支出困难 (§3.2) households."""

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from ..facts import ExpenseFact, VehicleFact
from .factories import household, make_policy, member, sample_policy

D = Decimal


@pytest.mark.parametrize(
    ("income", "status"),
    [(739, "dibao"), (740, "near_dibao"), (1109, "near_dibao"), (1110, "none")],
    ids=[
        "§3.1 below standard is dibao",
        "§3.1 at the standard is near-dibao",
        "§3.1 just below 1.5×",
        "§3.1 at 1.5× is not near-dibao (strict <)",
    ],
)
def test_near_dibao_income_line(income, status):
    a = assess(household(member(income=income, category="transfer")), sample_policy())
    assert a.status == status


def test_near_dibao_multiple_of_two():
    """Regions may widen the line to 2× (§3.1)."""
    policy = make_policy({"near_dibao.income_multiple": D(2)})
    assert assess(household(member(income=1400, category="transfer")), policy).status == "near_dibao"


def test_near_dibao_property_rules_differ_from_dibao():
    """A car under 50 000 元 is ignored for near-dibao (昆明-style) but fails dibao (§3.1, §1.6)."""
    cheap = (VehicleFact("car", D(30000)),)
    a = assess(household(member(income=300, category="transfer"), vehicles=cheap), sample_policy())
    assert not a.get("dibao").eligible
    assert a.status == "near_dibao"
    dear = (VehicleFact("car", D(60000)),)
    assert assess(household(member(income=300, category="transfer"), vehicles=dear), sample_policy()).status != (
        "near_dibao"
    )


def rigid(income: int, spending: int, **kwargs):
    return household(
        member(income=income, category="transfer"),
        rigid_expenses_12m=(ExpenseFact("medical", D(spending)),),
        **kwargs,
    )


# Urban disposable income 51 500 元/年 → 4291.67 元/月; ratio threshold 0.8.
@pytest.mark.parametrize(
    ("income", "spending", "eligible"),
    [
        (2000, 19201, True),
        (2000, 19200, False),
        (4291, 100000, True),
        (4292, 100000, False),
    ],
    ids=[
        "§3.2 spending 80.004% of income",
        "§3.2 spending exactly 80% is not above",
        "§3.2 income just below last year's average",
        "§3.2 income above last year's average",
    ],
)
def test_rigid_expense(income, spending, eligible):
    a = assess(rigid(income, spending), sample_policy())
    r = a.get("rigid_expense")
    assert r.eligible is eligible
    if eligible:
        assert a.status == "rigid_expense"
        assert r.valid_until == date(2026, 2, 28)  # 12 months from 2025-03-01


def test_rigid_expense_uses_declared_12_month_income():
    a = assess(rigid(2000, 20000, income_12m=D(30000)), sample_policy())
    assert not a.get("rigid_expense").eligible


def test_rigid_expense_validity_is_a_parameter():
    a = assess(rigid(2000, 30000), make_policy({"rigid_expense.validity_months": 6}))
    assert a.get("rigid_expense").valid_until == date(2025, 8, 31)
