"""A small registry for simulations: households that enter, change and stay, one in another county,
and households with every kind of evidence (corrected, ended, several per person) for the
set-based extraction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from doudi.registry import services as registry
from doudi.registry.models import Household, Person
from doudi.registry.tests import factories as f

ON = date(2025, 8, 1)
RAISE = ("dibao.standard_urban=760", "extreme_poverty.basic_living_urban=988")
START = date(2025, 7, 1)


def head_of(household: Household) -> Person:
    return Person.objects.get(household=household, relation="head")


def record(actor, person: Person, kind: str, valid_from: date = date(2024, 1, 1), **values):
    return registry.do_record_evidence(actor, person, kind=kind, values=values, valid_from=valid_from)


@dataclass
class Registry:
    entering: Household
    changing: Household
    unchanged: Household
    foreign: Household


@pytest.fixture
def households(published, regions, users) -> Registry:
    """Three households of 沅江市 and one of 资阳区, all created on 2020-01-01.

    - ``entering``: one urban adult with 1,120 元 transfer income — above the near-dibao line
      1.5 × 740 = 1,110, below 1.5 × 760 = 1,140: no tier now, 低保边缘 when the standard rises;
    - ``changing``: urban head earning 600 元 with two children — dibao now, more when it rises;
    - ``unchanged``: rural head earning 300 元 with one child — the rural standard does not move;
    - ``foreign``: in 资阳区 (430902), outside 沅江市.
    """
    actor = users["administrator"]
    joined = date(2020, 1, 1)
    entering = f.household(regions["hanjiacha"], actor=actor, head_name="甲", joined_on=joined)
    record(actor, head_of(entering), "income", category="transfer", monthly_amount=Decimal("1120"))
    changing = f.household(regions["hanjiacha"], actor=actor, members=2, head_name="乙", joined_on=joined)
    record(actor, head_of(changing), "income", category="wages", monthly_amount=Decimal("600"))
    unchanged = f.household(regions["lixin"], actor=actor, members=1, head_name="丙", joined_on=joined)
    record(actor, head_of(unchanged), "income", category="wages", monthly_amount=Decimal("300"))
    foreign = f.household(regions["ziyang_village"], actor=actor, head_name="丁", joined_on=joined)
    return Registry(entering, changing, unchanged, foreign)


@pytest.fixture
def varied(published, regions, users) -> list[Household]:
    """Households exercising every rule of the facts bridge, valid on ``ON``."""
    actor = users["administrator"]
    joined = date(2020, 1, 1)
    out = []

    a = f.household(regions["caowei_community"], actor=actor, members=3, head_name="赵", joined_on=joined)
    people = list(Person.objects.filter(household=a).order_by("id"))
    head, kid1, kid2, kid3 = people
    record(actor, head, "income", category="wages", monthly_amount=Decimal("800.50"))
    record(actor, head, "income", category="basic_pension", monthly_amount=Decimal("150"), valid_from=date(2023, 5, 1))
    record(actor, head, "income", category="assistance", monthly_amount=Decimal("99.99"))
    old = record(actor, head, "income", category="business", monthly_amount=Decimal("1000"))
    registry.do_correct_evidence(actor, old, reason="核实更正", values={"monthly_amount": Decimal("700")})
    registry.do_record_evidence(
        actor,
        head,
        kind="income",
        values={"category": "property", "monthly_amount": Decimal("50")},
        valid_from=date(2023, 1, 1),
        valid_to=date(2025, 1, 1),
    )  # ended before ON
    record(actor, head, "income", category="other", monthly_amount=Decimal("20"), valid_from=date(2025, 9, 1))  # later
    record(actor, kid1, "disability", category="physical", grade=3)
    record(actor, kid1, "disability", category="intellectual", grade=2)
    record(actor, kid1, "illness", diagnosis="白血病", serious=True, monthly_self_paid=Decimal("300.10"))
    record(actor, kid1, "illness", diagnosis="哮喘", serious=False, monthly_self_paid=Decimal("45.25"))
    record(actor, kid1, "labourcapacity", level="partial", valid_from=date(2022, 1, 1))
    record(actor, kid1, "labourcapacity", level="none", valid_from=date(2024, 6, 1))
    record(actor, kid1, "selfcare", unable_eat=True, unable_walk=True, unable_bathe=True)
    record(actor, kid2, "schooling", stage="junior", full_time=True, valid_from=date(2023, 9, 1))
    record(actor, kid3, "schooling", stage="senior", full_time=False, valid_from=date(2024, 9, 1))
    record(actor, head, "asset", kind_of_asset="deposit", value=Decimal("12000.35"))
    record(actor, head, "asset", kind_of_asset="insurance", value=Decimal("3000"))
    record(actor, kid1, "asset", kind_of_asset="deposit", value=Decimal("5000"), exempt=True)  # exempt: not counted
    record(actor, head, "asset", kind_of_asset="real_estate", value=Decimal("200000"), quantity=2)
    record(actor, kid1, "asset", kind_of_asset="vehicle", value=Decimal("8000"), exempt=True)
    record(actor, head, "asset", kind_of_asset="vehicle", value=Decimal("30000"), quantity=2)
    record(actor, head, "asset", kind_of_asset="business_share", value=Decimal("50000"))
    record(actor, head, "asset", kind_of_asset="other", value=Decimal("999"))
    # Issue 11's evidence: rigid expenses of two members (one ended before ON), a care need, and
    # parents (a father's situation replaced by a later one, a mother's custody measure with an end).
    record(actor, kid1, "rigidexpense", category="education", amount_12m=Decimal("3000"))
    record(actor, head, "rigidexpense", category="medical", amount_12m=Decimal("12000.40"))
    registry.do_record_evidence(
        actor,
        head,
        kind="rigidexpense",
        values={"category": "living", "amount_12m": Decimal("800")},
        valid_from=date(2023, 1, 1),
        valid_to=date(2024, 1, 1),
    )
    record(actor, kid1, "careneed", needs_long_term_care=True)
    record(actor, kid2, "careneed", needs_long_term_care=False)
    record(actor, kid2, "parentsituation", parent="father", situation="lost_contact", valid_from=date(2022, 1, 1))
    record(actor, kid2, "parentsituation", parent="father", situation="deceased", valid_from=date(2023, 3, 1))
    registry.do_record_evidence(
        actor,
        kid2,
        kind="parentsituation",
        values={"parent": "mother", "situation": "detained_other"},
        valid_from=date(2024, 2, 1),
        valid_to=date(2026, 2, 1),
    )
    out.append(a)

    b = f.household(regions["lixin"], actor=actor, members=2, head_name="钱", joined_on=joined)
    head, kid1, kid2 = Person.objects.filter(household=b).order_by("id")
    registry.do_remove_member(actor, kid2, left_on=date(2025, 3, 1), reason="外出务工落户")
    record(actor, kid1, "income", category="scholarship", monthly_amount=Decimal("100"))
    newcomer = registry.do_add_member(
        actor, b, person=f.person_input("孙", "other", date(1990, 2, 2)), joined_on=date(2025, 12, 1)
    )  # joins after ON
    record(actor, newcomer, "income", category="wages", monthly_amount=Decimal("5000"))
    out.append(b)

    out.append(f.household(regions["shengtian"], actor=actor, head_name="李", joined_on=joined))  # no evidence
    return out
