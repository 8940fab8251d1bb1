"""Intake: who may open and accept, 一次性告知, duplicates, minors' cases, withdrawal, change reports."""

from datetime import date

import pytest

from doudi.audit.models import AuditEvent
from doudi.cases import services
from doudi.cases.errors import AlreadyHandled, CaseError
from doudi.cases.models import CaseEvent, CaseKind, Enrolment
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.core.errors import NotFound, PermissionDenied
from doudi.registry.services import do_create_household
from doudi.registry.tests import factories as f


def test_opening_records_the_first_timeline_line_and_audit_row(walk, household, users):
    case = walk.open(household, programmes=["dibao"])
    assert case.status == "submitted" and case.number.startswith("2025430981")
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "open_application",
        "submitted",
        "submitted",
        users["village_worker"],
    )
    assert AuditEvent.objects.filter(action="case_open_application", target_id=str(case.pk)).exists()


@pytest.mark.parametrize("who", ["auditor", "city_supervisor", "county_reviewer"])
def test_roles_without_intake_cannot_open(who, users, household):
    with pytest.raises(PermissionDenied):
        services.do_open_application(users[who], household, today=ACCEPTED_ON)


def test_a_worker_of_another_village_cannot_open_or_accept(users, household, walk):
    with pytest.raises(NotFound):
        services.do_open_application(users["other_village_worker"], household, today=ACCEPTED_ON)
    case = walk.open(household)
    with pytest.raises(NotFound):
        services.do_accept_application(users["other_village_worker"], case, expected_version=case.version)


def test_a_second_open_application_of_the_same_household_is_refused(walk, household):
    case = walk.open(household)
    with pytest.raises(CaseError) as exc:
        walk.open(household)
    assert case.number in exc.value.message


def test_missing_materials_are_listed_once_then_the_case_is_accepted(walk, household, users):
    case = walk.open(household)
    notice = services.do_record_missing_materials(
        users["village_worker"],
        case,
        items=["收入证明", " 户口簿 ", ""],
        expected_version=case.version,
        today=ACCEPTED_ON,
    )
    assert notice.items == ["收入证明", "户口簿"] and fresh(case).status == "materials_pending"
    walk.accept(case, on=date(2025, 3, 5))
    notice.refresh_from_db()
    assert notice.resolved_on == date(2025, 3, 5) and fresh(case).status == "accepted"


def test_surveying_before_acceptance_is_refused(walk, household, users, co_worker):
    case = walk.open(household)
    with pytest.raises(CaseError) as exc:
        services.do_record_survey(
            users["village_worker"],
            case,
            visited_on=ACCEPTED_ON,
            findings="x",
            co_investigator=co_worker,
            expected_version=case.version,
            today=ACCEPTED_ON,
        )
    assert "已申请待受理" in exc.value.message


def test_a_stale_version_is_refused_as_already_handled(walk, household, users):
    case = walk.open(household)
    walk.accept(case)
    with pytest.raises(AlreadyHandled) as exc:
        services.do_accept_application(users["township_officer"], case, expected_version=case.version)
    assert "已被他人处理" in exc.value.message and exc.value.code == "conflict"


def test_a_child_applicant_makes_a_minors_case(regions, users, published):
    child = f.person_input("小明", "head", date(2012, 5, 1))
    hh = do_create_household(users["county_reviewer"], region_code=regions["lixin"].code, head=child)
    case = services.do_open_application(users["village_worker"], hh, today=ACCEPTED_ON)
    assert case.minor_case


def test_temporary_need_is_validated(walk, household):
    with pytest.raises(CaseError) as exc:
        walk.open(household, kind=CaseKind.TEMPORARY)
    assert "临时救助事由" in exc.value.message
    with pytest.raises(CaseError):
        walk.open(
            household,
            kind=CaseKind.TEMPORARY,
            temporary_need={"kind": "emergency", "event": "fire", "occurred_on": "2025-04-01", "amount": "500"},
        )


def test_withdrawal_needs_a_reason_and_cancels_the_limits(walk, household, users):
    case = walk.open(household)
    walk.accept(case)
    with pytest.raises(CaseError):
        services.do_withdraw_case(users["village_worker"], case, reason=" ", expected_version=fresh(case).version)
    services.do_withdraw_case(users["village_worker"], case, reason="申请人撤回", expected_version=fresh(case).version)
    case = fresh(case)
    assert case.status == "withdrawn" and not case.deadlines.filter(met_on__isnull=True, cancelled=False).exists()


def test_a_change_report_needs_an_enrolled_household(walk, household, users):
    with pytest.raises(CaseError):
        services.do_report_change(
            users["village_worker"], household, change_kind="income_change", occurred_on=ACCEPTED_ON, note="找到工作"
        )
    walk.to_enrolled(household)
    case = services.do_report_change(
        users["village_worker"],
        household,
        change_kind="income_change",
        occurred_on=date(2025, 5, 1),
        note="户主找到工作",
        today=date(2025, 5, 6),
    )
    assert case.kind == "change" and case.status == "accepted"
    assert set(case.enrolments.all()) == set(Enrolment.objects.filter(household=household))


def test_referrals_are_recorded_on_the_timeline(walk, household, users):
    case = walk.open(household)
    referral = services.do_create_referral(users["village_worker"], case, to_department="县医保局", need="大病报销")
    services.do_record_referral_outcome(users["township_officer"], referral, outcome="已报销 3000 元")
    referral.refresh_from_db()
    assert referral.status == "done"
    with pytest.raises(AlreadyHandled):
        services.do_record_referral_outcome(users["township_officer"], referral, outcome="again")
    assert list(CaseEvent.objects.filter(case=case).values_list("label", flat=True))[-2:] == ["转介", "转介反馈"]
