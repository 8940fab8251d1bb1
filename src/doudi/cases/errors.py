"""Error codes of the case workflow; messages are Chinese and name the step and the reason."""

from __future__ import annotations

from enum import StrEnum

from doudi.core.errors import Conflict, DomainError


class CaseErrorCode(StrEnum):
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    NOTICE_RUNNING = "notice_running"
    NOTICE_NOT_ALLOWED = "notice_not_allowed"
    OBJECTION_OPEN = "objection_open"
    RELATIVE_UNCHECKED = "relative_unchecked"
    VERIFICATION_MISSING = "verification_missing"
    SURVEY_INVALID = "survey_invalid"
    DECISION_INVALID = "decision_invalid"
    ENROLMENT_INVALID = "enrolment_invalid"
    FAST_GRANT_REFUSED = "fast_grant_refused"
    ATTACHMENT_INVALID = "attachment_invalid"
    REVIEW_INVALID = "review_invalid"
    CALENDAR_NOT_COVERED = "calendar_not_covered"
    FIELD_INVALID = "field_invalid"


class CaseError(DomainError):
    """A rule of the case procedure refused the step."""


class AlreadyHandled(Conflict):
    """Someone else acted on the case since it was read: nothing is decided twice."""

    def __init__(self, number: str = ""):
        what = f"案件 {number} " if number else "该案件"
        super().__init__(f"{what}已被他人处理，请刷新后查看最新状态再操作。")


def invalid(label: str, reason: str, field: str) -> CaseError:
    return CaseError(CaseErrorCode.FIELD_INVALID, f"{label}：{reason}。", {"field": field})
