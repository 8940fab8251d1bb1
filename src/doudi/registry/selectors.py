"""Reads of the registry. Every selector starts from the actor's region scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from doudi.accounts.scope import check_in_scope, region_in_scope, scope_filter
from doudi.audit.models import AuditEvent
from doudi.core.errors import NotFound
from doudi.registry.identity import normalize_id_number
from doudi.registry.models import EVIDENCE_MODELS, Evidence, Household, Membership, Person


def household_list(
    *, actor, q: str = "", region_code: str = "", status: str = "active", programme: str = "", benefit: str = ""
) -> QuerySet[Household]:
    """Return the actor's households, optionally searched by ID number, exact name or region.

    ``q`` may be an 18-character ID number (any member), a 12-digit household number prefix or a
    region code, or a name matched exactly against any member (exact match keeps it indexed).
    ``programme`` and ``benefit`` narrow by what the household receives (``with_benefit``).
    """
    qs = scope_filter(actor, Household.objects.select_related("region"))
    if status:
        qs = qs.filter(status=status)
    if programme or benefit:
        qs = with_benefit(qs, programme=programme, benefit=benefit)
    if region_code:
        qs = qs.filter(region__code__startswith=region_code)
    q = (q or "").strip()
    if q:
        normalized = normalize_id_number(q)
        if len(normalized) == 18 and normalized[:17].isdigit():
            qs = qs.filter(pk__in=Person.objects.filter(id_number=normalized).values("household_id"))
        elif q.isdigit():
            qs = qs.filter(Q(number__startswith=q) | Q(region__code__startswith=q))
        else:
            # One UNION subquery, not "head_name = q OR pk IN (…)": PostgreSQL answers that OR with a
            # scan of every household in scope (about 1 s for a million), the UNION with two index lookups.
            by_member = Person.objects.filter(name=q).order_by().values("household_id")
            by_head = Household.objects.filter(head_name=q).order_by().values("pk")
            qs = qs.filter(pk__in=by_member.union(by_head))
    return qs.order_by("region_id", "number")


BENEFIT_LIVE, BENEFIT_NONE = "live", "none"


def with_benefit(qs: QuerySet[Household], *, programme: str = "", benefit: str = "") -> QuerySet[Household]:
    """Households with an enrolment of ``programme`` (any, when blank) in the state ``benefit``.

    ``benefit``: ``live`` (not ended; the default when only a programme is given), an enrolment status
    (``active``, ``suspended``, ``phasing_out``, ``ended``), or ``none``: no live enrolment (of the programme).
    """
    from doudi.cases.models import Enrolment, EnrolmentStatus  # the cases app builds on the registry

    enrolments = Enrolment.objects.all()
    if programme:
        enrolments = enrolments.filter(programme=programme)
    benefit = benefit or BENEFIT_LIVE
    if benefit in (BENEFIT_LIVE, BENEFIT_NONE):
        enrolments = enrolments.exclude(status=EnrolmentStatus.ENDED)
    else:
        enrolments = enrolments.filter(status=benefit)
    ids = enrolments.order_by().values("household_id")
    return qs.exclude(pk__in=ids) if benefit == BENEFIT_NONE else qs.filter(pk__in=ids)


def programmes_of(household_ids) -> dict[int, list[str]]:
    """The programmes each household receives now (live enrolments), in a stable order, in one query."""
    from doudi.cases.models import Enrolment, EnrolmentStatus

    rows = (
        Enrolment.objects.filter(household_id__in=list(household_ids))
        .exclude(status=EnrolmentStatus.ENDED)
        .order_by("household_id", "programme")
        .values_list("household_id", "programme")
        .distinct()
    )
    result: dict[int, list[str]] = {}
    for household_id, programme in rows:
        result.setdefault(household_id, []).append(programme)
    return result


def household_get(*, actor, household_id: int) -> Household:
    household = Household.objects.select_related("region").filter(pk=household_id).first()
    if household is None:
        raise NotFound("家庭")
    check_in_scope(actor, household.region_id, "家庭")
    return household


def person_get(*, actor, person_id: int) -> Person:
    person = Person.objects.select_related("household__region", "hukou_region").filter(pk=person_id).first()
    if person is None:
        raise NotFound("人员")
    check_in_scope(actor, person.region_code, "人员")
    return person


def household_members(household: Household) -> list[Person]:
    """Return the current members, the head first, then by age."""
    members = Person.objects.filter(household=household).select_related("hukou_region")
    return sorted(members, key=lambda p: (p.relation != "head", p.birth_date))


def household_history(*, actor, household: Household) -> QuerySet[AuditEvent]:
    check_in_scope(actor, household.region_id, "家庭")
    return AuditEvent.objects.filter(household_id=household.pk).select_related("actor")


def evidence_of(person_ids, *, include_superseded: bool = False) -> dict[str, list[Evidence]]:
    """Return every kind of evidence of the persons, newest first within each kind."""
    result = {}
    for kind, model in EVIDENCE_MODELS.items():
        qs = model.objects.filter(person_id__in=person_ids)
        if not include_superseded:
            qs = qs.filter(superseded_at__isnull=True)
        result[kind] = list(qs.order_by("person_id", "-valid_from", "-id"))
    return result


@dataclass
class MemberSnapshot:
    person: Person
    relation: str
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)


@dataclass
class HouseholdSnapshot:
    """What was true of a household on ``on``, as doudi knew it at ``known_at``."""

    household: Household
    on: date
    known_at: datetime
    members: list[MemberSnapshot]


def _known(qs: QuerySet, known_at: datetime) -> QuerySet:
    return qs.filter(recorded_at__lte=known_at).filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=known_at))


def _valid(qs: QuerySet, on: date) -> QuerySet:
    return qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def household_as_of(
    household: Household, *, on: date, known_at: datetime | None = None, actor=None
) -> HouseholdSnapshot:
    """Answer "what did we know about this household on date D" from the history.

    Members are those whose membership covered ``on``; each member's evidence is what was valid
    on ``on`` and recorded (and not yet corrected) at ``known_at``. By default ``known_at`` is
    now: the best current knowledge of that day. Passing the time of a past decision gives the
    facts that decision was based on, before any later correction.

    Evidence another region recorded for a member who came from there is left out
    (``hidden_evidence_windows``): with ``actor`` (pages and the API), what lies outside the
    actor's scope; without one (the policy engine, case work), what was recorded while the member
    lived outside the household's county. A county decides on facts it recorded (and its survey
    verified) itself, so a fact left behind in another county, unseen and uncorrectable here,
    never moves a benefit here.
    """
    if known_at is None:
        known_at = timezone.now()
    memberships = (
        Membership.objects.filter(household=household, valid_from__lte=on, recorded_at__lte=known_at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on) | Q(closed_at__gt=known_at))
        .select_related("person")
        .order_by("valid_from", "id")
    )
    members = [MemberSnapshot(person=m.person, relation=m.relation) for m in memberships]
    by_person = {m.person.pk: m for m in members}
    windows = hidden_evidence_windows(actor=actor, person_ids=by_person, county_of=household.region_id)
    for kind, model in EVIDENCE_MODELS.items():
        rows = _valid(_known(model.objects.filter(person_id__in=by_person), known_at), on)
        for row in rows.order_by("valid_from", "id"):
            if not _hidden(row, windows):
                by_person[row.person_id].evidence.setdefault(kind, []).append(row)
    return HouseholdSnapshot(household=household, on=on, known_at=known_at, members=members)


def evidence_get(*, actor, kind: str, evidence_id: int) -> Evidence:
    """Return one evidence row of kind ``kind`` (superseded or not); NotFound if missing or outside the scope."""
    model = EVIDENCE_MODELS.get(kind)
    row = model.objects.select_related("person__household").filter(pk=evidence_id).first() if model else None
    if row is None:
        raise NotFound("证据")
    check_in_scope(actor, row.person.region_code, "证据")
    if evidence_hidden(actor=actor, row=row):
        raise NotFound("证据")
    return row


Window = tuple[datetime, datetime | None]


def hidden_evidence_windows(*, actor=None, person_ids, county_of: str = "") -> dict[int, list[Window]]:
    """Return, per person, the periods whose records belong to another region (see ``registry.moves``).

    A period starts when the person joined a household outside the actor's scope and ends when
    the person next joined one inside it (open-ended while still outside). Evidence recorded in
    such a period was written by the other region and is not shown to the actor; a person who
    never left the actor's scope has no window. Without an actor, ``county_of`` (a region code)
    names the viewpoint instead: the county of that region, which decides on its households'
    benefits (``household_as_of`` for the policy engine).
    """
    if actor is None:
        county = county_of[:6]

        def in_scope(code: str) -> bool:
            return bool(code) and code.startswith(county)
    else:

        def in_scope(code: str) -> bool:
            return region_in_scope(actor, code)

    rows = (
        Membership.objects.filter(person_id__in=list(person_ids))
        .order_by("person_id", "recorded_at", "id")
        .values_list("person_id", "household__region_id", "recorded_at")
    )
    windows: dict[int, list[Window]] = {}
    started: dict[int, datetime] = {}
    for person_id, region_code, recorded_at in rows:
        if not in_scope(region_code):
            started.setdefault(person_id, recorded_at)
        elif person_id in started:
            windows.setdefault(person_id, []).append((started.pop(person_id), recorded_at))
    for person_id, start in started.items():
        windows.setdefault(person_id, []).append((start, None))
    return windows


def _hidden(row: Evidence, windows: dict[int, list[Window]]) -> bool:
    return any(
        start <= row.recorded_at and (end is None or row.recorded_at < end)
        for start, end in windows.get(row.person_id, ())
    )


def visible_evidence(*, actor, person_ids, include_superseded: bool = False) -> dict[str, list[Evidence]]:
    """Return ``evidence_of`` the persons without what another region recorded (``hidden_evidence_windows``)."""
    windows = hidden_evidence_windows(actor=actor, person_ids=person_ids)
    by_kind = evidence_of(person_ids, include_superseded=include_superseded)
    if not windows:
        return by_kind
    return {kind: [r for r in rows if not _hidden(r, windows)] for kind, rows in by_kind.items()}


def evidence_hidden(*, actor, row: Evidence) -> bool:
    """Return whether ``row`` was recorded by another region while the person lived there."""
    return _hidden(row, hidden_evidence_windows(actor=actor, person_ids=[row.person_id]))


def lived_outside_scope(*, actor, person: Person) -> bool:
    """Return whether the person ever belonged to a household outside the actor's scope (shown without details)."""
    return person.pk in hidden_evidence_windows(actor=actor, person_ids=[person.pk])
