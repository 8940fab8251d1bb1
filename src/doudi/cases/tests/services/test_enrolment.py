"""Enrolment is the source of truth for who is paid what each month."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import selectors, services
from doudi.cases.errors import AlreadyHandled, CaseError
from doudi.cases.models import Enrolment, ReviewTask
from doudi.cases.tests.conftest import fresh
from doudi.core.errors import PermissionDenied
from doudi.registry import services as registry
from doudi.registry.models import Person


def test_enrolment_pays_from_the_start_month(walk, household, users):
    case = walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household, programme="dibao")
    head = Person.objects.get(household=household, relation="head")
    assert case.status == "enrolled" and e.person == head and e.status == "active" and e.case == case
    assert sorted(e.covered) == sorted(Person.objects.filter(household=household).values_list("pk", flat=True))
    assert selectors.amount_in_month(e, date(2025, 3, 1)) == 0
    # The household fixture: rural (485), head wages 200 − employment cost 485 × 0.3 = 145.5 → 54.5
    # counted, one child: 485 × 2 − 54.5 = 915.5, + the child's minor supplement 48.50 = 964.00.
    assert selectors.amount_in_month(e, date(2025, 4, 1)) == e.monthly_amount == Decimal("964.00")
    paid = selectors.payable_in_month(actor=users["county_reviewer"], month=date(2025, 4, 15))
    assert paid == [(e, e.monthly_amount)]
    assert selectors.payable_in_month(actor=users["other_village_worker"], month=date(2025, 4, 1)) == []
    review = ReviewTask.objects.get(household=household, kind="periodic")
    assert review.due_on == date(2025, 10, 1)  # half-yearly: the head earns wages


def test_enrolling_twice_is_refused(walk, household, users):
    case = walk.to_approved(household)
    version = fresh(case).version
    walk.enrol(case, date(2025, 3, 11))
    with pytest.raises(AlreadyHandled):
        services.do_enrol(users["county_reviewer"], case, expected_version=version)
    with pytest.raises(CaseError):
        walk.enrol(case, date(2025, 3, 12))
    assert Enrolment.objects.filter(household=household).count() == 1


def test_village_workers_do_not_enrol(walk, household, users):
    case = walk.to_approved(household)
    with pytest.raises(PermissionDenied):
        services.do_enrol(users["village_worker"], case, expected_version=case.version)


def test_a_change_report_goes_the_same_path_and_adjusts_the_amount(walk, household, users):
    walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household, programme="dibao")
    before = e.monthly_amount
    head = Person.objects.get(household=household, relation="head")
    case = services.do_report_change(
        users["village_worker"],
        household,
        change_kind="income_change",
        occurred_on=date(2025, 5, 1),
        note="户主工资增加到 300 元",
        person=head,
        today=date(2025, 5, 6),
    )
    registry.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("100")},
        valid_from=date(2025, 5, 1),
    )
    walk.verify(case, date(2025, 5, 7))
    walk.survey(case, date(2025, 5, 7))
    services.do_start_public_notice(
        users["township_officer"],
        case,
        opinion="收入增加，减发",
        post=False,
        expected_version=fresh(case).version,
        today=date(2025, 5, 8),
    )
    decision = walk.confirm(case, date(2025, 5, 9))
    assert decision.start_month == date(2025, 6, 1)
    walk.enrol(case, date(2025, 5, 9))
    e.refresh_from_db()
    # Wages 200 + 100 = 300 − 145.5 = 154.5 counted: 970 − 154.5 = 815.5 + 48.50 = 864.00 from June.
    assert (before, e.monthly_amount) == (Decimal("964.00"), Decimal("864.00"))
    assert selectors.amount_in_month(e, date(2025, 5, 1)) == before
    assert selectors.amount_in_month(e, date(2025, 6, 1)) == e.monthly_amount


def test_suspension_and_resumption_are_dated(walk, household, users):
    walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household)
    amount = e.monthly_amount
    assert amount == Decimal("964.00")
    services.do_suspend_enrolment(
        users["township_officer"], e, from_month=date(2025, 6, 1), reason="失联核查中", expected_version=e.version
    )
    e.refresh_from_db()
    assert e.status == "suspended" and selectors.amount_in_month(e, date(2025, 6, 1)) == 0
    with pytest.raises(AlreadyHandled):
        services.do_resume_enrolment(
            users["township_officer"], e, from_month=date(2025, 8, 1), reason="已联系", expected_version=e.version - 1
        )
    services.do_resume_enrolment(
        users["township_officer"], e, from_month=date(2025, 8, 1), reason="已联系", expected_version=e.version
    )
    e.refresh_from_db()
    assert [selectors.amount_in_month(e, date(2025, m, 1)) for m in (5, 6, 7, 8)] == [amount, 0, 0, amount]
