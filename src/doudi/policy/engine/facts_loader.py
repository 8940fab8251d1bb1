"""Build ``HouseholdFacts`` from a JSON-like dictionary, with Chinese errors naming each field.

Every problem found is collected (not only the first) so a worker can fix a form in one pass.
Paths are shown in Chinese with 1-based member numbers, as a worker counts them
(``成员[2].出生日期`` is the second member); ``FactsError.extra["paths"]`` has the matching
0-based JSON paths (``members[1].birth_date``) for developers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import FactsError
from .facts import (
    AREA_LABELS,
    CHILD_CHOICE_LABELS,
    DISABILITY_CATEGORY_LABELS,
    EXCLUSION_LABELS,
    EXPENSE_LABELS,
    INCOME_LABELS,
    LABOUR_CAPACITY_LABELS,
    OTHER_BENEFIT_LABELS,
    PARENT_SITUATION_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    SCHOOLING_LABELS,
    SUPPORTER_STATUS_LABELS,
    TEMPORARY_EVENT_LABELS,
    TEMPORARY_KIND_LABELS,
    VEHICLE_LABELS,
    DibaoHistory,
    DisabilityFact,
    ExpenseFact,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    OtherBenefit,
    ParentFacts,
    SupporterFacts,
    TemporaryNeed,
    VehicleFact,
)
from .money import ZERO, to_decimal

FIELD_LABELS = {
    "as_of": "认定日期",
    "area_type": "城乡类别",
    "members": "成员",
    "household_id": "家庭编号",
    "financial_assets": "金融资产",
    "vehicles": "机动车",
    "houses": "住房套数",
    "non_residential_properties": "非居住类房屋数",
    "business_capital": "企业认缴出资",
    "rigid_expenses_12m": "近12个月刚性支出",
    "income_12m": "近12个月家庭总收入",
    "current_dibao": "现享低保",
    "temporary_need": "临时救助事由",
    "person_id": "人员编号",
    "name": "姓名",
    "birth_date": "出生日期",
    "relation": "与申请人关系",
    "incomes": "收入",
    "category": "类别",
    "monthly_amount": "月均金额",
    "disability": "残疾",
    "grade": "等级",
    "serious_illness": "重病",
    "chronic_medication": "慢特病长期服药",
    "labour_capacity": "劳动能力",
    "self_care_unable": "生活自理不能项数",
    "self_care": "生活自理评估",
    "schooling": "在学阶段",
    "residence": "供养/养育方式",
    "needs_long_term_care": "需长期照护",
    "medical_costs_monthly": "月均自付医疗费",
    "disability_costs_monthly": "月均残疾刚性支出",
    "job_refusals": "无正当理由拒绝就业次数",
    "exclusion": "不计入家庭成员的原因",
    "parents": "父母",
    "situation": "情形",
    "since": "起始日期",
    "until": "结束日期",
    "has_capable_supporter": "有履行能力的法定义务人",
    "supporters": "法定义务人",
    "is_extreme_poverty": "是特困人员",
    "is_dibao": "是低保对象",
    "severe_disability": "重度残疾",
    "legal_status": "法律状态",
    "annual_income_per_capita": "家庭年人均收入",
    "property_within_low_income_rules": "财产符合低收入家庭规定",
    "other_benefits": "其他同类补贴",
    "kind": "类型",
    "value": "价值",
    "amount": "金额",
    "child_benefit_choice": "儿童保障选择",
    "exceeded_since": "收入超标起始日期",
    "employment_related": "因就业增收",
    "event": "事由",
    "occurred_on": "发生日期",
    "other_aid": "已获其他救助",
    "fast": "申请小额快救",
}
SELF_CARE_ITEMS = {
    "eating": "自主吃饭",
    "dressing": "自主穿衣",
    "transfer": "自主上下床",
    "toileting": "自主如厕",
    "walking": "室内自主行走",
    "bathing": "自主洗澡",
}
FIELD_LABELS.update(SELF_CARE_ITEMS)

_MISSING = object()


class _Reader:
    """Walks the input, collecting Chinese problems with their paths."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.paths: list[str] = []

    def fail(self, path: tuple[str | int, ...], reason: str) -> None:
        self.problems.append(f"{_zh_path(path)}: {reason}")
        self.paths.append(_json_path(path))

    def get(self, data: Mapping[str, Any], path: tuple, key: str, conv: Callable, default: Any = _MISSING):
        """Return ``conv(data[key])``; record a problem and return ``None`` if it fails."""
        if key not in data or data[key] is None:
            if default is _MISSING:
                self.fail((*path, key), "必填")
                return None
            return default
        try:
            return conv(data[key])
        except _Invalid as exc:
            self.fail((*path, key), str(exc))
            return None

    def items(self, data: Mapping[str, Any], path: tuple, key: str) -> list[tuple[tuple, Mapping]]:
        """Return ``(path, item)`` for each object in the list ``data[key]`` (may be absent)."""
        raw = data.get(key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail((*path, key), "应为列表")
            return []
        out = []
        for i, item in enumerate(raw):
            if isinstance(item, Mapping):
                out.append(((*path, key, i), item))
            else:
                self.fail((*path, key, i), "应为对象")
        return out


class _Invalid(Exception):
    pass


def _zh_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + FIELD_LABELS.get(part, part)
    return out


def _json_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid(f'不是有效日期 "{value}"（应为 YYYY-MM-DD）')


def _amount(value: Any) -> Decimal:
    try:
        result = to_decimal(value)
    except ValueError:
        raise _Invalid(f'不是有效金额 "{value}"（请用字符串或整数表示，例如 "312.50"）') from None
    if result < ZERO:
        raise _Invalid(f"金额不能为负数（{value}）")
    return result


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _Invalid(f'应为 true 或 false，而不是 "{value}"')


def _int_range(low: int, high: int) -> Callable[[Any], int]:
    def conv(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Invalid(f'应为 {low} 到 {high} 之间的整数，而不是 "{value}"')
        return value

    return conv


def _text(value: Any) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value)
    raise _Invalid("应为非空文本")


def _choice(labels: Mapping[str, str]) -> Callable[[Any], str]:
    def conv(value: Any) -> str:
        if value in labels:
            return value
        allowed = "、".join(f"{k}（{v}）" for k, v in labels.items())
        raise _Invalid(f'不认识的取值 "{value}"，可选：{allowed}')

    return conv


def facts_from_dict(data: Mapping[str, Any]) -> HouseholdFacts:
    """Return the household described by ``data`` (parsed JSON).

    Amounts must be strings or integers (never floats) and dates ISO strings. Raise
    ``FactsError`` listing every problem, each naming the field path in Chinese.
    """
    r = _Reader()
    if not isinstance(data, Mapping):
        raise FactsError(["家庭: 应为对象"], ["$"])
    root: tuple = ()
    members = [_member(r, p, m) for p, m in r.items(data, root, "members")]
    if "members" in data and not members and not r.problems:
        r.fail(("members",), "至少需要一名成员")
    if "members" not in data:
        r.fail(("members",), "必填")
    ids = [m.person_id for m in members if m is not None]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        r.fail(("members",), f'人员编号 "{dup}" 重复')
    vehicles = [
        VehicleFact(kind=r.get(v, p, "kind", _choice(VEHICLE_LABELS)), value=r.get(v, p, "value", _amount, ZERO))
        for p, v in r.items(data, root, "vehicles")
    ]
    expenses = [
        ExpenseFact(category=r.get(e, p, "category", _choice(EXPENSE_LABELS)), amount=r.get(e, p, "amount", _amount))
        for p, e in r.items(data, root, "rigid_expenses_12m")
    ]
    current = None
    if isinstance(data.get("current_dibao"), Mapping):
        c, p = data["current_dibao"], ("current_dibao",)
        current = DibaoHistory(
            monthly_amount=r.get(c, p, "monthly_amount", _amount),
            exceeded_since=r.get(c, p, "exceeded_since", _date, None),
            employment_related=r.get(c, p, "employment_related", _bool, True),
        )
    need = None
    if isinstance(data.get("temporary_need"), Mapping):
        t, p = data["temporary_need"], ("temporary_need",)
        need = TemporaryNeed(
            kind=r.get(t, p, "kind", _choice(TEMPORARY_KIND_LABELS)),
            event=r.get(t, p, "event", _choice(TEMPORARY_EVENT_LABELS)),
            occurred_on=r.get(t, p, "occurred_on", _date),
            amount=r.get(t, p, "amount", _amount),
            other_aid=r.get(t, p, "other_aid", _amount, ZERO),
            fast=r.get(t, p, "fast", _bool, False),
        )
    facts = HouseholdFacts(
        as_of=r.get(data, root, "as_of", _date),
        area_type=r.get(data, root, "area_type", _choice(AREA_LABELS)),
        members=tuple(members),
        household_id=r.get(data, root, "household_id", _text, ""),
        financial_assets=r.get(data, root, "financial_assets", _amount, ZERO),
        vehicles=tuple(vehicles),
        houses=r.get(data, root, "houses", _int_range(0, 1000), 0),
        non_residential_properties=r.get(data, root, "non_residential_properties", _int_range(0, 1000), 0),
        business_capital=r.get(data, root, "business_capital", _amount, ZERO),
        rigid_expenses_12m=tuple(expenses),
        income_12m=r.get(data, root, "income_12m", _amount, None),
        current_dibao=current,
        temporary_need=need,
    )
    if r.problems:
        raise FactsError(r.problems, r.paths)
    return facts


def _member(r: _Reader, p: tuple, m: Mapping[str, Any]) -> MemberFacts:
    incomes = tuple(
        IncomeFact(
            category=r.get(i, ip, "category", _choice(INCOME_LABELS)),
            monthly_amount=r.get(i, ip, "monthly_amount", _amount),
        )
        for ip, i in r.items(m, p, "incomes")
    )
    disability = None
    if isinstance(m.get("disability"), Mapping):
        d, dp = m["disability"], (*p, "disability")
        disability = DisabilityFact(
            category=r.get(d, dp, "category", _choice(DISABILITY_CATEGORY_LABELS)),
            grade=r.get(d, dp, "grade", _int_range(1, 4)),
        )
    elif m.get("disability") is not None:
        r.fail((*p, "disability"), '应为对象，例如 {"category": "physical", "grade": 2}')
    unable = r.get(m, p, "self_care_unable", _int_range(0, 6), None)
    if isinstance(m.get("self_care"), Mapping):
        sc, sp = m["self_care"], (*p, "self_care")
        able = [r.get(sc, sp, item, _bool) for item in SELF_CARE_ITEMS]
        if unable is not None:
            r.fail(sp, "与“生活自理不能项数”只能填写其一")
        unable = sum(1 for a in able if a is False)
    parents = tuple(
        ParentFacts(
            situation=r.get(x, xp, "situation", _choice(PARENT_SITUATION_LABELS)),
            since=r.get(x, xp, "since", _date, None),
            until=r.get(x, xp, "until", _date, None),
        )
        for xp, x in r.items(m, p, "parents")
    )
    if len(parents) > 2:
        r.fail((*p, "parents"), "最多两名父母")
    supporters = tuple(
        SupporterFacts(
            birth_date=r.get(x, xp, "birth_date", _date, None),
            is_extreme_poverty=r.get(x, xp, "is_extreme_poverty", _bool, False),
            is_dibao=r.get(x, xp, "is_dibao", _bool, False),
            severe_disability=r.get(x, xp, "severe_disability", _bool, False),
            legal_status=r.get(x, xp, "legal_status", _choice(SUPPORTER_STATUS_LABELS), "none"),
            annual_income_per_capita=r.get(x, xp, "annual_income_per_capita", _amount, None),
            property_within_low_income_rules=r.get(x, xp, "property_within_low_income_rules", _bool, False),
        )
        for xp, x in r.items(m, p, "supporters")
    )
    others = tuple(
        OtherBenefit(
            kind=r.get(x, xp, "kind", _choice(OTHER_BENEFIT_LABELS)),
            monthly_amount=r.get(x, xp, "monthly_amount", _amount, ZERO),
        )
        for xp, x in r.items(m, p, "other_benefits")
    )
    return MemberFacts(
        person_id=r.get(m, p, "person_id", _text),
        birth_date=r.get(m, p, "birth_date", _date),
        relation=r.get(m, p, "relation", _choice(RELATION_LABELS), "other"),
        name=r.get(m, p, "name", _text, ""),
        incomes=incomes,
        disability=disability,
        serious_illness=r.get(m, p, "serious_illness", _bool, False),
        chronic_medication=r.get(m, p, "chronic_medication", _bool, False),
        labour_capacity=r.get(m, p, "labour_capacity", _choice(LABOUR_CAPACITY_LABELS), "full"),
        self_care_unable=unable,
        schooling=r.get(m, p, "schooling", _choice(SCHOOLING_LABELS), "none"),
        residence=r.get(m, p, "residence", _choice(RESIDENCE_LABELS), "home"),
        needs_long_term_care=r.get(m, p, "needs_long_term_care", _bool, False),
        medical_costs_monthly=r.get(m, p, "medical_costs_monthly", _amount, ZERO),
        disability_costs_monthly=r.get(m, p, "disability_costs_monthly", _amount, ZERO),
        job_refusals=r.get(m, p, "job_refusals", _int_range(0, 100), 0),
        exclusion=r.get(m, p, "exclusion", _choice(EXCLUSION_LABELS), None),
        parents=parents,
        has_capable_supporter=r.get(m, p, "has_capable_supporter", _bool, None),
        supporters=supporters,
        other_benefits=others,
        child_benefit_choice=r.get(m, p, "child_benefit_choice", _choice(CHILD_CHOICE_LABELS), "auto"),
    )
