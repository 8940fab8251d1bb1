"""Each regional switch and each exclusion of a rule, on and off, with the amount computed by hand.

The companion of ``test_boundaries``: there a limit is approached from both sides; here a rule's
other branches are taken (another deduction base, a member the imputation spares, a supporter
who is or is not capable, a region without 渐退). Figures from the 沅江 2025 sample as stated in
``test_boundaries``; minimum wage 1900.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ..facts import DibaoHistory, ExpenseFact, OtherBenefit, SupporterFacts, TemporaryNeed
from .factories import ON, household, member
from .test_boundaries import IMPUTE, Row, alone, check, orphan, tekun

D = Decimal
INCOME_BASE = {"dibao.employment_deduction_base": "income"}  # 30% of the wages themselves
HISTORY = DibaoHistory(D("1000.00"), exceeded_since=date(2025, 3, 1))
NOT_FROM_WORK = DibaoHistory(D("1000.00"), exceeded_since=date(2025, 3, 1), employment_related=False)


def supported_by(*supporters: SupporterFacts):
    return tekun(has_capable_supporter=None, supporters=supporters)


def near_with(m):
    """Return a near-dibao household: A earns 2000 − 222 = 1778, the other member nothing (889 a head)."""
    return household(member("A", income=2000), m)


def expense(amount: str = "3000", fast: bool = False, income: int = 2000, **kwargs):
    need = TemporaryNeed("expense", "medical", ON, D(amount), D(0), fast)
    return alone(income, temporary_need=need, **kwargs)


SWITCHES = [
    # §1.5 employment cost: which base, and the disabled member's rate
    Row(
        "§1.5 cost as 30% of the wages: 1000 − 300 = 700 → gap 40 → floor 148",
        alone(1000, "wage"),
        "dibao",
        True,
        "148.00",
        overrides=INCOME_BASE,
    ),
    Row(
        "§1.5 cost 50% of a disabled member's wages: 1000 − 500 = 500 → 240",
        household(member(income=1000, disability=("physical", 3))),
        "dibao",
        True,
        "240.00",
        overrides={**INCOME_BASE, "dibao.employment_deduction_rate_disabled": D("0.5")},
    ),
    Row(
        "§1.5 disabled rate not set: the general 30% → 700 → floor 148",
        household(member(income=1000, disability=("physical", 3))),
        "dibao",
        True,
        "148.00",
        overrides=INCOME_BASE,
    ),
    Row(
        "§1.5 cost 50% of the standard for a disabled member: 900 − 370 = 530 → 210",
        household(member(income=900, disability=("physical", 3))),
        "dibao",
        True,
        "210.00",
        overrides={"dibao.employment_deduction_rate_disabled": D("0.5")},
    ),
    Row(
        "§1.5 cost 30% of the minimum wage: 1000 − 570 = 430 → 310",
        alone(1000, "wage"),
        "dibao",
        True,
        "310.00",
        overrides={"dibao.employment_deduction_base": "minimum_wage"},
    ),
    Row(
        "§1.5 no employment cost: wages 900 counted in full → refused",
        alone(900, "wage"),
        "dibao",
        False,
        overrides={"dibao.employment_deduction_base": "none"},
    ),
    # §1.5 imputation spares members who cannot be expected to earn
    Row(
        "§1.5 imputation spares partial labour capacity → 740",
        household(member(labour_capacity="partial")),
        "dibao",
        True,
        "740.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation spares a disabled member (physical 3) → 740",
        household(member(disability=("physical", 3))),
        "dibao",
        True,
        "740.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation spares the seriously ill → 740 + illness 222",
        household(member(serious_illness=True)),
        "dibao",
        True,
        "962.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, wages 792 − 222 = 570 equal to the minimum: 170",
        alone(792, "wage"),
        "dibao",
        True,
        "170.00",
        overrides=IMPUTE,
    ),
    # §1.5 household deductions for disability and illness costs
    Row(
        "§1.5 disability costs 500 deducted: 1000 − 500 = 500 → 240",
        household(
            member(income=1000, category="transfer", disability=("physical", 3), disability_costs_monthly=D(500))
        ),
        "dibao",
        True,
        "240.00",
        overrides={"dibao.deduct_disability_costs": True},
    ),
    Row(
        "§1.5 disability costs not deducted where the region does not: 1000 → refused",
        household(
            member(income=1000, category="transfer", disability=("physical", 3), disability_costs_monthly=D(500))
        ),
        "dibao",
        False,
    ),
    Row(
        "§1.5 costs above income: counted income stays 0 → 740",
        household(member(income=100, category="transfer", disability=("physical", 3), disability_costs_monthly=D(500))),
        "dibao",
        True,
        "740.00",
        overrides={"dibao.deduct_disability_costs": True},
    ),
    Row("§1.5 art.45 the only member refuses 3 times: nothing", household(member(job_refusals=3)), "dibao", False),
    # §1.4 the other groups a region may let apply alone
    Row(
        "§1.4 a student may apply alone where the region allows: 740",
        near_with(member("S", born="2005-01-01", schooling="higher")),
        "single_person_dibao",
        True,
        "740.00",
        person="S",
        overrides={"dibao.single_person_extra_groups": ("student",)},
    ),
    Row(
        "§1.4 a student may not apply alone by default",
        near_with(member("S", born="2005-01-01", schooling="higher")),
        "single_person_dibao",
        False,
        person="S",
    ),
    Row(
        "§1.4 long-term medication may apply alone where allowed: 740",
        near_with(member("C", chronic_medication=True)),
        "single_person_dibao",
        True,
        "740.00",
        person="C",
        overrides={"dibao.single_person_extra_groups": ("chronic_medication",)},
    ),
    Row(
        "§1.4 seriously ill member applies alone: 740 + illness 222",
        near_with(member("I", serious_illness=True)),
        "single_person_dibao",
        True,
        "962.00",
        person="I",
    ),
    Row(
        "§1.4 单人户 switched off: nobody applies alone",
        near_with(member("B", disability=("physical", 1))),
        "single_person_dibao",
        False,
        person="B",
        overrides={"dibao.single_person_enabled": False},
    ),
    # §1.10 渐退 switches
    Row(
        "§1.10 a region without 渐退: nothing after the excess",
        alone(800, current_dibao=HISTORY),
        "phase_out",
        False,
        overrides={"dibao.phase_out_months": 0, "dibao.phase_out_taper": ()},
        status="near_dibao",
    ),
    Row(
        "§1.10 excess not from work, where any excess qualifies: month 1 → 1000",
        alone(800, current_dibao=NOT_FROM_WORK),
        "phase_out",
        True,
        "1000.00",
        overrides={"dibao.phase_out_employment_only": False},
        status="dibao",
    ),
    Row("§1.10 excess not from work, by default: nothing", alone(800, current_dibao=NOT_FROM_WORK), "phase_out", False),
    Row("§1.10 property fails (2 houses): no 渐退", alone(800, current_dibao=HISTORY, houses=2), "phase_out", False),
    Row(
        "§1.10 no income ceiling set: 2000 still in 渐退 → 1000",
        alone(2000, current_dibao=HISTORY),
        "phase_out",
        True,
        "1000.00",
        overrides={"dibao.phase_out_income_ceiling": None},
    ),
    Row(
        "§1.10 month of the excess not given: counted from the assessment → month 1",
        alone(800, current_dibao=DibaoHistory(D("1000.00"))),
        "phase_out",
        True,
        "1000.00",
    ),
    # §2.2 supporters' capacity
    Row(
        "§2.2 a supporter who is tekun is not capable → 1152",
        supported_by(SupporterFacts(date(1950, 1, 1), is_extreme_poverty=True)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 imprisoned supporter with property beyond the rules is capable",
        supported_by(SupporterFacts(legal_status="imprisoned")),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 severely disabled supporter earning 80000 is capable",
        supported_by(SupporterFacts(date(1980, 1, 1), severe_disability=True, annual_income_per_capita=D(80000))),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 poor supporter aged 75 whose property is beyond the rules is capable",
        supported_by(SupporterFacts(date(1950, 1, 1), annual_income_per_capita=D(20000))),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 supporter on dibao without a birth date: age unknown, capable",
        supported_by(SupporterFacts(is_dibao=True)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 one capable supporter among two is enough to refuse",
        supported_by(
            SupporterFacts(date(1960, 1, 1), is_dibao=True),
            SupporterFacts(date(1980, 1, 1), annual_income_per_capita=D(80000)),
        ),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.5 institution, unable 2: 962 + 475",
        tekun(residence="institution", self_care_unable=2),
        "extreme_poverty",
        True,
        "1437.00",
        person="T",
        tier="集中供养·半失能",
    ),
    Row(
        "§2.4 no self-care assessment: counted as independent → 1152",
        tekun(self_care_unable=None),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
        tier="分散供养·全自理",
    ),
    # §3.2 rigid expense
    Row(
        "§3.2 declared income 0 and spending 100: recognised",
        alone(2000, rigid_expenses_12m=(ExpenseFact("medical", D(100)),), income_12m=D(0)),
        "rigid_expense",
        True,
    ),
    Row("§3.2 no spending: refused", alone(2000, income_12m=D(10000)), "rigid_expense", False),
    Row(
        "§3.2 two houses (limit 1): refused",
        alone(2000, rigid_expenses_12m=(ExpenseFact("medical", D(9000)),), income_12m=D(10000), houses=2),
        "rigid_expense",
        False,
    ),
    # §4 temporary assistance switches
    Row(
        "§4 expense type without the income test: income 5000 still helped, 3000",
        expense(income=5000),
        "temporary",
        True,
        "3000.00",
        overrides={"temporary.expense_income_test": False},
    ),
    Row("§4 expense type, income 5000 above the line: refused", expense(income=5000), "temporary", False),
    Row(
        "§4 expense type asking for a fast grant: ordinary cap 7400",
        expense("8000", fast=True),
        "temporary",
        True,
        "7400.00",
        tier="支出型",
    ),
    Row("§4 expense type, two houses (limit 1): refused", expense(houses=2), "temporary", False),
    # §5 disability subsidies switches
    Row(
        "§5 de facto orphan, living subsidy kept by default: 277",
        orphan(parents=(("deceased",), ("imprisoned",)), disability=("physical", 2)),
        "disability_living_subsidy",
        True,
        "277.00",
        person="K",
    ),
    Row(
        "§5 de facto orphan, no living subsidy where the region says so (广州)",
        orphan(parents=(("deceased",), ("imprisoned",)), disability=("physical", 2)),
        "disability_living_subsidy",
        False,
        person="K",
        overrides={"disability_subsidies.de_facto_orphan_no_living": True},
    ),
    Row(
        "§5 without 择高 the other benefit does not matter: 277",
        household(
            member("D", disability=("physical", 2), other_benefits=(OtherBenefit("elderly_care_subsidy", D(1000)),))
        ),
        "disability_living_subsidy",
        True,
        "277.00",
        person="D",
        overrides={"disability_subsidies.choose_higher": False},
    ),
    Row(
        "§5 a grade with no living amount (0): nothing",
        household(member("D", disability=("physical", 1))),
        "disability_living_subsidy",
        False,
        person="D",
        overrides={"disability_subsidies.living_amounts": (D(0), D(277), D(185), D(185))},
    ),
    # §6 child allowance branches
    Row("§6.1 only one parent recorded: not assessed", orphan(parents=(("deceased",),)), "orphan", False, person="K"),
    Row(
        "§6.1 orphan in an institution: 1851",
        orphan(residence="institution"),
        "orphan",
        True,
        "1851.00",
        person="K",
        tier="集中养育",
    ),
    Row(
        "§6.2 lost contact without a start date: not de facto",
        orphan(parents=(("deceased",), ("lost_contact",))),
        "de_facto_orphan",
        False,
        person="K",
    ),
    Row(
        "§6.2 de facto at 80% of the community standard: 1651 × 0.8 = 1320.80",
        orphan(parents=(("deceased",), ("imprisoned",))),
        "de_facto_orphan",
        True,
        "1320.80",
        person="K",
        overrides={"child_allowance.de_facto_ratio": D("0.8")},
    ),
    Row(
        "§6.2 a situation outside the list (revoked guardianship) by default: not de facto",
        orphan(parents=(("deceased",), ("guardianship_revoked",))),
        "de_facto_orphan",
        False,
        person="K",
    ),
]


@pytest.mark.parametrize("row", SWITCHES, ids=[r.name for r in SWITCHES])
def test_switch(row: Row):
    check(row)
