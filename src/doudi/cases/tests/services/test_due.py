"""Automatic due tasks: children at 18 (and later while at school), tekun at 18, longevity by birthday month."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import selectors, services
from doudi.cases.models import Case, CaseEvent, Enrolment, ReviewTask
from doudi.cases.services.enrolment import create_enrolment
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.services import do_create_household
from doudi.registry.tests import factories as f

BIRTH = date(2007, 6, 15)  # 18 on 2025-06-15


@pytest.fixture
def child(regions, users, published):
    hh = do_create_household(
        users["county_reviewer"],
        region_code=regions["lixin"].code,
        head=f.person_input("王奶奶", birth=date(1950, 1, 1)),
        members=[f.person_input("小红", "grandchild", BIRTH, male=False)],
        joined_on=date(2020, 1, 1),
    )
    return Person.objects.get(household=hh, name="小红")


def _enrol(person, programme="orphan", amount="1651"):
    return create_enrolment(
        None,
        household=person.household,
        person=person,
        programme=programme,
        start_month=date(2024, 1, 1),
        monthly_amount=Decimal(amount),
        reason="测试",
        covered=[person.pk],
    )


def _school(users, person, until=None, stage="senior"):
    registry.do_record_evidence(
        users["county_reviewer"],
        person,
        kind="schooling",
        values={"stage": stage, "institution": "沅江一中"},
        valid_from=date(2022, 9, 1),
        valid_to=until,
    )


def test_an_18th_birthday_check_is_scheduled_at_enrolment(child):
    e = _enrol(child)
    assert ReviewTask.objects.get(enrolment=e, kind="age_check").due_on == BIRTH.replace(year=2025)


def _enrol_from(person, start_month, programme="extreme_poverty"):
    return create_enrolment(
        None,
        household=person.household,
        person=person,
        programme=programme,
        start_month=start_month,
        monthly_amount=Decimal("900"),
        reason="测试",
        covered=[person.pk],
    )


def test_an_adult_is_not_checked_against_an_18th_birthday_already_past(child):
    """Tekun of an adult rests on age, disability or illness: no 18th-birthday check (it would end it)."""
    e = _enrol_from(child, date(2025, 7, 1))
    assert not ReviewTask.objects.filter(enrolment=e, kind="age_check").exists()
    assert services.do_run_due_tasks(today=date(2025, 7, 2)).get("tekun_termination_opened", 0) == 0


def test_a_left_over_age_check_of_an_adult_is_cancelled_not_turned_into_a_termination(child):
    """Tasks scheduled before adults were exempt (due on an 18th birthday before the start) are dropped."""
    e = _enrol_from(child, date(2025, 7, 1))
    task = ReviewTask.objects.create(
        kind="age_check",
        household=e.household,
        person=child,
        enrolment=e,
        region_id=e.region_id,
        due_on=BIRTH.replace(year=2025),
    )
    assert services.do_run_due_tasks(today=date(2025, 7, 2))["age_check_cancelled"] == 1
    task.refresh_from_db()
    assert (task.status, task.reasons) == ("cancelled", "小红 纳入特困供养时已成年，不按 18 周岁核查")
    assert not Case.objects.filter(kind="termination").exists()
    e.refresh_from_db()
    assert e.status == "active"


def test_an_adult_kept_on_at_school_is_checked_from_the_start_month(child, users):
    _school(users, child)
    e = _enrol_from(child, date(2025, 7, 1))
    assert ReviewTask.objects.get(enrolment=e, kind="age_check").due_on == date(2025, 7, 1)


def test_a_child_allowance_ends_with_the_month_of_the_18th_birthday(child):
    e = _enrol(child)
    assert services.do_run_due_tasks(today=date(2025, 6, 14)).get("child_allowance_ended", 0) == 0
    assert services.do_run_due_tasks(today=date(2025, 6, 16))["child_allowance_ended"] == 1
    e.refresh_from_db()
    assert e.status == "ended" and e.end_month == date(2025, 6, 1)
    assert selectors.amount_in_month(e, date(2025, 6, 1)) == Decimal("1651")
    assert selectors.amount_in_month(e, date(2025, 7, 1)) == 0


def test_a_child_at_school_continues_past_18_until_school_ends(child, users):
    e = _enrol(child)
    _school(users, child, until=date(2025, 7, 1))
    assert services.do_run_due_tasks(today=date(2025, 6, 16))["continued_at_school"] == 1
    e.refresh_from_db()
    assert e.status == "active"
    task = ReviewTask.objects.get(enrolment=e, status="open")
    assert task.due_on == date(2025, 7, 1)
    assert services.do_run_due_tasks(today=date(2025, 7, 2))["child_allowance_ended"] == 1
    e.refresh_from_db()
    assert e.end_month == date(2025, 7, 1)


def test_schooling_without_an_end_is_rechecked_within_the_age_limit(child, users):
    e = _enrol(child)
    _school(users, child, stage="undergraduate")
    services.do_run_due_tasks(today=date(2025, 6, 16))
    assert ReviewTask.objects.get(enrolment=e, status="open").due_on == date(2025, 12, 16)


def test_tekun_at_18_out_of_school_opens_the_termination_procedure(child):
    e = _enrol(child, "extreme_poverty", "900")
    summary = services.do_run_due_tasks(today=date(2025, 6, 16))
    assert summary["tekun_termination_opened"] == 1
    e.refresh_from_db()
    assert e.status == "active"
    case = Case.objects.get(kind="termination")
    assert case.channel == "system" and list(case.enrolments.all()) == [e]
    assert CaseEvent.objects.filter(case=case, actor__isnull=True).exists()


def test_tekun_at_school_in_higher_education_is_not_continued(child, users):
    """§2.6 continues tekun only in 义务教育, 普通高中 or 中职."""
    _enrol(child, "extreme_poverty", "900")
    _school(users, child, stage="undergraduate")
    assert services.do_run_due_tasks(today=date(2025, 6, 16))["tekun_termination_opened"] == 1


def _elder(regions, users, birth):
    hh = do_create_household(
        users["county_reviewer"],
        region_code=regions["lixin"].code,
        head=f.person_input("李爷爷", birth=birth),
        joined_on=date(2020, 1, 1),
    )
    return Person.objects.get(household=hh)


def test_longevity_starts_in_the_birthday_month(regions, users, published):
    elder = _elder(regions, users, date(1935, 8, 20))
    assert services.do_run_due_tasks(today=date(2025, 7, 31)).get("longevity_started", 0) == 0
    assert services.do_run_due_tasks(today=date(2025, 8, 1))["longevity_started"] == 1
    assert services.do_run_due_tasks(today=date(2025, 8, 2)).get("longevity_started", 0) == 0
    e = Enrolment.objects.get(person=elder, programme="longevity_allowance")
    assert (e.start_month, e.monthly_amount, e.automatic) == (date(2025, 8, 1), Decimal("100.00"), True)


def test_the_means_tested_tier_needs_a_dibao_household(regions, users, published):
    elder = _elder(regions, users, date(1945, 8, 20))
    assert services.do_run_due_tasks(today=date(2025, 8, 1))["longevity_not_eligible"] == 1
    create_enrolment(
        None,
        household=elder.household,
        person=elder,
        programme="dibao",
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal("400"),
        reason="测试",
    )
    assert services.do_run_due_tasks(today=date(2025, 8, 1))["longevity_started"] == 1
    assert Enrolment.objects.get(person=elder, programme="longevity_allowance").monthly_amount == Decimal("50")


def test_the_next_tier_starts_in_its_birthday_month(regions, users, published):
    elder = _elder(regions, users, date(1935, 8, 20))
    e = create_enrolment(
        None,
        household=elder.household,
        person=elder,
        programme="longevity_allowance",
        start_month=date(2015, 8, 1),
        monthly_amount=Decimal("50"),
        reason="测试",
    )
    assert services.do_run_due_tasks(today=date(2025, 8, 3))["longevity_tier_changed"] == 1
    assert selectors.amount_in_month(e, date(2025, 7, 1)) == Decimal("50")
    assert selectors.amount_in_month(e, date(2025, 8, 1)) == Decimal("100")
