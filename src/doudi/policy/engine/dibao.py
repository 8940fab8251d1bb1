"""最低生活保障 (dibao): eligibility, gap or banded payment, supplements, 单人户 and 渐退.

Eligibility is strict: per-capita income must be *below* the standard (§1.2), so income equal
to the standard is refused. The payment is computed on the whole household
(standard × 保障人数 − income) rather than from a rounded per-capita figure, so no cent is lost
to intermediate rounding; the result is rounded once with the policy's rule.
"""

from __future__ import annotations

from decimal import Decimal

from .dates import month_index
from .explain import ProgrammeResult, Trace
from .means import ADULT_AGE, IN_SCHOOL, Context, HouseholdIncome, MemberView
from .money import ZERO, fmt_ratio

SUPPLEMENT_LABELS = {
    "serious_illness": "重病",
    "severe_disability": "重度残疾",
    "elderly": "老年人",
    "minor": "未成年人",
}


def supplement_categories(ctx: Context, m: MemberView) -> list[str]:
    """Return the 分类施保 categories a member falls in, in the fixed order of the labels."""
    cats = []
    if m.facts.serious_illness:
        cats.append("serious_illness")
    if m.severe_disability:
        cats.append("severe_disability")
    if m.age >= ctx.policy.values["dibao.supplement_elderly_min_age"]:
        cats.append("elderly")
    if m.age < ADULT_AGE:
        cats.append("minor")
    return cats


def supplements(
    ctx: Context, covered: list[MemberView], trace: Trace, no_minor: frozenset[str] = frozenset()
) -> dict[str, Decimal]:
    """Return each covered member's supplement (§1.7 分类施保), highest-only or cumulative."""
    amounts = ctx.fig.supplements
    cumulative = ctx.policy.values["dibao.supplement_mode"] == "cumulative"
    std = ctx.fig.dibao_standard
    out: dict[str, Decimal] = {}
    for m in covered:
        cats = [
            c
            for c in supplement_categories(ctx, m)
            if amounts[c] > ZERO and not (c == "minor" and m.person_id in no_minor)
        ]
        if not cats:
            continue
        chosen = cats if cumulative else [max(cats, key=lambda c: amounts[c])]
        total = sum((amounts[c] for c in chosen), ZERO)
        out[m.person_id] = total
        if trace.enabled:
            for c in chosen:
                rate = ctx.policy.values[f"dibao.supplement_{c}"]
                trace.add(
                    "§1.7 分类施保",
                    "{} {}增发 {} × {} = {} 元",
                    m.who,
                    SUPPLEMENT_LABELS[c],
                    fmt_ratio(rate),
                    std,
                    amounts[c],
                )
            if len(cats) > 1 and not cumulative:
                trace.add("§1.7 分类施保", "{} 同时符合多项增发，就高不叠加", m.who)
    return out


def base_payment(
    ctx: Context, income: HouseholdIncome, covered: int, trace: Trace, floor: Decimal
) -> tuple[Decimal, str]:
    """Return the rounded base payment for ``covered`` people (§1.7) and how it was computed."""
    std = ctx.fig.dibao_standard
    values = ctx.policy.values
    rounding = ctx.policy.rounding
    if values["dibao.payment_method"] == "banded":
        ratio = income.per_capita / std
        for i, band in enumerate(ctx.policy.bands, 1):
            if ratio < band.below:
                amount = rounding(std * band.pay * covered)
                trace.add(
                    "§1.7 分档",
                    "人均收入为标准的 {}，属第 {} 档（低于 {}），按标准的 {} 发放：{} × {} × {} 人 = {} 元",
                    fmt_ratio(ratio.quantize(Decimal("0.0001"))),
                    i,
                    fmt_ratio(band.below),
                    fmt_ratio(band.pay),
                    std,
                    fmt_ratio(band.pay),
                    covered,
                    amount,
                )
                return amount, f"分档补助第 {i} 档"
        return ZERO, ""  # unreachable: the last band ends at the standard and income is below it
    if covered == income.size:
        gap = std * covered - income.total
        trace.add(
            "§1.7",
            "差额 = {} × {} 人 − 家庭月计算收入 {} = {} 元（即人均差额 {} 元 × {} 人）",
            std,
            covered,
            income.total,
            gap,
            std - income.per_capita,
            covered,
        )
    else:
        gap = (std - income.per_capita) * covered
        trace.add("§1.7", "差额 ({} − {}) × 保障人数 {} 人 = {} 元", std, income.per_capita, covered, gap)
    tier = "差额补助"
    per_person = gap / covered if covered else ZERO
    if floor > ZERO and per_person < floor:
        tier = "差额补助（保底）"
        gap = floor * covered
        trace.add(
            "§1.7 保底",
            "人均差额不足标准的 {}，按 {} × {} 人 = {} 元发放",
            fmt_ratio(floor / std),
            floor,
            covered,
            gap,
        )
    return rounding(gap), tier


def assess_dibao(
    ctx: Context,
    members: list[MemberView],
    income: HouseholdIncome,
    property_ok: bool,
    trace: Trace,
    no_minor: frozenset[str] = frozenset(),
) -> ProgrammeResult:
    """Return the household's dibao result for ``members`` (tekun members already removed)."""
    std = ctx.fig.dibao_standard
    result = ProgrammeResult("dibao", False)
    if not members:
        return result
    if income.per_capita < std:
        trace.add("§1.2", "家庭月人均收入 {} 元 < {}低保标准 {} 元", income.per_capita, ctx.area_zh, std)
    else:
        trace.add(
            "§1.2",
            "家庭月人均收入 {} 元 ≥ {}低保标准 {} 元，不符合低保收入条件",
            income.per_capita,
            ctx.area_zh,
            std,
        )
        return result
    if not property_ok:
        trace.add("§1.2", "财产不符合规定，不予纳入低保")
        return result
    limit = ctx.policy.values["dibao.refusal_limit"]
    covered = [m for m in members if m.facts.job_refusals < limit]
    for m in members:
        if m.facts.job_refusals >= limit:
            trace.add(
                "§1.5",
                "{} 无正当理由拒绝就业 {} 次，停发其本人低保金（收入仍计入家庭）",
                m.who,
                m.facts.job_refusals,
            )
    if not covered:
        return result
    base, result.tier = base_payment(ctx, income, len(covered), trace, ctx.fig.dibao_floor)
    extra = supplements(ctx, covered, trace, no_minor)
    total = base + sum(extra.values(), ZERO)
    trace.add("§1.7", "月低保金 = 基本 {} 元 + 分类施保 {} 元 = {} 元", base, total - base, total)
    result.eligible = True
    result.monthly_amount = total
    result.per_member = extra
    return result


def single_person_groups(ctx: Context, m: MemberView) -> list[str]:
    """Return why a member of a near-dibao household may apply alone (§1.4), if at all."""
    reasons = []
    if m.severe_disability:
        reasons.append("重度残疾人")
    if m.facts.serious_illness:
        reasons.append("重病患者")
    extra = ctx.policy.values["dibao.single_person_extra_groups"]
    if "minor_under_16" in extra and m.age < 16:
        reasons.append("未满 16 周岁未成年人")
    if "elderly_70" in extra and m.age >= 70:
        reasons.append("70 周岁以上老年人")
    if "student" in extra and m.facts.schooling in IN_SCHOOL:
        reasons.append("在读学生")
    if "chronic_medication" in extra and m.facts.chronic_medication:
        reasons.append("慢特病长期服药人员")
    return reasons


def assess_single_person(ctx: Context, m: MemberView, trace: Trace) -> ProgrammeResult | None:
    """Return dibao for one member of a near-dibao household assessed alone (单人户, §1.4).

    The member is treated as a one-person household: own counted income against the standard.
    Return ``None`` when the member is in none of the groups that may apply alone.
    """
    reasons = single_person_groups(ctx, m)
    if not reasons:
        return None
    result = ProgrammeResult("single_person_dibao", False, person_id=m.person_id)
    std = ctx.fig.dibao_standard
    own = HouseholdIncome(m.counted_income, m.counted_income, 1)
    if own.per_capita >= std:
        trace.add(
            "§1.4",
            "{}（{}）本人月收入 {} 元 ≥ 低保标准 {} 元，不能单人纳入",
            m.who,
            "、".join(reasons),
            own.per_capita,
            std,
        )
        return result
    trace.add(
        "§1.4",
        "{} 为低保边缘家庭中的{}，可单独申请：本人月收入 {} 元 < 低保标准 {} 元",
        m.who,
        "、".join(reasons),
        own.per_capita,
        std,
    )
    floor = max(ctx.fig.dibao_floor, ctx.fig.single_person_floor)
    base, result.tier = base_payment(ctx, own, 1, trace, floor)
    extra = supplements(ctx, [m], trace)
    result.eligible = True
    result.monthly_amount = base + extra.get(m.person_id, ZERO)
    result.per_member = {m.person_id: result.monthly_amount}
    trace.add("§1.4", "单人保月低保金 {} 元", result.monthly_amount)
    return result


def phase_out_schedule(previous: Decimal, ctx: Context) -> list[Decimal]:
    """Return the phase-out payments month by month (§1.10), from the first month after exceeding."""
    rounding = ctx.policy.rounding
    return [rounding(previous * r) for r in ctx.policy.values["dibao.phase_out_taper"]]


def assess_phase_out(ctx: Context, income: HouseholdIncome, property_ok: bool, trace: Trace) -> ProgrammeResult:
    """Return the 渐退 payment of a current dibao household whose income now exceeds the standard.

    Month 1 is the calendar month in which the excess was found (``exceeded_since``; the
    assessment date if not given); each month pays the taper ratio of the last dibao amount.
    Return ``None`` when the household has no current dibao or the region has no phase-out.
    """
    current = ctx.facts.current_dibao
    values = ctx.policy.values
    months = values["dibao.phase_out_months"]
    if current is None or months == 0:
        return None
    result = ProgrammeResult("phase_out", False)
    if not property_ok:
        trace.add("§1.10", "财产不符合规定，不给予渐退期")
        return result
    if values["dibao.phase_out_employment_only"] and not current.employment_related:
        trace.add("§1.10", "收入增加并非因就业，不给予渐退期")
        return result
    ceiling = ctx.fig.phase_out_ceiling
    if ceiling is not None and income.per_capita >= ceiling:
        trace.add("§1.10", "月人均收入 {} 元 ≥ 渐退收入上限 {} 元，直接停发", income.per_capita, ceiling)
        return result
    k = month_index(current.exceeded_since or ctx.on, ctx.on)
    schedule = phase_out_schedule(current.monthly_amount, ctx)
    if k < 1:
        trace.add("§1.10", "收入超标自 {} 起，认定日尚未进入渐退期", current.exceeded_since.isoformat())
        return result
    if k > months:
        trace.add("§1.10", "渐退期 {} 个月已满（当前为第 {} 个月），停发", months, k)
        return result
    ratio = values["dibao.phase_out_taper"][k - 1]
    result.eligible = True
    result.tier = f"第 {k} 个月"
    result.monthly_amount = schedule[k - 1]
    trace.add(
        "§1.10 渐退",
        "渐退期第 {} 个月（共 {} 个月）：原低保金 {} 元 × {} = {} 元",
        k,
        months,
        current.monthly_amount,
        fmt_ratio(ratio),
        result.monthly_amount,
    )
    return result
