"""The programmes that needed facts the registry could not record (issue 11), granted from the registry.

Each household is recorded only through the registry services (``do_create_household``,
``do_record_evidence``), with no fact added on the side, and taken through the case services to
the county's decision and the enrolment; the case assessment (``cases/assessing.py``) reads the
new evidence through the facts bridge. Figures come from the example policy of 沅江市 in 2025
(see ``test_money_end_to_end``): rural dibao standard 485, near-dibao 1.5 × 485 = 727.50, rural
per-capita disposable income 22200 / 12 = 1850.00 a month (湖南省), rigid-expense ratio 80 %,
care subsidy grade 1–2 277, social-orphan standard 1651.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.tests.test_money_end_to_end import (
    APRIL,
    _enrolments,
    _history,
    _household,
    _lines,
    _person,
    _record,
    _to_decision,
    lixin_team,  # noqa: F401  (fixture)
)
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.policy.models import AssessmentRecord
from doudi.registry import services as registry
from doudi.registry.selectors import household_as_of
from doudi.registry.tests.factories import person_input

D = Decimal


def test_rigid_expense_household_from_registry_evidence(regions, lixin_team):  # noqa: F811
    """Two earners whose medical bills over 12 months exceed 80 % of their income: 刚性支出困难家庭."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("刘建国", "head", date(1972, 3, 5)),
        person_input("王桂芝", "spouse", date(1974, 7, 9), male=False),
    )
    head, wife = _person(hh, "刘建国"), _person(hh, "王桂芝")
    _record(t, head, "income", category="wages", monthly_amount=D("1800"))
    _record(t, wife, "income", category="wages", monthly_amount=D("1000"))
    # Dialysis over the 12 months before 2025-02-01: 36000 self-paid, plus 2000 of rehabilitation.
    for category, amount in (("medical", "36000"), ("disability_rehab", "2000")):
        registry.do_record_evidence(
            t.village,
            wife,
            kind="rigidexpense",
            values={"category": category, "amount_12m": D(amount), "description": "透析"},
            valid_from=date(2025, 2, 1),
            valid_to=date(2026, 2, 1),
        )

    case = _to_decision(t, hh, programmes=["rigid_expense"])

    record = AssessmentRecord.objects.filter(household=hh).latest("pk")
    spent = {(e["category"], e["amount"]) for e in record.facts["rigid_expenses_12m"]}
    assert spent == {("medical", "36000.00"), ("disability_rehab", "2000.00")}
    # Wages 2800 less the employment cost (30 % of the standard per earner, 145.50 × 2) = 2509 →
    # 1254.50 per head: ≥ 727.50 (not near-dibao), < 1850.00. Income of 12 months 2509 × 12 =
    # 30108; spending 38000 / 30108 = 126 % > 80 % → recognised (a recognition, no monthly amount).
    programme = next(p for p in record.result["programmes"] if p["programme"] == "rigid_expense")
    assert programme["eligible"] is True
    assert _lines(case) == {("rigid_expense", "刘建国"): (D("0"), D("0"), sorted([head.pk, wife.pk]))}


def test_rigid_expense_is_refused_without_the_recorded_spending(regions, lixin_team):  # noqa: F811
    """The same family with no spending recorded is not 刚性支出 (the fact, not the form, decides)."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("刘建国", "head", date(1972, 3, 5)),
        person_input("王桂芝", "spouse", date(1974, 7, 9), male=False),
    )
    _record(t, _person(hh, "刘建国"), "income", category="wages", monthly_amount=D("1800"))
    _record(t, _person(hh, "王桂芝"), "income", category="wages", monthly_amount=D("1000"))
    with pytest.raises(CaseError) as refused:
        _to_decision(t, hh, programmes=["rigid_expense"])
    assert refused.value.code == "decision_invalid"


def test_de_facto_orphan_from_registry_evidence(regions, lixin_team):  # noqa: F811
    """Father dead, mother out of contact for more than six months: 1651 a month from April."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("周秀兰", "head", date(1957, 4, 2), male=False),
        person_input("周小军", "grandchild", date(2015, 6, 1)),
    )
    grandmother, child = _person(hh, "周秀兰"), _person(hh, "周小军")
    _record(t, grandmother, "income", category="transfer", monthly_amount=D("1600"))
    registry.do_record_evidence(
        t.village,
        child,
        kind="parentsituation",
        values={"parent": "father", "situation": "deceased"},
        valid_from=date(2019, 11, 3),
    )
    registry.do_record_evidence(
        t.village,
        child,
        kind="parentsituation",
        values={"parent": "mother", "situation": "lost_contact", "parent_name": "李芳"},
        valid_from=date(2024, 9, 2),  # six months reached on 2025-03-02, before the opinion of 03-03
    )

    case = _to_decision(t, hh, programmes=["de_facto_orphan"])

    assert {k: v[:2] for k, v in _lines(case).items()} == {("de_facto_orphan", "周小军"): (D("1651.00"), D("0"))}
    registry_parents = AssessmentRecord.objects.filter(household=hh).latest("pk").facts["members"][1]["parents"]
    assert registry_parents == [
        {"situation": "deceased", "since": "2019-11-03", "until": None},
        {"situation": "lost_contact", "since": "2024-09-02", "until": None},
    ]
    services.do_enrol(t.township, case, expected_version=case.version, today=date(2025, 3, 11))
    e = _enrolments(hh)[("de_facto_orphan", "周小军")]
    assert (e.tier, _history(e)) == ("事实无人抚养儿童", [(APRIL, D("1651.00"), "active")])


def test_severe_disability_care_subsidy_from_registry_evidence(regions, lixin_team):  # noqa: F811
    """A grade-1 disabled man assessed as needing long-term care, in a family above dibao: care subsidy 277."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("黄德明", "head", date(1968, 1, 15)),
        person_input("黄丽", "child", date(1995, 2, 20), male=False),
    )
    father, daughter = _person(hh, "黄德明"), _person(hh, "黄丽")
    _record(t, daughter, "income", category="wages", monthly_amount=D("4000"))
    _record(t, father, "disability", category="physical", grade=1)
    registry.do_record_evidence(
        t.village,
        father,
        kind="careneed",
        values={"needs_long_term_care": True, "assessed_by": "沅江市残联评定"},
        valid_from=date(2024, 6, 1),
    )

    case = _to_decision(t, hh, programmes=["disability_care_subsidy"])

    # §5: grade 1 → care subsidy 277; the living subsidy needs a dibao household (income 4000 −
    # 145.50 over two persons is far above 485), so it is the only line.
    assert _lines(case) == {("disability_care_subsidy", "黄德明"): (D("277.00"), D("0"), [father.pk])}
    services.do_enrol(t.township, case, expected_version=case.version, today=date(2025, 3, 11))
    e = _enrolments(hh)[("disability_care_subsidy", "黄德明")]
    assert (e.monthly_amount, _history(e)) == (D("277.00"), [(APRIL, D("277.00"), "active")])


def test_care_subsidy_ends_with_the_recorded_need(regions, lixin_team):  # noqa: F811
    """An ended care need (``do_correct_evidence(end=True)``) is no longer seen on a later date."""
    t = lixin_team
    hh = _household(t, regions["lixin"], person_input("黄德明", "head", date(1968, 1, 15)))
    father = _person(hh, "黄德明")
    _record(t, father, "disability", category="physical", grade=1)
    need = registry.do_record_evidence(
        t.village, father, kind="careneed", values={"needs_long_term_care": True}, valid_from=date(2024, 6, 1)
    )
    registry.do_correct_evidence(
        t.village, need, reason="康复，经复评不再需要长期照护", valid_to=date(2025, 1, 1), end=True
    )
    before = facts_from_snapshot(household_as_of(hh, on=date(2024, 12, 31)))
    after = facts_from_snapshot(household_as_of(hh, on=date(2025, 1, 1)))
    assert before.members[0].needs_long_term_care is True
    assert after.members[0].needs_long_term_care is False
