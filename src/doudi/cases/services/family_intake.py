"""Intake in one flow (上门受理): a household, its members, their evidence, photos and the application.

A village worker with a family in front of her fills one page on her phone; it arrives here as
one document (``parse_family``) and is either estimated (``estimate_family``, nothing written) or
registered (``do_register_family``) in one transaction through the registry's and the cases'
own services, so the same rules refuse the same input everywhere:

- the household and its people: ``registry.services.create_household`` (ID numbers, one head,
  one household per person, the village in the worker's scope);
- each fact: ``registry.services.record_evidence`` (after the evidence form's own checks);
- the application and its acceptance (受理): ``open_application``, ``accept_application``;
- the photos: ``add_attachment`` (recognised by their bytes, stored under random names).

Each is the body of a durable ``do_*`` service that pages and the API call, offered without the
durable mark so that it runs in the caller's transaction: here one transaction holds them all, so a
refusal anywhere leaves nothing written. The phone's submission key (a UUID made when the form was
begun) is stored with a unique constraint: a retry after a dropped connection returns the household
and case of the first submission.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, region_in_scope
from doudi.cases.errors import CaseErrorCode
from doudi.cases.models import Case, CaseKind, Channel, IntakeSubmission, Programme
from doudi.cases.services.attachments import add_attachment
from doudi.cases.services.common import check_step_capability, day_of
from doudi.cases.services.intake import accept_application, open_application
from doudi.core.errors import DomainError, NotFound
from doudi.regions.models import Level, Region, pad_code
from doudi.registry import services as registry_services
from doudi.registry.errors import RegistryErrorCode
from doudi.registry.forms import PersonForm, evidence_form_class
from doudi.registry.identity import normalize_id_number
from doudi.registry.models import EVIDENCE_MODELS, Household, Person, Relation
from doudi.registry.validation import PersonInput

MAX_MEMBERS = 20
MAX_EVIDENCE_PER_MEMBER = 40
MAX_PHOTOS = 20
# Programmes a worker may ask for in an application (temporary assistance has its own form).
PROGRAMME_CHOICES = tuple((c, label) for c, label in Programme.choices if c not in ("phase_out", "temporary"))
REQUESTABLE = tuple(c for c, _label in PROGRAMME_CHOICES)
CHANNELS = tuple(c for c, _label in Channel.choices if c != Channel.SYSTEM)
PERSON_FIELDS = (
    "id_number",
    "name",
    "relation",
    "hukou_type",
    "residence_address",
    "phone",
    "bank_name",
    "bank_account",
)


@dataclass
class Problem:
    """One refused input: where it is (member, evidence item, field) and the Chinese sentence."""

    message: str
    field: str = ""
    member: int | None = None
    evidence: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "field": self.field, "member": self.member, "evidence": self.evidence}


class IntakeInvalid(DomainError):
    """The family document was refused; ``problems`` lists each input at fault."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(
            CaseErrorCode.FIELD_INVALID,
            "；".join(p.message for p in problems[:5]) + ("……" if len(problems) > 5 else ""),
            {"problems": [p.as_dict() for p in problems]},
        )


@dataclass
class EvidenceDraft:
    kind: str
    values: dict[str, Any]
    valid_from: date
    valid_to: date | None
    source: str
    note: str


@dataclass
class MemberDraft:
    person: PersonInput
    evidence: list[EvidenceDraft] = field(default_factory=list)


@dataclass
class FamilyDraft:
    """A checked family document, ready to estimate or to register."""

    key: uuid.UUID | None
    region: Region
    address: str
    members: list[MemberDraft]
    programmes: list[str]
    channel: str
    accept: bool
    note: str


@dataclass
class IntakeOutcome:
    household: Household
    case: Case
    replayed: bool
    photo_count: int = 0


def member_label(index: int, name: str) -> str:
    """Return how an error names a member: "第2位成员（李四）"."""
    name = (name or "").strip()
    return f"第{index + 1}位成员（{name}）" if name else f"第{index + 1}位成员"


def _text(raw: Any, limit: int = 200) -> str:
    return str(raw if raw is not None else "").strip()[:limit]


def _village(actor, code: str, problems: list[Problem]) -> Region | None:
    code = _text(code, 20)
    if not code:
        problems.append(Problem("所在村/社区：请选择。", "region"))
        return None
    region = Region.objects.filter(code=pad_code(code)).first() if code.isdigit() else None
    if region is None:
        problems.append(Problem(f"所在村/社区：行政区划代码 {code} 不存在。", "region"))
        return None
    if region.level != Level.VILLAGE:
        problems.append(Problem(f"所在村/社区：{code} 不是村/社区的代码。", "region"))
        return None
    if not region_in_scope(actor, region.code):
        problems.append(Problem("所在村/社区：不是您管辖范围内的村/社区。", "region"))
        return None
    return region


def _prefixed(who: str, message: str) -> str:
    return f"{who}·{message}"


def _person(
    index: int, raw: dict, head: dict | None, address: str, problems: list[Problem]
) -> tuple[PersonInput | None, dict]:
    """Check one member with the registry's person form and ``PersonInput.clean``.

    A member inherits what the worker left blank from the head (``head``, the head's fields as
    typed): 户籍性质 and 居住地址; the head's own address defaults to the household's. Returns the
    checked person (or None, with ``problems`` added) and the fields as completed.
    """
    data = {name: _text(raw.get(name), 200) for name in PERSON_FIELDS}
    if index == 0:
        data["relation"] = Relation.HEAD
    if not data["residence_address"]:
        data["residence_address"] = (head or {}).get("residence_address") or address
    if not data["hukou_type"] and head is not None:
        data["hukou_type"] = head.get("hukou_type", "")
    who = member_label(index, data["name"])
    form = PersonForm(data=data, head=index == 0)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for message in errors:
                problems.append(Problem(_prefixed(who, message), name, index))
        return None, data
    person = form.to_input()
    try:
        person.clean()
    except DomainError as exc:
        problems.append(Problem(_prefixed(who, exc.message), (exc.extra or {}).get("field", ""), index))
        return None, data
    return person, data


def _evidence(index: int, name: str, j: int, raw: dict, problems: list[Problem]) -> EvidenceDraft | None:
    """Check one fact with the registry's evidence form (the same checks as the household page)."""
    kind = _text(raw.get("kind"), 40)
    who = member_label(index, name)
    model = EVIDENCE_MODELS.get(kind)
    if model is None:
        problems.append(Problem(_prefixed(who, f"情况类别“{kind}”不存在。"), "kind", index, j))
        return None
    form_class = evidence_form_class(kind)
    data = {k: v for k, v in raw.items() if k in form_class.base_fields}
    data.setdefault("source", "declared")
    form = form_class(data=data)
    if not form.is_valid():
        for field_name, errors in form.errors.items():
            for message in errors:
                label = str(model.kind_label)
                text = message if message.startswith(label) else f"{label}·{message}"
                problems.append(Problem(_prefixed(who, text), field_name, index, j))
        return None
    d = form.cleaned_data
    return EvidenceDraft(
        kind=kind,
        values=form.values(),
        valid_from=d["valid_from"],
        valid_to=d.get("valid_to"),
        source=d.get("source") or "declared",
        note=d.get("note") or "",
    )


def parse_family(actor, raw: dict, *, submitting: bool = False) -> FamilyDraft:
    """Check a family document from the intake page; raise ``IntakeInvalid`` listing every problem.

    ``raw``: ``{key, region, address, programmes, channel, accept, note, members: [{id_number, name,
    relation, hukou_type, residence_address, phone, bank_name, bank_account, evidence: [{kind,
    valid_from, valid_to, <the kind's fields>}]}], authorised}``; the first member is the head.
    ``submitting``: the document is to be registered, not only estimated: it needs its key and the
    signed 核对授权书.
    """
    if not isinstance(raw, dict):
        raise IntakeInvalid([Problem("提交的内容无法识别，请刷新页面后重试。")])
    problems: list[Problem] = []
    key = None
    try:
        key = uuid.UUID(str(raw.get("key") or ""))
    except ValueError:
        if submitting:
            problems.append(Problem("提交标识无效，请刷新页面后重新提交。", "key"))
    region = _village(actor, raw.get("region"), problems)
    address = _text(raw.get("address"))
    members_raw = raw.get("members") or []
    if not isinstance(members_raw, list) or not members_raw:
        problems.append(Problem("家庭成员：至少登记户主一人。", "members"))
        members_raw = []
    if len(members_raw) > MAX_MEMBERS:
        problems.append(Problem(f"家庭成员：一次最多登记 {MAX_MEMBERS} 人。", "members"))
        members_raw = members_raw[:MAX_MEMBERS]
    members: list[MemberDraft] = []
    seen: dict[str, int] = {}
    head: dict | None = None
    for i, m in enumerate(members_raw):
        m = m if isinstance(m, dict) else {}
        person, typed = _person(i, m, head, address, problems)
        head = head if i > 0 else typed
        name = _text(m.get("name"), 50)
        if person is not None:
            number = normalize_id_number(person.id_number)
            if number in seen:
                problems.append(
                    Problem(
                        _prefixed(member_label(i, name), f"公民身份号码：与第 {seen[number] + 1} 位成员重复。"),
                        "id_number",
                        i,
                    )
                )
            seen.setdefault(number, i)
        evidence = []
        items = m.get("evidence") or []
        if not isinstance(items, list) or len(items) > MAX_EVIDENCE_PER_MEMBER:
            problems.append(Problem(_prefixed(member_label(i, name), "家庭情况：条目过多或无法识别。"), "evidence", i))
            items = []
        for j, item in enumerate(items):
            ev = _evidence(i, name, j, item if isinstance(item, dict) else {}, problems)
            if ev is not None:
                evidence.append(ev)
        if person is not None:
            members.append(MemberDraft(person=person, evidence=evidence))
    programmes = raw.get("programmes") or []
    if not isinstance(programmes, list):
        programmes = []
    unknown = [p for p in programmes if p not in REQUESTABLE]
    if unknown:
        problems.append(Problem(f"申请项目：不认识的项目 {'、'.join(map(str, unknown))}。", "programmes"))
    channel = _text(raw.get("channel"), 20) or Channel.WINDOW
    if channel not in CHANNELS:
        problems.append(Problem("申请方式：不认识的申请方式。", "channel"))
    if submitting and not raw.get("authorised"):
        problems.append(Problem("授权核对：须由申请人及家庭成员签署核对授权书后才能登记申请。", "authorised"))
    if problems:
        raise IntakeInvalid(problems)
    return FamilyDraft(
        key=key,
        region=region,
        address=address,
        members=members,
        programmes=[p for p in REQUESTABLE if p in programmes],
        channel=channel,
        accept=bool(raw.get("accept", True)),
        note=_text(raw.get("note"), 400),
    )


# --- the estimate (试算): nothing is written ------------------------------------------------------


def estimate_family(actor, family: FamilyDraft, *, on: date | None = None):
    """Assess the typed family with the policy in force, as the registered household would be.

    The family is built as unsaved registry rows and read through ``policy.facts_bridge`` (the same
    mapping a registered household goes through), then assessed by ``policy.assessment.assess_facts``
    (the service behind the 试算 API). Returns ``(assessment, policy versions, {person id: name})``.
    """
    from doudi.policy.assessment import assess_facts
    from doudi.policy.facts_bridge import facts_from_snapshot
    from doudi.registry.selectors import HouseholdSnapshot, MemberSnapshot

    check_capability(actor, Capability.ASSESS, "您的角色无权进行救助评估。")
    on = day_of(on)
    household = Household(pk=0, region=family.region, area_type=family.region.area_type or "rural")
    members, names, row_id = [], {}, 0
    for i, m in enumerate(family.members, start=1):
        p = m.person
        person = Person(pk=i, id_number=p.id_number, name=p.name, gender=p.gender, birth_date=p.birth_date)
        names[str(i)] = p.name
        snap = MemberSnapshot(person=person, relation=p.relation)
        for ev in m.evidence:
            if ev.valid_from > on or (ev.valid_to is not None and ev.valid_to <= on):
                continue  # not true on the day assessed, as the registry's snapshot would leave it out
            row_id += 1
            row = EVIDENCE_MODELS[ev.kind](
                pk=row_id, person=person, valid_from=ev.valid_from, valid_to=ev.valid_to, **ev.values
            )
            snap.evidence.setdefault(ev.kind, []).append(row)
        members.append(snap)
    snapshot = HouseholdSnapshot(household=household, on=on, known_at=timezone.now(), members=members)
    facts = facts_from_snapshot(snapshot)
    result, versions = assess_facts(facts, family.region.code, on)
    return result, versions, names


# --- registering: one transaction through the services ------------------------------------------


class _KeyTaken(Exception):
    """Another request stored the same submission key first (a concurrent retry)."""


def _replay(actor, key: uuid.UUID | None) -> IntakeOutcome | None:
    if key is None:
        return None
    done = IntakeSubmission.objects.select_related("household", "case").filter(key=key).first()
    if done is None:
        return None
    if done.created_by_id != getattr(actor, "pk", None):
        raise DomainError("invalid", "该提交标识已被他人使用，请刷新页面后重新填写。", {"field": "key"})
    return IntakeOutcome(household=done.household, case=done.case, replayed=True, photo_count=done.photo_count)


def _member_of(family: FamilyDraft, exc: DomainError) -> int | None:
    number = (exc.extra or {}).get("id_number")
    for i, m in enumerate(family.members):
        if m.person.id_number == number or (m.person.id_number and m.person.id_number in exc.message):
            return i
    return None


def do_register_family(
    actor, family: FamilyDraft, *, photos: list[tuple[bytes, str, str]] = (), today: date | None = None
) -> IntakeOutcome:
    """Register the household, its members and evidence, open the application (and accept it).

    ``photos`` are ``(bytes, original name, attachment category)``. All or nothing: any refusal
    raises ``IntakeInvalid`` naming the member and field, and nothing stays written (files stored
    before the refusal are deleted). Replaying a submission key returns the first outcome.
    """
    check_capability(actor, Capability.EDIT_REGISTRY)
    check_step_capability(actor, "open_application")
    if family.key is None:
        raise IntakeInvalid([Problem("提交标识无效，请刷新页面后重新提交。", "key")])
    if len(photos) > MAX_PHOTOS:
        raise IntakeInvalid([Problem(f"照片：一次最多上传 {MAX_PHOTOS} 张。", "photos")])
    done = _replay(actor, family.key)
    if done is not None:
        return done
    stored: list[str] = []
    try:
        return _register(actor, family, list(photos), day_of(today), stored)
    except _KeyTaken:
        _delete(stored)
        done = _replay(actor, family.key)
        if done is None:  # pragma: no cover - the other transaction committed the key
            raise
        return done
    except BaseException:
        _delete(stored)
        raise


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _lock_key(key: uuid.UUID) -> None:
    """Make a concurrent retry of the same submission wait for the first (PostgreSQL; SQLite writes one at a time).

    Without it both would register the family and the second fail on a person's ID number, not replay.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_INTAKE_LOCK, int.from_bytes(key.bytes[:4], "big", signed=True)],
            )


_INTAKE_LOCK = 0x1D7A4E  # the class of advisory locks held by intake submissions (the key's first bytes below)


@transaction.atomic(durable=True)
def _register(actor, family: FamilyDraft, photos, on: date, stored: list[str]) -> IntakeOutcome:
    _lock_key(family.key)
    done = _replay(actor, family.key)  # the submission that held the lock may have been this one
    if done is not None:
        return done
    head, *others = [m.person for m in family.members]
    try:
        household = registry_services.create_household(
            actor,
            region_code=family.region.code,
            head=head,
            members=others,
            address=family.address,
            joined_on=on,
        )
    except NotFound as exc:
        raise IntakeInvalid([Problem(f"所在村/社区：{exc.message}", "region")]) from exc
    except DomainError as exc:
        index = _member_of(family, exc)
        field_name = (exc.extra or {}).get("field", "")
        if index is None:
            raise IntakeInvalid([Problem(exc.message, field_name)]) from exc
        who = member_label(index, family.members[index].person.name)
        message = exc.message
        if exc.code == RegistryErrorCode.WITHOUT_HOUSEHOLD:
            message += "上门受理时可先删除此人提交，再在家庭页面用“迁入成员”办理。"
        raise IntakeInvalid([Problem(_prefixed(who, message), field_name, index)]) from exc
    persons = {p.id_number: p for p in Person.objects.filter(household=household)}
    for i, m in enumerate(family.members):
        person = persons[m.person.id_number]
        for j, ev in enumerate(m.evidence):
            try:
                registry_services.record_evidence(
                    actor,
                    person,
                    kind=ev.kind,
                    values=ev.values,
                    valid_from=ev.valid_from,
                    valid_to=ev.valid_to,
                    source=ev.source,
                    note=ev.note,
                )
            except DomainError as exc:
                who = member_label(i, person.name)
                field_name = (exc.extra or {}).get("field", "")
                raise IntakeInvalid([Problem(_prefixed(who, exc.message), field_name, i, j)]) from exc
    applicant = persons[head.id_number]
    try:
        case = open_application(
            actor,
            household,
            kind=CaseKind.APPLICATION,
            programmes=family.programmes,
            applicant=applicant,
            channel=family.channel,
            note="上门受理：申请人及家庭成员已签署家庭经济状况核对授权书。" + family.note,
            today=on,
        )
        if family.accept:
            case = accept_application(actor, case, expected_version=case.version, today=on)
        for k, (data, name, category) in enumerate(photos):
            try:
                attachment = add_attachment(actor, case, upload=data, original_name=name, category=category, today=on)
            except DomainError as exc:
                raise IntakeInvalid([Problem(f"第{k + 1}张照片（{name}）·{exc.message}", "photos")]) from exc
            stored.append(attachment.file.name)
    except IntakeInvalid:
        raise
    except DomainError as exc:
        raise IntakeInvalid([Problem(exc.message, (exc.extra or {}).get("field", ""))]) from exc
    try:
        with transaction.atomic():
            IntakeSubmission.objects.create(
                key=family.key,
                household=household,
                case=case,
                created_by=actor if getattr(actor, "pk", None) else None,
                photo_count=len(photos),
            )
    except IntegrityError as exc:
        raise _KeyTaken() from exc
    return IntakeOutcome(household=household, case=case, replayed=False, photo_count=len(photos))
