"""Every threshold the engine compares, just below, exactly at and just above the limit (issue 14).

Each row names the rules.md section, the figure on each side of the limit, and the decision and
amount computed by hand from the 沅江 2025 sample (urban dibao standard 740, floor 20% = 148,
supplements 30/20/10/10% = 222/148/74/74, employment cost 30% of the standard = 222, near-dibao
line 1.5 × 740 = 1110, tekun basic living 962 + home care 190.00 / 316.73 / 633.27, temporary cap
10 × 740 = 7400 and fast grant 740, disposable income 51500 a year). An off-by-one at any limit
(``>`` for ``>=``, an age or month moved by one) turns at least one row red.

Where rules.md says whether the limit itself passes, the row follows it: income must be *below*
the standard (§1.2, §3.1, §3.2), assets, houses and capital pass *up to* the limit (§1.6 "≤"),
ages are reached on the birthday ("60 周岁以上" includes 60), "未满 18" excludes 18. Where it
does not, the choice is a policy parameter (``disability_subsidies.tie_keeps_other``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ..cascade import assess
from ..facts import (
    DibaoHistory,
    ExpenseFact,
    HouseholdFacts,
    OtherBenefit,
    SupporterFacts,
    TemporaryNeed,
    VehicleFact,
)
from .factories import ON, household, make_policy, member, sample_policy

D = Decimal


@dataclass(frozen=True)
class Row:
    """One side of one limit: the household, the programme looked at and the hand-computed answer."""

    name: str  # "§x.y what, below/at/above: hand computation"
    facts: HouseholdFacts
    programme: str
    eligible: bool
    amount: str | None = None  # monthly amount (one-off for temporary) when eligible
    person: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)
    tier: str | None = None
    status: str | None = None  # the household's tier in the cascade, when it matters


def alone(income: str | int = 0, category: str = "transfer", **kwargs: Any) -> HouseholdFacts:
    """Return a one-person urban household aged 44 with ``income`` of ``category`` a month."""
    return household(member("A", income=income, category=category), **kwargs)


def near(**kwargs: Any) -> HouseholdFacts:
    """Return a one-person household at 800 a month: above the standard, below the 1110 line."""
    return alone(800, **kwargs)


def born(years: int, day_offset: int = 0) -> str:
    """Return the birth date of someone turning ``years`` on ``ON`` (2025-03-01), ``day_offset`` days later."""
    return date(ON.year - years, ON.month, ON.day + day_offset).isoformat()


def tekun(**kwargs: Any) -> HouseholdFacts:
    """Return a one-person household of a member screened for tekun (no supporter unless given)."""
    kwargs.setdefault("has_capable_supporter", False)
    kwargs.setdefault("born", "1950-01-01")
    return household(member("T", **kwargs))


def supported_by(supporter: SupporterFacts) -> HouseholdFacts:
    return tekun(has_capable_supporter=None, supporters=(supporter,))


def single_person(b_income: str, **b_kwargs: Any) -> HouseholdFacts:
    """Return a near-dibao household (A earns 1400 − 222 = 1178) with B, severely disabled."""
    b_kwargs.setdefault("disability", ("physical", 2))
    return household(member("A", income=1400), member("B", income=b_income, category="transfer", **b_kwargs))


def with_child(kid_born: str) -> HouseholdFacts:
    """Return a near-dibao household: A earns 2000 − 222 = 1778, K has nothing (889 a head)."""
    return household(member("A", income=2000), member("K", born=kid_born))


def orphan(kid_born: str = "2015-01-01", parents: tuple = (("deceased",), ("deceased",)), **kw: Any):
    return household(member("K", born=kid_born, parents=parents, **kw))


def temporary(amount: str, kind: str = "emergency", fast: bool = False, income: str | int = 2000, aid="0"):
    need = TemporaryNeed(kind, "fire" if kind == "emergency" else "medical", ON, D(amount), D(aid), fast)
    return alone(income, temporary_need=need)


def disabled(grade: int, category: str = "physical", **kwargs: Any) -> HouseholdFacts:
    """Return a one-person dibao household of a disabled member needing long-term care."""
    kwargs.setdefault("needs_long_term_care", True)
    return household(member("D", disability=(category, grade), **kwargs))


def rigid(spending: str, income_12m: str | None = "10000", income: str | int = 2000) -> HouseholdFacts:
    return alone(
        income,
        rigid_expenses_12m=(ExpenseFact("medical", D(spending)),),
        income_12m=None if income_12m is None else D(income_12m),
    )


CAR = "car"
LINE_4300 = {"general.disposable_income_urban": D(51600)}  # 51600 / 12 = 4300 a month exactly
CARE_3_4 = {"disability_subsidies.care_amounts": (D(277), D(277), D(185), D(185))}
IMPUTE = {"dibao.imputed_income_rate": D("0.3")}  # 0.3 × minimum wage 1900 = 570
SINGLE_EXTRA = {"dibao.single_person_extra_groups": ("minor_under_16", "elderly_70")}
ILLNESS_RULE = {"extreme_poverty.serious_illness_fully_dependent": True}
PHASE_OUT = DibaoHistory(D("1000.00"), exceeded_since=date(2025, 3, 1))
OLD_POOR = {"annual_income_per_capita": D(20000), "property_within_low_income_rules": True}

ROWS = [
    # §1.2 income must be below the standard (strict <, 暂行办法 art.9)
    Row("§1.2 income 739.99 below 740: gap 0.01 < floor → 148", alone("739.99"), "dibao", True, "148.00"),
    Row("§1.2 income 740 at the standard: refused", alone(740), "dibao", False, status="near_dibao"),
    Row("§1.2 income 740.01 above: refused", alone("740.01"), "dibao", False, status="near_dibao"),
    Row(
        "§1.2 two people 1479.98 (739.99 a head): 1480 − 1479.98 = 0.02 → floor 2 × 148",
        household(member("A", income="1479.98", category="transfer"), member("B")),
        "dibao",
        True,
        "296.00",
    ),
    Row(
        "§1.2 two people 1480 (740 a head): refused",
        household(member("A", income=1480, category="transfer"), member("B")),
        "dibao",
        False,
    ),
    # §1.7 the 20% floor: a gap below 148 a head is raised to 148; at 148 it is the plain gap
    Row("§1.7 floor, gap 148.01 above: plain gap", alone("591.99"), "dibao", True, "148.01", tier="差额补助"),
    Row("§1.7 floor, gap 148 at the floor: plain gap", alone(592), "dibao", True, "148.00", tier="差额补助"),
    Row(
        "§1.7 floor, gap 147.99 below: raised to 148",
        alone("592.01"),
        "dibao",
        True,
        "148.00",
        tier="差额补助（保底）",
    ),
    # §1.5 employment cost: 222 deducted from wages, never more than the wages
    Row("§1.5 wages 221.99 below the cost: all deducted → 740", alone("221.99", "wage"), "dibao", True, "740.00"),
    Row("§1.5 wages 222 at the cost: all deducted → 740", alone(222, "wage"), "dibao", True, "740.00"),
    Row("§1.5 wages 222.01 above: 0.01 counted → 739.99", alone("222.01", "wage"), "dibao", True, "739.99"),
    Row("§1.5 wages 961.99: 739.99 counted → floor 148", alone("961.99", "wage"), "dibao", True, "148.00"),
    Row("§1.5 wages 962: 962 − 222 = 740 → refused", alone(962, "wage"), "dibao", False),
    # §1.5 income imputed for an idle able adult aged 16 to 59 (when a region sets a rate)
    Row(
        "§1.5 imputation, aged 15 the day before 16: not imputed → 740 + minor 74",
        household(member("A", born=born(16, 1))),
        "dibao",
        True,
        "814.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, 16 on the birthday: 570 counted → 170 + minor 74",
        household(member("A", born=born(16))),
        "dibao",
        True,
        "244.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, aged 59 the day before 60: 570 counted → 170",
        household(member("A", born=born(60, 1))),
        "dibao",
        True,
        "170.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, 60 on the birthday: not imputed → 740",
        household(member("A", born=born(60))),
        "dibao",
        True,
        "740.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, wages 791 − 222 = 569 below 570: raised to 570 → 170",
        alone(791, "wage"),
        "dibao",
        True,
        "170.00",
        overrides=IMPUTE,
    ),
    Row(
        "§1.5 imputation, wages 793 − 222 = 571 above 570: own 571 → 169",
        alone(793, "wage"),
        "dibao",
        True,
        "169.00",
        overrides=IMPUTE,
    ),
    # §1.5 art.45: the third refusal stops that member's share
    Row(
        "§1.5 two refusals, below 3: both covered → 1480",
        household(member("A", job_refusals=2), member("B")),
        "dibao",
        True,
        "1480.00",
    ),
    Row(
        "§1.5 three refusals, at 3: B alone covered → 740",
        household(member("A", job_refusals=3), member("B")),
        "dibao",
        True,
        "740.00",
    ),
    Row(
        "§1.5 four refusals, above: B alone → 740",
        household(member("A", job_refusals=4), member("B")),
        "dibao",
        True,
        "740.00",
    ),
    # §1.7 分类施保 ages: 70 and over (elderly), under 18 (minor)
    Row("§1.7 elderly, 69 the day before 70: 740", household(member(born=born(70, 1))), "dibao", True, "740.00"),
    Row("§1.7 elderly, 70 on the birthday: 740 + 74", household(member(born=born(70))), "dibao", True, "814.00"),
    Row("§1.7 elderly, 71: 740 + 74", household(member(born=born(71))), "dibao", True, "814.00"),
    Row("§1.7 minor, 17 the day before 18: 740 + 74", household(member(born=born(18, 1))), "dibao", True, "814.00"),
    Row("§1.7 minor, 18 on the birthday: 740", household(member(born=born(18))), "dibao", True, "740.00"),
    # §1.6 property (益阳 sample: 24 months of the standard a head, no car, 1 house, capital ≤ 100000)
    Row("§1.6 assets 17759.99 below 24 × 740: passes", alone(financial_assets=D("17759.99")), "dibao", True, "740.00"),
    Row("§1.6 assets 17760 at the limit (≤): passes", alone(financial_assets=D(17760)), "dibao", True, "740.00"),
    Row("§1.6 assets 17760.01 above: fails", alone(financial_assets=D("17760.01")), "dibao", False),
    Row(
        "§1.6 assets 35520 for two (17760 a head): passes → 1480",
        household(member("A"), member("B"), financial_assets=D(35520)),
        "dibao",
        True,
        "1480.00",
    ),
    Row(
        "§1.6 assets 35520.02 for two (17760.01 a head): fails",
        household(member("A"), member("B"), financial_assets=D("35520.02")),
        "dibao",
        False,
    ),
    Row("§1.6 no house: passes", alone(houses=0), "dibao", True, "740.00"),
    Row("§1.6 one house, at the limit of 1: passes", alone(houses=1), "dibao", True, "740.00"),
    Row("§1.6 two houses, above the limit: fails", alone(houses=2), "dibao", False),
    Row("§1.6 capital 99999.99 below 100000: passes", alone(business_capital=D("99999.99")), "dibao", True, "740.00"),
    Row("§1.6 capital 100000 at the limit: passes", alone(business_capital=D(100000)), "dibao", True, "740.00"),
    Row("§1.6 capital 100000.01 above: fails", alone(business_capital=D("100000.01")), "dibao", False),
    Row("§1.6 no non-residential property: passes", alone(non_residential_properties=0), "dibao", True, "740.00"),
    Row("§1.6 one non-residential property: fails", alone(non_residential_properties=1), "dibao", False),
    Row("§1.6 no car: passes", alone(vehicles=()), "dibao", True, "740.00"),
    Row("§1.6 a car worth 1 yuan counts (no car allowed)", alone(vehicles=(VehicleFact(CAR, D(1)),)), "dibao", False),
    Row(
        "§1.6 an ordinary motorcycle is exempt",
        alone(vehicles=(VehicleFact("motorcycle", D(9000)),)),
        "dibao",
        True,
        "740.00",
    ),
    # §3.1 near-dibao: below 1.5 × 740 = 1110; cars from 50000 count (昆明 "5万以上"), 2 houses allowed
    Row("§3.1 income 1109.99 below 1110: near-dibao", alone("1109.99"), "near_dibao", True, status="near_dibao"),
    Row("§3.1 income 1110 at the line: not near-dibao", alone(1110), "near_dibao", False, status="none"),
    Row("§3.1 income 1110.01 above: not near-dibao", alone("1110.01"), "near_dibao", False, status="none"),
    Row("§3.1 car 49999.99 below 50000: exempt", near(vehicles=(VehicleFact(CAR, D("49999.99")),)), "near_dibao", True),
    Row(
        "§3.1 car worth exactly 50000: counted, fails",
        near(vehicles=(VehicleFact(CAR, D(50000)),)),
        "near_dibao",
        False,
    ),
    Row(
        "§3.1 car 50000.01 above: counted, fails",
        near(vehicles=(VehicleFact(CAR, D("50000.01")),)),
        "near_dibao",
        False,
    ),
    Row(
        "§3.1 one counted car with a limit of 1 car: passes",
        near(vehicles=(VehicleFact(CAR, D(60000)),)),
        "near_dibao",
        True,
        overrides={"near_dibao.property.max_vehicles": 1},
    ),
    Row(
        "§3.1 two counted cars with a limit of 1 car: fails",
        near(vehicles=(VehicleFact(CAR, D(60000)), VehicleFact(CAR, D(60000)))),
        "near_dibao",
        False,
        overrides={"near_dibao.property.max_vehicles": 1},
    ),
    Row("§3.1 two houses at the limit of 2: passes", near(houses=2), "near_dibao", True),
    Row("§3.1 three houses above: fails", near(houses=3), "near_dibao", False),
    Row("§3.1 assets 26640 = 36 × 740: passes", near(financial_assets=D(26640)), "near_dibao", True),
    Row("§3.1 assets 26640.01 above 36 months: fails", near(financial_assets=D("26640.01")), "near_dibao", False),
    Row(
        "§3.1 assets 103000 = 2 × disposable income 51500 (昆明 rule): passes",
        near(financial_assets=D(103000)),
        "near_dibao",
        True,
        overrides={
            "near_dibao.property.financial_assets_months": None,
            "near_dibao.property.financial_assets_income_multiple": D(2),
        },
    ),
    Row(
        "§3.1 assets 103000.01 above 2 × disposable income: fails",
        near(financial_assets=D("103000.01")),
        "near_dibao",
        False,
        overrides={
            "near_dibao.property.financial_assets_months": None,
            "near_dibao.property.financial_assets_income_multiple": D(2),
        },
    ),
    # §1.4 单人户: the member's own income must be below the standard, like a household's
    Row(
        "§1.4 single person, own 739.99 below 740: floor 148 + severe disability 148",
        single_person("739.99"),
        "single_person_dibao",
        True,
        "296.00",
        person="B",
    ),
    Row(
        "§1.4 single person, own 740 at the standard: refused",
        single_person("740"),
        "single_person_dibao",
        False,
        person="B",
    ),
    Row(
        "§1.4 single person, own 740.01 above: refused",
        single_person("740.01"),
        "single_person_dibao",
        False,
        person="B",
    ),
    Row(
        "§1.4 under-16 group, 15 the day before 16: 740 + minor 74",
        with_child(born(16, 1)),
        "single_person_dibao",
        True,
        "814.00",
        person="K",
        overrides=SINGLE_EXTRA,
    ),
    Row(
        "§1.4 under-16 group, 16 on the birthday: not in the group",
        with_child(born(16)),
        "single_person_dibao",
        False,
        person="K",
        overrides=SINGLE_EXTRA,
    ),
    Row(
        "§1.4 70+ group, 69 the day before 70: not in the group",
        with_child(born(70, 1)),
        "single_person_dibao",
        False,
        person="K",
        overrides=SINGLE_EXTRA,
    ),
    Row(
        "§1.4 70+ group, 70 on the birthday: 740 + elderly 74",
        with_child(born(70)),
        "single_person_dibao",
        True,
        "814.00",
        person="K",
        overrides=SINGLE_EXTRA,
    ),
    # §1.10 渐退: income must stay below 1.5 × 740 = 1110 (彭水); 6 months
    Row(
        "§1.10 phase-out, income 1109.99 below the ceiling: month 1 → 1000",
        alone("1109.99", current_dibao=PHASE_OUT),
        "phase_out",
        True,
        "1000.00",
    ),
    Row("§1.10 phase-out, income 1110 at the ceiling: stops", alone(1110, current_dibao=PHASE_OUT), "phase_out", False),
    Row("§1.10 phase-out, income 1110.01 above: stops", alone("1110.01", current_dibao=PHASE_OUT), "phase_out", False),
    Row(
        "§1.10 phase-out, month 6 of 6: 60% → 600",
        household(member(income=800, category="transfer"), on=date(2025, 8, 31), current_dibao=PHASE_OUT),
        "phase_out",
        True,
        "600.00",
    ),
    Row(
        "§1.10 phase-out, month 7: over",
        household(member(income=800, category="transfer"), on=date(2025, 9, 1), current_dibao=PHASE_OUT),
        "phase_out",
        False,
    ),
    Row(
        "§1.10 phase-out, excess found next month (month 0): nothing yet",
        alone(800, current_dibao=DibaoHistory(D(1000), exceeded_since=date(2025, 4, 1))),
        "phase_out",
        False,
    ),
    # §2.2 tekun: no work capacity from 60, under 18, disability lists; own income below the standard
    Row(
        "§2.2 tekun, 59 the day before 60: capable of work",
        tekun(born=born(60, 1)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun, 60 on the birthday: 962 + 190",
        tekun(born=born(60)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row("§2.2 tekun, 61: 962 + 190", tekun(born=born(61)), "extreme_poverty", True, "1152.00", person="T"),
    Row(
        "§2.2 tekun, 17 the day before 18: 962 + 190",
        tekun(born=born(18, 1)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, 18 on the birthday, not at school: ends",
        tekun(born=born(18)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.6 tekun, 18 and at high school: continues",
        tekun(born=born(18), schooling="high_school"),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, own income 739.99 below 740: no means of living",
        tekun(income="739.99", category="transfer"),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, own income 740: has means",
        tekun(income=740, category="transfer"),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun, own income 740.01: has means",
        tekun(income="740.01", category="transfer"),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun property, assets 17760 = 24 × 740: passes",
        household(member("T", born="1950-01-01", has_capable_supporter=False), financial_assets=D(17760)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun property, assets 17760.01 above: fails",
        household(member("T", born="1950-01-01", has_capable_supporter=False), financial_assets=D("17760.01")),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun, visual grade 1 (2021 list limit 1)",
        tekun(born="1990-01-01", disability=("visual", 1)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, visual grade 2: not on the list",
        tekun(born="1990-01-01", disability=("visual", 2)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun, physical grade 2 (limit 2)",
        tekun(born="1990-01-01", disability=("physical", 2)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, mental grade 3 (limit 3)",
        tekun(born="1990-01-01", disability=("mental", 3)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 tekun, intellectual grade 4: not on the list",
        tekun(born="1990-01-01", disability=("intellectual", 4)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 tekun, 2016 list: intellectual grade 2 (limit 2)",
        tekun(born="1990-01-01", disability=("intellectual", 2)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
        overrides={"extreme_poverty.disability_list": "2016"},
    ),
    Row(
        "§2.2 tekun, 2016 list: intellectual grade 3 no longer counts",
        tekun(born="1990-01-01", disability=("intellectual", 3)),
        "extreme_poverty",
        False,
        person="T",
        overrides={"extreme_poverty.disability_list": "2016"},
    ),
    Row(
        "§2.2 [L S55] seriously ill, 3 activities unable: not enough",
        tekun(born="1990-01-01", serious_illness=True, self_care_unable=3),
        "extreme_poverty",
        False,
        person="T",
        overrides=ILLNESS_RULE,
    ),
    Row(
        "§2.2 [L S55] seriously ill, 4 unable (fully dependent): 962 + 633.27",
        tekun(born="1990-01-01", serious_illness=True, self_care_unable=4),
        "extreme_poverty",
        True,
        "1595.27",
        person="T",
        overrides=ILLNESS_RULE,
    ),
    # §2.4 care tiers by the number of activities a person cannot do: 0 | 1–3 | 4–6
    Row(
        "§2.4 0 unable: independent, 962 + 190",
        tekun(self_care_unable=0),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.4 1 unable: partly dependent, 962 + 316.73",
        tekun(self_care_unable=1),
        "extreme_poverty",
        True,
        "1278.73",
        person="T",
    ),
    Row(
        "§2.4 3 unable: partly dependent, 962 + 316.73",
        tekun(self_care_unable=3),
        "extreme_poverty",
        True,
        "1278.73",
        person="T",
    ),
    Row(
        "§2.4 4 unable: fully dependent, 962 + 633.27",
        tekun(self_care_unable=4),
        "extreme_poverty",
        True,
        "1595.27",
        person="T",
    ),
    # §2.2 supporters without capacity: 60+ dibao recipient; 70+ with income below the disposable income
    Row(
        "§2.2 supporter on dibao aged 59 the day before 60: capable → not tekun",
        supported_by(SupporterFacts(birth_date=date(1965, 3, 2), is_dibao=True)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 supporter on dibao, 60 on the birthday: not capable → 1152",
        supported_by(SupporterFacts(birth_date=date(1965, 3, 1), is_dibao=True)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 supporter on dibao aged 61: not capable → 1152",
        supported_by(SupporterFacts(birth_date=date(1964, 3, 1), is_dibao=True)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 poor supporter aged 69 the day before 70: capable",
        supported_by(SupporterFacts(birth_date=date(1955, 3, 2), **OLD_POOR)),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 poor supporter, 70 on the birthday: not capable → 1152",
        supported_by(SupporterFacts(birth_date=date(1955, 3, 1), **OLD_POOR)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 poor supporter aged 71: not capable → 1152",
        supported_by(SupporterFacts(birth_date=date(1954, 3, 1), **OLD_POOR)),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 supporter aged 75 earning 51499.99 below 51500: not capable → 1152",
        supported_by(
            SupporterFacts(
                date(1950, 1, 1), annual_income_per_capita=D("51499.99"), property_within_low_income_rules=True
            )
        ),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 supporter aged 75 earning 51500, the disposable income: capable",
        supported_by(
            SupporterFacts(date(1950, 1, 1), annual_income_per_capita=D(51500), property_within_low_income_rules=True)
        ),
        "extreme_poverty",
        False,
        person="T",
    ),
    Row(
        "§2.2 severely disabled supporter earning 51499.99 with property within rules: not capable",
        supported_by(
            SupporterFacts(
                date(1980, 1, 1),
                severe_disability=True,
                annual_income_per_capita=D("51499.99"),
                property_within_low_income_rules=True,
            )
        ),
        "extreme_poverty",
        True,
        "1152.00",
        person="T",
    ),
    Row(
        "§2.2 severely disabled supporter earning 51500: capable",
        supported_by(
            SupporterFacts(
                date(1980, 1, 1),
                severe_disability=True,
                annual_income_per_capita=D(51500),
                property_within_low_income_rules=True,
            )
        ),
        "extreme_poverty",
        False,
        person="T",
    ),
    # §3.2 rigid expense: income below the disposable income a month, spending above 80% of income
    Row(
        "§3.2 income 4299.99 below 51600 / 12 = 4300",
        rigid("9000", income="4299.99"),
        "rigid_expense",
        True,
        overrides=LINE_4300,
    ),
    Row(
        "§3.2 income 4300 at the line: refused", rigid("9000", income=4300), "rigid_expense", False, overrides=LINE_4300
    ),
    Row(
        "§3.2 income 4300.01 above: refused",
        rigid("9000", income="4300.01"),
        "rigid_expense",
        False,
        overrides=LINE_4300,
    ),
    Row("§3.2 spending 7999.99 of 10000 (below 80%): refused", rigid("7999.99"), "rigid_expense", False),
    Row("§3.2 spending 8000 of 10000 (80%, not above): refused", rigid("8000"), "rigid_expense", False),
    Row("§3.2 spending 8000.01 of 10000 (above 80%): recognised", rigid("8000.01"), "rigid_expense", True),
    Row(
        "§3.2 income 12 months not declared: 2000 × 12 = 24000, spending 19200.01 above 80%",
        rigid("19200.01", income_12m=None),
        "rigid_expense",
        True,
    ),
    Row(
        "§3.2 income 12 months not declared: spending 19200 = 80% of 24000, refused",
        rigid("19200", income_12m=None),
        "rigid_expense",
        False,
    ),
    Row(
        "§3.2 car 149999.99 below 150000: exempt",
        alone(
            2000,
            rigid_expenses_12m=(ExpenseFact("medical", D(9000)),),
            income_12m=D(10000),
            vehicles=(VehicleFact(CAR, D("149999.99")),),
        ),
        "rigid_expense",
        True,
    ),
    Row(
        "§3.2 car worth exactly 150000: counted, fails",
        alone(
            2000,
            rigid_expenses_12m=(ExpenseFact("medical", D(9000)),),
            income_12m=D(10000),
            vehicles=(VehicleFact(CAR, D(150000)),),
        ),
        "rigid_expense",
        False,
    ),
    # §4 temporary assistance: unmet need capped at 10 × 740 (fast grant: 1 × 740)
    Row("§4 need 7399.99 below the cap: paid in full", temporary("7399.99"), "temporary", True, "7399.99"),
    Row("§4 need 7400 at the cap", temporary("7400"), "temporary", True, "7400.00"),
    Row("§4 need 7400.01 above: capped at 7400", temporary("7400.01"), "temporary", True, "7400.00"),
    Row("§4 fast grant 739.99 below 740", temporary("739.99", fast=True), "temporary", True, "739.99", tier="小额快救"),
    Row("§4 fast grant 740 at the cap", temporary("740", fast=True), "temporary", True, "740.00", tier="小额快救"),
    Row(
        "§4 fast grant 740.01: capped at 740",
        temporary("740.01", fast=True),
        "temporary",
        True,
        "740.00",
        tier="小额快救",
    ),
    Row("§4 loss 1000 fully met by 1000 of other aid: nothing", temporary("1000", aid="1000"), "temporary", False),
    Row("§4 loss 1000, other aid 999.99: 0.01 unmet", temporary("1000", aid="999.99"), "temporary", True, "0.01"),
    Row(
        "§4 expense type, income 4299.99 below 4300: paid",
        temporary("3000", "expense", income="4299.99"),
        "temporary",
        True,
        "3000.00",
        overrides=LINE_4300,
    ),
    Row(
        "§4 expense type, income 4300 at the line: refused",
        temporary("3000", "expense", income=4300),
        "temporary",
        False,
        overrides=LINE_4300,
    ),
    # §5 disability subsidies: care for grades 1–2 (3–4 intellectual/mental where extended)
    Row(
        "§5 care, physical grade 2: 277",
        disabled(2),
        "disability_care_subsidy",
        True,
        "277.00",
        person="D",
        overrides=CARE_3_4,
    ),
    Row(
        "§5 care, physical grade 3: not covered",
        disabled(3),
        "disability_care_subsidy",
        False,
        person="D",
        overrides=CARE_3_4,
    ),
    Row(
        "§5 care, intellectual grade 3 where extended: 185",
        disabled(3, "intellectual"),
        "disability_care_subsidy",
        True,
        "185.00",
        person="D",
        overrides=CARE_3_4,
    ),
    Row(
        "§5 care, intellectual grade 3 where not extended (0)",
        disabled(3, "intellectual"),
        "disability_care_subsidy",
        False,
        person="D",
    ),
    Row(
        "§5 living, grade 2 in a dibao household: 277",
        disabled(2),
        "disability_living_subsidy",
        True,
        "277.00",
        person="D",
    ),
    Row(
        "§5 living, grade 4 in a dibao household: 185",
        disabled(4),
        "disability_living_subsidy",
        True,
        "185.00",
        person="D",
    ),
    Row(
        "§5 择高, other benefit 553.99 below 277 + 277: subsidies kept",
        disabled(2, other_benefits=(OtherBenefit("elderly_care_subsidy", D("553.99")),)),
        "disability_care_subsidy",
        True,
        "277.00",
        person="D",
    ),
    Row(
        "§5 择高, other benefit 554 equal to the subsidies: the other is kept (tie parameter default)",
        disabled(2, other_benefits=(OtherBenefit("elderly_care_subsidy", D(554)),)),
        "disability_care_subsidy",
        False,
        person="D",
    ),
    Row(
        "§5 择高, tie with tie_keeps_other = false: the subsidies are kept",
        disabled(2, other_benefits=(OtherBenefit("elderly_care_subsidy", D(554)),)),
        "disability_care_subsidy",
        True,
        "277.00",
        person="D",
        overrides={"disability_subsidies.tie_keeps_other": False},
    ),
    Row(
        "§5 择高, other benefit 554.01 above: the other is kept",
        disabled(2, other_benefits=(OtherBenefit("elderly_care_subsidy", D("554.01")),)),
        "disability_living_subsidy",
        False,
        person="D",
    ),
    # §6 orphans: under 18, in school until 22 (sample); de facto after 6 months of lost contact
    Row("§6.1 orphan aged 17 the day before 18: 1651", orphan(born(18, 1)), "orphan", True, "1651.00", person="K"),
    Row("§6.1 orphan 18 on the birthday, not at school: ends", orphan(born(18)), "orphan", False, person="K"),
    Row(
        "§6.1 orphan 18 at university: continues",
        orphan(born(18), schooling="higher"),
        "orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.1 orphan aged 21 the day before 22, at school",
        orphan(born(22, 1), schooling="higher"),
        "orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.1 orphan 22 on the birthday, at school: ends",
        orphan(born(22), schooling="higher"),
        "orphan",
        False,
        person="K",
    ),
    Row(
        "§6.2 lost contact 5 months 30 days (since 2024-09-02): not yet",
        orphan(parents=(("deceased",), ("lost_contact", "2024-09-02"))),
        "de_facto_orphan",
        False,
        person="K",
    ),
    Row(
        "§6.2 lost contact exactly 6 months (since 2024-09-01): 1651",
        orphan(parents=(("deceased",), ("lost_contact", "2024-09-01"))),
        "de_facto_orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.2 lost contact 6 months and 1 day (since 2024-08-28, due 2025-02-28): 1651",
        orphan(parents=(("deceased",), ("lost_contact", "2024-08-28"))),
        "de_facto_orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.2 detention 2024-01-01 to 2024-06-30, short of 6 months: not de facto",
        orphan(parents=(("deceased",), ("detained_other", "2024-01-01", "2024-06-30"))),
        "de_facto_orphan",
        False,
        person="K",
    ),
    Row(
        "§6.2 detention 2024-01-01 to 2024-07-01, 6 months: 1651",
        orphan(parents=(("deceased",), ("detained_other", "2024-01-01", "2024-07-01"))),
        "de_facto_orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.2 one parent dead, the other in prison: de facto",
        orphan(parents=(("deceased",), ("imprisoned",))),
        "de_facto_orphan",
        True,
        "1651.00",
        person="K",
    ),
    Row(
        "§6.2 one parent in prison, the other at home: not de facto",
        orphan(parents=(("imprisoned",), ("present",))),
        "de_facto_orphan",
        False,
        person="K",
    ),
    # §7 longevity: 80–89 (dibao household) 50, 90–99 100, 100+ 300
    Row(
        "§7 aged 89 the day before 90: 50",
        household(member("E", born=born(90, 1))),
        "longevity_allowance",
        True,
        "50",
        person="E",
    ),
    Row(
        "§7 90 on the birthday (well-off): 100",
        household(member("E", born=born(90), income=5000, category="transfer")),
        "longevity_allowance",
        True,
        "100",
        person="E",
    ),
    Row(
        "§7 aged 89 the day before 90, well-off: means-tested tier refused",
        household(member("E", born=born(90, 1), income=5000, category="transfer")),
        "longevity_allowance",
        False,
        person="E",
    ),
]


def check(row: Row) -> None:
    """Assess the row's household and compare decision, amount, tier and status with the row."""
    policy = make_policy(row.overrides) if row.overrides else sample_policy()
    a = assess(row.facts, policy)
    result = a.get(row.programme, row.person)
    if row.eligible:
        assert result is not None and result.eligible
        if row.amount is not None:
            paid = result.one_off_amount if row.programme == "temporary" else result.monthly_amount
            assert paid == D(row.amount)
    else:
        assert result is None or (not result.eligible and not result.monthly_amount and not result.one_off_amount)
    if row.tier is not None:
        assert result.tier == row.tier
    if row.status is not None:
        assert a.status == row.status


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_boundary(row: Row):
    check(row)


def test_rows_name_a_rule_and_are_unique():
    """Every row cites its rules.md section; no two rows share a name (pytest ids stay readable)."""
    assert all(r.name.startswith("§") for r in ROWS)
    assert len({r.name for r in ROWS}) == len(ROWS)
