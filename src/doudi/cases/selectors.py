"""Reads of cases, inboxes, enrolments and tasks, always within the actor's region scope.

``inbox`` answers "what do I have to do, by when": for each open case in the actor's subtree the
next steps the actor's role may take (from ``workflow.TRANSITIONS``), with the earliest open time
limit and whether it is overdue; plus periodic reviews coming due. ``case_detail`` gathers
everything a case page shows, including its timeline. ``payable_in_month`` is what the payment
module will read: who should be paid what in a month.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.cases.models import (
    Attachment,
    Case,
    CaseDeadline,
    CaseEvent,
    CaseKind,
    Decision,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    NoticeStatus,
    Objection,
    PublicNotice,
    Referral,
    RelativeDeclaration,
    RelativeStatus,
    ReviewKind,
    ReviewTask,
    Survey,
    TaskStatus,
    Verification,
)
from doudi.cases.services.common import month_start
from doudi.cases.workflow import OPEN, TRANSITIONS, CaseStatus
from doudi.core.errors import NotFound

REVIEW_HORIZON_DAYS = 30


def _open_deadlines() -> Q:
    return Q(deadlines__met_on__isnull=True, deadlines__cancelled=False)


def _provisional_deadline():
    """Return whether the next due date (the earliest open limit) is counted Monday–Friday (holidays unknown).

    Only the limit that gives ``next_due_on`` decides: a later limit running into an unknown year does not make
    a date of a known year approximate. Of two limits due the same day, the one counted on the calendar decides.
    """
    from doudi.cases.models import CaseDeadline

    earliest = CaseDeadline.objects.filter(
        case=OuterRef("pk"), met_on__isnull=True, cancelled=False, due_on__isnull=False
    ).order_by("due_on", "provisional")
    return Coalesce(Subquery(earliest.values("provisional")[:1]), Value(False))


def case_list(
    *,
    actor,
    status: str | None = None,
    kind: str | None = None,
    household_id: int | None = None,
    q: str = "",
    open_only: bool = False,
) -> QuerySet[Case]:
    """Return the cases in the actor's region, newest first, with ``next_due_on`` (earliest open limit)."""
    qs = scope_filter(actor, Case.objects.select_related("household", "applicant", "region"))
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN)
    if kind:
        qs = qs.filter(kind=kind)
    if household_id:
        qs = qs.filter(household_id=household_id)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(household__head_name__icontains=q) | Q(household__number=q))
    # The aggregate drops the model's default ordering (GROUP BY): order explicitly, newest first.
    return qs.annotate(
        next_due_on=Min("deadlines__due_on", filter=_open_deadlines()), next_due_provisional=_provisional_deadline()
    ).order_by("-opened_on", "-id")


def case_get(*, actor, case_id: int) -> Case:
    """Return one case in the actor's region; ``NotFound`` if missing or outside it."""
    case = (
        Case.objects.select_related("household", "applicant", "region", "opinion_assessment").filter(pk=case_id).first()
    )
    if case is None:
        raise NotFound("案件")
    check_in_scope(actor, case.region_id, "案件")
    return case


@dataclass
class CaseDetail:
    case: Case
    events: list[CaseEvent]
    deadlines: list[CaseDeadline]
    notices: list[PublicNotice]
    objections: list[Objection]
    surveys: list[Survey]
    verifications: list
    community_reviews: list
    missing_materials: list
    decisions: list[Decision]
    attachments: list[Attachment]
    relatives: list[RelativeDeclaration]
    referrals: list[Referral]
    enrolments: list[Enrolment]
    next_steps: list[str]
    overdue: list[CaseDeadline] = field(default_factory=list)
    blocked_steps: list[tuple[str, str]] = field(default_factory=list)


def case_detail(*, actor, case_id: int, today: date | None = None) -> CaseDetail:
    """Return everything a case page shows: timeline, limits, records, decisions, files, next steps."""
    from django.utils import timezone

    on = today or timezone.localdate()
    case = case_get(actor=actor, case_id=case_id)
    deadlines = list(case.deadlines.all())
    return CaseDetail(
        case=case,
        events=list(case.events.select_related("actor", "assessment")),
        deadlines=deadlines,
        notices=list(case.notices.all()),
        objections=list(case.objections.all()),
        surveys=list(case.surveys.select_related("investigator_1", "investigator_2").prefetch_related("photos")),
        verifications=list(case.verifications.all()),
        community_reviews=list(case.community_reviews.select_related("recorded_by")),
        missing_materials=list(case.missing_materials.all()),
        decisions=list(case.decisions.prefetch_related("lines__person")),
        attachments=list(case.attachments.all()),
        relatives=list(case.relatives.all()),
        referrals=list(case.referrals.all()),
        enrolments=list(
            Enrolment.objects.filter(Q(case=case) | Q(pk__in=case.enrolments.values("pk"))).select_related("person")
        ),
        next_steps=pending_steps(case, actor, on),
        blocked_steps=blocked_steps(case, actor, on),
        overdue=[d for d in deadlines if d.is_open and d.due_on and d.due_on < on],
    )


def _annotated(qs: QuerySet[Case]) -> QuerySet[Case]:
    running = PublicNotice.objects.filter(case=OuterRef("pk"), status=NoticeStatus.RUNNING).order_by("-round")
    pending_survey = Survey.objects.filter(case=OuterRef("pk"), signed_2_at__isnull=True)
    return qs.annotate(
        next_due_on=Min("deadlines__due_on", filter=_open_deadlines()),
        next_due_provisional=_provisional_deadline(),
        notice_ends_on=Subquery(running.values("ends_on")[:1]),
        has_verification=Exists(Verification.objects.filter(case=OuterRef("pk"))),
        pending_survey_by=Subquery(pending_survey.values("investigator_2_id")[:1]),
        has_pending_survey=Exists(pending_survey),
        relative_unchecked=Exists(
            RelativeDeclaration.objects.filter(case=OuterRef("pk"), status=RelativeStatus.DECLARED)
        ),
    )


def _facts(case: Case) -> dict:
    """Return the per-case facts ``pending_steps`` needs, from annotations when present."""
    if hasattr(case, "has_verification"):
        return {
            "notice_ends_on": case.notice_ends_on,
            "has_verification": case.has_verification,
            "has_pending_survey": case.has_pending_survey,
            "pending_survey_by": case.pending_survey_by,
            "relative_unchecked": case.relative_unchecked,
        }
    running = case.notices.filter(status=NoticeStatus.RUNNING).order_by("-round").first()
    pending = case.surveys.filter(signed_2_at__isnull=True).first()
    return {
        "notice_ends_on": running.ends_on if running else None,
        "has_verification": case.verifications.exists(),
        "has_pending_survey": pending is not None,
        "pending_survey_by": pending.investigator_2_id if pending else None,
        "relative_unchecked": case.relatives.filter(status=RelativeStatus.DECLARED).exists(),
    }


def pending_steps(case: Case, actor, on: date) -> list[str]:
    """Return the steps ``actor`` can usefully take on ``case`` now (names of ``workflow.TRANSITIONS``
    plus ``check_relative``), in procedure order. Reactive steps (objections, withdrawal) are left out."""
    f = _facts(case)
    s = case.status
    steps: list[str] = []
    if s in (CaseStatus.SUBMITTED, CaseStatus.MATERIALS_PENDING):
        steps.append("accept_application")
        if case.kind == CaseKind.TEMPORARY and (case.temporary_need or {}).get("kind") == "emergency":
            steps.append("decide_fast_grant")
    elif s == CaseStatus.ACCEPTED:
        if not f["has_verification"]:
            steps.append("record_verification")
        if not f["has_pending_survey"]:
            steps.append("record_survey")
        elif f["pending_survey_by"] == getattr(actor, "pk", None):
            steps.append("countersign_survey")
    elif s == CaseStatus.SURVEYED:
        if not f["has_verification"]:
            steps.append("record_verification")
        else:  # 逢进必核: the opinion waits for the verification (``blocked_steps`` says so)
            steps.append("start_public_notice")
    elif s == CaseStatus.OBJECTION:
        steps.append("resolve_objection")
    elif s == CaseStatus.AWAITING_CONFIRMATION or (
        s == CaseStatus.IN_NOTICE and f["notice_ends_on"] is not None and on > f["notice_ends_on"]
    ):
        steps.append("confirm_case")
    elif s == CaseStatus.APPROVED:
        steps.append("enrol")
    elif s == CaseStatus.REFUSED:
        steps.append("record_refusal_notice")
    elif s == CaseStatus.PAPERWORK_PENDING:
        steps.append("complete_paperwork")
    allowed = [name for name in steps if actor.can(TRANSITIONS[name].capability)]
    if f["relative_unchecked"] and s in OPEN:
        from doudi.cases.workflow import SIDE_STEPS

        if actor.can(SIDE_STEPS["check_relative"]):
            allowed.append("check_relative")
        if "confirm_case" in allowed:
            allowed.remove("confirm_case")  # blocked until the relative check
    return allowed


def blocked_steps(case: Case, actor, on: date) -> list[tuple[str, str]]:
    """Return (step, reason) for the next steps ``actor`` could take on ``case`` but not yet.

    The case page shows them disabled with the reason, so nobody fills in a form that would only
    be refused after submitting it. Only steps of the actor's own role are listed.
    """
    f = _facts(case)
    s = case.status
    blocked: list[tuple[str, str]] = []
    if s == CaseStatus.ACCEPTED:
        if f["has_pending_survey"] and f["pending_survey_by"] != getattr(actor, "pk", None):
            pending = case.surveys.filter(signed_2_at__isnull=True).select_related("investigator_2").first()
            if pending is not None and pending.investigator_1_id == getattr(actor, "pk", None):
                who = pending.investigator_2.display_name
                blocked.append(("countersign_survey", f"等待第二调查人 {who} 登录签字后，入户调查方告完成"))
        blocked.append(("start_public_notice", "须先完成入户调查（两名调查人均已签字）"))
    elif s == CaseStatus.SURVEYED and not f["has_verification"]:
        blocked.append(("start_public_notice", "须先录入家庭经济状况核对结果（逢进必核）"))
    elif s == CaseStatus.IN_NOTICE and f["notice_ends_on"] is not None and on <= f["notice_ends_on"]:
        blocked.append(("confirm_case", f"公示期至 {f['notice_ends_on']:%Y-%m-%d} 止，期满后方可审核确认"))
    elif s == CaseStatus.OBJECTION:
        blocked.append(("confirm_case", "公示期间有异议，待乡镇复查并重新公示后方可审核确认"))
    waiting = s in (CaseStatus.IN_NOTICE, CaseStatus.AWAITING_CONFIRMATION)
    if f["relative_unchecked"] and waiting and not any(step == "confirm_case" for step, _ in blocked):
        blocked.append(("confirm_case", "须先完成近亲属备案核查（县级入户核查）"))
    return [(step, why) for step, why in blocked if actor.can(TRANSITIONS[step].capability)]


@dataclass
class InboxItem:
    case: Case
    steps: list[str]
    due_on: date | None
    overdue: bool
    provisional: bool = False  # the due date is counted Monday–Friday until the year's holidays are known

    @property
    def step_labels(self) -> list[str]:
        return [TRANSITIONS[s].label if s in TRANSITIONS else "近亲属备案核查" for s in self.steps]


@dataclass
class Inbox:
    items: list[InboxItem]
    reviews: list[ReviewTask]
    counts: dict[str, int]  # step name → number of cases
    overdue: int
    today: date

    @property
    def total(self) -> int:
        return len(self.items)


def inbox(*, actor, today: date | None = None) -> Inbox:
    """Return the actor's work list: cases needing the actor's next step (soonest due first) and
    periodic reviews due within ``REVIEW_HORIZON_DAYS``."""
    from django.utils import timezone

    on = today or timezone.localdate()
    qs = _annotated(scope_filter(actor, Case.objects.filter(status__in=OPEN).select_related("household", "applicant")))
    items = []
    for case in qs:
        steps = pending_steps(case, actor, on)
        if steps:
            due = case.next_due_on
            items.append(InboxItem(case, steps, due, due is not None and due < on, case.next_due_provisional))
    items.sort(key=lambda i: (i.due_on is None, i.due_on or date.max, i.case.pk))
    counts = Counter(s for i in items for s in i.steps)
    reviews: list[ReviewTask] = []
    if actor.can(TRANSITIONS["confirm_case"].capability) or actor.can(TRANSITIONS["enrol"].capability):
        reviews = list(
            scope_filter(actor, ReviewTask.objects.select_related("household"))
            .filter(kind=ReviewKind.PERIODIC, status=TaskStatus.OPEN)
            .filter(due_on__lte=on + timedelta(days=REVIEW_HORIZON_DAYS))
            .order_by("due_on", "pk")
        )
        if reviews:
            counts["periodic_review"] = len(reviews)
    overdue = sum(1 for i in items if i.overdue) + sum(1 for r in reviews if r.due_on < on)
    return Inbox(items=items, reviews=reviews, counts=dict(counts), overdue=overdue, today=on)


# ---------------------------------------------------------------- enrolment and payment


def enrolment_list(
    *, actor, household_id: int | None = None, status: str | None = None, programme: str | None = None
) -> QuerySet[Enrolment]:
    qs = scope_filter(actor, Enrolment.objects.select_related("person", "household"))
    if household_id:
        qs = qs.filter(household_id=household_id)
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    return qs


LIVE = "live"  # the status filter "在保": every enrolment not ended


class JsonArrayLength(Func):
    """The length of a JSON array column (SQLite ``json_array_length``, PostgreSQL ``jsonb_array_length``)."""

    function = "json_array_length"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="jsonb_array_length", **extra)


def _covered_count():
    """How many persons an enrolment covers: the members counted (household programmes), else the person."""
    return Greatest(Coalesce(JsonArrayLength("covered"), Value(0)), Value(1))


def enrolment_search(
    *,
    actor,
    q: str = "",
    region_code: str = "",
    programme: str | None = None,
    status: str | None = None,
    household_id: int | None = None,
    person_id: int | None = None,
) -> QuerySet[Enrolment]:
    """The enrolments of the actor's scope, searched by name or ID number (the holder or any member of the
    household), narrowed to a region (a township or village code in scope), programme and status (``live``
    = not ended); each with ``next_review`` (the earliest open review of the household or the enrolment)
    and ``persons`` (how many it covers)."""
    from doudi.registry.identity import normalize_id_number
    from doudi.registry.models import Person

    qs = scope_filter(actor, Enrolment.objects.select_related("person", "household", "region", "region__parent"))
    if household_id:
        qs = qs.filter(household_id=household_id)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if region_code:
        from doudi.regions.models import prefix_of

        qs = qs.filter(region__code__startswith=prefix_of(region_code))
    if status == LIVE:
        qs = qs.exclude(status=EnrolmentStatus.ENDED)
    elif status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    q = (q or "").strip()
    if q:
        normalized = normalize_id_number(q)
        if len(normalized) == 18 and normalized[:17].isdigit():
            members = Person.objects.filter(id_number=normalized)
        else:
            members = Person.objects.filter(name=q)
        qs = qs.filter(Q(person__in=members) | Q(household_id__in=members.values("household_id")))
    reviews = ReviewTask.objects.filter(status=TaskStatus.OPEN, household_id=OuterRef("household_id")).filter(
        Q(enrolment__isnull=True) | Q(enrolment_id=OuterRef("pk"))
    )
    return qs.annotate(next_review=Subquery(reviews.order_by("due_on").values("due_on")[:1]), persons=_covered_count())


@dataclass
class EnrolmentTotals:
    households: int
    persons: int
    monthly_amount: Decimal


def enrolment_totals(qs: QuerySet[Enrolment]) -> EnrolmentTotals:
    """Households, persons covered and the monthly amount (paying enrolments only) of a search, in one query."""
    paying = Q(status__in=[EnrolmentStatus.ACTIVE, EnrolmentStatus.PHASING_OUT])
    row = qs.order_by().aggregate(
        households=Count("household_id", distinct=True),
        persons=Coalesce(Sum(_covered_count()), Value(0)),
        amount=Coalesce(Sum("monthly_amount", filter=paying), Value(Decimal("0")), output_field=DecimalField()),
    )
    return EnrolmentTotals(households=row["households"], persons=row["persons"], monthly_amount=row["amount"])


def household_benefits(*, actor, household_id: int) -> list[Enrolment]:
    """What the household receives now: its live enrolments with the next review, in programme order."""
    return list(
        enrolment_search(actor=actor, household_id=household_id, status=LIVE).order_by("programme", "person_id", "pk")
    )


def open_cases_of(*, actor, household_id: int) -> list[Case]:
    """The household's open cases (for the banner on the household page), oldest first."""
    return list(scope_filter(actor, Case.objects.filter(household_id=household_id, status__in=OPEN)).order_by("pk"))


def enrolment_get(*, actor, enrolment_id: int) -> Enrolment:
    e = Enrolment.objects.select_related("person", "household").filter(pk=enrolment_id).first()
    if e is None:
        raise NotFound("保障记录")
    check_in_scope(actor, e.region_id, "保障记录")
    return e


def amount_in_month(enrolment: Enrolment, month: date, changes: list[EnrolmentChange] | None = None) -> Decimal:
    """Return what ``enrolment`` pays for ``month`` (0 outside start..end or while suspended)."""
    month = month_start(month)
    if month < enrolment.start_month or (enrolment.end_month is not None and month > enrolment.end_month):
        return Decimal("0")
    rows = changes if changes is not None else list(enrolment.changes.all())
    amount = Decimal("0")
    for c in sorted(rows, key=lambda c: (c.effective_month, c.pk)):
        if c.effective_month <= month:
            amount = c.monthly_amount
    return amount


def payable_in_month(*, actor=None, month: date, region_code: str | None = None) -> list[tuple[Enrolment, Decimal]]:
    """Return ``(enrolment, amount)`` for every enrolment paying something in ``month``.

    ``actor=None`` is for system jobs (the future payment run) and may be narrowed by ``region_code``.
    """
    month = month_start(month)
    qs = Enrolment.objects.filter(start_month__lte=month).filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
    if actor is not None:
        qs = scope_filter(actor, qs)
    if region_code:
        qs = qs.filter(region__code__startswith=region_code.rstrip("0") or region_code)
    qs = qs.select_related("person", "household").prefetch_related(
        Prefetch("changes", queryset=EnrolmentChange.objects.filter(effective_month__lte=month))
    )
    out = []
    for e in qs.order_by("region_id", "household_id", "programme", "pk"):
        amount = amount_in_month(e, month, list(e.changes.all()))
        if amount > 0:
            out.append((e, amount))
    return out


def review_task_list(*, actor, status: str = TaskStatus.OPEN, due_before: date | None = None) -> QuerySet[ReviewTask]:
    qs = scope_filter(actor, ReviewTask.objects.select_related("household", "person", "enrolment"))
    if status:
        qs = qs.filter(status=status)
    if due_before:
        qs = qs.filter(due_on__lte=due_before)
    return qs.order_by("due_on", "pk")


def review_task_get(*, actor, task_id: int) -> ReviewTask:
    task = ReviewTask.objects.select_related("household").filter(pk=task_id).first()
    if task is None:
        raise NotFound("复核任务")
    check_in_scope(actor, task.region_id, "复核任务")
    return task


def _child_get(model, what: str, *, actor, pk: int):
    obj = model.objects.select_related("case").filter(pk=pk).first()
    if obj is None:
        raise NotFound(what)
    check_in_scope(actor, obj.case.region_id, what)
    return obj


def attachment_get(*, actor, attachment_id: int) -> Attachment:
    return _child_get(Attachment, "附件", actor=actor, pk=attachment_id)


def relative_get(*, actor, declaration_id: int) -> RelativeDeclaration:
    return _child_get(RelativeDeclaration, "近亲属备案", actor=actor, pk=declaration_id)


def referral_get(*, actor, referral_id: int) -> Referral:
    return _child_get(Referral, "转介", actor=actor, pk=referral_id)
