"""低保边缘家庭 (near-dibao households): income below a multiple of the standard (§3.1).

Recognition gives no cash by itself; it opens special assistance, the 单人户 path for severely
disabled or seriously ill members (§1.4, in ``dibao.assess_single_person``) and temporary
assistance after public notice.
"""

from __future__ import annotations

from .explain import ProgrammeResult, Trace
from .means import Context, HouseholdIncome, property_ok


def assess_near_dibao(ctx: Context, income: HouseholdIncome, trace: Trace) -> ProgrammeResult:
    """Return whether a household that is not dibao/tekun is a near-dibao household."""
    result = ProgrammeResult("near_dibao", False)
    multiple = ctx.policy.values["near_dibao.income_multiple"]
    line = ctx.fig.near_dibao_line
    if income.per_capita >= line:
        trace.add(
            "§3.1",
            "月人均收入 {} 元 ≥ 低保标准的 {} 倍 {} 元，不属于低保边缘家庭",
            income.per_capita,
            multiple,
            line,
        )
        return result
    trace.add(
        "§3.1",
        "月人均收入 {} 元 < 低保标准 {} 元 × {} = {} 元",
        income.per_capita,
        ctx.fig.dibao_standard,
        multiple,
        line,
    )
    if not property_ok(ctx, "near_dibao", income.size, trace, "§3.1"):
        return result
    result.eligible = True
    result.tier = "低保边缘家庭"
    return result
