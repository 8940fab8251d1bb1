"""The opinion is posted for 7 days; objections stop it; minors' cases are never posted."""

from datetime import date, timedelta

import pytest

from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.models import CaseDeadline, DeadlineKind, PublicNotice
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.core.errors import PermissionDenied
from doudi.registry.services import do_create_household
from doudi.registry.tests import factories as f


@pytest.fixture
def surveyed(walk, household):
    case = walk.open(household)
    walk.accept(case)
    walk.survey(case, ACCEPTED_ON)
    return fresh(case)


def test_the_opinion_needs_a_verification_first(surveyed, walk):
    with pytest.raises(CaseError) as exc:
        walk.notice(surveyed, ACCEPTED_ON)
    assert "逢进必核" in exc.value.message


def test_the_notice_runs_seven_days_and_records_the_assessment(surveyed, walk):
    walk.verify(surveyed, ACCEPTED_ON)
    notice = walk.notice(surveyed, date(2025, 3, 4))
    case = fresh(surveyed)
    assert (notice.starts_on, notice.ends_on) == (date(2025, 3, 4), date(2025, 3, 10))
    assert case.status == "in_notice" and case.opinion_assessment is not None
    assert "拟纳入：最低生活保障 964.00 元/月" in notice.opinion  # 485 × 2 − 54.5 + 48.50
    event = case.events.get(action="start_public_notice")
    assert event.assessment == case.opinion_assessment
    assert CaseDeadline.objects.get(case=case, kind=DeadlineKind.CONFIRM, cancelled=False).started_on == notice.ends_on


def test_village_workers_cannot_post(surveyed, users):
    with pytest.raises(PermissionDenied) as exc:
        services.do_start_public_notice(
            users["village_worker"], surveyed, opinion="同意", place="公示栏", expected_version=surveyed.version
        )
    assert "乡镇经办人员" in exc.value.message


def test_confirming_before_the_notice_ends_is_refused(walk, household):
    case = walk.to_notice(household)
    with pytest.raises(CaseError) as exc:
        walk.confirm(case, date(2025, 3, 9))
    assert exc.value.code == "notice_running" and "2025-03-09" in exc.value.message
    walk.confirm(case, date(2025, 3, 10))
    assert fresh(case).status == "approved"


def test_an_objection_during_the_notice_leads_to_a_new_opinion_and_a_new_notice(walk, household, users):
    case = walk.to_notice(household)
    objection = services.do_record_objection(
        users["township_officer"],
        case,
        content="该户有车",
        raised_by="匿名",
        expected_version=case.version,
        today=date(2025, 3, 6),
    )
    case = fresh(case)
    assert case.status == "objection" and objection.notice.status == "interrupted"
    objection_limit = CaseDeadline.objects.get(case=case, kind=DeadlineKind.OBJECTION)
    assert objection_limit.amount == 15
    assert not CaseDeadline.objects.filter(case=case, kind=DeadlineKind.CONFIRM, cancelled=False).exists()
    with pytest.raises(CaseError):  # no decision while the objection is open
        walk.confirm(case, date(2025, 3, 20))
    notice = services.do_resolve_objection(
        users["township_officer"],
        case,
        upheld=False,
        findings="车辆已于 2024 年转让",
        opinion="维持原意见",
        place="村务公开栏",
        expected_version=case.version,
        today=date(2025, 3, 12),
    )
    case = fresh(case)
    assert notice.round == 2 and notice.ends_on == date(2025, 3, 18) and case.status == "in_notice"
    objection.refresh_from_db()
    assert objection.status == "dismissed"
    assert CaseDeadline.objects.get(case=case, kind=DeadlineKind.OBJECTION).met_on == date(2025, 3, 12)
    with pytest.raises(CaseError):
        walk.confirm(case, date(2025, 3, 18))
    walk.confirm(case, date(2025, 3, 19))
    assert PublicNotice.objects.filter(case=case).count() == 2


def test_an_objection_after_the_notice_is_refused(walk, household, users):
    case = walk.to_notice(household)
    with pytest.raises(CaseError) as exc:
        services.do_record_objection(
            users["township_officer"],
            case,
            content="迟到的异议",
            expected_version=case.version,
            today=date(2025, 3, 11),
        )
    assert "公示期内" in exc.value.message


def test_a_minors_case_is_never_posted(regions, users, walk, published):
    child = f.person_input("小明", "head", date(2012, 5, 1))
    hh = do_create_household(users["county_reviewer"], region_code=regions["lixin"].code, head=child)
    case = walk.open(hh)
    walk.accept(case)
    walk.verify(case, ACCEPTED_ON)
    walk.survey(case, ACCEPTED_ON)
    assert walk.notice(case, ACCEPTED_ON + timedelta(days=1)) is None
    case = fresh(case)
    assert case.status == "awaiting_confirmation" and not case.notices.exists()
    assert "未成年人案件不公示" in case.events.last().note


def test_an_application_cannot_skip_the_notice(surveyed, walk, users):
    walk.verify(surveyed, ACCEPTED_ON)
    with pytest.raises(CaseError) as exc:
        services.do_start_public_notice(
            users["township_officer"], surveyed, opinion="同意", post=False, expected_version=fresh(surveyed).version
        )
    assert exc.value.code == "notice_not_allowed"
