"""The county decides once: approval from the posted assessment, refusal with written reasons."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.models import CaseDeadline, DeadlineKind, Decision, Enrolment
from doudi.cases.tests.conftest import fresh
from doudi.core.errors import NotFound, PermissionDenied

AFTER_NOTICE = date(2025, 3, 10)


def test_approval_grants_the_posted_amounts_from_next_month(walk, household):
    case = walk.to_notice(household)
    decision = walk.confirm(case, AFTER_NOTICE)
    dibao = case.opinion_assessment.result["programmes"][0]
    line = decision.lines.get(programme="dibao")
    assert dibao["programme"] == "dibao" and line.monthly_amount == Decimal(dibao["monthly_amount"])
    # Rural 485, head wages 200 − 145.5 employment cost = 54.5, one child: 970 − 54.5 + 48.50 (minor).
    assert line.monthly_amount == Decimal("964.00")
    assert decision.start_month == date(2025, 4, 1) and decision.review_months == 6  # the head earns wages
    case = fresh(case)
    assert case.status == "approved" and case.decided_on == AFTER_NOTICE
    assert CaseDeadline.objects.get(case=case, kind=DeadlineKind.TOTAL).met_on == AFTER_NOTICE


@pytest.mark.parametrize(
    ("who", "error"),
    [("township_officer", PermissionDenied), ("foreign_county_reviewer", NotFound), ("auditor", PermissionDenied)],
)
def test_only_the_county_of_the_case_confirms(walk, household, users, who, error):
    case = walk.to_notice(household)
    with pytest.raises(error):
        services.do_confirm_case(users[who], case, approve=True, expected_version=case.version, today=AFTER_NOTICE)


def test_a_refusal_needs_reasons_and_is_notified_within_three_working_days(walk, household, users):
    case = walk.to_notice(household)
    with pytest.raises(CaseError):
        walk.confirm(case, AFTER_NOTICE, approve=False)
    walk.confirm(case, AFTER_NOTICE, approve=False, reasons="家庭财产超过规定")
    limit = CaseDeadline.objects.get(case=case, kind=DeadlineKind.REFUSAL_NOTICE)
    assert limit.due_on == date(2025, 3, 13)
    with pytest.raises(CaseError):  # a refused case cannot be enrolled
        walk.enrol(case, date(2025, 3, 11))
    services.do_record_refusal_notice(
        users["township_officer"],
        case,
        notified_on=date(2025, 3, 12),
        method="送达书面告知书",
        expected_version=fresh(case).version,
        today=date(2025, 3, 12),
    )
    case = fresh(case)
    assert case.status == "closed" and Decision.objects.get(case=case).notified_on == date(2025, 3, 12)
    assert not Enrolment.objects.filter(household=household).exists()


def test_a_near_relative_case_waits_for_the_county_check(walk, household, users):
    case = walk.to_notice(household)
    declaration = services.do_declare_relative(
        users["village_worker"], case, staff_name="李四", staff_position="村委会主任", relation="兄弟"
    )
    with pytest.raises(CaseError) as exc:
        walk.confirm(case, AFTER_NOTICE)
    assert exc.value.code == "relative_unchecked"
    with pytest.raises(PermissionDenied):
        services.do_check_relative(users["township_officer"], declaration, visited_on=AFTER_NOTICE, findings="x")
    services.do_check_relative(
        users["county_reviewer"],
        declaration,
        visited_on=date(2025, 3, 7),
        findings="入户核实，情况属实",
        today=AFTER_NOTICE,
    )
    walk.confirm(case, AFTER_NOTICE)
    assert fresh(case).status == "approved" and fresh(case).relative_flag


def test_an_ineligible_opinion_cannot_be_approved(walk, regions, users, published):
    from doudi.cases.tests.conftest import poor_household

    rich = poor_household(regions["lixin"], users["county_reviewer"], income="9000")
    case = walk.to_notice(rich)
    with pytest.raises(CaseError) as exc:
        walk.confirm(case, AFTER_NOTICE)
    assert exc.value.code == "decision_invalid"


def test_the_start_month_cannot_precede_the_application(walk, household):
    case = walk.to_notice(household)
    with pytest.raises(CaseError):
        walk.confirm(case, AFTER_NOTICE, start_month=date(2025, 1, 1))
    decision = walk.confirm(case, AFTER_NOTICE, start_month=date(2025, 3, 15))
    assert decision.start_month == date(2025, 3, 1)
