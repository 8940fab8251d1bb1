"""Two people acting on the same thing at the same instant: exactly one acts, the other is told.

Each decision-like step is run by two real threads on two database connections released together by
a barrier. Row locks and the expected version make the second wait and then find the work done
("已被他人处理"), so nothing is decided, enrolled, suspended, resumed, reviewed or granted twice. Only
PostgreSQL has row locks (``postgresql_only``: the one skip allowed on SQLite).
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases import services
from doudi.cases.errors import AlreadyHandled
from doudi.cases.models import Decision, Enrolment, EnrolmentChange, ReviewTask
from doudi.cases.tests.conftest import fresh, poor_household

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql_only]

FIRE = {"kind": "emergency", "event": "fire", "occurred_on": "2025-03-02", "amount": "8000", "fast": True}


def race(*actions) -> list[str]:
    """Run the callables at once, each in its own thread and connection; return their outcomes."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def run(action):
        try:
            barrier.wait()
            action()
            outcomes.append("done")
        except AlreadyHandled as exc:
            assert "已被他人处理" in exc.message
            outcomes.append("already_handled")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return sorted(outcomes)


@pytest.fixture
def second(regions):
    """A second user for each role that acts at the same time as the first."""
    return {
        "township_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=regions["caowei"]),
        "county_reviewer": UserFactory(role=Role.COUNTY_REVIEWER, region=regions["yuanjiang"]),
    }


@pytest.fixture
def approved(regions, users, walk):
    return walk.to_approved(poor_household(regions["lixin"], users["county_reviewer"]))


@pytest.fixture
def enrolment(regions, users, walk):
    case = walk.to_enrolled(poor_household(regions["lixin"], users["county_reviewer"]))
    return Enrolment.objects.get(case=case, programme="dibao")


def test_two_officers_enrolling_the_same_case_enrol_once(approved, users, second):
    seen = fresh(approved).version

    def enrol(user):
        return lambda: services.do_enrol(user, approved, expected_version=seen, today=date(2025, 3, 11))

    assert race(enrol(users["township_officer"]), enrol(second["township_officer"])) == ["already_handled", "done"]
    assert Enrolment.objects.filter(case=approved, programme="dibao").count() == 1
    assert fresh(approved).status == "enrolled"


def test_two_officers_suspending_at_once_suspend_once(enrolment, users, second):
    seen = enrolment.version
    changes = EnrolmentChange.objects.filter(enrolment=enrolment).count()

    def suspend(user):
        return lambda: services.do_suspend_enrolment(
            user, enrolment, from_month=date(2025, 5, 1), reason="失去联系", expected_version=seen
        )

    assert race(suspend(users["township_officer"]), suspend(second["township_officer"])) == [
        "already_handled",
        "done",
    ]
    enrolment.refresh_from_db()
    assert enrolment.status == "suspended"
    assert EnrolmentChange.objects.filter(enrolment=enrolment).count() == changes + 1


def test_two_officers_resuming_at_once_resume_once(enrolment, users, second):
    services.do_suspend_enrolment(
        users["township_officer"],
        enrolment,
        from_month=date(2025, 5, 1),
        reason="失去联系",
        expected_version=enrolment.version,
    )
    enrolment.refresh_from_db()
    seen, changes = enrolment.version, EnrolmentChange.objects.filter(enrolment=enrolment).count()
    amount = enrolment.monthly_amount
    assert amount == Decimal("964.00")  # the entitlement is kept while suspended

    def resume(user):
        return lambda: services.do_resume_enrolment(
            user, enrolment, from_month=date(2025, 7, 1), reason="已联系上", expected_version=seen
        )

    assert race(resume(users["township_officer"]), resume(second["township_officer"])) == [
        "already_handled",
        "done",
    ]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.monthly_amount) == ("active", amount)
    assert EnrolmentChange.objects.filter(enrolment=enrolment).count() == changes + 1


def test_two_reviewers_completing_one_review_complete_it_once(enrolment, users, second):
    task = ReviewTask.objects.get(household=enrolment.household, kind="periodic", status="open")

    def complete(user, outcome, reasons=""):
        return lambda: services.do_complete_review(
            user, task, outcome=outcome, reasons=reasons, today=date(2025, 10, 9)
        )

    outcomes = race(
        complete(users["county_reviewer"], "unchanged"),
        complete(second["county_reviewer"], "end", "家庭收入已超过标准"),
    )
    assert outcomes == ["already_handled", "done"]
    assert ReviewTask.objects.filter(pk=task.pk, status="done").count() == 1
    # The next periodic review is scheduled once, whoever won.
    assert ReviewTask.objects.filter(household=enrolment.household, kind="periodic", status="open").count() <= 1


def test_two_officers_granting_one_fire_case_grant_once(regions, users, walk, second):
    case = walk.open(poor_household(regions["lixin"], users["county_reviewer"]), kind="temporary", temporary_need=FIRE)
    seen = fresh(case).version

    def grant(user, amount):
        return lambda: services.do_decide_fast_grant(
            user,
            case,
            track="fast_grant",
            amount=amount,
            reasons="火灾，房屋受损",
            expected_version=seen,
            today=date(2025, 3, 4),
        )

    assert race(grant(users["township_officer"], "485"), grant(second["township_officer"], "300")) == [
        "already_handled",
        "done",
    ]
    decisions = Decision.objects.filter(case=case)
    assert decisions.count() == 1
    assert decisions.get().lines.get().one_off_amount in (Decimal("485"), Decimal("300"))
