"""Working alerts to an end: assigning them, recording the 核查 and its outcome, referring a person.

An outcome that starts a procedure goes through the case workflow's own services: an application
(``do_open_application``, channel 主动发现), a change case (``do_report_change``), a tekun
termination (``open_termination_case``) or, for a confirmed death, ``cases.services.death.do_record_death``
(ends the enrolments from the month after the death and records what was paid after it for recovery).
The case services that are durable run first in their own transaction; the alert is then closed
with the case linked. A household with a change already open gets that case linked instead of a
second one.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, region_in_scope
from doudi.audit.services import record_event
from doudi.cases.errors import CaseError
from doudi.cases.models import Case, CaseKind
from doudi.cases.services.common import day_of
from doudi.core.errors import Conflict, DomainError
from doudi.monitoring.models import Alert, AlertStatus, Outcome, WorkerReferral
from doudi.registry.models import Person

# The change a rule's alert reports when the township opens a change case.
CHANGE_KIND = {
    "death": "death",
    "vehicle": "property_change",
    "property": "property_change",
    "business": "property_change",
    "tax_income": "income_change",
    "unemployment": "income_change",
    "hukou_out": "member_left",
}


class AlertErrorCode:
    INVALID = "alert_invalid"
    NOT_OPEN = "alert_not_open"


def _invalid(label: str, reason: str, field: str) -> DomainError:
    return DomainError(AlertErrorCode.INVALID, f"{label}：{reason}。", {"field": field})


def check_handle(actor, alert: Alert) -> None:
    check_capability(actor, Capability.HANDLE_ALERTS, "您的角色无权处理监测预警。")
    check_in_scope(actor, alert.region_id, "预警")


@transaction.atomic(durable=True)
def do_assign_alerts(actor, alert_ids: list[int], *, assignee) -> int:
    """Assign the open alerts ``alert_ids`` (of the actor's scope) to ``assignee``; return how many.

    The assignee must be able to handle alerts and work in a region that contains each alert's village.
    """
    check_capability(actor, Capability.HANDLE_ALERTS, "您的角色无权分派监测预警。")
    if assignee is None or not assignee.is_active or not assignee.can(Capability.HANDLE_ALERTS):
        raise _invalid("分派给", "该用户不能处理监测预警", "assignee")
    alerts = list(Alert.objects.select_for_update().filter(pk__in=alert_ids, status=AlertStatus.OPEN).order_by("pk"))
    done = 0
    for alert in alerts:
        if not region_in_scope(actor, alert.region_id):
            continue
        if not region_in_scope(assignee, alert.region_id):
            raise _invalid(
                "分派给", f"{assignee.get_full_name() or assignee.username} 不负责该预警所在的村（社区）", "assignee"
            )
        alert.assigned_to = assignee
        alert.version += 1
        alert.save(update_fields=["assigned_to", "version"])
        record_event(
            actor,
            action="assign_alert",
            target=alert,
            household_id=alert.household_id,
            region_code=alert.region_id,
            changes={"assigned_to": [None, assignee.username]},
        )
        done += 1
    return done


def _open_case(actor, alert: Alert, outcome: str, findings: str, on: date) -> Case | None:
    """Start the procedure the outcome asks for through the case services; return the case."""
    from doudi.cases import services as cases

    household = alert.household
    if household is None:
        raise _invalid("处理结果", "该预警没有对应的在册家庭，请先登记家庭", "outcome")
    note = f"{alert.summary}。核查情况：{findings}"[:500]
    try:
        if outcome == Outcome.OPEN_APPLICATION:
            return cases.do_open_application(actor, household, channel="proactive", note=note, today=on)
        if outcome == Outcome.OPEN_CHANGE:
            return cases.do_report_change(
                actor,
                household,
                change_kind=CHANGE_KIND.get(alert.rule, "other"),
                occurred_on=min(alert.event_date or on, on),
                note=note,
                person=alert.person,
                today=on,
            )
        if outcome == Outcome.END_ASSISTANCE:
            return cases.do_report_change(
                actor,
                household,
                change_kind=CHANGE_KIND.get(alert.rule, "other"),
                occurred_on=min(alert.event_date or on, on),
                note=f"核查后建议停止救助。{note}"[:500],
                person=alert.person,
                today=on,
            )
    except CaseError as exc:
        existing = (exc.extra or {}).get("case_id")
        kinds = (CaseKind.CHANGE,) if outcome != Outcome.OPEN_APPLICATION else (CaseKind.APPLICATION,)
        if existing and Case.objects.filter(pk=existing, kind__in=kinds).exists():
            return Case.objects.get(pk=existing)  # the case already open takes the alert's finding
        raise
    return None


def do_resolve_alert(
    actor,
    alert: Alert,
    *,
    outcome: str,
    findings: str,
    reason: str = "",
    expected_version: int,
    today: date | None = None,
) -> Alert:
    """Record the township's 核查 (``findings``) and the ``outcome`` of an open alert.

    ``no_action`` needs a ``reason``; ``confirm_death`` is only for a death alert. Raises
    ``PermissionDenied``, ``NotFound`` (outside the scope), ``Conflict`` (handled meanwhile) or a
    ``DomainError`` naming the field.
    """
    check_handle(actor, alert)
    on = day_of(today)
    if outcome not in Outcome.values:
        raise _invalid("处理结果", "请选择处理结果", "outcome")
    findings = (findings or "").strip()
    if not findings:
        raise _invalid("核查情况", "请填写核查情况", "findings")
    reason = (reason or "").strip()
    if outcome == Outcome.NO_ACTION and not reason:
        raise _invalid("理由", "核实无需处理的，须写明理由", "reason")
    if outcome == Outcome.CONFIRM_DEATH and alert.rule != "death":
        raise _invalid("处理结果", "只有死亡预警可以确认死亡", "outcome")
    if alert.status != AlertStatus.OPEN or alert.version != expected_version:
        raise Conflict("该预警已被他人处理或已自动关闭，请刷新后查看。")
    case = None
    if outcome in (Outcome.OPEN_APPLICATION, Outcome.OPEN_CHANGE, Outcome.END_ASSISTANCE):
        case = _open_case(actor, alert, outcome, findings, on)
    return _close(actor, alert.pk, outcome, findings, reason, expected_version, case, on)


@transaction.atomic(durable=True)
def _close(actor, alert_id, outcome, findings, reason, expected_version, case, on) -> Alert:
    alert = Alert.objects.select_for_update(of=("self",)).select_related("person").get(pk=alert_id)
    if alert.status != AlertStatus.OPEN or alert.version != expected_version:
        raise Conflict("该预警已被他人处理或已自动关闭，请刷新后查看。")
    if outcome == Outcome.CONFIRM_DEATH:
        _record_death(actor, alert, on)
    alert.status = AlertStatus.RESOLVED
    alert.outcome = outcome
    alert.findings = findings
    alert.outcome_reason = reason
    alert.outcome_case = case
    alert.resolved_on = on
    alert.resolved_by = actor
    alert.version += 1
    alert.full_clean()
    alert.save()
    record_event(
        actor,
        action="resolve_alert",
        target=alert,
        household_id=alert.household_id,
        region_code=alert.region_id,
        changes={
            "status": ["open", "resolved"],
            "outcome": [None, outcome],
            "case": [None, case.number if case else None],
        },
        reason=reason or findings,
        label=alert.summary[:120],
    )
    return alert


def _record_death(actor, alert: Alert, on: date) -> None:
    try:
        from doudi.cases.services.death import do_record_death
    except ImportError as exc:  # pragma: no cover - the deaths module ships with doudi
        raise DomainError("alert_invalid", "死亡登记功能不可用，请按家庭情况变更办理。") from exc
    if alert.person is None or alert.event_date is None:
        raise _invalid("处理结果", "该预警没有死亡人员或死亡日期", "outcome")
    batches = sorted({str(e.get("batch")) for e in alert.evidence if e.get("batch")})
    do_record_death(
        actor,
        alert.person,
        death_date=alert.event_date,
        source=f"部门数据（公安死亡登记，批次 {'、'.join(batches)}）"[:200],
        today=on,
    )


@transaction.atomic(durable=True)
def do_refer_person(actor, person: Person, *, reason: str, today: date | None = None) -> WorkerReferral:
    """Put a person a worker found in difficulty under monitoring (其他困难人员)."""
    check_capability(actor, Capability.HANDLE_ALERTS, "您的角色无权登记监测对象。")
    if person.household_id is None:
        raise _invalid("人员", "该人员不在任何在册家庭中，请先登记家庭", "person")
    check_in_scope(actor, person.household.region_id, "人员")
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("困难情况", "请填写困难情况", "reason")
    if WorkerReferral.objects.filter(person=person, ended_on__isnull=True).exists():
        raise _invalid("人员", "该人员已在其他困难人员监测中", "person")
    referral = WorkerReferral.objects.create(
        person=person,
        household_id=person.household_id,
        region_id=person.household.region_id,
        reason=reason[:300],
        referred_on=day_of(today),
        referred_by=actor,
    )
    record_event(
        actor,
        action="refer_person",
        target=referral,
        household_id=person.household_id,
        region_code=referral.region_id,
        reason=reason,
        label=person.name,
    )
    return referral
