"""Money pinned from the registry to the enrolment, one programme family per test.

Each test records a household through the registry services, takes its case through the case
services to enrolment, and checks the exact amounts in the decision, the enrolment and its
amount history against figures computed by hand in the test from the example policy that the
``published`` fixture loads (``policy/engine/samples/*.toml``, rules.md §1.2–§6). The figures in
force for 沅江市 in 2025:

- dibao standard: urban 740, rural 485 (沅江市 [seed]); payment = standard × persons − counted
  income (§1.7, ``dibao.payment_method = gap``), floor 20 % of the standard per person;
- employment cost deducted from wages: 30 % of the standard (益阳市: rural 145.5, urban 222);
- 分类施保 (益阳市, highest only): serious illness 30 %, severe disability 20 %, 70+ 10 %,
  minor 10 % of the standard (rural 145.50 / 97.00 / 48.50 / 48.50);
- tekun basic living: urban 962, rural 631; care at home = minimum wage 1900 × (0.1, 0.1667,
  0.3333) = 190.00 / 316.73 / 633.27 (湖南省);
- disability living subsidy grade 1–2: 277 (湖南省 example), only for dibao households;
- orphan (social care): 1651 (湖南省 example);
- temporary assistance: cap 10 × standard, fast grant 1 × standard (湖南省).

The legal supporters' situation (法定义务人情况, ``legalsupporter``) and a child's parents
(``parentsituation``) are recorded as evidence like the rest (issue 11): 特困 is granted only once
the township has recorded that no supporter can support.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import selectors, services
from doudi.cases.errors import CaseError
from doudi.cases.models import Case, Decision, Enrolment, ReviewKind, ReviewTask, TaskStatus
from doudi.cases.workflow import CaseStatus
from doudi.regions.services import do_set_area_type
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests.factories import person_input

OPENED = date(2025, 3, 3)  # a Monday; the notice runs 03-03 … 03-09
DECIDED = date(2025, 3, 10)
ENROLLED = date(2025, 3, 11)
APRIL = date(2025, 4, 1)  # benefit_start = next_month: the month after the decision
D = Decimal


@dataclass
class Team:
    village: object
    co: object
    township: object
    county: object


@pytest.fixture
def lixin_team(users, co_worker, published):
    """立新村 (rural, standard 485): its village workers, 草尾镇 and the county."""
    return Team(users["village_worker"], co_worker, users["township_officer"], users["county_reviewer"])


@pytest.fixture
def hanjiacha_team(users, published):
    """韩家汊社区 (urban, standard 740): its village worker, 琼湖街道 (second investigator too), the county."""
    return Team(
        users["other_village_worker"],
        users["other_township_officer"],
        users["other_township_officer"],
        users["county_reviewer"],
    )


def _household(team: Team, region, head, *members):
    return registry.do_create_household(
        team.village,
        region_code=region.code,
        head=head,
        members=list(members),
        address="测试地址1号",
        joined_on=date(2020, 1, 1),
    )


def _person(household, name: str) -> Person:
    return Person.objects.get(household=household, name=name)


def _record(team: Team, person: Person, kind: str, **values):
    return registry.do_record_evidence(team.village, person, kind=kind, values=values, valid_from=date(2024, 1, 1))


def _v(case: Case) -> int:
    return Case.objects.get(pk=case.pk).version


def _to_decision(team: Team, household, **open_kw) -> Case:
    """Open → accept → verify → survey (two signatures) → opinion (posted unless a minors' case) → approve."""
    case = services.do_open_application(team.village, household, today=OPENED, **open_kw)
    services.do_accept_application(team.village, case, expected_version=_v(case), today=OPENED)
    services.do_record_verification(team.township, case, summary="与申报一致", expected_version=_v(case), today=OPENED)
    services.do_record_survey(
        team.village,
        case,
        visited_on=OPENED,
        findings="入户核实家庭情况",
        co_investigator=team.co,
        expected_version=_v(case),
        today=OPENED,
    )
    services.do_countersign_survey(team.co, case, expected_version=_v(case), today=OPENED)
    services.do_start_public_notice(
        team.township, case, opinion="同意", place="村务公开栏", expected_version=_v(case), today=OPENED
    )
    services.do_confirm_case(team.county, case, approve=True, expected_version=_v(case), today=DECIDED)
    return Case.objects.get(pk=case.pk)


def _enrol(team: Team, case: Case) -> list[Enrolment]:
    return services.do_enrol(team.township, case, expected_version=_v(case), today=ENROLLED)


def _lines(case: Case) -> dict[tuple[str, str], tuple[Decimal, Decimal, list[int]]]:
    """Return {(programme, person name): (monthly, one-off, covered person ids)} of the approval."""
    decision = Decision.objects.get(case=case, outcome="approved")
    return {
        (line.programme, line.person.name): (line.monthly_amount, line.one_off_amount, sorted(line.covered))
        for line in decision.lines.select_related("person")
    }


def _history(enrolment: Enrolment) -> list[tuple[date, Decimal, str]]:
    return [
        (c.effective_month, c.monthly_amount, c.status) for c in enrolment.changes.order_by("effective_month", "pk")
    ]


def _enrolments(household) -> dict[tuple[str, str], Enrolment]:
    return {(e.programme, e.person.name): e for e in Enrolment.objects.filter(household=household)}


# ---------------------------------------------------------------- 低保 with 分类施保


def test_rural_dibao_with_supplements_from_registry_to_enrolment_and_a_review_adjustment(regions, lixin_team):
    """A rural family of three: wages, a minor, and a 74-year-old grandmother seriously ill."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("王建国", "head", date(1980, 5, 17)),
        person_input("王小明", "child", date(2012, 3, 1)),
        person_input("李桂英", "parent", date(1950, 6, 1), male=False),
    )
    head, grandmother = _person(hh, "王建国"), _person(hh, "李桂英")
    wages = _record(t, head, "income", category="wages", monthly_amount=D("600"))
    _record(t, grandmother, "income", category="basic_pension", monthly_amount=D("150"))
    _record(t, grandmother, "illness", diagnosis="尿毒症", serious=True, monthly_self_paid=D("300"))
    # Property exactly at the limits, which pass (rules.md §1.6: "≤ 1 house", "人均金融资产 ≤ 2 ×
    # annual 低保标准"; 益阳市 max_houses = 1, financial_assets_months = 24): the family home, and
    # deposits of 3 × 24 × 485 = 34,920 (11,640 per person, exactly the limit).
    _record(t, head, "asset", kind_of_asset="real_estate", quantity=1, value=D("80000"), description="自住房")
    _record(t, head, "asset", kind_of_asset="deposit", value=D("34920.00"))

    case = _to_decision(t, hh, programmes=["dibao"])

    # Counted income (§1.5): wages 600 − employment cost 485 × 0.3 = 145.5 → 454.5; the basic
    # pension (150) is exempt; per capita 454.5 / 3 = 151.5 < 485 (§1.2).
    # Base (§1.7): 485 × 3 − 454.5 = 1000.5 (per person 333.5, above the 97 floor).
    # 分类施保, highest only: 王小明 minor 48.50; 李桂英 serious illness 145.50 (beats 70+ 48.50);
    # 王建国 none. Monthly dibao: 1000.50 + 48.50 + 145.50 = 1194.50.
    everyone = sorted(p.pk for p in Person.objects.filter(household=hh))
    assert _lines(case) == {("dibao", "王建国"): (D("1194.50"), D("0"), everyone)}
    decision = Decision.objects.get(case=case)
    # §1.9: a working-age earner with full labour capacity → reviewed every 6 months.
    assert (decision.start_month, decision.review_months) == (APRIL, 6)

    _enrol(t, case)
    e = _enrolments(hh)[("dibao", "王建国")]
    assert (e.monthly_amount, e.start_month, e.status, sorted(e.covered)) == (D("1194.50"), APRIL, "active", everyone)
    assert _history(e) == [(APRIL, D("1194.50"), "active")]
    assert selectors.amount_in_month(e, date(2025, 3, 1)) == D("0")
    assert selectors.amount_in_month(e, APRIL) == D("1194.50")
    review = ReviewTask.objects.get(household=hh, kind=ReviewKind.PERIODIC, status=TaskStatus.OPEN)
    assert review.due_on == date(2025, 10, 1)  # start month + 6 months

    # Wages rise to 900 from May; the county adjusts at the June review, effective next month (§1.9).
    registry.do_correct_evidence(t.village, wages, reason="5 月起工资变化", valid_to=date(2025, 5, 1), end=True)
    registry.do_record_evidence(
        t.village,
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": D("900")},
        valid_from=date(2025, 5, 1),
    )
    services.do_complete_review(t.county, review, outcome="adjust", reasons="工资上涨", today=date(2025, 6, 16))
    # 900 − 145.5 = 754.5; 485 × 3 − 754.5 = 700.5; + 48.50 + 145.50 = 894.50 from July.
    e.refresh_from_db()
    assert e.monthly_amount == D("894.50")
    assert _history(e) == [(APRIL, D("1194.50"), "active"), (date(2025, 7, 1), D("894.50"), "active")]
    assert selectors.amount_in_month(e, date(2025, 6, 1)) == D("1194.50")
    assert selectors.amount_in_month(e, date(2025, 7, 1)) == D("894.50")


# ---------------------------------------------------------------- 单人户 at the standard


@pytest.mark.parametrize(
    "own_income,expected",
    [
        # Own income exactly the standard: not below it (§1.2, §1.4 "本人收入低于低保标准"), so no
        # 单人户 dibao; the family stays a near-dibao household (no cash of its own, §3.1) and the
        # living subsidy, which needs a dibao member, is not paid (§5).
        ("485.00", {("near_dibao", "吴建华"): "0.00"}),
        # One cent below: 单人户 dibao. Gap 485 − 484.99 = 0.01 is under the floor 485 × 0.2 = 97,
        # so 97.00 (§1.7 保底), + severe-disability supplement 485 × 0.2 = 97.00 → 194.00; and as a
        # dibao member she gets the grade-1 living subsidy 277.00 (§5).
        (
            "484.99",
            {
                ("near_dibao", "吴建华"): "0.00",
                ("single_person_dibao", "郑秀梅"): "194.00",
                ("disability_living_subsidy", "郑秀梅"): "277.00",
            },
        ),
    ],
)
def test_single_person_dibao_at_the_standard_from_registry_to_enrolment(regions, lixin_team, own_income, expected):
    """A severely disabled wife in a near-dibao family whose own income is at or just below the standard."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("吴建华", "head", date(1978, 11, 3)),
        person_input("郑秀梅", "spouse", date(1980, 2, 14), male=False),
    )
    husband, wife = _person(hh, "吴建华"), _person(hh, "郑秀梅")
    _record(t, husband, "income", category="wages", monthly_amount=D("900"))
    _record(t, wife, "income", category="transfer", monthly_amount=D(own_income))
    _record(t, wife, "disability", category="physical", grade=1)

    case = _to_decision(t, hh, programmes=["dibao"])

    # Household: wages 900 − 145.5 = 754.5, + her 485.00 (or 484.99) → per head 619.75 (619.745):
    # not below 485 (no household dibao), below 1.5 × 485 = 727.5 (near-dibao, §3.1).
    assert {k: str(v[0]) for k, v in _lines(case).items()} == expected
    _enrol(t, case)
    assert {k: (str(e.monthly_amount), e.start_month) for k, e in _enrolments(hh).items()} == {
        k: (amount, APRIL) for k, amount in expected.items()
    }


# ---------------------------------------------------------------- the urban/rural type decides the standard


def test_a_village_corrected_to_urban_pays_the_urban_standard_from_the_next_adjustment(walk, household, users):
    """撤村建居: the administrator corrects 立新村 to urban; the next review pays the urban standard."""
    walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household, programme="dibao")
    # Rural: wages 200 − min(200, 485 × 0.3 = 145.5) = 54.5 counted; 485 × 2 − 54.5 = 915.5, + the
    # child's minor supplement 48.50 = 964.00.
    assert e.monthly_amount == D("964.00")
    do_set_area_type(users["administrator"], household.region, area_type="urban", reason="撤村建居")
    household.refresh_from_db()
    assert household.area_type == "urban"
    review = ReviewTask.objects.get(household=household, kind=ReviewKind.PERIODIC, status=TaskStatus.OPEN)
    services.do_complete_review(
        users["county_reviewer"], review, outcome="adjust", reasons="改为城镇标准", today=date(2025, 6, 16)
    )
    # Urban: the employment cost 740 × 0.3 = 222 exceeds the wages, so 200 − 200 = 0 counted;
    # 740 × 2 − 0 = 1480, + minor supplement 740 × 0.1 = 74.00 → 1554.00 from July.
    e.refresh_from_db()
    assert _history(e) == [(APRIL, D("964.00"), "active"), (date(2025, 7, 1), D("1554.00"), "active")]


# ---------------------------------------------------------------- 特困 with care


def _lone_elder(team: Team, region):
    hh = _household(team, region, person_input("赵老汉", "head", date(1947, 2, 10)))
    elder = _person(hh, "赵老汉")
    _record(team, elder, "income", category="basic_pension", monthly_amount=D("180"))
    # Cannot bathe, dress or walk indoors: 3 of the 6 activities → 半失能 (§2.4: 1–3 items).
    _record(team, elder, "selfcare", unable_bathe=True, unable_dress=True, unable_walk=True)
    return hh, elder


def test_urban_tekun_with_care_from_registry_to_enrolment(regions, hanjiacha_team):
    """A lone 78-year-old in 韩家汊社区 with no capable supporter: tekun basic living + care."""
    t = hanjiacha_team
    hh, elder = _lone_elder(t, regions["hanjiacha"])
    _record(t, elder, "legalsupporter", situation="incapable", basis="独子是60周岁以上低保对象")

    case = _to_decision(t, hh, programmes=["extreme_poverty"])

    # §2.2: 78 ≥ 60 → no work capacity; own income 0 (basic pension exempt) < 740; no supporter.
    # §2.5: urban basic living 962 + home care 半失能 1900 × 0.1667 = 316.73 → 1278.73.
    # He is the whole household, so no dibao line (tekun members leave the dibao household).
    assert _lines(case) == {("extreme_poverty", "赵老汉"): (D("1278.73"), D("0"), [elder.pk])}
    assert Decision.objects.get(case=case).review_months == 12  # no earner: yearly (§1.9)

    _enrol(t, case)
    e = _enrolments(hh)[("extreme_poverty", "赵老汉")]
    assert (e.monthly_amount, e.start_month, e.tier) == (D("1278.73"), APRIL, "分散供养·半失能")
    assert _history(e) == [(APRIL, D("1278.73"), "active")]
    assert selectors.amount_in_month(e, date(2025, 12, 1)) == D("1278.73")

    # The daily job must not treat a 78-year-old's tekun support as a minor's reaching 18 (§2.6).
    services.do_run_due_tasks(today=date(2025, 3, 12))
    e.refresh_from_db()
    assert e.status == "active"
    assert not Case.objects.filter(household=hh, kind="termination").exists()
    assert not ReviewTask.objects.filter(enrolment=e, kind=ReviewKind.AGE_CHECK).exists()


def test_tekun_in_an_institution_from_registry_to_enrolment(regions, hanjiacha_team):
    """The same elder living in the town's care home: 集中供养, with the institution's care standard."""
    t = hanjiacha_team
    hh, elder = _lone_elder(t, regions["hanjiacha"])
    _record(t, elder, "legalsupporter", situation="none")
    _record(t, elder, "caresetting", setting="institution", institution="沅江市社会福利院")

    case = _to_decision(t, hh, programmes=["extreme_poverty"])

    # §2.5: urban basic living 962 + institutional care 半失能 (3 of 6 items) 1900 × 0.25 = 475 → 1437.00
    # (at home it is 1900 × 0.1667 = 316.73, see above).
    assert _lines(case) == {("extreme_poverty", "赵老汉"): (D("1437.00"), D("0"), [elder.pk])}
    _enrol(t, case)
    e = _enrolments(hh)[("extreme_poverty", "赵老汉")]
    assert (e.monthly_amount, e.tier) == (D("1437.00"), "集中供养·半失能")


@pytest.mark.parametrize(
    "supporters",
    [None, {"situation": "capable", "basis": "女儿在县城工作，有赡养能力"}],
    ids=["not recorded", "a capable supporter"],
)
def test_tekun_is_not_granted_without_the_supporters_found_unable(regions, hanjiacha_team, supporters):
    """Not recorded, or a capable supporter: the same elder is granted urban dibao instead (§2.2)."""
    t = hanjiacha_team
    hh, elder = _lone_elder(t, regions["hanjiacha"])
    if supporters:
        _record(t, elder, "legalsupporter", **supporters)

    case = _to_decision(t, hh, programmes=["extreme_poverty"])

    # Not tekun (§2.2 third condition unknown or failed). Dibao of one: 740 − 0 = 740; 70+
    # supplement 740 × 0.1 = 74.00 → 814.00.
    assert _lines(case) == {("dibao", "赵老汉"): (D("814.00"), D("0"), [elder.pk])}
    _enrol(t, case)
    assert _history(_enrolments(hh)[("dibao", "赵老汉")]) == [(APRIL, D("814.00"), "active")]


# ---------------------------------------------------------------- 残疾人两项补贴


def test_rural_dibao_with_disability_living_subsidy(regions, lixin_team):
    """A disabled father (limbs, grade 2) and his son: dibao with supplements and the living subsidy."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("陈志强", "head", date(1975, 8, 20)),
        person_input("陈小宝", "child", date(2013, 9, 1)),
    )
    father, son = _person(hh, "陈志强"), _person(hh, "陈小宝")
    _record(t, father, "income", category="wages", monthly_amount=D("300"))
    _record(t, father, "income", category="disability_subsidy", monthly_amount=D("277"))
    _record(t, father, "disability", category="physical", grade=2)
    _record(t, father, "labourcapacity", level="partial")
    # A disabled person's mobility vehicle is exempt (§1.6; 湖南省 general.exempt_vehicle_kinds).
    _record(t, father, "asset", kind_of_asset="vehicle", value=D("8000"), exempt=True, description="残疾人代步车")

    case = _to_decision(t, hh, programmes=["dibao", "disability_living_subsidy"])

    # Income: wages 300 − 145.5 = 154.5; the subsidy already paid (277) is exempt (§1.5).
    # Per capita 154.5 / 2 = 77.25 < 485. Base 485 × 2 − 154.5 = 815.5.
    # 分类施保: father severe disability (grade 2) 97.00, son minor 48.50 → 815.50 + 145.50 = 961.00.
    # §5: grade 2 in a dibao household → living subsidy 277. The care subsidy needs a long-term-care
    # assessment (``careneed`` evidence), not recorded for him: none.
    assert _lines(case) == {
        ("dibao", "陈志强"): (D("961.00"), D("0"), sorted([father.pk, son.pk])),
        ("disability_living_subsidy", "陈志强"): (D("277.00"), D("0"), [father.pk]),
    }
    # The earner has only partial labour capacity → stable, yearly review (§1.9).
    assert Decision.objects.get(case=case).review_months == 12

    _enrol(t, case)
    enrolments = _enrolments(hh)
    assert {k: (e.monthly_amount, e.start_month) for k, e in enrolments.items()} == {
        ("dibao", "陈志强"): (D("961.00"), APRIL),
        ("disability_living_subsidy", "陈志强"): (D("277.00"), APRIL),
    }
    assert _history(enrolments[("disability_living_subsidy", "陈志强")]) == [(APRIL, D("277.00"), "active")]
    paid = {(e.programme, amount) for e, amount in selectors.payable_in_month(month=APRIL, region_code=hh.region_id)}
    assert paid == {("dibao", D("961.00")), ("disability_living_subsidy", D("277.00"))}


# ---------------------------------------------------------------- 孤儿


def test_orphan_allowance_of_a_grandchild_is_decided_without_notice(regions, lixin_team):
    """An orphan living with his grandmother: a minors' case, never posted, 1651 a month to 18."""
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("周秀兰", "head", date(1957, 4, 2), male=False),
        person_input("周小军", "grandchild", date(2015, 6, 1)),
    )
    grandmother, child = _person(hh, "周秀兰"), _person(hh, "周小军")
    _record(t, grandmother, "income", category="transfer", monthly_amount=D("1600"))
    _record(t, child, "parentsituation", parent="father", situation="deceased")
    _record(t, child, "parentsituation", parent="mother", situation="deceased")

    case = _to_decision(t, hh, programmes=["orphan"])
    assert case.minor_case and not case.notices.exists()  # §2.3, §6.2: minors' cases are not posted

    # §6.1 both parents dead → orphan, at home: 1651. Household income 1600 / 2 = 800 ≥ 485 → no
    # dibao, ≥ 1.5 × 485 = 727.5 → not near-dibao either; the child is not tekun (his grandmother's
    # duty to support is not recorded), so the allowance is the only line.
    assert _lines(case) == {("orphan", "周小军"): (D("1651.00"), D("0"), [child.pk])}

    _enrol(t, case)
    e = _enrolments(hh)[("orphan", "周小军")]
    assert (e.monthly_amount, e.start_month, e.tier) == (D("1651.00"), APRIL, "社会散居")
    assert _history(e) == [(APRIL, D("1651.00"), "active")]
    check = ReviewTask.objects.get(enrolment=e, kind=ReviewKind.AGE_CHECK)
    assert check.due_on == date(2033, 6, 1)  # the 18th birthday


@pytest.mark.parametrize(
    "lost_since,expected",
    [
        # Father dead, mother lost contact since 2024-09-02: 6 months reached on 2025-03-02, before
        # the opinion of 2025-03-03 (§6.2) → de facto orphan at the social-orphan standard × 1 = 1651.
        (date(2024, 9, 2), {("de_facto_orphan", "周小军"): (D("1651.00"), D("0"))}),
        # Lost contact since 2024-09-04: 6 months only on 2025-03-04, after the opinion → no allowance.
        (date(2024, 9, 4), None),
    ],
)
def test_de_facto_orphan_needs_six_months_of_lost_contact(regions, lixin_team, lost_since, expected):
    t = lixin_team
    hh = _household(
        t,
        regions["lixin"],
        person_input("周秀兰", "head", date(1957, 4, 2), male=False),
        person_input("周小军", "grandchild", date(2015, 6, 1)),
    )
    grandmother, child = _person(hh, "周秀兰"), _person(hh, "周小军")
    _record(t, grandmother, "income", category="transfer", monthly_amount=D("1600"))
    _record(t, child, "parentsituation", parent="father", situation="deceased")
    registry.do_record_evidence(
        t.village,
        child,
        kind="parentsituation",
        values={"parent": "mother", "situation": "lost_contact"},
        valid_from=lost_since,
    )
    if expected is None:
        # Nothing to grant: the county cannot approve and must refuse with reasons (§1.8).
        with pytest.raises(CaseError) as refused:
            _to_decision(t, hh, programmes=["de_facto_orphan"])
        assert refused.value.code == "decision_invalid"
        assert not Enrolment.objects.filter(household=hh).exists()
        return
    case = _to_decision(t, hh, programmes=["de_facto_orphan"])
    assert {k: v[:2] for k, v in _lines(case).items()} == expected
    _enrol(t, case)
    e = _enrolments(hh)[("de_facto_orphan", "周小军")]
    assert (e.tier, _history(e)) == ("事实无人抚养儿童", [(APRIL, D("1651.00"), "active")])


# ---------------------------------------------------------------- 临时救助


def test_urban_expense_type_temporary_assistance_is_capped_at_ten_months_standard(regions, hanjiacha_team):
    """Medical bills of 9,000 (1,000 already covered): one-off help capped at 10 × 740."""
    t = hanjiacha_team
    hh = _household(
        t,
        regions["hanjiacha"],
        person_input("刘德明", "head", date(1982, 1, 9)),
        person_input("刘思雨", "child", date(2014, 2, 2), male=False),
    )
    _record(t, _person(hh, "刘德明"), "income", category="wages", monthly_amount=D("1800"))
    need = {
        "kind": "expense",
        "event": "medical",
        "occurred_on": "2025-02-20",
        "amount": "9000",
        "other_aid": "1000",
    }

    case = _to_decision(t, hh, kind="temporary", programmes=["temporary"], temporary_need=need)

    # Unmet need 9000 − 1000 = 8000. Income test (§4): (1800 − 740 × 0.3 = 1578) / 2 = 789 per head
    # < 51500 / 12 = 4291.67. Cap 10 × 740 = 7400 → one-off 7400.00. The family is also near-dibao
    # (789 < 1110) but a temporary request is decided on its need only: no other line.
    assert _lines(case) == {
        ("temporary", "刘德明"): (D("0"), D("7400.00"), sorted(p.pk for p in Person.objects.filter(household=hh)))
    }

    touched = _enrol(t, case)
    assert touched == [] and not Enrolment.objects.filter(household=hh).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.ENROLLED
    assert case.events.order_by("-pk").first().note == "一次性救助，无按月发放项目"


def test_rural_fast_grant_is_one_month_standard_at_most(regions, lixin_team):
    """A house fire: the township grants 485 (= 1 × 485) at once; 485.01 is refused."""
    t = lixin_team
    hh = _household(t, regions["lixin"], person_input("孙大力", "head", date(1970, 10, 10)))
    need = {"kind": "emergency", "event": "fire", "occurred_on": "2025-03-02", "amount": "20000", "fast": True}
    case = services.do_open_application(
        t.village, hh, kind="temporary", programmes=["temporary"], temporary_need=need, today=OPENED
    )
    with pytest.raises(CaseError) as refused:
        services.do_decide_fast_grant(
            t.township,
            case,
            track="fast_grant",
            amount="485.01",
            reasons="火灾",
            expected_version=_v(case),
            today=OPENED,
        )
    assert "超过小额快救上限 485.00 元" in refused.value.message
    decision = services.do_decide_fast_grant(
        t.township, case, track="fast_grant", amount="485", reasons="火灾", expected_version=_v(case), today=OPENED
    )
    line = decision.lines.get()
    assert (line.programme, line.one_off_amount, line.monthly_amount, line.person.name) == (
        "temporary",
        D("485.00"),
        D("0"),
        "孙大力",
    )
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PAPERWORK_PENDING
    assert not Enrolment.objects.filter(household=hh).exists()
