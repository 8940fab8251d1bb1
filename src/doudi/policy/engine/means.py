"""The means test shared by the household programmes: counted income and the property test.

Income is kept exact; only payable amounts are rounded. All sums are over members in any order,
so the result does not depend on the order in which members were entered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .dates import age_on
from .explain import Trace
from .facts import EARNED_INCOME, EXCLUSION_LABELS, HouseholdFacts, MemberFacts
from .money import ZERO
from .policy import AreaFigures, Policy

ADULT_AGE = 18
IN_SCHOOL = frozenset({"compulsory", "high_school", "secondary_vocational", "higher", "postgraduate"})


@dataclass(slots=True)
class MemberView:
    """A member with the figures every programme needs, computed once per assessment."""

    facts: MemberFacts
    person_id: str
    age: int
    counted_income: Decimal  # dibao rules: exemptions, employment deduction, imputation
    earned_income: Decimal  # wage + business before deductions
    tekun_income: Decimal  # own income under the tekun exemption list (§2.2)
    severe_disability: bool
    deduction: Decimal  # employment cost deducted (§1.5)
    imputed: bool  # earned income raised to the imputed minimum (§1.5)

    @property
    def who(self) -> str:
        """Return how explanations name the member: the name when given, else the person id."""
        return self.facts.name or self.person_id


@dataclass(slots=True)
class Context:
    """One assessment: facts, policy, date, and the members counted in the household (§1.3)."""

    facts: HouseholdFacts
    policy: Policy
    on: date
    area: str
    fig: AreaFigures
    members: list[MemberView]
    excluded: list[MemberFacts]

    @property
    def area_zh(self) -> str:
        return "城市" if self.area == "urban" else "农村"


def build_context(facts: HouseholdFacts, policy: Policy, on: date) -> Context:
    """Return the context, applying income exemptions, deductions and imputation per member."""
    fig = policy.areas[facts.area_type]
    values = policy.values
    dibao_exempt, tekun_exempt = policy.dibao_exempt, policy.tekun_exempt
    base = values["dibao.employment_deduction_base"]
    rate, rate_disabled = (
        values["dibao.employment_deduction_rate"],
        values["dibao.employment_deduction_rate_disabled"],
    )
    if rate_disabled is None:
        rate_disabled = rate
    imputed = fig.imputed_income
    min_age, max_age = values["dibao.imputed_income_min_age"], values["dibao.imputed_income_max_age"]
    members, excluded = [], []
    for m in facts.members:
        if m.exclusion is not None:
            excluded.append(m)
            continue
        age = age_on(m.birth_date, on)
        earned = other = tekun = ZERO
        for inc in m.incomes:
            if inc.category not in tekun_exempt:
                tekun += inc.monthly_amount
            if inc.category in dibao_exempt:
                continue
            if inc.category in EARNED_INCOME:
                earned += inc.monthly_amount
            else:
                other += inc.monthly_amount
        net = earned
        deduction = ZERO
        if earned > ZERO and base != "none":
            if base == "income":
                deduction = earned * (rate_disabled if m.disability else rate)
            else:
                deduction = fig.employment_deduction_disabled if m.disability else fig.employment_deduction
            deduction = min(earned, deduction)
            net = earned - deduction
        imputed_here = False
        if (
            imputed > ZERO
            and m.labour_capacity == "full"
            and m.disability is None
            and not m.serious_illness
            and m.schooling not in IN_SCHOOL
            and min_age <= age < max_age
        ):
            imputed_here = imputed > net
            net = max(net, imputed)
        members.append(
            MemberView(
                facts=m,
                person_id=m.person_id,
                age=age,
                counted_income=other + net,
                earned_income=earned,
                tekun_income=tekun,
                severe_disability=m.disability is not None and m.disability.severe,
                deduction=deduction,
                imputed=imputed_here,
            )
        )
    return Context(facts, policy, on, facts.area_type, fig, members, excluded)


@dataclass(slots=True)
class HouseholdIncome:
    total: Decimal  # counted monthly income after household deductions
    per_capita: Decimal
    size: int


def household_income(ctx: Context, members: list[MemberView], trace: Trace) -> HouseholdIncome:
    """Return counted monthly household income and its per-capita value (§1.5), explaining it."""
    values = ctx.policy.values
    total = sum((m.counted_income for m in members), ZERO)
    deductions = ZERO
    if values["dibao.deduct_medical_costs"]:
        deductions += sum((m.facts.medical_costs_monthly for m in members if m.facts.serious_illness), ZERO)
    if values["dibao.deduct_disability_costs"]:
        deductions += sum((m.facts.disability_costs_monthly for m in members if m.facts.disability), ZERO)
    n = len(members)
    net = max(ZERO, total - deductions)
    per_capita = net / n if n else ZERO
    if trace.enabled:
        for m in ctx.excluded:
            trace.add("§1.3", "{} 不计入共同生活家庭成员：{}", m.who, EXCLUSION_LABELS[m.exclusion or "other"])
        for m in members:
            if m.deduction:
                trace.add(
                    "§1.5",
                    "{} 劳动收入 {} 元，扣除必要就业成本 {} 元",
                    m.who,
                    m.earned_income,
                    m.deduction,
                )
            if m.imputed:
                trace.add("§1.5", "{} 有劳动能力，劳动收入按不低于 {} 元计算", m.who, ctx.fig.imputed_income)
            trace.add("§1.5", "{} 计入月收入 {} 元", m.who, m.counted_income)
        if deductions:
            trace.add("§1.5", "扣除因残疾、重病增加的刚性支出 {} 元", deductions)
        trace.add("§1.5", "家庭月计算收入 {} 元 ÷ {} 人 = 月人均收入 {} 元", net, n, per_capita)
    return HouseholdIncome(net, per_capita, n)


def property_ok(ctx: Context, programme: str, size: int, trace: Trace, rule: str) -> bool:
    """Return whether the household passes ``programme``'s property rules (§1.6, §9), explaining failures."""
    rules = ctx.policy.property_rules[programme]
    facts, fig = ctx.facts, ctx.fig
    size = max(size, 1)
    ok = True
    per_capita_assets = facts.financial_assets / size
    if rules.financial_assets_months is not None:
        limit = fig.dibao_standard * rules.financial_assets_months
        if per_capita_assets > limit:
            ok = False
            trace.add(
                rule,
                "人均金融资产 {} 元 > {} 个月{}低保标准 {} 元，不符合财产条件",
                per_capita_assets,
                rules.financial_assets_months,
                ctx.area_zh,
                limit,
            )
    if rules.financial_assets_income_multiple is not None:
        limit = fig.disposable_income_annual * rules.financial_assets_income_multiple
        if per_capita_assets > limit:
            ok = False
            trace.add(
                rule,
                "人均金融资产 {} 元 > 上年度人均可支配收入的 {} 倍 {} 元",
                per_capita_assets,
                rules.financial_assets_income_multiple,
                limit,
            )
    if rules.max_vehicles is not None:
        exempt_kinds = ctx.policy.values["general.exempt_vehicle_kinds"]
        counted = sum(1 for v in facts.vehicles if v.kind not in exempt_kinds and v.value >= rules.vehicle_exempt_below)
        if counted > rules.max_vehicles:
            ok = False
            trace.add(rule, "计入的机动车 {} 辆，超过上限 {} 辆", counted, rules.max_vehicles)
    if rules.max_houses is not None and facts.houses > rules.max_houses:
        ok = False
        trace.add(rule, "住房 {} 套，超过上限 {} 套", facts.houses, rules.max_houses)
    if not rules.non_residential_allowed and facts.non_residential_properties:
        ok = False
        trace.add(rule, "拥有非居住类房屋 {} 处，不符合财产条件", facts.non_residential_properties)
    if rules.max_business_capital is not None and facts.business_capital > rules.max_business_capital:
        ok = False
        trace.add(rule, "企业认缴出资 {} 元，超过上限 {} 元", facts.business_capital, rules.max_business_capital)
    if trace.enabled and ctx.policy.off_reasons:
        prefix = f"{programme}.property."
        for key, why in ctx.policy.off_reasons.items():
            if key.startswith(prefix):
                trace.add(rule, "{}，不检查此项", why)
    if ok:
        trace.add(rule, "家庭财产符合规定")
    return ok
