"""Temporary assistance on the fast track: within the policy's ceilings, paperwork afterwards."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.models import CaseDeadline, DeadlineKind, Decision
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.core.errors import PermissionDenied

PDF = b"%PDF-1.4\n" + b"x" * 100
FIRE = {"kind": "emergency", "event": "fire", "occurred_on": "2025-03-02", "amount": "8000", "fast": True}


@pytest.fixture
def fire_case(walk, household):
    return walk.open(household, kind="temporary", temporary_need=FIRE)


def test_the_fast_decision_clock_runs_three_days(fire_case):
    assert CaseDeadline.objects.get(case=fire_case, kind=DeadlineKind.FAST_DECISION).due_on == date(2025, 3, 6)


def test_a_fast_grant_within_one_month_of_the_standard_is_paid_then_papered(fire_case, users):
    decision = services.do_decide_fast_grant(
        users["township_officer"],
        fire_case,
        track="fast_grant",
        amount="485",
        reasons="火灾，房屋受损",
        expected_version=fire_case.version,
        today=date(2025, 3, 4),
    )
    case = fresh(fire_case)
    assert case.status == "paperwork_pending" and decision.lines.get().one_off_amount == Decimal("485")
    assert CaseDeadline.objects.get(case=case, kind=DeadlineKind.FAST_DECISION).met_on == date(2025, 3, 4)
    assert CaseDeadline.objects.get(case=case, kind=DeadlineKind.PAPERWORK).amount == 10
    with pytest.raises(CaseError) as exc:
        services.do_complete_paperwork(users["township_officer"], case, summary="补齐", expected_version=case.version)
    assert "申请书" in exc.value.message
    services.do_add_attachment(
        users["village_worker"], case, upload=PDF, original_name="申请书.pdf", category="application"
    )
    services.do_complete_paperwork(
        users["township_officer"], case, summary="申请书已补签", expected_version=fresh(case).version
    )
    assert fresh(case).status == "closed"


def test_a_fast_grant_above_the_ceiling_is_refused(fire_case, users):
    with pytest.raises(CaseError) as exc:
        services.do_decide_fast_grant(
            users["township_officer"],
            fire_case,
            track="fast_grant",
            amount="485.01",
            reasons="火灾",
            expected_version=fire_case.version,
        )
    assert exc.value.code == "fast_grant_refused" and "485.00" in exc.value.message
    assert not Decision.objects.exists()


def test_help_first_is_capped_by_the_township_limit(fire_case, users):
    with pytest.raises(CaseError):
        services.do_decide_fast_grant(
            users["township_officer"],
            fire_case,
            track="help_first",
            amount="2000.01",
            reasons="火灾",
            expected_version=fire_case.version,
        )
    services.do_decide_fast_grant(
        users["township_officer"],
        fire_case,
        track="help_first",
        amount="2000",
        reasons="火灾",
        expected_version=fire_case.version,
        today=date(2025, 3, 9),
    )
    event = fresh(fire_case).events.last()
    assert event.label == "先行救助" and event.data["late"] is True and "超过 3 天" in event.note


def test_only_the_township_decides_fast_grants(fire_case, users):
    with pytest.raises(PermissionDenied):
        services.do_decide_fast_grant(
            users["village_worker"],
            fire_case,
            track="fast_grant",
            amount="100",
            reasons="火灾",
            expected_version=fire_case.version,
        )


def test_expense_type_needs_the_normal_procedure(walk, household, users):
    case = walk.open(household, kind="temporary", temporary_need={**FIRE, "kind": "expense", "event": "medical"})
    with pytest.raises(CaseError) as exc:
        services.do_decide_fast_grant(
            users["township_officer"],
            case,
            track="fast_grant",
            amount="100",
            reasons="医疗",
            expected_version=case.version,
            today=ACCEPTED_ON,
        )
    assert "急难型" in exc.value.message


def test_a_normal_temporary_case_grants_a_one_off_amount(walk, household):
    case = walk.to_notice(household, kind="temporary", temporary_need={**FIRE, "fast": False})
    decision = walk.confirm(case, date(2025, 3, 10))
    line = decision.lines.get()  # the need only: no monthly programme from a temporary request
    assert line.programme == "temporary"
    assert line.one_off_amount == Decimal("4850.00")  # capped at 10 × 485
    walk.enrol(case, date(2025, 3, 11))
    assert fresh(case).status == "enrolled"
