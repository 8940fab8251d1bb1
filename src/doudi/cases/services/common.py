"""Shared plumbing of the case services: locking, the timeline, permissions and months.

Every step: check the capability (before looking anything up), lock the case row, check the
actor's region scope and the expected version, check the transition, do the work, record the
event on the timeline and in the audit trail, bump the version — all in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from doudi.accounts.scope import check_capability, check_in_scope
from doudi.audit.services import record_event
from doudi.cases.errors import AlreadyHandled, CaseError, CaseErrorCode
from doudi.cases.models import Case, CaseEvent, Enrolment
from doudi.cases.workflow import SIDE_STEPS, TERMINAL, TRANSITIONS, CaseStatus, check_transition


def day_of(on: date | None = None) -> date:
    """Return ``on`` or the local date (services take ``today=`` only for tests and replays)."""
    return on or timezone.localdate()


def check_step_capability(actor, step: str) -> None:
    """Raise ``PermissionDenied`` naming who may take ``step`` when the actor's role may not."""
    if step in TRANSITIONS:
        t = TRANSITIONS[step]
        check_capability(actor, t.capability, f"“{t.label}”须由{t.who}办理，您的角色无权操作。")
    else:
        check_capability(actor, SIDE_STEPS[step], "您的角色无权执行此操作。")


def lock_case(case_id: int) -> Case:
    """Return the case row locked for this transaction (``SELECT … FOR UPDATE``).

    One case is locked at a time, so no lock-order deadlock can arise; steps that touch several
    cases lock them one by one in primary-key order (``lock_cases``).
    """
    try:
        return Case.objects.select_for_update(of=("self",)).select_related("household", "region").get(pk=case_id)
    except Case.DoesNotExist:
        from doudi.core.errors import NotFound

        raise NotFound("案件") from None


def lock_cases(case_ids) -> list[Case]:
    return [lock_case(pk) for pk in sorted(set(case_ids))]


def lock_enrolments(enrolment_ids) -> list[Enrolment]:
    return list(Enrolment.objects.select_for_update().filter(pk__in=enrolment_ids).order_by("pk"))


def begin_step(actor, case: Case | int, step: str, expected_version: int | None) -> Case:
    """Check capability, lock, scope, version and transition; return the locked case.

    ``expected_version`` is the version the actor saw; ``None`` is allowed only for system jobs.
    A mismatch means someone else acted first: ``AlreadyHandled`` ("已被他人处理").
    """
    if actor is not None:
        check_step_capability(actor, step)
    locked = lock_case(case if isinstance(case, int) else case.pk)
    if actor is not None:
        check_in_scope(actor, locked.region_id, "案件")
    if expected_version is not None and locked.version != expected_version:
        raise AlreadyHandled(locked.number)
    if step in TRANSITIONS:
        check_transition(step, locked.status)
    elif locked.status in TERMINAL and step not in (
        "create_referral",
        "record_referral_outcome",
        "add_attachment",
    ):
        raise CaseError(CaseErrorCode.TRANSITION_NOT_ALLOWED, f"案件 {locked.number} 已办结，不能再办理此事项。")
    return locked


def finish_step(
    actor,
    case: Case,
    step: str,
    *,
    on: date,
    to_status: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    assessment=None,
    label: str = "",
) -> CaseEvent:
    """Move the case to ``to_status`` (if given), bump its version, and record the step twice:
    on the case timeline (``CaseEvent``) and in the audit trail (``AuditEvent``)."""
    from_status = case.status
    if to_status and to_status != from_status:
        transition = TRANSITIONS.get(step)
        if transition is not None and to_status not in transition.targets:
            raise AssertionError(f"{step} cannot lead to {to_status}")  # pragma: no cover - a bug, not a user error
        case.status = to_status
    case.version += 1
    case.save()
    label = label or (TRANSITIONS[step].label if step in TRANSITIONS else step)
    event = CaseEvent.objects.create(
        case=case,
        on=on,
        actor=actor if getattr(actor, "pk", None) else None,
        action=step,
        label=label,
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data or {},
        assessment=assessment,
    )
    changes = {}
    if case.status != from_status:
        changes["status"] = {
            "label": "状态",
            "old": str(CaseStatus(from_status).label),
            "new": case.get_status_display(),
        }
    record_event(
        actor,
        action=f"case_{step}",
        target=case,
        household_id=case.household_id,
        region_code=case.region_id,
        changes=changes,
        reason=note[:200],
        label=f"{case.number} {label}",
    )
    return event


def required_text(value: str, label: str, field: str) -> str:
    from doudi.cases.errors import invalid

    value = (value or "").strip()
    if not value:
        raise invalid(label, "不能为空", field)
    return value


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)
