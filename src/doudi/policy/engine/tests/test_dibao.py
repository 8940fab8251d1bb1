"""最低生活保障: each case names the rules.md section it checks."""

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from ..documents import Band
from ..facts import DibaoHistory, VehicleFact
from .factories import household, make_policy, member, sample_policy

D = Decimal
ADULT = "1980-06-15"

CASES = [
    # (id, members, area, policy overrides, household kwargs, eligible, amount)
    (
        "§1.2 income equal to the standard is refused (strict <)",
        [member(income=740, category="transfer")],
        "urban",
        {},
        {},
        False,
        "0.00",
    ),
    (
        "§1.2 one cent below the standard qualifies, floor applies",
        [member(income="739.99", category="transfer")],
        "urban",
        {},
        {},
        True,
        "148.00",
    ),
    (
        "§1.7 gap payment for three people",
        [member("A", income="937.50", category="transfer"), member("B"), member("C", born="1990-01-01")],
        "urban",
        {},
        {},
        True,
        "1282.50",
    ),
    (
        "§1.7 floor of 20% of the standard per person",
        [member("A", income=1300, category="transfer"), member("B")],
        "urban",
        {},
        {},
        True,
        "296.00",
    ),
    (
        "§1.7 rural standard and rural floor",
        [member(income=400, category="transfer")],
        "rural",
        {},
        {},
        True,
        "97.00",
    ),
    (
        "§1.5 exempt categories are not counted",
        [member(incomes=(("scholarship", 5000), ("disability_subsidy", 277), ("basic_pension_base", 150)))],
        "urban",
        {},
        {},
        True,
        "740.00",
    ),
    (
        "§1.5 employment cost (30% of standard) deducted from wages: 1000 − 222 = 778 ≥ 740",
        [member(income=1000)],
        "urban",
        {},
        {},
        False,
        "0.00",
    ),
    (
        "§1.5 employment cost deducted: 900 − 222 = 678, gap 62 → floor 148",
        [member(income=900)],
        "urban",
        {},
        {},
        True,
        "148.00",
    ),
    ("§1.5 deduction never makes income negative", [member(income=100)], "urban", {}, {}, True, "740.00"),
    (
        "§1.7 分类施保 highest only: ill, severely disabled and 75 gets the illness 30%",
        [member(born="1950-01-01", serious_illness=True, disability=("physical", 1))],
        "urban",
        {},
        {},
        True,
        "962.00",
    ),
    (
        "§1.7 分类施保 cumulative switch adds every category",
        [member(born="1950-01-01", serious_illness=True, disability=("physical", 1))],
        "urban",
        {"dibao.supplement_mode": "cumulative"},
        {},
        True,
        "1184.00",
    ),
    (
        "§1.7 elderly supplement starts on the 70th birthday",
        [member(born="1955-03-01")],
        "urban",
        {},
        {},
        True,
        "814.00",
    ),
    (
        "§1.7 elderly supplement not the day before",
        [member(born="1955-03-02")],
        "urban",
        {},
        {},
        True,
        "740.00",
    ),
    (
        "§1.7 minor supplement",
        [member("P"), member("K", born="2015-01-01")],
        "urban",
        {},
        {},
        True,
        "1554.00",
    ),
    (
        "§1.7 grade 3 intellectual counts as severe disability",
        [member(disability=("intellectual", 3))],
        "urban",
        {},
        {},
        True,
        "888.00",
    ),
    (
        "§1.7 grade 3 physical is not severe",
        [member(disability=("physical", 3))],
        "urban",
        {},
        {},
        True,
        "740.00",
    ),
    (
        "§1.6 a car fails the property test",
        [member()],
        "urban",
        {},
        {"vehicles": (VehicleFact("car", D(30000)),)},
        False,
        "0.00",
    ),
    (
        "§1.6 a disability vehicle is exempt",
        [member()],
        "urban",
        {},
        {"vehicles": (VehicleFact("disability_vehicle", D(8000)),)},
        True,
        "740.00",
    ),
    (
        "§1.6 financial assets exactly 24 months of standard pass",
        [member()],
        "urban",
        {},
        {"financial_assets": D(740 * 24)},
        True,
        "740.00",
    ),
    (
        "§1.6 financial assets above 24 months fail",
        [member()],
        "urban",
        {},
        {"financial_assets": D(740 * 24 + 1)},
        False,
        "0.00",
    ),
    ("§1.6 two houses fail (limit 1)", [member()], "urban", {}, {"houses": 2}, False, "0.00"),
    (
        "§1.6 non-residential property fails",
        [member()],
        "urban",
        {},
        {"non_residential_properties": 1},
        False,
        "0.00",
    ),
    (
        "§1.6 business capital above the limit fails",
        [member()],
        "urban",
        {},
        {"business_capital": D(100001)},
        False,
        "0.00",
    ),
    (
        "§1.5 art.45 three job refusals stop that member's share",
        [member("A", job_refusals=3), member("B")],
        "urban",
        {},
        {},
        True,
        "740.00",
    ),
    (
        "§1.3 a member in prison is not a household member",
        [member("A"), member("B", income=5000, exclusion="imprisoned")],
        "urban",
        {},
        {},
        True,
        "740.00",
    ),
    (
        "§1.7 whole-yuan rounding",
        [member("A", income="937.50", category="transfer"), member("B"), member("C")],
        "urban",
        {"general.rounding_step": "1"},
        {},
        True,
        "1283.00",
    ),
    (
        "§1.5 seriously ill member's medical costs deducted when the region allows",
        [member(income=900, category="transfer", serious_illness=True, medical_costs_monthly=D(300))],
        "urban",
        {"dibao.deduct_medical_costs": True, "dibao.supplement_serious_illness": D(0)},
        {},
        True,
        "148.00",
    ),
    (
        "§1.5 income imputed at 30% of minimum wage (1900) for an idle able adult: 1480 − 570",
        [member("A"), member("B", born="1950-01-01")],
        "urban",
        {"dibao.imputed_income_rate": D("0.3"), "dibao.supplement_elderly": D(0)},
        {},
        True,
        "910.00",
    ),
    (
        "§1.5 no imputation for a student",
        [member("A", schooling="higher", born="2004-01-01")],
        "urban",
        {"dibao.imputed_income_rate": D("0.3")},
        {},
        True,
        "740.00",
    ),
]


@pytest.mark.parametrize(
    ("members", "area", "overrides", "kwargs", "eligible", "amount"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_dibao(members, area, overrides, kwargs, eligible, amount):
    policy = make_policy(overrides) if overrides else sample_policy()
    result = assess(household(*members, area=area, **kwargs), policy).get("dibao")
    assert result.eligible is eligible
    assert str(result.monthly_amount if eligible else D("0.00")) == amount


BANDS = (Band(D("0.3"), D("1")), Band(D("0.6"), D("0.7")), Band(D("1"), D("0.4")))


@pytest.mark.parametrize(
    ("income", "amount"),
    [(0, "740.00"), (221, "740.00"), (222, "518.00"), (443, "518.00"), (444, "296.00"), (739, "296.00")],
    ids=[
        "§1.7 band 1 at zero",
        "§1.7 band 1 top",
        "§1.7 band 2 starts at 30%",
        "§1.7 band 2 top",
        "§1.7 band 3 starts at 60%",
        "§1.7 band 3 top",
    ],
)
def test_banded_payment(income, amount):
    """分档: the band is chosen by per-capita income as a share of the standard (§1.7)."""
    policy = make_policy({"dibao.payment_method": "banded", "dibao.bands": BANDS})
    result = assess(household(member(income=income, category="transfer")), policy).get("dibao")
    assert str(result.monthly_amount) == amount


def test_explanation_names_rules_and_figures():
    """Steps read as a worker would write them, each citing its section (§1.2, §1.7)."""
    h = household(
        member("A", income="1159.50"),
        member("B", disability=("physical", 1)),
        member("C", born="1990-01-01"),
    )
    result = assess(h, make_policy({"dibao.supplement_minor": D(0)})).get("dibao")
    texts = [s.text_zh for s in result.steps]
    assert "家庭月人均收入 312.50 元 < 城市低保标准 740.00 元（规则 §1.2）" in texts
    assert any("1,282.50 元" in t and "427.50 元 × 3 人" in t for t in texts)
    assert "B 重度残疾增发 20% × 740.00 = 148.00 元（规则 §1.7 分类施保）" in texts
    assert result.monthly_amount == D("1430.50")
    assert all(s.rule_ref.startswith("§") for s in result.steps)


PREVIOUS = D("1000.00")
TAPER = [
    (date(2025, 1, 20), "1000.00"),
    (date(2025, 2, 1), "1000.00"),
    (date(2025, 3, 31), "800.00"),
    (date(2025, 4, 1), "800.00"),
    (date(2025, 5, 15), "600.00"),
    (date(2025, 6, 30), "600.00"),
    (date(2025, 7, 1), None),
]


@pytest.mark.parametrize(("on", "amount"), TAPER, ids=[f"§1.10 month {i}" for i in range(1, 8)])
def test_phase_out_month_by_month(on, amount):
    """渐退: 100/100/80/80/60/60% of the last amount over six months, then nothing (§1.10)."""
    h = household(
        member(income=800, category="transfer"),
        on=on,
        current_dibao=DibaoHistory(PREVIOUS, exceeded_since=date(2025, 1, 10)),
    )
    a = assess(h, sample_policy())
    p = a.get("phase_out")
    if amount is None:
        assert p is None or not p.eligible
        assert a.status == "near_dibao"
    else:
        assert p.eligible and str(p.monthly_amount) == amount
        assert a.status == "dibao"


@pytest.mark.parametrize(
    ("income", "employment", "eligible"),
    [(1109, True, True), (1110, True, False), (800, False, False)],
    ids=["§1.10 below 1.5× ceiling", "§1.10 at the 1.5× ceiling stops at once", "§1.10 not from employment"],
)
def test_phase_out_conditions(income, employment, eligible):
    h = household(
        member(income=income, category="transfer"),
        current_dibao=DibaoHistory(PREVIOUS, exceeded_since=date(2025, 3, 1), employment_related=employment),
    )
    p = assess(h, sample_policy()).get("phase_out")
    assert (p is not None and p.eligible) is eligible


def test_single_person_household_for_severely_disabled_member():
    """单人户: a near-dibao household's severely disabled member gets dibao alone (§1.4)."""
    h = household(member("A", income=2000), member("B", disability=("physical", 2)))
    a = assess(h, sample_policy())
    assert a.status == "near_dibao"
    single = a.get("single_person_dibao", "B")
    assert single.eligible and single.monthly_amount == D("888.00")  # 740 + 20% severe disability
    assert a.get("single_person_dibao", "A") is None


def test_single_person_extra_groups_follow_the_2026_yiyang_rule():
    """益阳 2026 extends 单人户 to under-16s (§1.4 [L S17]): not in 2025, yes in 2026."""
    h25 = household(member("A", income=2000), member("K", born="2014-01-01"))
    h26 = household(member("A", income=2000), member("K", born="2014-01-01"), on=date(2026, 2, 1))
    assert assess(h25, sample_policy()).get("single_person_dibao", "K") is None
    single = assess(h26, sample_policy(date(2026, 2, 1))).get("single_person_dibao", "K")
    assert single.eligible and single.monthly_amount == D("814.00")


def test_single_person_minimum_ratio():
    """青岛-style 单人保 pays at least 60% of the standard (§1.4 [L S8])."""
    h = household(member("A", income=1400), member("B", disability=("physical", 2), income=700, category="transfer"))
    policy = make_policy({"dibao.single_person_min_payment_ratio": D("0.6")})
    single = assess(h, policy).get("single_person_dibao", "B")
    assert single.monthly_amount == D("444.00") + D("148.00")


@pytest.mark.parametrize(
    ("income", "method", "tier"),
    [(300, "gap", "差额补助"), (700, "gap", "差额补助（保底）"), (300, "banded", "分档补助第 2 档")],
    ids=["§1.7 gap", "§1.7 gap with floor", "§1.7 band"],
)
def test_tier_names_the_method(income, method, tier):
    policy = make_policy({"dibao.payment_method": method, "dibao.bands": BANDS})
    assert assess(household(member(income=income, category="transfer")), policy).get("dibao").tier == tier
