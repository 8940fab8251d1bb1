"""一次申请、分类认定: one assessment screens every programme for one household (§3.2, §8).

Order: each member is screened for 特困 (§2); the remaining members form the household that is
screened for 低保 (§1) → 渐退 → 低保边缘 (§3.1, with 单人户 §1.4) → 刚性支出困难 (§3.2). Then the
benefits members may claim whatever the tier: temporary assistance (§4), the disability
subsidies (§5), child allowances (§6) and the longevity allowance (§7).

Design choice (rules.md is silent, [U]): tekun members are taken out of the household before
the dibao test, their income is not counted, and their support is not counted as household
income either — a tekun person is supported individually.

Performance: ``assess(..., explain=False)`` records no text; the per-household path only sums
Decimals and compares them against figures precomputed in ``Policy``.
"""

from __future__ import annotations

from datetime import date

from . import child_allowance, disability_subsidies, extreme_poverty, longevity
from .dibao import assess_dibao, assess_phase_out, assess_single_person
from .explain import Assessment, NullTrace, ProgrammeResult, Step, Trace
from .facts import HouseholdFacts
from .means import MemberView, build_context, household_income, property_ok
from .money import show
from .near_dibao import assess_near_dibao
from .policy import Policy
from .rigid_expense import assess_rigid_expense
from .temporary import assess_temporary

_NULL = NullTrace()


def _trace(explain: bool) -> Trace:
    return Trace() if explain else _NULL


def _finish(result: ProgrammeResult, trace: Trace) -> ProgrammeResult:
    if trace.enabled:
        result.steps = trace.steps
    return result


def assess(facts: HouseholdFacts, policy: Policy, on: date | None = None, explain: bool = True) -> Assessment:
    """Return everything the household may receive on ``on`` (default ``facts.as_of``).

    ``policy`` is applied as given, even if resolved for another date, so a simulation can
    re-assess current facts under a proposed policy. With ``explain=False`` the results carry no
    steps (for bulk runs).
    """
    on = on or facts.as_of
    ctx = build_context(facts, policy, on)
    values = policy.values
    results: list[ProgrammeResult] = []
    notes = _trace(explain)

    # 1. 特困: member by member, then the minor's choice between tekun and a child allowance.
    tekun: dict[str, ProgrammeResult] = {}
    child: dict[str, ProgrammeResult] = {}
    child_enabled = values["child_allowance.enabled"]
    for m in ctx.members:
        if child_enabled:
            t = _trace(explain)
            c = child_allowance.assess_member(ctx, m, t)
            if c is not None:
                child[m.person_id] = _finish(c, t)
        if values["extreme_poverty.enabled"]:
            t = _trace(explain)
            r = _finish(extreme_poverty.assess_member(ctx, m, len(ctx.members), t), t)
            if r.eligible:
                c = child.get(m.person_id)
                if c is not None and _prefers_child(m, r, c):
                    r.eligible = False
                    if explain:
                        r.steps.append(_choice_step(m, r, c))
                    results.append(r)
                    continue
                tekun[m.person_id] = r
            results.append(r)

    # 2. The household without tekun members: 低保 → 渐退 → 低保边缘 (+ 单人户) → 刚性支出困难.
    rest = [m for m in ctx.members if m.person_id not in tekun]
    # A child receiving the orphan / de facto orphan allowance: counted in the dibao household
    # (民发〔2021〕57号 art.7, minor children are household members) unless the region says not;
    # the minor supplement (a local measure) only where the region grants it on top of the allowance.
    with_allowance = {pid for pid in child if pid not in tekun}
    no_minor: frozenset[str] = frozenset()
    if with_allowance:
        if not values["child_allowance.counted_in_dibao_household"]:
            rest = [m for m in rest if m.person_id not in with_allowance]
        elif not values["child_allowance.minor_supplement"]:
            no_minor = frozenset(with_allowance)
        if explain:
            for m in ctx.members:
                if m.person_id in with_allowance:
                    notes.add("§1.3、§6", "{}", _allowance_note(m, child[m.person_id], values))
    status = "none"
    single: set[str] = set()
    income = None
    if not rest:
        status = "extreme_poverty" if tekun else "none"
    else:
        t = _trace(explain)
        income = household_income(ctx, rest, t)
        prop = property_ok(ctx, "dibao", income.size, t, "§1.6")
        r = _finish(assess_dibao(ctx, rest, income, prop, t, no_minor), t)
        results.append(r)
        if r.eligible:
            status = "dibao"
        else:
            t = _trace(explain)
            p = assess_phase_out(ctx, income, prop, t)
            if p is not None:
                results.append(_finish(p, t))
                if p.eligible:
                    status = "dibao"
        if status == "none" and values["near_dibao.enabled"]:
            t = _trace(explain)
            r = _finish(assess_near_dibao(ctx, income, t), t)
            results.append(r)
            if r.eligible:
                status = "near_dibao"
                if values["dibao.single_person_enabled"]:
                    for m in rest:
                        t = _trace(explain)
                        s = assess_single_person(ctx, m, t)
                        if s is not None:
                            results.append(_finish(s, t))
                            if s.eligible:
                                single.add(m.person_id)
        if status == "none" and values["rigid_expense.enabled"]:
            t = _trace(explain)
            r = _finish(assess_rigid_expense(ctx, income, t), t)
            results.append(r)
            if r.eligible:
                status = "rigid_expense"

    # 3. Benefits open to members whatever the household tier.
    if values["temporary.enabled"] and facts.temporary_need is not None:
        # The whole family, tekun members included, is the unit for temporary assistance (§4).
        t = _trace(explain)
        inc = income if len(rest) == len(ctx.members) and income else household_income(ctx, ctx.members, t)
        results.append(_finish(assess_temporary(ctx, inc, t), t))
    for m in ctx.members:
        member_status = "extreme_poverty" if m.person_id in tekun else ("dibao" if m.person_id in single else status)
        c = child.get(m.person_id)
        chose_child = c is not None and m.person_id not in tekun
        if chose_child:
            results.append(c)
        if values["disability_subsidies.enabled"] and m.facts.disability is not None:
            tl, tc = _trace(explain), _trace(explain)
            kind = c.programme if chose_child else None
            living, care = disability_subsidies.assess_member(ctx, m, member_status, m.person_id in tekun, kind, tl, tc)
            results.append(_finish(living, tl))
            results.append(_finish(care, tc))
        if values["longevity.enabled"]:
            t = _trace(explain)
            r = longevity.assess_member(ctx, m, member_status, t)
            if r is not None:
                results.append(_finish(r, t))
    if explain and ctx.excluded:
        for m in ctx.excluded:
            notes.add("§1.3", "{} 不计入共同生活家庭成员，不参与本次认定", m.who)
    results.sort(key=lambda r: (not r.eligible, _ORDER.get(r.programme, 99), r.person_id))
    return Assessment(
        household_id=facts.household_id,
        on=on,
        region_code=policy.region_code,
        status=status,
        programmes=results,
        notes=[Step("政策", text) for text in policy.remarks] + notes.steps if explain else [],
    )


_ORDER = {
    name: i
    for i, name in enumerate(
        (
            "extreme_poverty",
            "dibao",
            "phase_out",
            "single_person_dibao",
            "near_dibao",
            "rigid_expense",
            "temporary",
            "orphan",
            "de_facto_orphan",
            "disability_living_subsidy",
            "disability_care_subsidy",
            "longevity_allowance",
        )
    )
}


def _prefers_child(m: MemberView, tekun: ProgrammeResult, child: ProgrammeResult) -> bool:
    """Return whether a minor eligible for both takes the child allowance (§2.2 last rule).

    ``auto`` keeps the higher amount; on a tie the child allowance is kept because it does not
    depend on the household's means and needs no periodic review.
    """
    choice = m.facts.child_benefit_choice
    if choice != "auto":
        return choice == "child_allowance"
    return child.monthly_amount >= tekun.monthly_amount


def _allowance_note(m: MemberView, child: ProgrammeResult, values) -> str:
    if not values["child_allowance.counted_in_dibao_household"]:
        return f"{m.who} 领取{child.label}，按本地政策不计入低保家庭人数，由基本生活费保障"
    text = (
        f"{m.who} 领取{child.label}，仍计入低保家庭人数"
        "（民发〔2021〕57号第七条：未成年子女及在校就读的成年子女属于共同生活的家庭成员）"
    )
    if m.age >= 18:
        return text
    if values["child_allowance.minor_supplement"]:
        return text + "，仍按本地政策享受未成年人增发（分类施保为地方政策）"
    return text + "；未成年人增发是地方政策，本地规定领取基本生活费的儿童不再增发"


def _choice_step(m: MemberView, tekun: ProgrammeResult, child: ProgrammeResult) -> Step:
    why = "本人选择" if m.facts.child_benefit_choice != "auto" else "按较高者"
    return Step(
        "§2.2",
        f"{m.who} 同时符合特困和{child.label}条件，"
        f"{why}领取{child.label} {show(child.monthly_amount)} 元"
        f"（特困 {show(tekun.monthly_amount)} 元），不再认定为特困人员（规则 §2.2）",
    )
