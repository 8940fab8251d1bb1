"""合户 of a household with live benefits: the target's change case takes them in and, once enrolled, ends them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.cases import services
from doudi.cases.models import Case, CaseKind, Enrolment
from doudi.cases.services.common import add_months, month_start
from doudi.cases.services.enrolment import create_enrolment
from doudi.cases.tests.conftest import fresh, poor_household
from doudi.registry import moves
from doudi.registry.models import Person


def _enrol(household, person, amount="500.00"):
    return create_enrolment(
        None,
        household=household,
        person=person,
        programme="dibao",
        start_month=date(2024, 1, 1),
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        covered=[person.pk],
    )


@pytest.fixture
def merged(regions, users, published, django_capture_on_commit_callbacks):
    target = poor_household(regions["lixin"], users["county_reviewer"], joined_on=date(2010, 1, 1))
    source = poor_household(regions["lixin"], users["county_reviewer"], joined_on=date(2010, 1, 1))
    theirs = _enrol(source, Person.objects.get(household=source, relation="head"))
    with django_capture_on_commit_callbacks(execute=True):
        moves.do_merge_households(
            users["village_worker"], source, target, relations={}, merged_on=timezone.localdate(), reason="投靠亲属合户"
        )
    return target, source, theirs


def test_merging_opens_the_targets_change_case_with_the_merged_benefits(merged):
    target, source, theirs = merged
    case = Case.objects.get(kind=CaseKind.CHANGE)
    assert case.household == target and case.change["kind"] == "new_member"
    assert list(case.enrolments.all()) == [theirs]
    assert not AuditEvent.objects.filter(action="flag_change_pending").exists()
    assert AuditEvent.objects.filter(action="flag_change", household_id=source.pk).exists()


def test_enrolling_the_change_case_ends_the_merged_benefits_and_pays_the_target(merged, walk, users):
    target, _, theirs = merged
    case = Case.objects.get(kind=CaseKind.CHANGE)
    today = timezone.localdate()
    walk.verify(case, today)
    walk.survey(case, today)
    services.do_start_public_notice(
        users["township_officer"], case, opinion="合户后重新核定", post=False, expected_version=fresh(case).version,
        today=today,
    )  # fmt: skip
    decision = walk.confirm(case, today)
    walk.enrol(case, today)
    theirs.refresh_from_db()
    assert theirs.status == "ended" and theirs.end_month == add_months(decision.start_month, -1)
    assert "已并入" in theirs.end_reason
    new = Enrolment.objects.get(household=target, programme="dibao")
    assert new.status == "active" and new.start_month == decision.start_month >= month_start(today)
    assert set(new.covered) == set(Person.objects.filter(household=target).values_list("pk", flat=True))


def test_an_open_change_case_of_the_target_takes_the_merged_benefits(
    regions,
    users,
    published,
    django_capture_on_commit_callbacks,
):
    target = poor_household(regions["lixin"], users["county_reviewer"], joined_on=date(2010, 1, 1))
    source = poor_household(regions["lixin"], users["county_reviewer"], joined_on=date(2010, 1, 1))
    _enrol(target, Person.objects.get(household=target, relation="head"))
    theirs = _enrol(source, Person.objects.get(household=source, relation="head"))
    open_case = services.do_report_change(
        users["village_worker"], target, change_kind="income_change", occurred_on=timezone.localdate(), note="收入"
    )
    with django_capture_on_commit_callbacks(execute=True):
        moves.do_merge_households(
            users["village_worker"], source, target, relations={}, merged_on=timezone.localdate(), reason="合户"
        )
    assert Case.objects.filter(kind=CaseKind.CHANGE).count() == 1 and theirs in open_case.enrolments.all()
    pending = AuditEvent.objects.get(action="flag_change_pending")
    assert pending.household_id == target.pk and open_case.number in pending.changes["why"]["new"]
