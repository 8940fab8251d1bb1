"""孤儿 and 事实无人抚养儿童 basic living allowance (§6).

Orphan: both parents dead, declared missing or not to be found. De facto orphan (民发〔2019〕62号):
each parent in one of the listed situations, or one parent dead/missing and the other in one;
lost contact and "other custody measures" count only after the minimum period (6 months). The
de facto amount follows the community-orphan standard (§6.2). Support runs to 18, or while in
school up to the local age limit.
"""

from __future__ import annotations

from .dates import add_months
from .explain import ProgrammeResult, Trace
from .facts import PARENT_SITUATION_LABELS, ParentFacts
from .means import IN_SCHOOL, Context, MemberView

GONE = frozenset({"deceased", "declared_missing", "unknown"})
DE_FACTO_BASE = frozenset(
    {"severe_disability", "serious_illness", "imprisoned", "drug_rehab", "detained_other", "lost_contact"}
)
TIMED = frozenset({"lost_contact", "detained_other"})
ADULT_AGE = 18


def _parent_qualifies(ctx: Context, p: ParentFacts, allowed: frozenset[str], trace: Trace, who: str) -> bool:
    if p.situation not in allowed:
        return False
    if p.situation not in TIMED:
        return True
    months = ctx.policy.values["child_allowance.min_months"]
    label = PARENT_SITUATION_LABELS[p.situation]
    if p.since is None:
        trace.add("§6.2", "{} 父/母{}，未填写起始日期，无法判断是否满 {} 个月", who, label, months)
        return False
    if p.situation == "detained_other" and p.until is not None:
        enough = add_months(p.since, months) <= p.until
        trace.add(
            "§6.2",
            "{} 父/母{}，期限 {} 至 {}，{}满 {} 个月",
            who,
            label,
            p.since.isoformat(),
            p.until.isoformat(),
            "已" if enough else "未",
            months,
        )
        return enough
    due = add_months(p.since, months)
    enough = due <= ctx.on
    trace.add(
        "§6.2",
        "{} 父/母自 {} 起{}，至 {} {}满 {} 个月（满期日 {}）",
        who,
        p.since.isoformat(),
        label,
        ctx.on.isoformat(),
        "已" if enough else "未",
        months,
        due.isoformat(),
    )
    return enough


def classify(ctx: Context, m: MemberView, trace: Trace) -> str | None:
    """Return ``orphan``, ``de_facto_orphan`` or ``None`` from the parents' situations."""
    parents = list(m.facts.parents)
    if len(parents) < 2:
        return None
    extra = frozenset(ctx.policy.values["child_allowance.extra_situations"])
    allowed = DE_FACTO_BASE | extra
    who = m.who
    if all(p.situation in GONE for p in parents):
        trace.add("§6.1", "{} 父母均死亡、宣告失踪或查找不到", who)
        return "orphan"
    gone = [p for p in parents if p.situation in GONE]
    rest = [p for p in parents if p.situation not in GONE]
    if len(gone) <= 1 and all(_parent_qualifies(ctx, p, allowed, trace, who) for p in rest):
        situations = "、".join(PARENT_SITUATION_LABELS[p.situation] for p in parents)
        trace.add("§6.2", "{} 父母情形（{}）符合事实无人抚养儿童条件", who, situations)
        return "de_facto_orphan"
    return None


def assess_member(ctx: Context, m: MemberView, trace: Trace) -> ProgrammeResult | None:
    """Return the child allowance of one member, or ``None`` when they are not a child in scope."""
    values = ctx.policy.values
    until = values["child_allowance.in_school_until_age"]
    if m.age >= ADULT_AGE and not (m.age < until and m.facts.schooling in IN_SCHOOL):
        return None
    kind = classify(ctx, m, trace)
    if kind is None:
        return None
    result = ProgrammeResult(kind, True, person_id=m.person_id)
    if m.age >= ADULT_AGE:
        trace.add("§6.1", "{} 已满 18 周岁，仍在校就读，保障至 {} 周岁", m.who, until)
    if kind == "orphan":
        institutional = m.facts.residence == "institution"
        result.tier = "集中养育" if institutional else "社会散居"
        key = "child_allowance.orphan_institutional" if institutional else "child_allowance.orphan_community"
        result.monthly_amount = values[key]
        trace.add("§6.1", "{} {}孤儿基本生活费 {} 元/月", m.who, result.tier, result.monthly_amount)
    else:
        result.tier = "事实无人抚养儿童"
        result.monthly_amount = ctx.policy.de_facto_orphan_amount
        trace.add(
            "§6.2",
            "{} 参照散居孤儿标准 {} 元 × {}，发放 {} 元/月",
            m.who,
            values["child_allowance.orphan_community"],
            values["child_allowance.de_facto_ratio"],
            result.monthly_amount,
        )
    result.per_member = {m.person_id: result.monthly_amount}
    return result
