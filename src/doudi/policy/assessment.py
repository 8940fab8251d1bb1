"""Assess a registered household with the policy in force, and keep the record."""

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
from doudi.policy.engine import Assessment, assess
from doudi.policy.engine.facts import HouseholdFacts
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.policy.models import AssessmentRecord, PolicyVersion
from doudi.policy.selectors import policy_for
from doudi.registry.models import Household
from doudi.registry.selectors import household_as_of


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value))


def facts_to_dict(facts: HouseholdFacts) -> dict[str, Any]:
    """Return the facts as JSON-ready data (kept with each assessment as its basis)."""
    return json.loads(json.dumps(dataclasses.asdict(facts), default=_plain))


def assess_facts(facts: HouseholdFacts, region_code: str, on: date, *, drafts=None) -> tuple[Assessment, list]:
    """Assess facts with the policy of ``region_code`` on ``on``; return the result and the versions used."""
    in_force = policy_for(region_code, on, drafts=drafts)
    return assess(facts, in_force.policy, on=on), in_force.versions


def do_assess_household(
    actor,
    household: Household,
    *,
    on: date | None = None,
    known_at: datetime | None = None,
    drafts: dict[str, PolicyVersion] | None = None,
) -> tuple[Assessment, AssessmentRecord | None]:
    """Assess a household as known at ``known_at`` on date ``on``.

    With published policy the result is kept as an ``AssessmentRecord`` (facts, result and the
    policy versions used); with drafts (simulation) nothing is written.
    """
    check_capability(actor, Capability.ASSESS, "您的角色无权进行救助评估。")
    check_in_scope(actor, household.region_id, "家庭")
    on = on or timezone.localdate()
    known_at = known_at or timezone.now()
    facts = facts_from_snapshot(household_as_of(household, on=on, known_at=known_at))
    result, versions = assess_facts(facts, household.region_id, on, drafts=drafts)
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
