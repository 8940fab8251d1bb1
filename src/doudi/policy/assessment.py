"""Assess a registered household with the policy in force, and keep the record.

Two rules hold for every way in (the worksheet, the API, ``doudi assess``, the household page,
the case steps):

- The date assessed lies in a sensible window, ``EARLIEST_DATE`` to the end of next year
  (``check_assessment_date``): a typo such as 9999-12-31 is refused, naming the field.
- Only roles that keep households' records store an assessment (``can_record_assessment``): a city
  supervisor previews with the same calculation, and nothing is written.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.core.errors import CoreErrorCode, DomainError, PermissionDenied
from doudi.policy.engine import Assessment, assess
from doudi.policy.engine.facts import HouseholdFacts
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.policy.models import AssessmentRecord, PolicyVersion
from doudi.policy.plausibility import check_facts_plausible, check_region_exists
from doudi.policy.selectors import policy_for
from doudi.registry.models import Household
from doudi.registry.selectors import household_as_of


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


# No household in the registry has facts before the national dibao system (1999) settled; policy
# documents begin long after. A date before this is a typing error, not an assessment.
EARLIEST_DATE = date(2000, 1, 1)


def latest_assessment_date(today: date | None = None) -> date:
    """Return the last date that may be assessed: 31 December of next year.

    Standards are set for a calendar year and published ahead for the next one (as the working
    calendar is); a policy for the year after that does not exist yet, so a later date can only be
    a mistake, and its "result" would be today's policy passed off as a future one.
    """
    today = today or timezone.localdate()
    return date(today.year + 1, 12, 31)


def assessment_date_problem(on: date, today: date | None = None) -> str | None:
    """Return why ``on`` cannot be assessed (Chinese, without the field's name), or ``None``."""
    latest = latest_assessment_date(today)
    if EARLIEST_DATE <= on <= latest:
        return None
    return (
        f"{on.isoformat()} 超出可评估的日期范围（{EARLIEST_DATE.isoformat()} 至 {latest.isoformat()}），"
        "请检查年份是否输入有误。"
    )


def check_assessment_date(on: date, *, field: str = "on", label: str = "评估日期") -> None:
    """Raise ``DomainError("invalid")`` naming ``label`` when ``on`` is outside the window."""
    problem = assessment_date_problem(on)
    if problem:
        raise DomainError(CoreErrorCode.INVALID, f"{label}：{problem}", {"field": field})


def can_record_assessment(user) -> bool:
    """Return whether ``user``'s role stores assessments, not only previews them.

    A stored assessment becomes part of the household's file (cases and reviews cite it), so it is
    written by the roles that keep the files (``edit_registry``). A city supervisor assesses to
    supervise: the same result, shown and not kept. An auditor does neither.
    """
    return user.can(Capability.ASSESS) and user.can(Capability.EDIT_REGISTRY)


def facts_to_dict(facts: HouseholdFacts) -> dict[str, Any]:
    """Return the facts as JSON-ready data (kept with each assessment as its basis)."""
    return json.loads(json.dumps(dataclasses.asdict(facts), default=_plain))


def assess_facts(facts: HouseholdFacts, region_code: str, on: date, *, drafts=None) -> tuple[Assessment, list]:
    """Assess facts with the policy of ``region_code`` on ``on``; return the result and the versions used.

    Raises ``DomainError("invalid")`` for a date outside the window (``check_assessment_date``) or
    impossible facts (``plausibility.check_facts_plausible``), ``DomainError("unknown_region")`` for a
    region code that does not exist (before "no policy" could be said of it).
    """
    check_assessment_date(on)
    check_region_exists(region_code)
    check_facts_plausible(facts, on)
    in_force = policy_for(region_code, on, drafts=drafts)
    return assess(facts, in_force.policy, on=on), in_force.versions


def preview_household_assessment(
    actor,
    household: Household,
    *,
    on: date | None = None,
    known_at: datetime | None = None,
    drafts: dict[str, PolicyVersion] | None = None,
) -> tuple[Assessment, list[PolicyVersion], HouseholdFacts]:
    """Assess a household as known at ``known_at`` on date ``on`` and write nothing.

    Returns the result, the policy versions used and the facts. Raises ``PermissionDenied`` for a
    role without ``assess``, ``NotFound`` outside the actor's region, ``DomainError`` for a date
    outside the window or a region without policy.
    """
    check_capability(actor, Capability.ASSESS, "您的角色无权进行救助评估。")
    check_in_scope(actor, household.region_id, "家庭")
    on = on or timezone.localdate()
    check_assessment_date(on)
    known_at = known_at or timezone.now()
    facts = facts_from_snapshot(household_as_of(household, on=on, known_at=known_at))
    result, versions = assess_facts(facts, household.region_id, on, drafts=drafts)
    return result, versions, facts


def do_assess_household(
    actor,
    household: Household,
    *,
    on: date | None = None,
    known_at: datetime | None = None,
    drafts: dict[str, PolicyVersion] | None = None,
) -> tuple[Assessment, AssessmentRecord | None]:
    """Assess a household as known at ``known_at`` on date ``on``, and keep the result.

    With published policy the result is kept as an ``AssessmentRecord`` (facts, result and the
    policy versions used); with drafts (simulation) nothing is written. Raises what
    ``preview_household_assessment`` raises, and ``PermissionDenied`` for a role that only
    previews (``can_record_assessment``) unless drafts make it a simulation.
    """
    if not drafts and getattr(actor, "pk", None) and not can_record_assessment(actor):
        check_capability(actor, Capability.ASSESS, "您的角色无权进行救助评估。")
        raise PermissionDenied(f"{actor.get_role_display()}只能试算，不能留存评估记录：评估记录由经办人员留存。")
    known_at = known_at or timezone.now()
    on = on or timezone.localdate()
    result, versions, facts = preview_household_assessment(actor, household, on=on, known_at=known_at, drafts=drafts)
    if drafts:
        return result, None
    with transaction.atomic():
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
