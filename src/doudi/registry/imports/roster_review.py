"""迁移导入金额与测算不一致: migrated enrolments whose roster amount is not what the engine computes.

After a roster commit, every household that gained an enrolment is assessed by the policy engine on
the day of the import, from what the registry knows (the facts are built in bulk by the simulation's
extractor, the same facts a case would see). A roster amount that differs from the computed amount
of its programme (and person, for personal programmes) is kept as it stands and listed here, with
both amounts, for the county to check: confirm it, or correct it through a change case.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, scope_filter
from doudi.core.errors import DomainError, NotFound
from doudi.registry.imports.caseload_columns import HOUSEHOLD_PROGRAMMES
from doudi.registry.imports.models import DiscrepancyStatus, ImportBatch, RosterDiscrepancy

_ZERO = Decimal("0.00")


def _only(chunk, ids: np.ndarray):
    """Return ``chunk`` (an id range's households) with only the households ``ids`` and their rows.

    The range also holds the households that gained no enrolment (two in three in a first load);
    building their facts, the larger part of the comparison's time, would be thrown away.
    """
    from doudi.policy.simulation.extract import Chunk

    return Chunk(
        {
            name: {k: v[keep] for k, v in cols.items()}
            for name, cols in chunk.tables.items()
            for keep in [np.isin(cols["hh"], ids)]
        }
    )


def computed_amounts(enrolments, on) -> tuple[dict[int, tuple[Decimal, str]], int]:
    """Return {enrolment id: (computed monthly amount, note)} and how many could not be assessed."""
    from doudi.policy.engine import assess
    from doudi.policy.selectors import policy_for
    from doudi.policy.simulation.extract import read_chunk
    from doudi.policy.simulation.facts import build_facts

    known_at = timezone.now()
    by_county: dict[str, set[int]] = defaultdict(set)
    for e in enrolments:
        by_county[e.region_id[:6]].add(e.household_id)
    facts = {}
    policies = {}
    for county, households in by_county.items():
        try:
            policies[county] = policy_for(county.ljust(12, "0"), on).policy
        except DomainError:
            policies[county] = None
            continue
        ids = sorted(households)
        # Ranges of at most 20,000 ids, so a county's other households are not read needlessly.
        for start in range(0, len(ids), 20_000):
            part = ids[start : start + 20_000]
            chunk = _only(read_chunk(county, on, known_at, part[0], part[-1]), np.asarray(part, dtype=np.int64))
            for f in build_facts(chunk, on):
                facts[int(f.household_id)] = f
    assessments = {}
    out: dict[int, tuple[Decimal, str]] = {}
    not_assessed = 0
    for e in enrolments:
        policy = policies.get(e.region_id[:6])
        f = facts.get(e.household_id)
        if policy is None or f is None:
            not_assessed += 1
            continue
        if e.household_id not in assessments:
            assessments[e.household_id] = assess(f, policy, on, explain=False)
        a = assessments[e.household_id]
        result = a.get(e.programme, "" if e.programme in HOUSEHOLD_PROGRAMMES else str(e.person_id))
        if result is None or not result.eligible:
            out[e.pk] = (_ZERO, "按现有登记信息测算，不符合该项目条件")
        else:
            tier = f"，测算档次：{result.tier}" if result.tier else ""
            out[e.pk] = (Decimal(result.monthly_amount).quantize(Decimal("0.01")), f"按现有登记信息测算{tier}")
    return out, not_assessed


def record_discrepancies(batch: ImportBatch, enrolments) -> dict:
    """List the batch's new enrolments whose amount differs from the computed one; return counts."""
    on = timezone.localdate()
    computed, not_assessed = computed_amounts(enrolments, on)
    rows = []
    for e in enrolments:
        if e.pk not in computed:
            continue
        amount, note = computed[e.pk]
        if amount != Decimal(e.monthly_amount).quantize(Decimal("0.01")):
            rows.append(
                RosterDiscrepancy(
                    batch=batch,
                    enrolment_id=e.pk,
                    household_id=e.household_id,
                    person_id=e.person_id,
                    region_id=e.region_id,
                    programme=e.programme,
                    roster_amount=e.monthly_amount,
                    computed_amount=amount,
                    note=note[:300],
                )
            )
    from doudi.registry.imports.caseload import copy_create

    copy_create(RosterDiscrepancy, rows, ids=False)
    return {"listed": len(rows), "not_assessed": not_assessed}


# --- reads and the county's confirmation --------------------------------------------------------------


def discrepancy_list(*, actor, status: str = DiscrepancyStatus.OPEN, batch_id: int | None = None) -> QuerySet:
    """Return the listed enrolments of the actor's subtree (open ones by default), by village and household."""
    qs = RosterDiscrepancy.objects.select_related("household", "person", "region", "enrolment", "batch")
    if status:
        qs = qs.filter(status=status)
    if batch_id:
        qs = qs.filter(batch_id=batch_id)
    return scope_filter(actor, qs).order_by("region_id", "household_id", "id")


@transaction.atomic(durable=True)
def do_confirm_discrepancy(actor, discrepancy_id: int) -> RosterDiscrepancy:
    """Record that the county checked a listed amount and keeps the roster's (a change case corrects it)."""
    from doudi.audit.services import record_event

    check_capability(actor, Capability.MANAGE_ENROLMENT)
    item = RosterDiscrepancy.objects.select_for_update().filter(pk=discrepancy_id).first()
    if item is None:
        raise NotFound("核对记录")
    check_in_scope(actor, item.region_id, "核对记录")
    if item.status == DiscrepancyStatus.OPEN:
        item.status, item.resolved_at, item.resolved_by = DiscrepancyStatus.CONFIRMED, timezone.now(), actor
        item.save(update_fields=["status", "resolved_at", "resolved_by"])
        record_event(
            actor,
            action="confirm_roster_amount",
            target=item.enrolment,
            household_id=item.household_id,
            region_code=item.region_id,
            changes={
                "monthly_amount": {
                    "label": "名册月金额",
                    "old": f"{item.computed_amount:,.2f}",
                    "new": f"{item.roster_amount:,.2f}",
                }
            },
            reason="迁移导入金额已核对，维持名册金额",
            label=f"{item.person.name}",
        )
    return item
