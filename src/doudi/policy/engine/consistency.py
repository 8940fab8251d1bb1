"""Rules that tie parameters together (rural ≤ urban, taper length = phase-out months, …).

They run twice: on each document, at every date where its own values change, using only what
that document sets (``partial``), and on the complete set resolved for one date, where missing
conditional parameters are reported too. Each message names the parameter and cites rules.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .money import ONE, show
from .parameters import SPEC_BY_KEY

_MISSING = object()


def _name(key: str) -> str:
    return f"参数 {key}（{SPEC_BY_KEY[key].label}）"


def check_values(get: Callable[[str], Any], has: Callable[[str], bool], partial: bool, when: str) -> list[str]:
    """Return problems of one coherent set of values.

    ``get`` returns a value or its default; ``has`` says whether the value was set explicitly. In
    ``partial`` mode (a single document) a check that needs an unset value is skipped, because
    another level may provide it.
    """
    problems: list[str] = []

    def need(key: str, why: str) -> None:
        if not partial and get(key) is None:
            problems.append(f"{_name(key)}: {why}时必填{when}")

    both = (not partial) or (has("dibao.standard_urban") and has("dibao.standard_rural"))
    urban, rural = get("dibao.standard_urban"), get("dibao.standard_rural")
    if both and urban is not None and rural is not None and get("dibao.rural_not_above_urban") and rural > urban:
        problems.append(
            f"{_name('dibao.standard_rural')}: {show(rural)} 元高于城市低保标准 {show(urban)} 元{when}"
            "（若本地确实如此，请设 dibao.rural_not_above_urban = false）（§1.11）"
        )
    if get("dibao.payment_method") == "banded":
        need("dibao.bands", "低保金计算方式为分档补助")
    months, taper = get("dibao.phase_out_months"), get("dibao.phase_out_taper")
    if (not partial or (has("dibao.phase_out_months") and has("dibao.phase_out_taper"))) and len(taper) != months:
        problems.append(
            f"{_name('dibao.phase_out_taper')}: 有 {len(taper)} 项，应与渐退期月数 {months} 相同{when}（§1.10）"
        )
    for a, b in itertools.pairwise(taper):
        if b > a:
            problems.append(f"{_name('dibao.phase_out_taper')}: 发放比例不得逐月增加{when}（§1.10）")
            break
    if get("dibao.imputed_income_min_age") >= get("dibao.imputed_income_max_age"):
        problems.append(f"{_name('dibao.imputed_income_max_age')}: 须大于推算收入起始年龄{when}（§1.5）")
    uses_wage = [
        get("dibao.employment_deduction_base") == "minimum_wage" and get("dibao.employment_deduction_rate") > 0,
        get("dibao.imputed_income_rate") > 0,
        get("extreme_poverty.care_method") == "minimum_wage_ratio",
    ]
    if any(uses_wage):
        need("general.minimum_wage", "按最低工资计算就业成本、推算收入或照料护理标准")
    if get("extreme_poverty.enabled"):
        method = get("extreme_poverty.basic_living_method")
        if method == "amount":
            need("extreme_poverty.basic_living_urban", "特困基本生活标准按金额规定")
            need("extreme_poverty.basic_living_rural", "特困基本生活标准按金额规定")
        elif method == "addition":
            need("extreme_poverty.basic_living_addition", "特困基本生活标准按低保标准加额规定")
        floor = get("extreme_poverty.basic_living_min_multiple")
        if floor is not None and method == "amount":
            for area, zh in (("urban", "城市"), ("rural", "农村")):
                amount, std = get(f"extreme_poverty.basic_living_{area}"), get(f"dibao.standard_{area}")
                if amount is not None and std is not None and amount < (std * floor).quantize(Decimal("0.01")):
                    problems.append(
                        f"{_name(f'extreme_poverty.basic_living_{area}')}: {show(amount)} 元低于{zh}低保标准 "
                        f"{show(std)} 元的 {floor} 倍{when}（§2.5）"
                    )
        for key in ("extreme_poverty.care_home", "extreme_poverty.care_institution"):
            tiers = get(key)
            if tiers is None:
                continue
            if list(tiers) != sorted(tiers):
                problems.append(f"{_name(key)}: 三档须按全自理、半失能、全失能递增{when}（§2.4）")
            if get("extreme_poverty.care_method") == "minimum_wage_ratio" and any(t > ONE for t in tiers):
                problems.append(f"{_name(key)}: 按最低工资比例计算时每档不得大于 1{when}（§2.5）")
    multiple = get("near_dibao.income_multiple")
    if not Decimal(1) < multiple <= Decimal(2):
        problems.append(
            f"{_name('near_dibao.income_multiple')}: {multiple} 不在允许范围，须大于 1 且不超过 2{when}（§3.1）"
        )
    validity = get("rigid_expense.validity_months")
    if not 1 <= validity <= 12:
        problems.append(f"{_name('rigid_expense.validity_months')}: {validity} 个月，须在 1 到 12 之间{when}（§3.2）")
    fast, cap = get("temporary.fast_grant_multiple"), get("temporary.cap_multiple")
    if fast > ONE:
        problems.append(f"{_name('temporary.fast_grant_multiple')}: 小额快救不得超过 1 个月低保标准{when}（§4）")
    if cap is not None and fast > cap:
        problems.append(f"{_name('temporary.fast_grant_multiple')}: 大于临时救助上限倍数 {cap}{when}（§4）")
    for key, minimum in (
        ("child_allowance.orphan_institutional", 1000),
        ("child_allowance.orphan_community", 600),
    ):
        value = get(key)
        if get("child_allowance.enabled") and value is not None and value < minimum:
            problems.append(f"{_name(key)}: {show(value)} 元低于国家最低标准 {minimum} 元{when}（§6.1）")
    return problems


def _getter(values: Mapping[str, Any]) -> Callable[[str], Any]:
    from .documents import default_value

    defaults: dict[str, Any] = {}

    def get(key: str) -> Any:
        value = values.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key not in defaults:
            defaults[key] = default_value(SPEC_BY_KEY[key])
        return defaults[key]

    return get


def policy_consistency(values: Mapping[str, Any], on: date) -> list[str]:
    """Return problems of a complete set of values resolved for ``on``."""
    return check_values(_getter(values), lambda k: k in values, False, f"（{on.isoformat()}）")


def document_consistency(params: Mapping[str, tuple]) -> list[str]:
    """Return problems of one document's own values, checked at each date where they change."""
    from .documents import change_dates

    problems: list[str] = []
    for day in change_dates(params):
        snapshot = {}
        for key, entries in params.items():
            for e in entries:
                if e.covers(day):
                    snapshot[key] = e.value
                    break
        when = "" if day.year == 1900 else f"（{day.isoformat()} 起）"
        for p in check_values(_getter(snapshot), lambda k, s=snapshot: k in s, True, when):
            if p not in problems:
                problems.append(p)
    return problems
