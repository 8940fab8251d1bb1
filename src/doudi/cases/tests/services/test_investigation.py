"""Verification, the two-investigator survey and the community review."""

from datetime import date

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.core.errors import NotFound, PermissionDenied

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def accepted(walk, household):
    case = walk.open(household)
    walk.accept(case)
    return fresh(case)


def _survey(users, case, co, **kw):
    kw.setdefault("visited_on", date(2025, 3, 4))
    kw.setdefault("findings", "家中困难属实")
    return services.do_record_survey(
        users["village_worker"],
        case,
        co_investigator=co,
        expected_version=fresh(case).version,
        today=date(2025, 3, 4),
        **kw,
    )


def test_the_survey_counts_only_after_the_second_investigator_signs(accepted, users, co_worker):
    photo = services.do_add_attachment(
        users["village_worker"], accepted, upload=PNG, original_name="门口.png", category="survey"
    )
    survey = _survey(users, accepted, co_worker, photo_ids=[photo.pk])
    assert fresh(accepted).status == "accepted" and not survey.complete
    assert list(survey.photos.values_list("attachment_id", flat=True)) == [photo.pk]
    with pytest.raises(CaseError):  # the first investigator cannot sign twice
        services.do_countersign_survey(users["village_worker"], accepted, expected_version=fresh(accepted).version)
    services.do_countersign_survey(co_worker, accepted, expected_version=fresh(accepted).version)
    survey.refresh_from_db()
    assert survey.complete and fresh(accepted).status == "surveyed"


def test_a_survey_needs_two_different_investigators_of_the_region(accepted, users, regions):
    with pytest.raises(CaseError):
        _survey(users, accepted, users["village_worker"])
    with pytest.raises(CaseError):
        _survey(users, accepted, users["other_village_worker"])
    with pytest.raises(CaseError):
        _survey(users, accepted, UserFactory(role=Role.AUDITOR, region=regions["lixin"]))


def test_a_survey_date_before_acceptance_is_refused(accepted, users, co_worker):
    with pytest.raises(CaseError) as exc:
        _survey(users, accepted, co_worker, visited_on=date(2025, 3, 1))
    assert "调查日期" in exc.value.message


def test_verification_is_for_township_and_county(accepted, users):
    with pytest.raises(PermissionDenied):
        services.do_record_verification(
            users["village_worker"], accepted, summary="一致", expected_version=accepted.version
        )
    with pytest.raises(NotFound):
        services.do_record_verification(
            users["other_township_officer"],
            accepted,
            summary="一致",
            expected_version=accepted.version,
        )
    v = services.do_record_verification(
        users["county_reviewer"],
        accepted,
        summary="存款与申报不符",
        expected_version=accepted.version,
        today=ACCEPTED_ON,
    )
    # No department data loaded: the report is built, and says what it could not check.
    assert v.get_result_display() == "部分数据无法核对"
    assert v.summary.startswith("存款与申报不符（") and "未取得" in v.summary
    assert v.report.case_id == accepted.pk and v.report.purpose == "application"


def test_community_review_is_optional_and_checked(walk, household, users):
    case = walk.open(household)
    walk.accept(case)
    walk.survey(case, date(2025, 3, 4))
    with pytest.raises(CaseError):
        services.do_record_community_review(
            users["township_officer"],
            case,
            held_on=date(2025, 3, 5),
            attendees=9,
            approvals=10,
            summary="x",
            expected_version=fresh(case).version,
            today=date(2025, 3, 5),
        )
    review = services.do_record_community_review(
        users["township_officer"],
        case,
        held_on=date(2025, 3, 5),
        attendees=9,
        approvals=7,
        summary="同意",
        expected_version=fresh(case).version,
        today=date(2025, 3, 5),
    )
    assert review.approvals == 7 and fresh(case).status == "surveyed"
