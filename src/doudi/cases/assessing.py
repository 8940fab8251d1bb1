"""Assess a case's household with the policy in force, as the township's opinion or a review.

Same as ``doudi.policy.assessment.do_assess_household`` (facts from the registry as known now,
the result kept as an ``AssessmentRecord`` with the policy versions used), plus what only a case
knows: the temporary need declared in a temporary-assistance application and the household's
current dibao (for a phase-out, §1.10), taken from its enrolment.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from django.utils import timezone

from doudi.cases.models import Case, Enrolment, EnrolmentStatus
from doudi.core.errors import PermissionDenied
from doudi.policy.assessment import assess_facts, can_record_assessment, facts_to_dict
from doudi.policy.engine import Assessment
from doudi.policy.engine.facts import DibaoHistory, TemporaryNeed
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.policy.models import AssessmentRecord
from doudi.registry.models import Household
from doudi.registry.selectors import household_as_of


def temporary_need_of(case: Case) -> TemporaryNeed | None:
    need = case.temporary_need or {}
    if not need:
        return None
    return TemporaryNeed(
        kind=need["kind"],
        event=need["event"],
        occurred_on=date.fromisoformat(need["occurred_on"]),
        amount=Decimal(need["amount"]),
        other_aid=Decimal(need.get("other_aid") or "0"),
        fast=bool(need.get("fast", False)),
    )


def assess_case(actor, case: Case, *, on: date) -> tuple[Assessment, AssessmentRecord]:
    """Assess ``case.household`` on ``on`` and keep the record (inside the caller's transaction)."""
    return assess_household(actor, case.household, on=on, need=temporary_need_of(case))


def assess_household(
    actor, household: Household, *, on: date, need: TemporaryNeed | None = None
) -> tuple[Assessment, AssessmentRecord]:
    """Assess ``household`` on ``on`` (with a temporary need, if any) and keep the record.

    Raises ``PermissionDenied`` for a role that only previews assessments (a case step's own
    capability check normally refuses it first) and ``DomainError`` for a date outside the window.
    """
    if getattr(actor, "pk", None) and not can_record_assessment(actor):
        raise PermissionDenied(f"{actor.get_role_display()}只能试算，不能留存评估记录：评估记录由经办人员留存。")
    known_at = timezone.now()
    facts = _facts_of(household, on=on, known_at=known_at, need=need)
    result, versions = assess_facts(facts, household.region_id, on)
    record = AssessmentRecord.objects.create(
        household=household,
        region_id=household.region_id,
        on=on,
        known_at=known_at,
        status=result.status,
        total_monthly=result.total_monthly,
        result=result.to_dict(),
        facts=facts_to_dict(facts),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record.policy_versions.set(versions)
    return result, record


def _facts_of(household: Household, *, on: date, known_at, need: TemporaryNeed | None):
    """Return the household's facts on ``on`` as known at ``known_at``, with what the case adds."""
    facts = facts_from_snapshot(household_as_of(household, on=on, known_at=known_at))
    extra = {}
    if need is not None:
        extra["temporary_need"] = need
    dibao = (
        Enrolment.objects.filter(household=household, programme="dibao").exclude(status=EnrolmentStatus.ENDED).first()
    )
    if dibao is not None:
        extra["current_dibao"] = DibaoHistory(monthly_amount=dibao.monthly_amount)
    return dataclasses.replace(facts, **extra) if extra else facts


def preview_case(case: Case, *, on: date) -> tuple[Assessment, dict]:
    """Assess the case's household as registered now, without keeping a record (the case page's
    "current assessment" beside 初审 and 审核确认); return the result and the facts as data."""
    facts = _facts_of(case.household, on=on, known_at=timezone.now(), need=temporary_need_of(case))
    result, _ = assess_facts(facts, case.household.region_id, on)
    return result, facts_to_dict(facts)
