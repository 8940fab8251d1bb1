"""Periodic reviews: unchanged, adjusted, phased out month by month, ended; tekun ends by procedure."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import selectors, services
from doudi.cases.errors import AlreadyHandled, CaseError
from doudi.cases.models import Case, Enrolment, ReviewTask
from doudi.cases.services.enrolment import create_enrolment
from doudi.cases.tests.conftest import fresh
from doudi.core.errors import PermissionDenied
from doudi.registry import services as registry
from doudi.registry.models import Person


@pytest.fixture
def enrolled(walk, household):
    walk.to_enrolled(household)
    return Enrolment.objects.get(household=household, programme="dibao")


def _review(household):
    return ReviewTask.objects.get(household=household, kind="periodic", status="open")


def test_unchanged_review_schedules_the_next_one(enrolled, users):
    task = _review(enrolled.household)
    with pytest.raises(PermissionDenied):
        services.do_complete_review(users["village_worker"], task, outcome="unchanged")
    services.do_complete_review(users["county_reviewer"], task, outcome="unchanged", today=date(2025, 10, 9))
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("done", "unchanged")
    assert _review(enrolled.household).due_on == date(2026, 4, 9)
    with pytest.raises(AlreadyHandled):
        services.do_complete_review(users["county_reviewer"], task, outcome="unchanged")


def test_phase_out_tapers_month_by_month_then_ends(enrolled, users):
    amount = enrolled.monthly_amount
    services.do_complete_review(
        users["county_reviewer"],
        _review(enrolled.household),
        outcome="phase_out",
        reasons="户主就业，收入超过标准",
        today=date(2025, 6, 16),
    )
    enrolled.refresh_from_db()
    assert enrolled.status == "phasing_out" and enrolled.end_month == date(2025, 12, 1)
    months = [date(2025, m, 1) for m in range(6, 13)] + [date(2026, 1, 1)]
    # 益阳市 taper (1, 1, 0.8, 0.8, 0.6, 0.6) of 964.00 from July: 964.00 × 0.8 = 771.20, × 0.6 = 578.40.
    assert amount == Decimal("964.00")
    expected = [Decimal(x) for x in ("964.00", "964.00", "964.00", "771.20", "771.20", "578.40", "578.40")]
    assert [selectors.amount_in_month(enrolled, m) for m in months] == [*expected, 0]
    assert services.do_run_due_tasks(today=date(2025, 12, 20)).get("phase_out_ended", 0) == 0
    assert services.do_run_due_tasks(today=date(2026, 1, 2))["phase_out_ended"] == 1
    enrolled.refresh_from_db()
    assert enrolled.status == "ended"


def test_ending_needs_reasons_and_stops_from_next_month(enrolled, users):
    task = _review(enrolled.household)
    with pytest.raises(CaseError):
        services.do_complete_review(users["county_reviewer"], task, outcome="end")
    services.do_complete_review(
        users["county_reviewer"], task, outcome="end", reasons="家庭收入超过标准", today=date(2025, 9, 20)
    )
    enrolled.refresh_from_db()
    assert enrolled.status == "ended" and enrolled.end_month == date(2025, 9, 1)
    assert selectors.amount_in_month(enrolled, date(2025, 10, 1)) == 0
    assert not ReviewTask.objects.filter(household=enrolled.household, status="open").exists()


def test_a_reason_too_long_for_the_enrolment_is_refused_not_cut(enrolled, users):
    """The reason is written whole into the enrolment's end reason: one that would not fit is refused."""
    task = _review(enrolled.household)
    too_long = "家庭收入超过标准，" * 40  # 360 characters
    with pytest.raises(CaseError, match="复核理由：不能超过 280 个字（现有 360 个字）"):
        services.do_complete_review(users["county_reviewer"], task, outcome="end", reasons=too_long)
    enrolled.refresh_from_db()
    assert enrolled.status != "ended"
    reasons = too_long[:280]
    services.do_complete_review(users["county_reviewer"], task, outcome="end", reasons=reasons, today=date(2025, 9, 20))
    enrolled.refresh_from_db()
    assert enrolled.status == "ended" and enrolled.end_reason.endswith(reasons)


def test_adjust_takes_the_new_assessment(enrolled, users):
    head = Person.objects.get(household=enrolled.household, relation="head")
    registry.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("150")},
        valid_from=date(2025, 8, 1),
    )
    old = enrolled.monthly_amount
    services.do_complete_review(
        users["county_reviewer"],
        _review(enrolled.household),
        outcome="adjust",
        reasons="收入增加",
        today=date(2025, 9, 20),
    )
    enrolled.refresh_from_db()
    # Wages 200 + 150 = 350 − employment cost 145.5 = 204.5 counted; 485 × 2 − 204.5 = 765.5, + the
    # child's 48.50 = 814.00 (was 964.00: 485 × 2 − 54.5 + 48.50), from October (next month).
    assert (old, enrolled.monthly_amount) == (Decimal("964.00"), Decimal("814.00"))
    assert selectors.amount_in_month(enrolled, date(2025, 9, 1)) == old
    assert selectors.amount_in_month(enrolled, date(2025, 10, 1)) == enrolled.monthly_amount


def test_ending_tekun_opens_the_termination_procedure(walk, household, users):
    head = Person.objects.get(household=household, relation="head")
    tekun = create_enrolment(
        None,
        household=household,
        person=head,
        programme="extreme_poverty",
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal("800"),
        reason="测试",
        review_months=12,
    )
    services.do_schedule_reviews(None, today=date(2025, 1, 1))
    services.do_complete_review(
        users["county_reviewer"], _review(household), outcome="end", reasons="已有赡养人", today=date(2025, 3, 3)
    )
    tekun.refresh_from_db()
    assert tekun.status == "active"
    case = Case.objects.get(kind="termination")
    assert list(case.enrolments.all()) == [tekun] and case.status == "accepted"
    walk.verify(case, date(2025, 3, 3))
    walk.survey(case, date(2025, 3, 3))
    walk.notice(case, date(2025, 3, 3))
    walk.confirm(case, date(2025, 3, 10), reasons="法定赡养人具备履行能力")
    walk.enrol(case, date(2025, 3, 10))
    tekun.refresh_from_db()
    assert tekun.status == "ended" and tekun.end_month == date(2025, 3, 1)
    assert fresh(case).status == "enrolled"


def test_schedule_reviews_fills_gaps_only(enrolled, users):
    ReviewTask.objects.all().delete()
    assert services.do_schedule_reviews(users["county_reviewer"], today=date(2025, 5, 1)) == 1
    assert services.do_schedule_reviews(users["county_reviewer"], today=date(2025, 5, 1)) == 0
    assert services.do_schedule_reviews(users["township_officer"], today=date(2025, 5, 1)) == 0


def test_schedule_reviews_for_an_enrolment_older_than_any_policy(enrolled, users):
    """A caseload moved in with start months before the first policy published in doudi: the daily task
    schedules its review with today's procedure instead of failing for the whole county."""
    ReviewTask.objects.all().delete()
    Enrolment.objects.filter(pk=enrolled.pk).update(start_month=date(2001, 3, 1), review_months=0)
    assert services.do_schedule_reviews(None, today=date(2025, 5, 1)) == 1
    # Never reviewed since 2001: 12 months (益阳市's stable-income interval) after the start, long overdue.
    assert _review(enrolled.household).due_on == date(2002, 3, 1)
