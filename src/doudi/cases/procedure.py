"""The procedure's numbers for a region on a date, read from the published policy (never constants).

Time limits, notice days, review intervals, start months and fast-grant limits are dated regional
parameters of the policy engine's ``[procedure]`` section (``docs/policy-format.md``), so a county
that shortens its limits (青岛 20/30 工作日) changes a document, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from doudi.policy.engine import Policy
from doudi.policy.selectors import policy_for


@dataclass(frozen=True)
class Procedure:
    survey_start_working_days: int
    survey_working_days_extreme_poverty: int
    notice_days: int
    objection_working_days: int
    confirm_working_days: int
    refusal_notice_working_days: int
    total_working_days: int
    total_working_days_special: int
    review_months_stable: int
    review_months_unstable: int
    benefit_start: str
    change_effective: str
    fast_grant_days: int
    help_first_days: int
    help_first_max_amount: Decimal | None
    paperwork_working_days: int
    policy: Policy

    def fast_grant_cap(self, area_type: str) -> Decimal:
        """Return the 小额快救 ceiling: ``temporary.fast_grant_multiple`` × the monthly dibao standard."""
        return self.policy.areas[area_type].fast_grant_cap

    def help_first_cap(self, area_type: str) -> Decimal:
        """Return the 先行救助 ceiling: the township's own limit, else the temporary-assistance cap."""
        cap = self.policy.areas[area_type].temporary_cap
        return cap if self.help_first_max_amount is None else min(cap, self.help_first_max_amount)


def procedure_for(region_code: str, on: date) -> Procedure:
    """Return the procedure parameters in force for ``region_code`` on ``on``.

    Raises the policy's ``DomainError`` when the region has no published policy.
    """
    policy = policy_for(region_code, on).policy
    values = {name: policy[f"procedure.{name}"] for name in Procedure.__dataclass_fields__ if name != "policy"}
    return Procedure(policy=policy, **values)
