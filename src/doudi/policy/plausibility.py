"""Refuse facts that cannot be true, the same way on every road into an assessment.

The worksheet, the API (``/api/policy/assess/``), ``doudi assess`` and a case or household
assessment all end in ``assessment.assess_facts``, which calls ``check_region_exists`` and
``check_facts_plausible`` first. Each message is Chinese and names the member and the field:

- a birth date after the assessment date, or more than ``MAX_AGE_YEARS`` before it;
- a disability grade outside 1–4 (grade 1 is the most severe, 残疾人证);
- a negative amount anywhere in the facts;
- a region code that does not exist, named as such rather than as "no published policy".

The registry refuses the same facts when they are recorded (``registry.validation``); these
checks catch what arrives without the registry (a JSON document, the worksheet) and anything a
future road forgets.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from doudi.core.errors import CoreErrorCode, DomainError
from doudi.policy.engine.facts import HouseholdFacts, MemberFacts
from doudi.policy.engine.facts_loader import FIELD_LABELS
from doudi.policy.errors import PolicyErrorCode
from doudi.regions.models import Region, pad_code
from doudi.registry.identity import MAX_AGE_YEARS, earliest_birth_date

DISABILITY_GRADES = range(1, 5)


def birth_date_problem(birth: date, on: date) -> str | None:
    """Return why ``birth`` cannot be the birth date of someone assessed on ``on`` (no field name), or None."""
    if birth > on:
        return f"{birth.isoformat()} 晚于评估日期 {on.isoformat()}"
    if birth < earliest_birth_date(on):
        return f"{birth.isoformat()} 早于评估日期 {on.isoformat()} {MAX_AGE_YEARS} 年以上，请检查年份"
    return None


def _negative_amounts(obj, path: str) -> list[str]:
    """Return ``path.field`` (Chinese) of every negative Decimal in a facts dataclass, recursively."""
    out = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        label = f"{path}.{FIELD_LABELS.get(f.name, f.name)}" if path else FIELD_LABELS.get(f.name, f.name)
        if isinstance(value, Decimal) and value < 0:
            out.append(f"{label}：金额不能为负数（{value}）")
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            out.extend(_negative_amounts(value, label))
        elif isinstance(value, tuple) and f.name != "members":
            for i, item in enumerate(value, start=1):
                if dataclasses.is_dataclass(item):
                    out.extend(_negative_amounts(item, f"{label}[{i}]"))
    return out


def _member_problems(m: MemberFacts, index: int, on: date) -> list[str]:
    who = f"成员[{index}]（{m.who}）"
    out = []
    if m.birth_date is not None and (problem := birth_date_problem(m.birth_date, on)):
        out.append(f"{who}.出生日期：{problem}")
    if m.disability is not None and m.disability.grade not in DISABILITY_GRADES:
        out.append(f"{who}.残疾.等级：应为 1 到 4 级，而不是 {m.disability.grade}")
    for parent in m.parents:
        if parent.since is not None and parent.until is not None and parent.until < parent.since:
            out.append(f"{who}.父母.结束日期：{parent.until.isoformat()} 早于起始日期 {parent.since.isoformat()}")
    out.extend(f"{who}.{p}" for p in _negative_amounts(m, ""))
    return out


def facts_problems(facts: HouseholdFacts, on: date | None = None) -> list[str]:
    """Return every impossible fact of a household assessed on ``on`` (default ``facts.as_of``), in Chinese."""
    on = on or facts.as_of
    out = []
    for index, m in enumerate(facts.members, start=1):
        out.extend(_member_problems(m, index, on))
    out.extend(_negative_amounts(facts, ""))
    return out


def check_facts_plausible(facts: HouseholdFacts, on: date | None = None) -> None:
    """Raise ``DomainError("invalid")`` listing every impossible fact (``facts_problems``)."""
    problems = facts_problems(facts, on)
    if problems:
        raise DomainError(CoreErrorCode.INVALID, "家庭信息有误：" + "；".join(problems), {"problems": problems})


def region_code_problem(code: str) -> str | None:
    """Return "行政区划代码 X 不存在" for a code that is no region (6 to 12 digits), else None."""
    text = (code or "").strip()
    if not text.isdigit() or len(text) not in (2, 4, 6, 9, 12):
        return f"行政区划代码 {text or '（空）'} 不存在（应为 6 位县级或 12 位统计用区划代码）"
    if not Region.objects.filter(code=pad_code(text)).exists():
        return f"行政区划代码 {text} 不存在"
    return None


def check_region_exists(code: str, *, field: str = "region", label: str = "地区代码") -> None:
    """Raise ``DomainError("unknown_region")`` naming ``label`` when ``code`` is no region."""
    problem = region_code_problem(code)
    if problem:
        raise DomainError(PolicyErrorCode.UNKNOWN_REGION, f"{label}：{problem}。", {"field": field})
