"""刚性支出困难家庭 (rigid-expense households, 民政部 2024 办法, §3.2).

All conditions are required: not dibao/tekun/near-dibao (the cascade ensures it), per-capita
income below last year's per-capita disposable income, property within local rules, and rigid
spending over the 12 months before application above the local share of total income. The
recognition is valid for at most 12 months.
"""

from __future__ import annotations

from datetime import timedelta

from .dates import add_months
from .explain import ProgrammeResult, Trace
from .facts import EXPENSE_LABELS
from .means import Context, HouseholdIncome, property_ok
from .money import TWELVE, ZERO, fmt_ratio, show


def assess_rigid_expense(ctx: Context, income: HouseholdIncome, trace: Trace) -> ProgrammeResult:
    """Return the rigid-expense recognition, with ``valid_until`` when eligible."""
    result = ProgrammeResult("rigid_expense", False)
    values = ctx.policy.values
    line = ctx.fig.disposable_income_monthly
    if income.per_capita >= line:
        trace.add(
            "§3.2",
            "月人均收入 {} 元 ≥ 上年度居民人均可支配收入的月均值 {} 元，不符合",
            income.per_capita,
            line,
        )
        return result
    trace.add(
        "§3.2",
        "月人均收入 {} 元 < 上年度居民人均可支配收入 {} 元 ÷ 12 = {} 元",
        income.per_capita,
        ctx.fig.disposable_income_annual,
        line,
    )
    if not property_ok(ctx, "rigid_expense", income.size, trace, "§3.2"):
        return result
    spending = sum((e.amount for e in ctx.facts.rigid_expenses_12m), ZERO)
    if ctx.facts.income_12m is not None:
        total_income = ctx.facts.income_12m
        trace.add("§3.2", "近 12 个月家庭总收入 {} 元（申报）", total_income)
    else:
        total_income = income.total * TWELVE
        trace.add("§3.2", "近 12 个月家庭总收入按月计算收入推算：{} × 12 = {} 元", income.total, total_income)
    threshold = values["rigid_expense.spending_ratio"]
    if trace.enabled and spending:
        parts = "、".join(f"{EXPENSE_LABELS[e.category]} {show(e.amount)}" for e in ctx.facts.rigid_expenses_12m)
        trace.add("§3.2", "近 12 个月刚性支出 {} 元（{}）", spending, parts)
    if spending <= ZERO or (total_income > ZERO and spending / total_income <= threshold):
        shown = fmt_ratio((spending / total_income).quantize(ZERO.scaleb(-4))) if total_income else "0%"
        trace.add("§3.2", "刚性支出占家庭总收入 {}，未超过 {}，不符合", shown, fmt_ratio(threshold))
        return result
    shown = fmt_ratio((spending / total_income).quantize(ZERO.scaleb(-4))) if total_income > ZERO else "（收入为 0）"
    trace.add("§3.2", "刚性支出占家庭总收入 {} > {}", shown, fmt_ratio(threshold))
    months = values["rigid_expense.validity_months"]
    result.eligible = True
    result.tier = "刚性支出困难家庭"
    result.valid_until = add_months(ctx.on, months) - timedelta(days=1)
    trace.add("§3.2", "认定有效期 {} 个月，至 {}", months, result.valid_until.isoformat())
    return result
