"""Temporary assistance on the fast track (rules.md §4): 小额快救 and 先行救助 by the township,
paperwork completed afterwards.

- 小额快救 (``fast_grant``): an emergency, at most ``temporary.fast_grant_multiple`` × the monthly
  dibao standard, decided within ``procedure.fast_grant_days`` days, no means verification;
- 先行救助 (``help_first``): an emergency, at most ``procedure.help_first_max_amount`` (or the
  temporary-assistance cap), decided within ``procedure.help_first_days`` days.

Both are decided by the township before any survey; the case then waits for its paperwork
(application form, survey record) within ``procedure.paperwork_working_days``. A late decision
is still allowed (help is not refused because the office was slow) but is marked late.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from doudi.cases import deadlines
from doudi.cases.errors import AlreadyHandled, CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    AttachmentCategory,
    Case,
    CaseKind,
    DeadlineKind,
    Decision,
    DecisionLine,
    DecisionOutcome,
)
from doudi.cases.procedure import procedure_for
from doudi.cases.services.common import begin_step, day_of, finish_step, required_text
from doudi.cases.workflow import CaseStatus

TRACKS = {DecisionOutcome.FAST_GRANT: "小额快救", DecisionOutcome.HELP_FIRST: "先行救助"}


@transaction.atomic(durable=True)
def do_decide_fast_grant(
    actor,
    case: Case,
    *,
    track: str,
    amount: Decimal | str,
    reasons: str,
    expected_version: int,
    today: date | None = None,
) -> Decision:
    """Grant emergency help at once (township); refuse amounts above the policy's ceiling.

    Raises ``CaseError`` (``fast_grant_refused``) for a non-emergency case or an amount above the
    ceiling, naming the ceiling and the normal route.
    """
    case = begin_step(actor, case, "decide_fast_grant", expected_version)
    on = day_of(today)
    if track not in TRACKS:
        raise invalid("救助方式", "应为小额快救或先行救助", "track")
    label = TRACKS[track]
    if case.kind != CaseKind.TEMPORARY or (case.temporary_need or {}).get("kind") != "emergency":
        raise CaseError(
            CaseErrorCode.FAST_GRANT_REFUSED,
            f"{label}只适用于急难型临时救助申请，请按一般程序办理。",
            {"field": "track"},
        )
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise invalid("金额", "应为数字", "amount") from None
    if amount <= 0:
        raise invalid("金额", "应大于 0", "amount")
    p = procedure_for(case.region_id, on)
    area = case.household.area_type
    cap = p.fast_grant_cap(area) if track == DecisionOutcome.FAST_GRANT else p.help_first_cap(area)
    if amount > cap:
        raise CaseError(
            CaseErrorCode.FAST_GRANT_REFUSED,
            f"金额 {amount} 元超过{label}上限 {cap} 元，请按一般程序办理（调查、公示、县级审核确认）。",
            {"field": "amount", "cap": str(cap)},
        )
    reasons = required_text(reasons, "救助理由", "reasons")
    days = p.fast_grant_days if track == DecisionOutcome.FAST_GRANT else p.help_first_days
    limit = case.opened_on + timedelta(days=days)
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                case=case, outcome=track, decided_on=on, decided_by=actor, reasons=reasons
            )
    except IntegrityError as exc:
        raise AlreadyHandled(case.number) from exc
    DecisionLine.objects.create(
        decision=decision, programme="temporary", person=case.applicant, one_off_amount=amount, tier=label
    )
    deadlines.meet(case, DeadlineKind.FAST_DECISION, on=on)
    deadlines.start(case, DeadlineKind.PAPERWORK, on, p.paperwork_working_days)
    if case.accepted_on is None:
        case.accepted_on = on
    late = on > limit
    finish_step(
        actor,
        case,
        "decide_fast_grant",
        on=on,
        to_status=CaseStatus.PAPERWORK_PENDING,
        label=label,
        note=f"{label} {amount} 元（上限 {cap} 元）：{reasons}" + (f"；超过 {days} 天办理时限" if late else ""),
        data={"decision_id": decision.pk, "amount": str(amount), "cap": str(cap), "late": late},
    )
    return decision


@transaction.atomic(durable=True)
def do_complete_paperwork(actor, case: Case, *, summary: str, expected_version: int, today: date | None = None) -> Case:
    """Close a fast-track case once its application form or survey record has been uploaded."""
    case = begin_step(actor, case, "complete_paperwork", expected_version)
    on = day_of(today)
    summary = required_text(summary, "补办情况", "summary")
    needed = (AttachmentCategory.APPLICATION, AttachmentCategory.SURVEY)
    if not case.attachments.filter(category__in=needed).exists():
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED,
            "补办手续须先上传申请书或调查记录。",
            {"field": "attachments"},
        )
    deadlines.meet(case, DeadlineKind.PAPERWORK, on=on)
    case.closed_on = on
    finish_step(actor, case, "complete_paperwork", on=on, to_status=CaseStatus.CLOSED, note=summary)
    return case
