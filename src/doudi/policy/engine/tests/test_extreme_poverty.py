"""特困人员救助供养 (§2): the three conditions, care tiers and the child-benefit choice."""

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from ..extreme_poverty import care_tier
from ..facts import SupporterFacts
from .factories import household, make_policy, member, sample_policy

D = Decimal
ELDER = "1950-01-01"


@pytest.mark.parametrize(
    ("unable", "tier"),
    [
        (0, "independent"),
        (1, "partly_dependent"),
        (3, "partly_dependent"),
        (4, "fully_dependent"),
        (6, "fully_dependent"),
    ],
    ids=["§2.4 all six able", "§2.4 one unable", "§2.4 three unable", "§2.4 four unable", "§2.4 none able"],
)
def test_care_tier(unable, tier):
    assert care_tier(unable) == tier


# Sample: urban basic living 962 / rural 631; care = minimum wage 1900 × (0.1, 0.1667, 0.3333) at home,
# × (0.15, 0.25, 0.5) in an institution → 190.00 / 316.73 / 633.27 and 285.00 / 475.00 / 950.00.
CASES = [
    (
        "§2.2 60+ with no income and no supporter, home, independent",
        dict(born=ELDER),
        "urban",
        True,
        "1152.00",
    ),
    ("§2.5 rural standard", dict(born=ELDER), "rural", True, "821.00"),
    ("§2.4 home, partly dependent", dict(born=ELDER, self_care_unable=2), "urban", True, "1278.73"),
    (
        "§2.4 institution, fully dependent",
        dict(born=ELDER, self_care_unable=5, residence="institution"),
        "urban",
        True,
        "1912.00",
    ),
    ("§2.2 aged 59 with full capacity is not tekun", dict(born="1965-06-01"), "urban", False, None),
    ("§2.2 turns 60 on the birthday", dict(born="1965-03-01"), "urban", True, "1152.00"),
    (
        "§2.2 grade 3 intellectual disability = no work capacity (2021 list)",
        dict(born="1990-01-01", disability=("intellectual", 3)),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.2 grade 3 physical disability is not enough",
        dict(born="1990-01-01", disability=("physical", 3)),
        "urban",
        False,
        None,
    ),
    (
        "§2.2 labour capacity recognised as none",
        dict(born="1990-01-01", labour_capacity="none"),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.2 own income equal to the dibao standard means a source of living",
        dict(born=ELDER, income=740, category="transfer"),
        "urban",
        False,
        None,
    ),
    (
        "§2.2 basic pension and medical insurance are not income for tekun",
        dict(
            born=ELDER,
            incomes=(("basic_pension_base", 200), ("social_insurance", 900), ("longevity_allowance", 50)),
        ),
        "urban",
        True,
        "1152.00",
    ),
    ("§2.2 a capable supporter excludes", dict(born=ELDER, has_capable_supporter=True), "urban", False, None),
    (
        "§2.2 unknown supporter situation cannot be recognised",
        dict(born=ELDER, has_capable_supporter=None),
        "urban",
        False,
        None,
    ),
    (
        "§2.2 supporter who is a 60+ dibao recipient is not capable",
        dict(
            born=ELDER,
            has_capable_supporter=None,
            supporters=(SupporterFacts(birth_date=date(1960, 1, 1), is_dibao=True),),
        ),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.2 supporter aged 70+ with low income and little property is not capable",
        dict(
            born=ELDER,
            has_capable_supporter=None,
            supporters=(
                SupporterFacts(
                    birth_date=date(1950, 1, 1),
                    annual_income_per_capita=D(20000),
                    property_within_low_income_rules=True,
                ),
            ),
        ),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.2 a 45-year-old earning supporter is capable",
        dict(
            born=ELDER,
            has_capable_supporter=None,
            supporters=(SupporterFacts(birth_date=date(1980, 1, 1), annual_income_per_capita=D(80000)),),
        ),
        "urban",
        False,
        None,
    ),
    (
        "§2.2 imprisoned supporter with property within rules is not capable",
        dict(
            born=ELDER,
            has_capable_supporter=None,
            supporters=(SupporterFacts(legal_status="imprisoned", property_within_low_income_rules=True),),
        ),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.6 19-year-old still in high school keeps support",
        dict(born="2006-01-01", schooling="high_school"),
        "urban",
        True,
        "1152.00",
    ),
    (
        "§2.6 19-year-old at university does not",
        dict(born="2006-01-01", schooling="higher"),
        "urban",
        False,
        None,
    ),
]


@pytest.mark.parametrize(("kwargs", "area", "eligible", "amount"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_extreme_poverty(kwargs, area, eligible, amount):
    kwargs.setdefault("has_capable_supporter", False)
    a = assess(household(member("T", **kwargs), area=area), sample_policy())
    r = a.get("extreme_poverty", "T")
    assert r.eligible is eligible
    if eligible:
        assert str(r.monthly_amount) == amount
        assert a.status == "extreme_poverty"


def test_property_test_applies_to_tekun():
    h = household(member("T", born=ELDER, has_capable_supporter=False), financial_assets=D(740 * 24 + 1))
    assert not assess(h, sample_policy()).get("extreme_poverty", "T").eligible


def test_basic_living_as_multiple_of_dibao_standard():
    """基本生活标准 = 1.3 × 低保标准 when a region sets it that way (§2.5)."""
    policy = make_policy({"extreme_poverty.basic_living_method": "multiple"})
    r = assess(household(member("T", born=ELDER, has_capable_supporter=False)), policy).get("extreme_poverty", "T")
    assert r.monthly_amount == D("962.00") + D("190.00")


def test_tekun_member_leaves_the_dibao_household():
    """An elderly tekun member is supported alone; the rest of the household is tested for dibao."""
    h = household(member("T", born=ELDER, has_capable_supporter=False), member("S", income=300, category="transfer"))
    a = assess(h, sample_policy())
    assert a.get("extreme_poverty", "T").eligible
    assert a.get("dibao").monthly_amount == D("440.00")
    assert a.status == "dibao"


@pytest.mark.parametrize(
    ("choice", "tekun", "orphan"),
    [("auto", False, True), ("extreme_poverty", True, False), ("child_allowance", False, True)],
    ids=[
        "§2.2 auto keeps the higher child allowance",
        "§2.2 may choose tekun",
        "§2.2 may choose the allowance",
    ],
)
def test_minor_chooses_between_tekun_and_orphan_allowance(choice, tekun, orphan):
    kid = member(
        "K",
        born="2015-01-01",
        has_capable_supporter=False,
        child_benefit_choice=choice,
        parents=(("deceased",), ("deceased",)),
    )
    a = assess(household(kid), sample_policy())
    assert a.get("extreme_poverty", "K").eligible is tekun
    o = a.get("orphan", "K")
    assert (o is not None and o.eligible) is orphan
