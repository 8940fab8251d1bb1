"""临时救助 (§4): unmet need capped at multiples of the standard; fast small grants."""

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from ..facts import TemporaryNeed
from .factories import household, make_policy, member, sample_policy

D = Decimal


def need(kind="emergency", amount=5000, other=0, fast=False, event="fire"):
    return TemporaryNeed(kind, event, date(2025, 2, 20), D(amount), D(other), fast)


CASES = [
    ("§4 emergency pays the unmet need", need(amount=5000, other=1000), 3000, True, "4000.00", "急难型"),
    ("§4 capped at 10 × 740", need(amount=20000), 3000, True, "7400.00", "急难型"),
    (
        "§4 fast small grant capped at one month's standard",
        need(amount=5000, fast=True),
        3000,
        True,
        "740.00",
        "小额快救",
    ),
    (
        "§4 fast grant below the cap pays the need",
        need(amount=500, fast=True),
        3000,
        True,
        "500.00",
        "小额快救",
    ),
    ("§4 need already met by other aid", need(amount=500, other=500), 0, False, "0.00", ""),
    (
        "§4 expense type within the income test",
        need("expense", 3000, event="medical"),
        3000,
        True,
        "3000.00",
        "支出型",
    ),
    (
        "§4 expense type above last year's income is refused",
        need("expense", 3000, event="medical"),
        4300,
        False,
        "0.00",
        "",
    ),
    ("§4 emergency help ignores income", need(amount=3000), 9000, True, "3000.00", "急难型"),
]


@pytest.mark.parametrize(
    ("n", "income", "eligible", "amount", "tier"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_temporary(n, income, eligible, amount, tier):
    h = household(member(income=income, category="transfer"), temporary_need=n)
    r = assess(h, sample_policy()).get("temporary")
    assert r.eligible is eligible
    assert r.one_off_amount == D(amount)
    if eligible:
        assert r.tier == tier


def test_one_off_is_not_monthly():
    h = household(member(income=3000, category="transfer"), temporary_need=need(amount=1000))
    a = assess(h, sample_policy())
    assert a.total_monthly == D(0) and a.total_one_off == D(1000)


def test_cap_is_a_parameter():
    h = household(member(), temporary_need=need(amount=20000))
    assert assess(h, make_policy({"temporary.cap_multiple": D(2)})).get("temporary").one_off_amount == D("1480.00")
