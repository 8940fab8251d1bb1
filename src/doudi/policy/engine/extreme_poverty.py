"""特困人员救助供养 (extreme poverty): the three conditions and the two-part standard (§2).

Each member is screened on their own: no work capacity, no means of living, and no capable
supporter (§2.2). The monthly amount is the basic living standard plus the care standard of
their self-care tier (§2.4) for home-based or institutional support (§2.5).
"""

from __future__ import annotations

from .dates import age_on
from .explain import ProgrammeResult, Trace
from .facts import DISABILITY_CATEGORY_LABELS, RESIDENCE_LABELS, SUPPORTER_STATUS_LABELS, SupporterFacts
from .means import Context, MemberView, property_ok

CARE_TIERS = ("independent", "partly_dependent", "fully_dependent")
ROUNDING_LABELS = {"up_1": "进一到元", "half_up_1": "四舍五入到元", "up_0.1": "进一到角"}
CARE_TIER_LABELS = {"independent": "全自理", "partly_dependent": "半失能", "fully_dependent": "全失能"}
# Schooling that lets a tekun minor keep support after the age limit (§2.6).
CONTINUING_SCHOOL = frozenset({"compulsory", "high_school", "secondary_vocational"})
DISABILITY_LISTS = {
    # category → highest grade number that counts as "no work capacity" (§2.2)
    "2021": {"intellectual": 3, "mental": 3, "physical": 2, "visual": 1},
    "2016": {"intellectual": 2, "mental": 2, "physical": 1},
}


def care_tier(unable_count: int) -> str:
    """Return the care tier for the number of the six daily activities a person cannot do (§2.4)."""
    if unable_count == 0:
        return "independent"
    return "partly_dependent" if unable_count <= 3 else "fully_dependent"


def no_work_capacity(ctx: Context, m: MemberView) -> str | None:
    """Return why the member counts as unable to work (§2.2 first condition), or ``None``."""
    values = ctx.policy.values
    if m.age >= values["extreme_poverty.elderly_age"]:
        return f"年满 {values['extreme_poverty.elderly_age']} 周岁"
    minor_age = values["extreme_poverty.minor_age"]
    if m.age < minor_age:
        return f"未满 {minor_age} 周岁"
    d = m.facts.disability
    if d is not None:
        limit = DISABILITY_LISTS[values["extreme_poverty.disability_list"]].get(d.category)
        if limit is not None and d.grade <= limit:
            return f"{DISABILITY_CATEGORY_LABELS[d.category]}残疾 {d.grade} 级"
    if (
        values["extreme_poverty.serious_illness_fully_dependent"]
        and m.facts.serious_illness
        and (m.facts.self_care_unable or 0) >= 4
    ):
        return "患重病且生活完全不能自理"
    if m.facts.labour_capacity == "none":
        return "经认定无劳动能力"
    return None


def supporter_capable(ctx: Context, s: SupporterFacts) -> tuple[bool, str]:
    """Return whether a legal supporter can support, with the reason (§2.2 third condition)."""
    age = age_on(s.birth_date, ctx.on) if s.birth_date else None
    poor = (
        s.annual_income_per_capita is not None
        and s.annual_income_per_capita < ctx.fig.disposable_income_annual
        and s.property_within_low_income_rules
    )
    if s.is_extreme_poverty:
        return False, "义务人本人是特困人员"
    if s.is_dibao and age is not None and age >= 60:
        return False, "义务人是 60 周岁以上低保对象"
    if age is not None and age >= 70 and poor:
        return False, "义务人 70 周岁以上且收入低于上年度人均可支配收入、财产符合规定"
    if s.severe_disability and poor:
        return False, "义务人是重度残疾人且收入、财产符合规定"
    if s.legal_status != "none" and s.property_within_low_income_rules:
        return False, f"义务人{SUPPORTER_STATUS_LABELS[s.legal_status]}且财产符合规定"
    return True, "义务人有履行能力"


def assess_member(ctx: Context, m: MemberView, household_size: int, trace: Trace) -> ProgrammeResult:
    """Return the tekun result of one member."""
    result = ProgrammeResult("extreme_poverty", False, person_id=m.person_id)
    values = ctx.policy.values
    reason = no_work_capacity(ctx, m)
    school_extension = False
    if reason is None:
        minor_age = values["extreme_poverty.minor_age"]
        if m.age >= minor_age and m.facts.schooling in CONTINUING_SCHOOL:
            reason, school_extension = f"年满 {minor_age} 周岁但仍在校就读", True
    if reason is None:
        trace.add("§2.2", "{} 不属于无劳动能力人员，不符合特困条件", m.who)
        return result
    trace.add("§2.2" if not school_extension else "§2.6", "{} 无劳动能力：{}", m.who, reason)
    std = ctx.fig.dibao_standard
    if m.tekun_income >= std:
        trace.add("§2.2", "{} 本人月收入 {} 元 ≥ 低保标准 {} 元，不属于无生活来源", m.who, m.tekun_income, std)
        return result
    trace.add("§2.2", "{} 本人月收入 {} 元 < 低保标准 {} 元", m.who, m.tekun_income, std)
    if not property_ok(ctx, "extreme_poverty", household_size, trace, "§2.2"):
        return result
    f = m.facts
    if f.supporters:
        verdicts = [supporter_capable(ctx, s) for s in f.supporters]
        capable = any(ok for ok, _ in verdicts)
        for i, (_, why) in enumerate(verdicts, 1):
            trace.add("§2.2", "{} 第 {} 名法定义务人：{}", m.who, i, why)
    elif f.has_capable_supporter is None:
        trace.add("§2.2", "{} 未填写法定义务人情况，无法认定为特困人员", m.who)
        return result
    else:
        capable = f.has_capable_supporter
        if not capable:
            trace.add("§2.2", "{} 无法定义务人或法定义务人无履行能力", m.who)
    if capable:
        trace.add("§2.2", "{} 有具备履行能力的法定义务人，不符合特困条件", m.who)
        return result
    basic = ctx.fig.tekun_basic_living
    area_zh = ctx.area_zh
    if f.residence == "institution" and values["extreme_poverty.institution_basic_living"] == "urban":
        basic, area_zh = ctx.policy.areas["urban"].tekun_basic_living, "集中供养按城市"
    if trace.enabled and values["extreme_poverty.basic_living_method"] == "multiple":
        own = values["extreme_poverty.basic_living_rounding"]
        std_used = ctx.policy.areas["urban" if area_zh != "农村" else "rural"].dibao_standard
        exact = std_used * values["extreme_poverty.basic_living_multiple"]
        if own != "payment" and exact != basic:
            trace.add(
                "§2.5",
                "{}特困基本生活标准 = 低保标准 {} × {} = {} 元，{}为 {} 元",
                area_zh,
                std_used,
                str(values["extreme_poverty.basic_living_multiple"]),
                exact,
                ROUNDING_LABELS[own],
                basic,
            )
    unable = f.self_care_unable
    tier = care_tier(unable or 0)
    care_table = ctx.policy.tekun_care_institution if f.residence == "institution" else ctx.policy.tekun_care_home
    care = care_table[CARE_TIERS.index(tier)]
    if unable is None:
        trace.add("§2.4", "{} 未做生活自理能力评估，暂按全自理计", m.who)
    else:
        trace.add("§2.4", "{} 六项日常活动中 {} 项不能自理：{}", m.who, unable, CARE_TIER_LABELS[tier])
    result.eligible = True
    result.tier = f"{'集中供养' if f.residence == 'institution' else '分散供养'}·{CARE_TIER_LABELS[tier]}"
    result.monthly_amount = basic + care
    result.per_member = {m.person_id: result.monthly_amount}
    trace.add(
        "§2.5",
        "{}特困基本生活标准 {} 元 + 照料护理标准（{}）{} 元 = {} 元",
        area_zh,
        basic,
        RESIDENCE_LABELS[f.residence],
        care,
        result.monthly_amount,
    )
    return result


__all__ = ["CARE_TIERS", "assess_member", "care_tier", "no_work_capacity", "supporter_capable"]
