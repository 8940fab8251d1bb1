"""Recording a member's death: the registry, the person's benefits, the household's change case, recovery.

``do_record_death`` is the one way a death enters doudi (the registry's remove-member page and API,
the monitoring helper's confirmed death alert). In one transaction it

1. ends the person's membership of the household with the death date (``registry.services.remove_member``);
2. ends every enrolment the person holds with ``end_month`` = the month of death, so nothing is paid
   from the month after (§2.6 "stop from next month"), through ``enrolment.end_enrolment``: a dated
   ``EnrolmentChange`` and an audit row each;
3. opens a change case for the household (``intake.open_change_case``, kind 家庭成员死亡) when it
   still has members and benefits to recalculate: the remaining live enrolments, or a household
   benefit (低保) the deceased held for the others. The case then takes the ordinary change path
   (survey, opinion, county confirmation on a new assessment, ``do_enrol``). Where an open change
   case already holds the household, the death is noted on the household for that case instead;
4. calls ``doudi.payments.services.recovery.flag_paid_after_death(person, death_date)`` when the
   payments module provides it, to record what was already paid for months after the death as
   recovery (追缴).

Recording the same death again changes nothing. A different date for a death already recorded is
refused (a correction is a separate act). The function is not durable: a caller may run it inside
its own transaction (an alert being closed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.audit.services import record_event
from doudi.cases.errors import invalid
from doudi.cases.models import Case, CaseKind, Channel, Enrolment, EnrolmentStatus
from doudi.cases.services.common import month_start
from doudi.cases.services.enrolment import end_enrolment
from doudi.cases.workflow import OPEN
from doudi.core.errors import DomainError
from doudi.registry.models import Household, Membership, Person

logger = logging.getLogger("doudi.cases")

# Where a death was learned of; the label is what the history shows.
SOURCES = {
    "registry": "家庭成员登记",
    "api": "接口登记",
    "monitoring": "部门数据比对（死亡信息）",
    "import": "批量导入",
    "case": "案件办理中发现",
}


@dataclass
class DeathResult:
    person: Person
    changed: bool  # False: the death was already recorded as it stands, nothing was done
    household: Household | None = None
    ended: list[Enrolment] = field(default_factory=list)
    change_case: Case | None = None
    change_pending: str = ""  # why no change case was opened, when one was needed
    recovery: object = None


def source_label(source: str) -> str:
    return SOURCES.get(source, source or "未注明")


@transaction.atomic
def do_record_death(
    actor, person: Person, *, death_date: date, source: str, reason: str = "", today: date | None = None
) -> DeathResult:
    """Record that ``person`` died on ``death_date`` and carry out what follows (see the module)."""
    check_capability(actor, Capability.EDIT_REGISTRY, "您的角色无权登记死亡。")
    person = Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
    check_in_scope(actor, _region_of(person), "人员")
    on = today or timezone.localdate()
    if death_date is None:
        raise invalid("死亡日期", "不能为空", "death_date")
    if death_date > on:
        raise invalid("死亡日期", "不能晚于今天", "death_date")
    if death_date < person.birth_date:
        raise invalid("死亡日期", f"不能早于出生日期 {person.birth_date:%Y-%m-%d}", "death_date")
    if person.death_date is not None and person.death_date != death_date:
        raise invalid(
            "死亡日期",
            f"{person.name} 已登记死亡日期 {person.death_date:%Y-%m-%d}，与 {death_date:%Y-%m-%d} 不一致；"
            "如需更正，请先核实后由县级更正登记",
            "death_date",
        )
    label = source_label(source)
    why = f"死亡（{death_date:%Y-%m-%d}，{label}）" + (f"：{reason.strip()}" if reason.strip() else "")
    result = DeathResult(person=person, changed=False)

    household = person.household
    if household is not None:
        from doudi.registry.services import remove_member  # the cases app builds on the registry

        left = f"死亡：{reason.strip()}" if reason.strip() else f"死亡（{label}）"
        remove_member(actor, person, left_on=death_date, reason=left[:100], death_date=death_date)
        result.changed = True
    elif person.death_date is None:
        Person.objects.filter(pk=person.pk).update(death_date=death_date, version=person.version + 1)
        record_event(
            actor,
            action="record_death",
            target=person,
            household_id=None,
            region_code=_region_of(person),
            changes={"death_date": {"label": "死亡日期", "old": "", "new": str(death_date)}},
            reason=why[:200],
            label=person.name,
        )
        result.changed = True
    person.refresh_from_db()

    last_month = month_start(death_date)
    ending = list(
        Enrolment.objects.select_for_update()
        .filter(person=person)
        .filter(~Q(status=EnrolmentStatus.ENDED) | Q(end_month__gt=last_month))
        .select_related("person", "household")
        .order_by("pk")
    )
    for enrolment in ending:
        old_status, old_end = enrolment.get_status_display(), enrolment.end_month
        end_enrolment(actor, enrolment, last_month=last_month, reason=why)
        record_event(
            actor,
            action="end_enrolment_death",
            target=enrolment,
            household_id=enrolment.household_id,
            region_code=enrolment.region_id,
            changes={
                "status": {"label": "状态", "old": str(old_status), "new": str(EnrolmentStatus.ENDED.label)},
                "end_month": {
                    "label": "最后发放月份",
                    "old": f"{old_end:%Y-%m}" if old_end else "",
                    "new": f"{enrolment.end_month:%Y-%m}",
                },
            },
            reason=why[:200],
            label=f"{person.name} {enrolment.get_programme_display()}",
        )
        result.ended.append(enrolment)
    result.changed = result.changed or bool(ending)
    if not result.changed:
        return result

    households = {e.household_id: e.household for e in ending}
    if household is not None:
        households[household.pk] = household
    # The household the person lived in first, then any other still paying the person (normally none).
    for hh in sorted(households.values(), key=lambda h: (h != household, h.pk)):
        ended_here = [e for e in ending if e.household_id == hh.pk]
        case, pending = _change_case(actor, hh, person, death_date, why, ended_here, on)
        if result.household is None:
            result.household, result.change_case, result.change_pending = hh, case, pending

    result.recovery = _flag_recovery(actor, person, death_date)
    return result


def _region_of(person: Person) -> str:
    """The person's region, or for one without a household (dead, moved out) that of the last household."""
    if person.household_id:
        return person.region_code
    last = Membership.objects.filter(person=person).order_by("-valid_from", "-id").values("household__region_id")
    return (last.first() or {}).get("household__region_id") or person.region_code


def _change_case(actor, household: Household, person: Person, death_date: date, why: str, ended, on: date):
    """Open the household's change case for the death, or say why none was opened (``flag_change_pending``)."""
    from doudi.cases.services.intake import open_change_case

    members = Person.objects.filter(household=household).exists()
    live = Enrolment.objects.filter(household=household).exclude(status=EnrolmentStatus.ENDED).exists()
    # A household benefit the deceased held for the others (低保 paid to the head) is recalculated too.
    shared = [e for e in ended if any(pk != person.pk for pk in (e.covered or []))]
    if not members or not (live or shared):
        return None, ""
    existing = Case.objects.filter(household=household, kind=CaseKind.CHANGE, status__in=OPEN).first()
    note = f"{person.name} {why}，重新核定家庭其余成员的救助"
    if existing is None:
        try:
            with transaction.atomic():
                case = open_change_case(
                    actor,
                    household,
                    change_kind="death",
                    occurred_on=death_date,
                    note=note[:500],
                    today=on,
                    channel=Channel.PROACTIVE,
                    also=shared,
                )
            return case, ""
        except DomainError as exc:  # e.g. no policy in force for the region: the death stands
            pending = exc.message
    else:
        existing.enrolments.add(*shared)
        pending = f"该家庭已有办理中的变更（{existing.number}），请在原案件中一并核定"
    record_event(
        actor,
        action="flag_change_pending",
        target=household,
        household_id=household.pk,
        region_code=household.region_id,
        changes={"why": {"label": "未自动立变更案件", "old": "", "new": pending}},
        reason=note[:200],
    )
    return existing, pending


def _flag_recovery(actor, person: Person, death_date: date):
    """Record what was paid for months after the death as recovery, when the payments module can."""
    try:
        from doudi.payments.services.recovery import flag_paid_after_death
    except ImportError:
        return None
    return flag_paid_after_death(person, death_date, actor=actor)
