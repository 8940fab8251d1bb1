"""高龄津贴 (longevity allowance): age tiers, optionally only for poor elders (§7).

Age is reached on the birthday itself (``dates.age_on``). A tier marked ``means_test`` is paid
only to members whose household tier is in ``longevity.means_test_statuses``.
"""

from __future__ import annotations

from .explain import ProgrammeResult, Trace
from .means import Context, MemberView
from .parameters import HOUSEHOLD_STATUS_LABELS


def assess_member(ctx: Context, m: MemberView, status: str, trace: Trace) -> ProgrammeResult | None:
    """Return the allowance of one member, or ``None`` when younger than every tier."""
    for tier in ctx.policy.longevity_tiers:
        if m.age >= tier.min_age and (tier.max_age is None or m.age < tier.max_age):
            break
    else:
        return None
    span = f"{tier.min_age}–{tier.max_age - 1} 周岁" if tier.max_age else f"{tier.min_age} 周岁以上"
    result = ProgrammeResult("longevity_allowance", False, person_id=m.person_id, tier=span)
    if tier.means_test and status not in ctx.policy.values["longevity.means_test_statuses"]:
        allowed = "、".join(HOUSEHOLD_STATUS_LABELS[s] for s in ctx.policy.values["longevity.means_test_statuses"])
        trace.add("§7", "{} 现年 {} 周岁，{}档仅限{}老人，不符合", m.who, m.age, span, allowed)
        return result
    result.eligible = True
    result.monthly_amount = tier.amount
    result.per_member = {m.person_id: tier.amount}
    trace.add("§7", "{} 现年 {} 周岁（生日当天起算），{}档高龄津贴 {} 元/月", m.who, m.age, span, tier.amount)
    return result
