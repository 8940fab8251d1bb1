"""Writes to the registry. Each is one durable transaction that also writes its audit rows.

Every function checks the actor's capability and region scope first; "outside your region"
and "does not exist" raise the same ``NotFound``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, region_in_scope
from doudi.audit.services import diff_fields, record_event, snapshot
from doudi.core.errors import Conflict, DomainError
from doudi.regions.models import Level, Region, pad_code
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE, WITHOUT_HOUSEHOLD_MESSAGE, RegistryErrorCode
from doudi.registry.models import (
    EVIDENCE_MODELS,
    Evidence,
    Household,
    HouseholdStatus,
    Membership,
    Person,
    Relation,
)
from doudi.registry.validation import PersonInput, invalid

HOUSEHOLD_EDITABLE = ("address", "note", "region")
PERSON_EDITABLE = (
    "name",
    "relation",
    "hukou_region",
    "hukou_type",
    "residence_address",
    "phone",
    "bank_name",
    "bank_account",
)


def _village(region_code: str) -> Region:
    region = Region.objects.filter(code=pad_code(region_code or "")).first()
    code = (region_code or "").strip()
    if region is None and code.isdigit() and len(code) == 12:
        raise DomainError(
            RegistryErrorCode.REGION_INVALID, f"所在村/社区：行政区划代码 {code} 不存在。", {"field": "region"}
        )
    if region is not None and region.level != Level.VILLAGE:
        raise DomainError(
            RegistryErrorCode.REGION_INVALID,
            f"所在村/社区：{code} 是乡镇或更高一级区划的代码，请填写村/社区的 12 位代码。",
            {"field": "region"},
        )
    if region is None:
        raise DomainError(
            RegistryErrorCode.REGION_INVALID,
            f"所在村/社区：“{region_code}”不是有效的村/社区区划代码（应为 12 位）。",
            {"field": "region"},
        )
    return region


def _hukou_region(code: str) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=pad_code(code)).first()
    if region is None:
        raise invalid("户籍地", f"“{code}”不是有效的区划代码", "hukou_region")
    return region


def _refuse_duplicate(actor, id_number: str, *, except_person: Person | None = None) -> None:
    """Refuse an ID number that another record holds.

    Inside the actor's scope the message names where that record is (it helps to find it); outside
    it, the message only says that the person is registered elsewhere and how to proceed.
    """
    other = Person.objects.select_related("household__region").filter(id_number=id_number).first()
    if other is None or (except_person is not None and other.pk == except_person.pk):
        return
    if other.household_id is None and other.death_date is None:
        # Anyone may take in a person who belongs to no household (迁入), so every region learns
        # that much; inside the scope the record's id helps to open it, outside it nothing more.
        extra = {"field": "id_number", "id_number": id_number, "join": True}
        if region_in_scope(actor, other.region_code):
            extra["person_id"] = other.pk
        raise DomainError(RegistryErrorCode.WITHOUT_HOUSEHOLD, WITHOUT_HOUSEHOLD_MESSAGE, extra)
    if not region_in_scope(actor, other.region_code):
        # Only what the actor typed comes back in ``extra`` (forms use it to mark the person).
        raise DomainError(
            RegistryErrorCode.DUPLICATE_PERSON, REGISTERED_OUTSIDE_SCOPE, {"field": "id_number", "id_number": id_number}
        )
    if other.household_id:
        hh = other.household
        raise DomainError(
            RegistryErrorCode.DUPLICATE_PERSON,
            f"公民身份号码 {id_number} 已登记在 {hh.region.full_name} 的家庭 {hh.number}（户主 {hh.head_name}），"
            "同一人只能属于一个在册家庭。请先在原家庭办理迁出。",
            {"field": "id_number", "household_number": hh.number, "region": hh.region.full_name},
        )
    raise DomainError(
        RegistryErrorCode.DUPLICATE_PERSON,
        f"公民身份号码 {id_number} 已有人员记录（{other.name}），已登记死亡，不能再加入家庭。",
        {"field": "id_number", "person_id": other.pk},
    )


def _next_household_number(region: Region) -> str:
    last = Household.objects.filter(region=region).aggregate(m=Max("number"))["m"]
    seq = int(last[12:]) + 1 if last and last[12:].isdigit() else 1
    return f"{region.code}{seq:05d}"


def _refresh_household_summary(household: Household) -> None:
    members = list(Person.objects.filter(household=household).values_list("name", "relation"))
    household.member_count = len(members)
    household.head_name = next((n for n, r in members if r == Relation.HEAD), "")
    Household.objects.filter(pk=household.pk).update(member_count=household.member_count, head_name=household.head_name)
    _refresh_payment_warnings([household.pk])


def _refresh_payment_warnings(household_ids: list[int], accounts: tuple[str, ...] = ()) -> None:
    """Keep the payment warnings of the households' enrolments (and of those paid to ``accounts``) current.

    Members and bank accounts decide whether an enrolment can be paid (``cases.services.payment_checks``);
    the cases app builds on the registry, hence the import here.
    """
    from doudi.cases.services.payment_checks import refresh_payment_warnings

    accounts = tuple(a for a in accounts if a)
    person_ids = list(Person.objects.filter(bank_account__in=accounts).values_list("pk", flat=True)) if accounts else []
    refresh_payment_warnings(household_ids=[pk for pk in household_ids if pk], person_ids=person_ids)


def _create_person(actor, household: Household, data: PersonInput, joined_on: date) -> Person:
    _refuse_duplicate(actor, data.id_number)
    if data.relation == Relation.HEAD and Person.objects.filter(household=household, relation=Relation.HEAD).exists():
        raise DomainError(
            RegistryErrorCode.HEAD_EXISTS, "与户主关系：该家庭已有户主，不能再登记“户主”。", {"field": "relation"}
        )
    person = Person(
        id_number=data.id_number,
        name=data.name,
        gender=data.gender,
        birth_date=data.birth_date,
        household=household,
        relation=data.relation,
        hukou_region=_hukou_region(data.hukou_region_code),
        hukou_type=data.hukou_type,
        residence_address=data.residence_address,
        phone=data.phone,
        bank_name=data.bank_name,
        bank_account=data.bank_account,
    )
    person.full_clean(exclude=["household", "hukou_region"], validate_unique=False)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent insert of the same ID number
        _refuse_duplicate(actor, data.id_number)
        raise Conflict() from exc
    Membership.objects.create(household=household, person=person, relation=data.relation, valid_from=joined_on)
    record_event(
        actor,
        action="add_member",
        target=person,
        household_id=household.pk,
        region_code=household.region_id,
        changes=diff_fields(person, {}, ("name", "id_number", "relation", "phone", "bank_account")),
        label=f"{person.name}（{person.get_relation_display()}）",
    )
    return person


@transaction.atomic(durable=True)
def do_create_household(
    actor,
    *,
    region_code: str,
    head: PersonInput,
    members: list[PersonInput] | tuple = (),
    address: str = "",
    note: str = "",
    joined_on: date | None = None,
    join_existing: bool = False,
    join_reason: str = "",
) -> Household:
    """Create a household with its head (and optionally other members) in the actor's region.

    A person whose ID number is registered without an active household is refused with
    ``person_without_household`` unless ``join_existing``: then that person joins the new household
    (迁入, ``moves.join_person``: the record and its membership history are kept, the typed name
    must match the registered one) instead of being created again.
    """
    return create_household(
        actor,
        region_code=region_code,
        head=head,
        members=members,
        address=address,
        note=note,
        joined_on=joined_on,
        join_existing=join_existing,
        join_reason=join_reason,
    )


def create_household(
    actor,
    *,
    region_code: str,
    head: PersonInput,
    members: list[PersonInput] | tuple = (),
    address: str = "",
    note: str = "",
    joined_on: date | None = None,
    join_existing: bool = False,
    join_reason: str = "",
) -> Household:
    """``do_create_household`` inside the caller's transaction."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    region = _village(region_code)
    check_in_scope(actor, region.code, "村/社区")
    head.clean()
    if head.relation != Relation.HEAD:
        raise DomainError(RegistryErrorCode.HEAD_REQUIRED, "与户主关系：第一位成员必须是户主。", {"field": "relation"})
    cleaned = [m.clean() for m in members]
    household = Household(
        number=_next_household_number(region),
        region=region,
        area_type=region.area_type or "rural",
        address=address.strip(),
        note=note.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    household.full_clean(exclude=["region", "created_by"])
    household.save()
    record_event(
        actor,
        action="create_household",
        target=household,
        household_id=household.pk,
        region_code=region.code,
        changes=diff_fields(household, {}, ("number", "region", "address")),
        # The head is added below, so str(household) would still read "（无户主）".
        label=f"{head.name}户（{household.number}）",
    )
    joined_on = joined_on or timezone.localdate()
    joined = []
    for data in (head, *cleaned):
        existing = _joinable(data.id_number) if join_existing else None
        if existing is None:
            _create_person(actor, household, data, joined_on)
        else:
            from doudi.registry import moves  # moves builds on this module

            moves.join_person(
                actor,
                household,
                existing,
                relation=data.relation,
                joined_on=joined_on,
                reason=join_reason or "新建家庭时迁入",
                name=data.name,
            )
            joined.append(existing)
    _refresh_household_summary(household)
    if joined:
        from doudi.registry import moves

        moves.flag_change_cases(
            actor, [household], persons=joined, change_kind="new_member", occurred_on=joined_on, note="新建家庭时迁入"
        )
    return household


def _joinable(id_number: str) -> Person | None:
    """Return the person holding ``id_number`` if it may join a household (no household, alive)."""
    return (
        Person.objects.select_for_update()
        .filter(id_number=id_number, household__isnull=True, death_date__isnull=True)
        .first()
    )


@transaction.atomic(durable=True)
def do_add_member(actor, household: Household, *, person: PersonInput, joined_on: date | None = None) -> Person:
    """Add a new person to a household."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    household = Household.objects.select_for_update().get(pk=household.pk)
    check_in_scope(actor, household.region_id, "家庭")
    if household.status != HouseholdStatus.ACTIVE:
        raise DomainError(RegistryErrorCode.FIELD_INVALID, "该家庭已注销，不能添加成员。")
    person.clean()
    created = _create_person(actor, household, person, joined_on or timezone.localdate())
    household.version += 1
    Household.objects.filter(pk=household.pk).update(version=household.version)
    _refresh_household_summary(household)
    return created


def _apply_changes(instance, changes: dict[str, Any], editable: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(changes) - set(editable)
    if unknown:
        raise DomainError(RegistryErrorCode.FIELD_INVALID, f"不能修改字段：{'、'.join(sorted(unknown))}。")
    before = snapshot(instance, editable)
    for name, value in changes.items():
        setattr(instance, name, value)
    return before


@transaction.atomic(durable=True)
def do_update_household(
    actor, household: Household, *, expected_version: int, reason: str = "", **changes
) -> Household:
    """Change a household's address, note or village; refuse if someone changed it meanwhile."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    household = Household.objects.select_for_update().get(pk=household.pk)
    check_in_scope(actor, household.region_id, "家庭")
    if household.version != expected_version:
        raise Conflict()
    if "region" in changes:
        region = _village(changes["region"] if isinstance(changes["region"], str) else changes["region"].code)
        check_in_scope(actor, region.code, "村/社区")
        changes["region"] = region
        household.area_type = region.area_type or household.area_type
    before = _apply_changes(household, changes, HOUSEHOLD_EDITABLE)
    diff = diff_fields(household, before, HOUSEHOLD_EDITABLE)
    if not diff:
        return household
    household.version += 1
    household.full_clean(exclude=["region", "created_by"], validate_unique=False)
    household.save()
    record_event(
        actor,
        action="update_household",
        target=household,
        household_id=household.pk,
        region_code=household.region_id,
        changes=diff,
        reason=reason,
    )
    return household


@transaction.atomic(durable=True)
def do_update_person(actor, person: Person, *, expected_version: int, reason: str = "", **changes) -> Person:
    """Change a person's details; the ID number itself is corrected only by re-registering."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    person = Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
    check_in_scope(actor, person.region_code, "人员")
    if person.version != expected_version:
        raise Conflict()
    probe = PersonInput(
        id_number=person.id_number,
        name=changes.get("name", person.name),
        relation=changes.get("relation", person.relation),
        hukou_region_code=changes.pop("hukou_region_code", person.hukou_region_id or ""),
        hukou_type=changes.get("hukou_type", person.hukou_type),
        residence_address=changes.get("residence_address", person.residence_address),
        phone=changes.get("phone", person.phone),
        bank_name=changes.get("bank_name", person.bank_name),
        bank_account=changes.get("bank_account", person.bank_account),
    ).clean()
    cleaned = {
        "name": probe.name,
        "relation": probe.relation,
        "hukou_region": _hukou_region(probe.hukou_region_code),
        "hukou_type": probe.hukou_type,
        "residence_address": probe.residence_address,
        "phone": probe.phone,
        "bank_name": probe.bank_name,
        "bank_account": probe.bank_account,
    }
    if (
        cleaned["relation"] == Relation.HEAD
        and person.relation != Relation.HEAD
        and Person.objects.filter(household_id=person.household_id, relation=Relation.HEAD).exists()
    ):
        raise DomainError(RegistryErrorCode.HEAD_EXISTS, "与户主关系：该家庭已有户主。", {"field": "relation"})
    before = _apply_changes(person, cleaned, PERSON_EDITABLE)
    diff = diff_fields(person, before, PERSON_EDITABLE)
    if not diff:
        return person
    person.version += 1
    person.save()
    if "bank_account" in diff or "name" in diff:
        _refresh_payment_warnings([person.household_id], (before.get("bank_account", ""), person.bank_account))
    if ("relation" in diff and person.household_id) or (
        "name" in diff and person.relation == Relation.HEAD and person.household_id
    ):
        _refresh_household_summary(person.household)
    record_event(
        actor,
        action="update_person",
        target=person,
        household_id=person.household_id,
        region_code=person.region_code,
        changes=diff,
        reason=reason,
    )
    return person


@transaction.atomic(durable=True)
def do_remove_member(actor, person: Person, *, left_on: date, reason: str, death_date: date | None = None) -> Person:
    """End a person's membership (moved out, married out, died); the history keeps it.

    A death is recorded through ``cases.services.death.do_record_death``, which calls
    ``remove_member`` and also ends the person's benefits; pages and the API go there.
    """
    return remove_member(actor, person, left_on=left_on, reason=reason, death_date=death_date)


def remove_member(actor, person: Person, *, left_on: date, reason: str, death_date: date | None = None) -> Person:
    """``do_remove_member`` inside the caller's transaction."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    person = Person.objects.select_for_update(of=("self",)).select_related("household").get(pk=person.pk)
    check_in_scope(actor, person.region_code, "人员")
    if not person.household_id:
        raise DomainError(RegistryErrorCode.FIELD_INVALID, "该人员目前不属于任何家庭。")
    if not reason.strip():
        raise invalid("变动原因", "不能为空", "reason")
    household = person.household
    membership = Membership.objects.filter(person=person, valid_to__isnull=True).first()
    if membership:
        if left_on <= membership.valid_from:
            raise invalid("迁出日期", f"应晚于加入日期 {membership.valid_from:%Y-%m-%d}", "left_on")
        membership.valid_to, membership.closed_at, membership.reason = left_on, timezone.now(), reason[:100]
        membership.save(update_fields=["valid_to", "closed_at", "reason"])
    changes = {"household": {"label": "所在家庭", "old": household.number, "new": ""}}
    if death_date:
        person.death_date = death_date
        changes["death_date"] = {"label": "死亡日期", "old": "", "new": str(death_date)}
    person.household, person.relation = None, ""
    person.version += 1
    person.save()
    _refresh_household_summary(household)
    record_event(
        actor,
        action="remove_member",
        target=person,
        household_id=household.pk,
        region_code=household.region_id,
        changes=changes,
        reason=reason,
        label=f"{person.name}",
    )
    return person


def _evidence_values(model: type[Evidence], values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(model.value_fields)
    if unknown:
        raise DomainError(
            RegistryErrorCode.EVIDENCE_INVALID, f"{model.kind_label}：未知字段 {'、'.join(sorted(unknown))}。"
        )
    return values


def _save_evidence(instance: Evidence) -> None:
    from django.core.exceptions import ValidationError

    # Amounts are never negative (a spending, an income, a value); checked here for every kind, so
    # the API and the import are refused with the field's name and not a database constraint's.
    for name in instance.value_fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if field.get_internal_type() == "DecimalField" and value is not None:
            try:
                negative = Decimal(str(value)) < 0
            except (InvalidOperation, ValueError):
                negative = False  # full_clean names the unreadable amount
            if negative:
                raise DomainError(
                    RegistryErrorCode.EVIDENCE_INVALID,
                    f"{instance.kind_label}·{field.verbose_name}：不能为负数（{value}）。",
                    {"field": name},
                )
    try:
        instance.full_clean(exclude=["person", "recorded_by", "superseded_by"])
    except ValidationError as exc:
        first_field, messages = next(iter(exc.message_dict.items()))
        label = instance._meta.get_field(first_field).verbose_name if first_field != "__all__" else "日期"
        raise DomainError(
            RegistryErrorCode.EVIDENCE_INVALID,
            f"{instance.kind_label}·{label}：{'；'.join(messages)}",
            {"field": first_field},
        ) from exc
    if instance.valid_to and instance.valid_to <= instance.valid_from:
        raise DomainError(
            RegistryErrorCode.EVIDENCE_INVALID,
            f"{instance.kind_label}：失效日期应晚于生效日期。",
            {"field": "valid_to"},
        )
    instance.save()


def _evidence_changes(instance: Evidence) -> dict:
    fields = (*instance.value_fields, "valid_from", "valid_to")
    return diff_fields(instance, {}, fields)


@transaction.atomic(durable=True)
def do_record_evidence(
    actor,
    person: Person,
    *,
    kind: str,
    values: dict[str, Any],
    valid_from: date,
    valid_to: date | None = None,
    source: str = "declared",
    note: str = "",
) -> Evidence:
    """Record a new dated fact about a person (income, asset, disability …)."""
    return record_evidence(
        actor, person, kind=kind, values=values, valid_from=valid_from, valid_to=valid_to, source=source, note=note
    )


def record_evidence(
    actor,
    person: Person,
    *,
    kind: str,
    values: dict[str, Any],
    valid_from: date,
    valid_to: date | None = None,
    source: str = "declared",
    note: str = "",
) -> Evidence:
    """``do_record_evidence`` inside the caller's transaction."""
    check_capability(actor, Capability.EDIT_REGISTRY)
    model = EVIDENCE_MODELS.get(kind)
    if model is None:
        raise DomainError(RegistryErrorCode.EVIDENCE_INVALID, f"证据类别“{kind}”不存在。")
    person = Person.objects.select_related("household").get(pk=person.pk)
    check_in_scope(actor, person.region_code, "人员")
    instance = model(
        person=person,
        valid_from=valid_from,
        valid_to=valid_to,
        source=source,
        note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        **_evidence_values(model, values),
    )
    _save_evidence(instance)
    record_event(
        actor,
        action=f"record_{kind}",
        target=instance,
        household_id=person.household_id,
        region_code=person.region_code,
        changes=_evidence_changes(instance),
        label=f"{person.name}·{instance.kind_label}",
    )
    return instance


@transaction.atomic(durable=True)
def do_correct_evidence(
    actor,
    evidence: Evidence,
    *,
    reason: str,
    values: dict[str, Any] | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    end: bool = False,
) -> Evidence:
    """Supersede a fact with a corrected copy (new values or dates); the old row stays readable.

    ``end=True`` with ``valid_to`` records that the fact stopped being true on that date.
    """
    check_capability(actor, Capability.EDIT_REGISTRY)
    model = type(evidence)
    old = model.objects.select_for_update(of=("self",)).select_related("person__household").get(pk=evidence.pk)
    check_in_scope(actor, old.person.region_code, "人员")
    if old.superseded_at is not None:
        raise Conflict("该条信息已被更正过，请刷新后在最新记录上操作。")
    if not reason.strip():
        raise invalid("更正原因", "不能为空", "reason")
    now = timezone.now()
    old.superseded_at, old.superseded_by = now, actor if getattr(actor, "pk", None) else None
    old.save(update_fields=["superseded_at", "superseded_by"])
    new = model(
        person=old.person,
        valid_from=valid_from or old.valid_from,
        valid_to=valid_to if (valid_to or end) else old.valid_to,
        source=old.source,
        note=reason[:200],
        recorded_by=old.superseded_by,
        **{f: getattr(old, f) for f in model.value_fields},
    )
    for name, value in _evidence_values(model, values or {}).items():
        setattr(new, name, value)
    _save_evidence(new)
    before = snapshot(old, (*model.value_fields, "valid_from", "valid_to"))
    record_event(
        actor,
        action=f"correct_{model.kind()}",
        target=new,
        household_id=old.person.household_id,
        region_code=old.person.region_code,
        changes=diff_fields(new, before, (*model.value_fields, "valid_from", "valid_to")),
        reason=reason,
        label=f"{old.person.name}·{new.kind_label}",
    )
    return new
