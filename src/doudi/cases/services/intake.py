"""Intake through the one window (一门受理, rules.md §1.2, §1.8): application, 一次性告知, acceptance,
withdrawal, near-relative declarations, referrals and change reports."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from doudi.accounts.scope import check_in_scope
from doudi.cases import deadlines
from doudi.cases.errors import CaseError, CaseErrorCode, invalid
from doudi.cases.models import (
    Case,
    CaseKind,
    Channel,
    DeadlineKind,
    Enrolment,
    EnrolmentStatus,
    MissingMaterialsNotice,
    Programme,
    Referral,
    ReferralStatus,
    RelativeDeclaration,
    RelativeStatus,
)
from doudi.cases.procedure import procedure_for
from doudi.cases.services.common import (
    begin_step,
    check_step_capability,
    day_of,
    finish_step,
    lock_case,
    required_text,
)
from doudi.cases.workflow import OPEN, CaseStatus
from doudi.policy.engine.dates import age_on
from doudi.policy.engine.facts import TEMPORARY_EVENT_LABELS, TEMPORARY_KIND_LABELS
from doudi.registry.models import Household, Person

CHILD_PROGRAMMES = frozenset({"orphan", "de_facto_orphan"})
REQUESTABLE = frozenset(Programme.values) | {"temporary"}
CHANGE_KINDS = {
    "new_member": "新增家庭成员",
    "member_left": "家庭成员减少",
    "death": "家庭成员死亡",
    "income_change": "收入变化",
    "property_change": "财产变化",
    "other": "其他变化",
}


def _applicant(household: Household, applicant: Person | None) -> Person:
    if applicant is None:
        head = Person.objects.filter(household=household, relation="head").first()
        if head is None:
            raise invalid("申请人", "该家庭没有户主，请指定申请人", "applicant")
        return head
    if applicant.household_id != household.pk:
        raise invalid("申请人", f"{applicant.name} 不是该家庭的成员", "applicant")
    return applicant


def _temporary_need(raw: dict | None, *, opened_on: date) -> dict:
    if not raw:
        raise invalid("临时救助事由", "临时救助申请须填写事由、发生日期和金额", "temporary_need")
    kind, event = raw.get("kind"), raw.get("event")
    if kind not in TEMPORARY_KIND_LABELS:
        raise invalid("临时救助类型", f"应为{'或'.join(TEMPORARY_KIND_LABELS.values())}", "temporary_need.kind")
    if event not in TEMPORARY_EVENT_LABELS:
        raise invalid("临时救助事由", "不认识的事由", "temporary_need.event")
    try:
        amount = Decimal(str(raw.get("amount")))
        other = Decimal(str(raw.get("other_aid") or "0"))
    except (InvalidOperation, ValueError):
        raise invalid("临时救助金额", "应为数字", "temporary_need.amount") from None
    if amount <= 0 or other < 0:
        raise invalid("临时救助金额", "应大于 0", "temporary_need.amount")
    occurred = raw.get("occurred_on")
    occurred = date.fromisoformat(occurred) if isinstance(occurred, str) else occurred
    if not isinstance(occurred, date) or occurred > opened_on:
        raise invalid("发生日期", "应为申请日当天或之前的日期", "temporary_need.occurred_on")
    return {
        "kind": kind,
        "event": event,
        "occurred_on": occurred.isoformat(),
        "amount": str(amount),
        "other_aid": str(other),
        "fast": bool(raw.get("fast", False)),
    }


def _new_case(actor, household: Household, **fields) -> Case:
    case = Case.objects.create(
        number=f"tmp-{uuid.uuid4().hex[:20]}",
        household=household,
        region_id=household.region_id,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    case.number = f"{case.opened_on:%Y}{case.region_id[:6]}{case.pk:06d}"
    return case


@transaction.atomic(durable=True)
def do_open_application(
    actor,
    household: Household,
    *,
    kind: str = CaseKind.APPLICATION,
    programmes: list[str] | tuple = (),
    applicant: Person | None = None,
    channel: str = Channel.WINDOW,
    special: bool = False,
    temporary_need: dict | None = None,
    note: str = "",
    today: date | None = None,
) -> Case:
    """Register an application (申请) for a household; it waits for acceptance (受理).

    ``programmes`` are the programmes asked for (one window: the assessment screens all of them
    anyway). A temporary-assistance application (``kind="temporary"``) carries ``temporary_need``:
    ``{kind: emergency|expense, event, occurred_on, amount, other_aid, fast}``. A case whose
    applicant is a minor, or that asks only for child allowances, is a minors' case: its opinion is
    never posted (§2.3, §6.2).

    Raises ``PermissionDenied`` (role), ``NotFound`` (household outside the actor's region) or
    ``CaseError`` (invalid input, or an application of the household already open).
    """
    return open_application(
        actor,
        household,
        kind=kind,
        programmes=programmes,
        applicant=applicant,
        channel=channel,
        special=special,
        temporary_need=temporary_need,
        note=note,
        today=today,
    )


def open_application(
    actor,
    household: Household,
    *,
    kind: str = CaseKind.APPLICATION,
    programmes: list[str] | tuple = (),
    applicant: Person | None = None,
    channel: str = Channel.WINDOW,
    special: bool = False,
    temporary_need: dict | None = None,
    note: str = "",
    today: date | None = None,
) -> Case:
    """``do_open_application`` inside the caller's transaction."""
    check_step_capability(actor, "open_application")
    check_in_scope(actor, household.region_id, "家庭")
    on = day_of(today)
    if kind not in (CaseKind.APPLICATION, CaseKind.TEMPORARY):
        raise invalid("申请类型", "只能登记救助申请或临时救助申请", "kind")
    if channel not in Channel.values or channel == Channel.SYSTEM:
        raise invalid("申请方式", "不认识的申请方式", "channel")
    unknown = [p for p in programmes if p not in REQUESTABLE]
    if unknown:
        raise invalid("申请项目", f"不认识的项目 {'、'.join(unknown)}", "programmes")
    household = Household.objects.select_for_update().get(pk=household.pk)
    person = _applicant(household, applicant)
    need = _temporary_need(temporary_need, opened_on=on) if kind == CaseKind.TEMPORARY else {}
    open_same = Case.objects.filter(household=household, kind=kind, status__in=OPEN).first()
    if open_same is not None:
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED,
            f"该家庭已有办理中的{open_same.get_kind_display()}（{open_same.number}），请在原案件中继续办理。",
            {"case_id": open_same.pk},
        )
    minor = age_on(person.birth_date, on) < 18 or (bool(programmes) and set(programmes) <= CHILD_PROGRAMMES)
    case = _new_case(
        actor,
        household,
        kind=kind,
        channel=channel,
        applicant=person,
        programmes=list(programmes),
        special=special,
        minor_case=minor,
        opened_on=on,
        temporary_need=need,
        note=note[:500],
    )
    if need and need["kind"] == "emergency" and need["fast"]:
        procedure = procedure_for(household.region_id, on)
        deadlines.start(case, DeadlineKind.FAST_DECISION, on, procedure.fast_grant_days, deadlines.DAYS)
    finish_step(
        actor,
        case,
        "open_application",
        on=on,
        to_status=CaseStatus.SUBMITTED,
        note=note,
        data={"programmes": list(programmes), "channel": channel, "minor_case": minor, "temporary_need": need},
    )
    return case


@transaction.atomic(durable=True)
def do_record_missing_materials(
    actor, case: Case, *, items: list[str], expected_version: int, note: str = "", today: date | None = None
) -> MissingMaterialsNotice:
    """Tell the applicant, once and in full, which papers are missing (一次性告知)."""
    case = begin_step(actor, case, "record_missing_materials", expected_version)
    on = day_of(today)
    items = [i.strip() for i in items if i and i.strip()]
    if not items:
        raise invalid("需补齐的材料", "至少列出一项", "items")
    notice = MissingMaterialsNotice.objects.create(
        case=case, items=items, note=note[:500], issued_on=on, issued_by=actor
    )
    finish_step(
        actor,
        case,
        "record_missing_materials",
        on=on,
        to_status=CaseStatus.MATERIALS_PENDING,
        note="一次性告知需补齐：" + "、".join(items),
        data={"items": items},
    )
    return notice


@transaction.atomic(durable=True)
def do_accept_application(
    actor, case: Case, *, expected_version: int, special: bool | None = None, today: date | None = None
) -> Case:
    """Accept (受理) a complete application and start its time limits.

    The survey must start within ``procedure.survey_start_working_days``; a tekun application must
    be surveyed within ``survey_working_days_extreme_poverty``; the whole case must be decided
    within ``total_working_days`` (``total_working_days_special`` when ``special``).
    """
    return accept_application(actor, case, expected_version=expected_version, special=special, today=today)


def accept_application(
    actor, case: Case, *, expected_version: int, special: bool | None = None, today: date | None = None
) -> Case:
    """``do_accept_application`` inside the caller's transaction."""
    case = begin_step(actor, case, "accept_application", expected_version)
    on = day_of(today)
    if special is not None:
        case.special = special
    case.accepted_on = on
    case.missing_materials.filter(resolved_on__isnull=True).update(resolved_on=on)
    p = procedure_for(case.region_id, on)
    deadlines.start(case, DeadlineKind.SURVEY_START, on, p.survey_start_working_days)
    if "extreme_poverty" in case.programmes:
        deadlines.start(case, DeadlineKind.SURVEY, on, p.survey_working_days_extreme_poverty)
    total = p.total_working_days_special if case.special else p.total_working_days
    deadlines.start(case, DeadlineKind.TOTAL, on, total)
    finish_step(actor, case, "accept_application", on=on, to_status=CaseStatus.ACCEPTED, data={"special": case.special})
    return case


@transaction.atomic(durable=True)
def do_withdraw_case(actor, case: Case, *, reason: str, expected_version: int, today: date | None = None) -> Case:
    """Close a case at the applicant's request (or because it was opened by mistake), with the reason."""
    case = begin_step(actor, case, "withdraw_case", expected_version)
    on = day_of(today)
    reason = required_text(reason, "撤回原因", "reason")
    deadlines.cancel_open(case)
    case.closed_on = on
    finish_step(actor, case, "withdraw_case", on=on, to_status=CaseStatus.WITHDRAWN, note=reason)
    return case


@transaction.atomic(durable=True)
def do_declare_relative(
    actor,
    case: Case,
    *,
    staff_name: str,
    staff_position: str,
    relation: str,
    expected_version: int | None = None,
    today: date | None = None,
) -> RelativeDeclaration:
    """Register that the applicant is a close relative of staff or a village cadre (近亲属备案).

    The case cannot be confirmed until a county reviewer has checked it (``do_check_relative``).
    """
    case = begin_step(actor, case, "declare_relative", expected_version)
    on = day_of(today)
    declaration = RelativeDeclaration.objects.create(
        case=case,
        staff_name=required_text(staff_name, "工作人员/干部姓名", "staff_name"),
        staff_position=required_text(staff_position, "职务", "staff_position"),
        relation=required_text(relation, "亲属关系", "relation"),
        declared_on=on,
        declared_by=actor,
    )
    case.relative_flag = True
    finish_step(
        actor,
        case,
        "declare_relative",
        on=on,
        label="近亲属备案",
        note=f"{declaration.staff_name}（{declaration.staff_position}）的{declaration.relation}",
    )
    return declaration


@transaction.atomic(durable=True)
def do_check_relative(
    actor,
    declaration: RelativeDeclaration,
    *,
    visited_on: date,
    findings: str,
    irregular: bool = False,
    expected_version: int | None = None,
    today: date | None = None,
) -> RelativeDeclaration:
    """Record the county's check of a near-relative case (the county must visit, §1.8)."""
    case = begin_step(actor, declaration.case_id, "check_relative", expected_version)
    on = day_of(today)
    declaration = RelativeDeclaration.objects.get(pk=declaration.pk)
    if declaration.status == RelativeStatus.CHECKED:
        from doudi.cases.errors import AlreadyHandled

        raise AlreadyHandled(case.number)
    if visited_on > on:
        raise invalid("县级入户核查日期", "不能晚于今天", "visited_on")
    declaration.status = RelativeStatus.CHECKED
    declaration.visited_on = visited_on
    declaration.findings = required_text(findings, "核查情况", "findings")
    declaration.irregular = irregular
    declaration.checked_by = actor
    declaration.save()
    finish_step(
        actor,
        case,
        "check_relative",
        on=on,
        label="近亲属备案核查",
        note=("发现违规：" if irregular else "未发现违规：") + declaration.findings,
    )
    return declaration


@transaction.atomic(durable=True)
def do_create_referral(actor, case: Case, *, to_department: str, need: str, today: date | None = None) -> Referral:
    """Hand a need to another department or a charity (转介)."""
    case = begin_step(actor, case, "create_referral", None)
    on = day_of(today)
    referral = Referral.objects.create(
        case=case,
        to_department=required_text(to_department, "转介单位", "to_department"),
        need=required_text(need, "需求", "need"),
        referred_on=on,
        created_by=actor,
    )
    finish_step(
        actor, case, "create_referral", on=on, label="转介", note=f"转介{referral.to_department}：{referral.need}"
    )
    return referral


@transaction.atomic(durable=True)
def do_record_referral_outcome(actor, referral: Referral, *, outcome: str, today: date | None = None) -> Referral:
    """Record what the other department or charity did with a referral."""
    case = begin_step(actor, referral.case_id, "record_referral_outcome", None)
    on = day_of(today)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status == ReferralStatus.DONE:
        from doudi.cases.errors import AlreadyHandled

        raise AlreadyHandled(case.number)
    referral.outcome = required_text(outcome, "办理结果", "outcome")
    referral.outcome_on = on
    referral.status = ReferralStatus.DONE
    referral.closed_by = actor
    referral.save()
    finish_step(
        actor,
        case,
        "record_referral_outcome",
        on=on,
        label="转介反馈",
        note=f"{referral.to_department}：{referral.outcome}",
    )
    return referral


@transaction.atomic(durable=True)
def do_report_change(
    actor,
    household: Household,
    *,
    change_kind: str,
    occurred_on: date,
    note: str,
    person: Person | None = None,
    today: date | None = None,
) -> Case:
    """Open a change case for an enrolled household (new member, death, income change …).

    The change follows the same path as an application, already accepted: survey, opinion (posting
    optional for changes), county confirmation on a new assessment, then ``do_enrol`` adjusts,
    adds or ends the household's enrolments. Record the facts themselves in the registry
    (``registry.services``) before the opinion: the assessment reads the registry.
    """
    check_step_capability(actor, "report_change")
    return open_change_case(
        actor, household, change_kind=change_kind, occurred_on=occurred_on, note=note, person=person, today=today
    )


def open_change_case(
    actor,
    household: Household,
    *,
    change_kind: str,
    occurred_on: date,
    note: str,
    person: Person | None = None,
    today: date | None = None,
    channel: str = Channel.WINDOW,
    also: list[Enrolment] | tuple = (),
) -> Case:
    """``do_report_change`` inside the caller's transaction, without the role check of the reporter.

    For changes doudi itself must act on (a death recorded by whoever may record it: the change case
    then follows, ``services.death``); ``also`` are enrolments the case concerns besides the live ones
    (the deceased's household benefit just ended). The applicant is the head, or else the eldest member.
    """
    check_in_scope(actor, household.region_id, "家庭")
    on = day_of(today)
    if change_kind not in CHANGE_KINDS:
        raise invalid("变更类型", f"应为{'、'.join(CHANGE_KINDS.values())}之一", "change_kind")
    if occurred_on > on:
        raise invalid("变化日期", "不能晚于今天", "occurred_on")
    note = required_text(note, "变化情况", "note")
    household = Household.objects.select_for_update().get(pk=household.pk)
    live = list(Enrolment.objects.filter(household=household).exclude(status=EnrolmentStatus.ENDED))
    live += [e for e in also if e.pk not in {x.pk for x in live}]
    if not live:
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED, "该家庭没有正在享受的救助，请按新申请办理。", {"field": "household"}
        )
    open_change = Case.objects.filter(household=household, kind=CaseKind.CHANGE, status__in=OPEN).first()
    if open_change is not None:
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED,
            f"该家庭已有办理中的变更（{open_change.number}），请在原案件中补充。",
            {"case_id": open_change.pk},
        )
    change = {
        "kind": change_kind,
        "label": CHANGE_KINDS[change_kind],
        "occurred_on": occurred_on.isoformat(),
        "person_id": person.pk if person else None,
        "note": note,
    }
    case = _new_case(
        actor,
        household,
        kind=CaseKind.CHANGE,
        channel=channel,
        applicant=_change_applicant(household, person),
        opened_on=on,
        accepted_on=on,
        status=CaseStatus.ACCEPTED,
        change=change,
        note=note[:500],
    )
    case.enrolments.set(live)
    p = procedure_for(case.region_id, on)
    deadlines.start(case, DeadlineKind.SURVEY_START, on, p.survey_start_working_days)
    deadlines.start(case, DeadlineKind.TOTAL, on, p.total_working_days)
    finish_step(
        actor, case, "report_change", on=on, label=f"报告变更：{CHANGE_KINDS[change_kind]}", note=note, data=change
    )
    return case


def _change_applicant(household: Household, person: Person | None) -> Person:
    if person is not None and person.household_id == household.pk:
        return person
    head = Person.objects.filter(household=household, relation="head").first()
    eldest = Person.objects.filter(household=household).order_by("birth_date", "pk").first()
    return _applicant(household, head or eldest)


def open_termination_case(actor, enrolment: Enrolment, *, reason: str, on: date) -> Case:
    """Open a termination case (§2.6) for a tekun enrolment, inside the caller's transaction.

    It starts accepted: the township re-investigates, posts the proposal for 7 days, the county
    decides, and ``do_enrol`` stops the payments from the month the policy says.
    """
    existing = Case.objects.filter(enrolments=enrolment, kind=CaseKind.TERMINATION, status__in=OPEN).first()
    if existing is not None:
        return existing
    case = _new_case(
        actor,
        enrolment.household,
        kind=CaseKind.TERMINATION,
        channel=Channel.SYSTEM if actor is None else Channel.WINDOW,
        applicant=enrolment.person,
        opened_on=on,
        accepted_on=on,
        status=CaseStatus.ACCEPTED,
        programmes=[enrolment.programme],
        change={"kind": "termination", "label": "终止救助供养", "reason": reason},
        note=reason[:500],
    )
    case.enrolments.set([enrolment])
    p = procedure_for(case.region_id, on)
    deadlines.start(case, DeadlineKind.SURVEY, on, p.survey_working_days_extreme_poverty)
    finish_step(actor, case, "open_termination", on=on, label="启动终止程序", note=reason)
    return case


__all__ = [
    "CHANGE_KINDS",
    "do_accept_application",
    "do_check_relative",
    "do_create_referral",
    "do_declare_relative",
    "do_open_application",
    "do_record_missing_materials",
    "do_record_referral_outcome",
    "do_report_change",
    "do_withdraw_case",
    "lock_case",
    "open_termination_case",
]
