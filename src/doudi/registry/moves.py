"""Moves of persons between households: 迁入 (join), 分户 (split) and 合户 (merge).

Each keeps the membership history: the membership a person leaves is closed on the day of the
move (``valid_to``), a new one opens on the same day, and no row is ever deleted. Each writes its
audit rows in the same transaction and flags the open cases and live enrolments of the households
concerned for a change case (``flag_change_cases``).

Region privacy of 迁入. A person with no active household may be taken in by a household of any
region: the person then lies in the receiving region's scope (``Person.region_code`` follows the
household), so that region sees the person's record (name, ID number, the facts it records from
now on) and the memberships of households in its own scope. What another region recorded stays
with that region: memberships of households outside the scope are never listed (the pages show
only "曾在辖区外家庭登记"), the evidence recorded while the person belonged to a household outside
the scope (until the first later membership inside it) is not shown on pages or in the API
(``selectors.hidden_evidence_windows``); the policy engine reads a household from its county's
viewpoint, so what another county recorded does not count here either (the receiving county
records and verifies the facts it decides on), and audit rows keep the region of the household they were
written for, so the old household's history stays in the old region's trail. A person who still
belongs to a household elsewhere is refused with the same neutral message as any registration of
a person outside the scope (``REGISTERED_OUTSIDE_SCOPE``): the original region does 迁出 first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, region_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import DomainError
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE, RegistryErrorCode
from doudi.registry.identity import parse_id_number
from doudi.registry.models import Household, HouseholdStatus, Membership, Person, Relation
from doudi.registry.services import _next_household_number, _refresh_household_summary
from doudi.registry.validation import RELATION_BY_LABEL, invalid

logger = logging.getLogger("doudi.registry")


def _move_error(message: str, field: str | None = None) -> DomainError:
    return DomainError(RegistryErrorCode.MOVE_INVALID, message, {"field": field} if field else {})


def _relation(value: str, *, allow_head: bool = True) -> str:
    value = RELATION_BY_LABEL.get(value, value)
    if value not in Relation.values or (value == Relation.HEAD and not allow_head):
        allowed = "、".join(str(label) for v, label in Relation.choices if allow_head or v != Relation.HEAD)
        raise invalid("与户主关系", f"“{value}”不是有效值（可选：{allowed}）", "relation")
    return value


def _check_date(value: date | None, label: str, field: str) -> date:
    if value is None:
        raise invalid(label, "不能为空", field)
    if value > timezone.localdate():
        raise invalid(label, "不能晚于今天", field)
    return value


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise invalid("变动原因", "不能为空", "reason")
    return reason[:100]


def _lock_households(*households: Household) -> list[Household]:
    """Lock the households in primary-key order (the same order for every caller) and return them."""
    ids = sorted({h.pk for h in households})
    locked = {h.pk: h for h in Household.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [locked[h.pk] for h in households]


def _bump(household: Household) -> None:
    household.version += 1
    Household.objects.filter(pk=household.pk).update(version=household.version)
    _refresh_household_summary(household)


def _move(person: Person, household: Household, *, relation: str, on: date, reason: str) -> None:
    """Close the person's open membership on ``on`` and open one in ``household`` from ``on``."""
    current = Membership.objects.filter(person=person, valid_to__isnull=True).first()
    if current is not None:
        if on <= current.valid_from:
            raise invalid("变动日期", f"{person.name} 应晚于其加入原家庭的日期 {current.valid_from:%Y-%m-%d}", "on")
        current.valid_to, current.closed_at, current.reason = on, timezone.now(), reason
        current.save(update_fields=["valid_to", "closed_at", "reason"])
    else:  # joining after a 迁出: the new membership may not overlap the last one
        last_end = Membership.objects.filter(person=person).aggregate(m=Max("valid_to"))["m"]
        if last_end and on < last_end:
            raise invalid("迁入日期", f"不能早于该人员上次离开家庭的日期 {last_end:%Y-%m-%d}", "joined_on")
    person.household, person.relation = household, relation
    person.version += 1
    person.save(update_fields=["household", "relation", "version", "updated_at"])
    Membership.objects.create(household=household, person=person, relation=relation, valid_from=on, reason=reason)


def _check_head_free(household: Household, relation: str) -> None:
    if relation == Relation.HEAD and Person.objects.filter(household=household, relation=Relation.HEAD).exists():
        raise DomainError(
            RegistryErrorCode.HEAD_EXISTS, "与户主关系：该家庭已有户主，不能再登记“户主”。", {"field": "relation"}
        )


# --- 迁入 ------------------------------------------------------------------------------------------


def _person_for_join(actor, id_number: str) -> Person:
    """Return the person to take in, locked; refuse one who may not join, saying only what the actor may know."""
    number = parse_id_number(id_number).id_number
    person = Person.objects.select_for_update(of=("self",)).select_related("household__region")
    person = person.filter(id_number=number).first()
    if person is None:
        raise DomainError(
            RegistryErrorCode.PERSON_NOT_FOUND,
            "公民身份号码：没有该号码的人员登记记录，请按“添加成员”登记新成员。",
            {"field": "id_number"},
        )
    if person.household_id is not None:
        if not region_in_scope(actor, person.household.region_id):
            raise DomainError(
                RegistryErrorCode.DUPLICATE_PERSON,
                REGISTERED_OUTSIDE_SCOPE,
                {"field": "id_number", "id_number": number},
            )
        hh = person.household
        raise DomainError(
            RegistryErrorCode.ALREADY_IN_HOUSEHOLD,
            f"公民身份号码 {number} 目前属于 {hh.region.full_name} 的家庭 {hh.number}（户主 {hh.head_name}）。"
            "请先在原家庭办理迁出，或使用“分户/合户”。",
            {"field": "id_number", "household_number": hh.number},
        )
    if person.death_date is not None:
        if not region_in_scope(actor, person.region_code):
            raise DomainError(
                RegistryErrorCode.DUPLICATE_PERSON,
                REGISTERED_OUTSIDE_SCOPE,
                {"field": "id_number", "id_number": number},
            )
        raise DomainError(RegistryErrorCode.FIELD_INVALID, "该人员已登记死亡，不能迁入。", {"field": "id_number"})
    return person


def join_person(
    actor, household: Household, person: Person, *, relation: str, joined_on: date, reason: str, name: str = ""
) -> Person:
    """Take ``person`` (locked, no household) into ``household`` inside the caller's transaction.

    ``name``, when given, must be the registered name: it guards against a mistyped ID number
    taking in someone else, and tells the actor nothing the ID card in front of them does not.
    """
    relation = _relation(relation)
    joined_on = _check_date(joined_on, "迁入日期", "joined_on")
    reason = _reason(reason)
    if name and name.strip() != person.name:
        raise invalid("姓名", "与该公民身份号码登记的姓名不一致，请核对证件", "name")
    _check_head_free(household, relation)
    _move(person, household, relation=relation, on=joined_on, reason=reason)
    record_event(
        actor,
        action="join_household",
        target=person,
        household_id=household.pk,
        region_code=household.region_id,
        changes={
            "household": {"label": "所在家庭", "old": "", "new": household.number},
            "relation": {"label": "与户主关系", "old": "", "new": str(Relation(relation).label)},
            "valid_from": {"label": "迁入日期", "old": "", "new": joined_on.isoformat()},
        },
        reason=reason,
        label=f"{person.name}（{Relation(relation).label}）",
    )
    return person


@transaction.atomic(durable=True)
def do_join_household(
    actor, household: Household, id_number: str, *, relation: str, joined_on: date, reason: str, name: str = ""
) -> Person:
    """Take a registered person who belongs to no household into ``household`` (迁入).

    The person's record, earlier memberships and evidence stay; a new membership opens on
    ``joined_on``. Raises ``NotFound`` for a household outside the actor's scope,
    ``person_not_found`` for an unknown ID number, ``duplicate_person`` with the neutral message
    for a person still in a household outside the scope (the original region does 迁出 first),
    ``already_in_household`` inside it, and the field errors of relation, date, reason and name.
    """
    check_capability(actor, Capability.EDIT_REGISTRY)
    [household] = _lock_households(household)
    check_in_scope(actor, household.region_id, "家庭")
    if household.status != HouseholdStatus.ACTIVE:
        raise _move_error("该家庭已注销，不能迁入成员。")
    person = _person_for_join(actor, id_number)
    join_person(actor, household, person, relation=relation, joined_on=joined_on, reason=reason, name=name)
    _bump(household)
    note = f"{person.name} 迁入 {household.number}：{reason}"
    flag_change_cases(actor, [household], persons=[person], change_kind="new_member", occurred_on=joined_on, note=note)
    flag_change_cases(
        actor,
        _households_paying(person, besides=household),
        persons=[person],
        change_kind="member_left",
        occurred_on=joined_on,
        note=note,
    )
    return person


def _households_paying(person: Person, *, besides: Household) -> list[Household]:
    """Return the other households whose live enrolments still cover ``person`` (normally none after 迁出)."""
    from doudi.cases.models import Enrolment, EnrolmentStatus

    ids = (
        Enrolment.objects.filter(person=person)
        .exclude(status=EnrolmentStatus.ENDED)
        .exclude(household=besides)
        .values("household_id")
    )
    return list(Household.objects.filter(pk__in=ids).order_by("pk"))


# --- 分户 and 合户 ---------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def do_split_household(
    actor,
    household: Household,
    *,
    members: dict[int, str],
    head_id: int,
    split_on: date,
    reason: str,
    address: str = "",
) -> Household:
    """Move the chosen members into a new household of the same village (分户), ``head_id`` its head.

    ``members`` maps each moving person's id to the relation to the new head (the head's own entry
    is ignored). The original head stays (change the head first to split them off), and at least
    one member stays. The new household is numbered as any new one of the village.
    """
    check_capability(actor, Capability.EDIT_REGISTRY)
    [household] = _lock_households(household)
    check_in_scope(actor, household.region_id, "家庭")
    if household.status != HouseholdStatus.ACTIVE:
        raise _move_error("该家庭已注销，不能分户。")
    split_on = _check_date(split_on, "分户日期", "split_on")
    reason = _reason(reason)
    current = {p.pk: p for p in Person.objects.select_for_update(of=("self",)).filter(household=household)}
    moving = set(members) | {head_id}
    unknown = moving - set(current)
    if unknown:
        raise _move_error("分出成员：所选人员不是本家庭的现有成员。", "members")
    if not moving or head_id not in current:
        raise _move_error("新户主：请从分出的成员中选择新户主。", "head")
    if any(current[pk].relation == Relation.HEAD for pk in moving):
        raise _move_error("分出成员：原户主不能分出；如需由原户主分出，请先变更户主。", "members")
    if moving == set(current):
        raise _move_error("分出成员：不能分出全部成员，至少一人留在原家庭。", "members")
    relations = {pk: _relation(members.get(pk, Relation.OTHER), allow_head=False) for pk in moving if pk != head_id}
    relations[head_id] = Relation.HEAD
    new = Household(
        number=_next_household_number(household.region),
        region=household.region,
        area_type=household.area_type,
        address=(address or household.address).strip(),
        note=f"由 {household.number} 分户",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    new.full_clean(exclude=["region", "created_by"])
    new.save()
    head = current[head_id]
    record_event(
        actor,
        action="split_household",
        target=new,
        household_id=new.pk,
        region_code=new.region_id,
        changes={"from": {"label": "原家庭", "old": "", "new": household.number}},
        reason=reason,
        label=f"{head.name}户（{new.number}）",
    )
    names = []
    for pk in sorted(moving, key=lambda pk: pk != head_id):
        person = current[pk]
        _move(person, new, relation=relations[pk], on=split_on, reason=f"分户：{reason}"[:100])
        names.append(person.name)
    record_event(
        actor,
        action="split_household",
        target=household,
        household_id=household.pk,
        region_code=household.region_id,
        changes={
            "members": {"label": "分出成员", "old": "", "new": "、".join(names)},
            "to": {"label": "新家庭", "old": "", "new": new.number},
            "on": {"label": "分户日期", "old": "", "new": split_on.isoformat()},
        },
        reason=reason,
    )
    _bump(household)
    _refresh_household_summary(new)
    flag_change_cases(
        actor,
        [household],
        persons=[current[pk] for pk in moving],
        change_kind="member_left",
        occurred_on=split_on,
        note=f"分户：{'、'.join(names)} 分出为新户 {new.number}（{reason}）",
    )
    return new


@transaction.atomic(durable=True)
def do_merge_households(
    actor,
    source: Household,
    target: Household,
    *,
    relations: dict[int, str],
    merged_on: date,
    reason: str,
) -> Household:
    """Move every member of ``source`` into ``target`` (合户) and close ``source``.

    ``relations`` maps each member of ``source`` to the relation to ``target``'s head (never 户主:
    the target keeps its head); a member not named becomes 其他. Both households must be in the
    actor's scope (``NotFound`` otherwise, as for a missing one).
    """
    check_capability(actor, Capability.EDIT_REGISTRY)
    if source.pk == target.pk:
        raise _move_error("合户：不能与本户合并，请选择另一个家庭。", "target")
    source, target = _lock_households(source, target)
    check_in_scope(actor, source.region_id, "家庭")
    check_in_scope(actor, target.region_id, "家庭")
    if source.status != HouseholdStatus.ACTIVE or target.status != HouseholdStatus.ACTIVE:
        raise _move_error("合户：两个家庭都须为在册状态。", "target")
    merged_on = _check_date(merged_on, "合户日期", "merged_on")
    reason = _reason(reason)
    persons = list(Person.objects.select_for_update(of=("self",)).filter(household=source).order_by("pk"))
    if not persons:
        raise _move_error("合户：该家庭没有现有成员。", "source")
    unknown = set(relations) - {p.pk for p in persons}
    if unknown:
        raise _move_error("合户：所填人员不是被合并家庭的现有成员。", "relations")
    cleaned = {p.pk: _relation(relations.get(p.pk, Relation.OTHER), allow_head=False) for p in persons}
    for person in persons:
        _move(person, target, relation=cleaned[person.pk], on=merged_on, reason=f"合户：{reason}"[:100])
    names = "、".join(p.name for p in persons)
    source_number = source.number
    Household.objects.filter(pk=source.pk).update(status=HouseholdStatus.CLOSED)
    source.status = HouseholdStatus.CLOSED
    for household, changes in (
        (
            source,
            {
                "to": {"label": "并入家庭", "old": "", "new": target.number},
                "status": {"label": "状态", "old": "在册", "new": "已注销"},
            },
        ),
        (
            target,
            {
                "from": {"label": "并入的家庭", "old": "", "new": source_number},
                "members": {"label": "迁入成员", "old": "", "new": names},
            },
        ),
    ):
        changes["on"] = {"label": "合户日期", "old": "", "new": merged_on.isoformat()}
        record_event(
            actor,
            action="merge_household",
            target=household,
            household_id=household.pk,
            region_code=household.region_id,
            changes=changes,
            reason=reason,
        )
    _bump(source)
    _bump(target)
    note = f"合户：{source_number} 的成员 {names} 并入 {target.number}（{reason}）"
    # The emptied household can take no change case (no member left to apply): its benefits are
    # recalculated in the target's change case, which ends them when it enrols (``cases.services.do_enrol``).
    flag_change_cases(
        actor, [source], persons=persons, change_kind="member_left", occurred_on=merged_on, note=note, report=False
    )
    flag_change_cases(
        actor,
        [target],
        persons=persons,
        change_kind="new_member",
        occurred_on=merged_on,
        note=note,
        carried_from=[source],
    )
    return target


# --- change cases ----------------------------------------------------------------------------------


def flag_change_cases(
    actor,
    households: Iterable[Household],
    *,
    persons: Iterable[Person],
    change_kind: str,
    occurred_on: date,
    note: str,
    report: bool = True,
    carried_from: Iterable[Household] = (),
) -> list[str]:
    """Flag the open cases and live enrolments of the households and persons concerned by a move.

    Inside the caller's transaction: one audit row ``flag_change`` per household concerned names
    the open cases and live enrolments (in the actor's scope only), so the household's history
    shows what must be looked at. After the commit, each household with live enrolments gets a
    change case through the case service (``cases.services.do_report_change``), which puts it in
    the county's inbox; where that service refuses (an open change case already holds the
    household, the household has no head left, the actor's role does not take applications) the
    refusal is recorded as ``flag_change_pending`` on the household, for a person to act on.
    ``persons`` are the people moved; a household's enrolments cover its members, and the
    enrolments a person still holds in another household are found by ``_households_paying``.
    ``report=False`` only flags (合户's emptied household); the live enrolments of ``carried_from``
    households are attached to the change case opened here (合户: the merged household's benefits
    are recalculated with the target's). Returns the labels of what was flagged.
    """
    from doudi.cases.models import Case, Enrolment, EnrolmentStatus  # the cases app builds on the registry
    from doudi.cases.workflow import OPEN

    flagged: list[str] = []
    for household in households:
        if not region_in_scope(actor, household.region_id):
            continue
        cases = list(Case.objects.filter(household=household, status__in=OPEN).order_by("pk"))
        enrolments = list(
            Enrolment.objects.filter(household=household)
            .exclude(status=EnrolmentStatus.ENDED)
            .select_related("person")
            .order_by("pk")
        )
        carried = list(
            Enrolment.objects.filter(household__in=list(carried_from))
            .exclude(status=EnrolmentStatus.ENDED)
            .select_related("person")
            .order_by("pk")
        )
        if not cases and not enrolments and not carried:
            continue
        labels = [f"案件 {c.number}（{c.get_kind_display()}，{c.get_status_display()}）" for c in cases]
        labels += [
            f"{e.get_programme_display()}（{e.person.name}，{e.get_status_display()}）" for e in [*enrolments, *carried]
        ]
        record_event(
            actor,
            action="flag_change",
            target=household,
            household_id=household.pk,
            region_code=household.region_id,
            changes={"flagged": {"label": "需办理变更", "old": "", "new": "；".join(labels)}},
            reason=note[:200],
        )
        flagged += labels
        if report and (enrolments or carried):
            transaction.on_commit(
                lambda h=household, c=[e.pk for e in carried]: _report_change(
                    actor, h, change_kind=change_kind, occurred_on=occurred_on, note=note, carried=c
                )
            )
    return flagged


def _report_change(
    actor, household: Household, *, change_kind: str, occurred_on: date, note: str, carried: list[int] = ()
) -> None:
    from doudi.cases.models import Case, CaseKind, Enrolment, EnrolmentStatus
    from doudi.cases.services import do_report_change
    from doudi.cases.services.intake import open_change_case
    from doudi.cases.workflow import OPEN

    also = list(Enrolment.objects.filter(pk__in=list(carried)).exclude(status=EnrolmentStatus.ENDED))
    try:
        if also:
            from doudi.cases.services.common import check_step_capability

            check_step_capability(actor, "report_change")
            existing = Case.objects.filter(household=household, kind=CaseKind.CHANGE, status__in=OPEN).first()
            if existing is not None:
                with transaction.atomic():
                    existing.enrolments.add(*also)  # the open change case recalculates them too
                raise DomainError(
                    RegistryErrorCode.MOVE_INVALID,
                    f"该家庭已有办理中的变更（{existing.number}），并入家庭的救助已列入该案件，请一并核定。",
                )
            with transaction.atomic():
                open_change_case(
                    actor, household, change_kind=change_kind, occurred_on=occurred_on, note=note[:500], also=also
                )
        else:
            do_report_change(actor, household, change_kind=change_kind, occurred_on=occurred_on, note=note[:500])
    except DomainError as exc:
        with transaction.atomic():
            record_event(
                actor,
                action="flag_change_pending",
                target=household,
                household_id=household.pk,
                region_code=household.region_id,
                changes={"why": {"label": "未自动立变更案件", "old": "", "new": exc.message}},
                reason=note[:200],
            )
    except Exception:  # the move is committed; a failure here must not hide it
        logger.exception("change case for household %s not opened", household.pk)
