"""临时救助 (temporary assistance): emergency and expense types, fast small grants (§4).

The amount is the unmet need (loss or self-paid spending less aid already received), capped at a
multiple of the monthly dibao standard. An emergency may be met first by a fast small grant of
at most one month's standard (小额快救, no means verification); expense-type help usually
requires income below last year's per-capita disposable income and the property test.
"""

from __future__ import annotations

from .explain import ProgrammeResult, Trace
from .facts import TEMPORARY_EVENT_LABELS, TEMPORARY_KIND_LABELS
from .means import Context, HouseholdIncome, property_ok
from .money import ZERO


def assess_temporary(ctx: Context, income: HouseholdIncome, trace: Trace) -> ProgrammeResult:
    """Return the one-off temporary assistance for the household's declared need."""
    need = ctx.facts.temporary_need
    result = ProgrammeResult("temporary", False)
    if need is None:
        return result
    rounding = ctx.policy.rounding
    unmet = max(ZERO, need.amount - need.other_aid)
    trace.add(
        "§4",
        "{}临时救助事由：{}（{}），金额 {} 元，已获其他救助 {} 元，尚缺 {} 元",
        TEMPORARY_KIND_LABELS[need.kind],
        TEMPORARY_EVENT_LABELS[need.event],
        need.occurred_on.isoformat(),
        need.amount,
        need.other_aid,
        unmet,
    )
    if unmet <= ZERO:
        trace.add("§4", "困难已由其他救助解决，不再给予临时救助")
        return result
    std = ctx.fig.dibao_standard
    if need.kind == "expense" and ctx.policy.values["temporary.expense_income_test"]:
        line = ctx.fig.disposable_income_monthly
        if income.per_capita >= line:
            trace.add(
                "§4",
                "支出型救助：月人均收入 {} 元 ≥ 上年度人均可支配收入月均值 {} 元，不符合",
                income.per_capita,
                line,
            )
            return result
        trace.add("§4", "支出型救助：月人均收入 {} 元 < 上年度人均可支配收入月均值 {} 元", income.per_capita, line)
        if not property_ok(ctx, "rigid_expense", income.size, trace, "§4"):
            return result
    if need.kind == "emergency" and need.fast:
        cap = ctx.fig.fast_grant_cap
        result.tier = "小额快救"
        trace.add(
            "§4 小额快救",
            "急难型小额快救，免经济状况核对，上限 {} 个月低保标准 = {} 元",
            ctx.policy.values["temporary.fast_grant_multiple"],
            cap,
        )
    else:
        cap = ctx.fig.temporary_cap
        result.tier = TEMPORARY_KIND_LABELS[need.kind]
        if need.fast:
            trace.add("§4", "支出型救助不适用小额快救，按一般程序办理")
        trace.add(
            "§4",
            "临时救助上限：{} × 月低保标准 {} 元 = {} 元",
            ctx.policy.values["temporary.cap_multiple"],
            std,
            cap,
        )
    amount = rounding(min(unmet, cap))
    result.eligible = amount > ZERO
    result.one_off_amount = amount
    trace.add("§4", "一次性救助 {} 元", amount)
    return result
