"""Facts about one household on one date: the engine's only input besides the policy.

The dataclasses are frozen and slotted so that the bulk simulation can build a million of them
cheaply and share them between policies without copying. Code values are English strings (the
API field values); the ``*_LABELS`` dictionaries give the Chinese words shown to people.
Parse JSON with ``facts_loader.facts_from_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .money import ZERO

AREA_LABELS = {"urban": "城市", "rural": "农村"}

RELATION_LABELS = {
    "applicant": "申请人",
    "spouse": "配偶",
    "child": "子女",
    "parent": "父母",
    "grandparent": "祖父母/外祖父母",
    "grandchild": "孙子女/外孙子女",
    "sibling": "兄弟姐妹",
    "other": "其他",
}

# Counted categories (§1.5) followed by the categories that national rules exempt (§1.5, §2.2, §5).
INCOME_LABELS = {
    "wage": "工资性收入",
    "business": "经营净收入",
    "property": "财产净收入",
    "transfer": "转移净收入",
    "other": "其他应计入收入",
    "preferential_care": "优待抚恤金",
    "family_planning": "计划生育奖励与扶助金",
    "scholarship": "奖学金",
    "heroism_award": "见义勇为等奖励性补助",
    "social_assistance": "政府发放的社会救助款物",
    "basic_pension_base": "城乡居民基本养老保险基础养老金",
    "disability_subsidy": "残疾人两项补贴",
    "social_insurance": "基本医疗保险等社会保险待遇",
    "longevity_allowance": "高龄津贴",
    "local_exempt": "设区的市级以上政府规定不计入的其他收入",
}
EARNED_INCOME = frozenset({"wage", "business"})

DISABILITY_CATEGORY_LABELS = {
    "visual": "视力",
    "hearing": "听力",
    "speech": "言语",
    "physical": "肢体",
    "intellectual": "智力",
    "mental": "精神",
    "multiple": "多重",
}
LABOUR_CAPACITY_LABELS = {"full": "有劳动能力", "partial": "部分丧失劳动能力", "none": "无劳动能力"}
SCHOOLING_LABELS = {
    "none": "未在学",
    "preschool": "学前",
    "compulsory": "义务教育",
    "high_school": "普通高中",
    "secondary_vocational": "中等职业学校",
    "higher": "全日制本科及以下高等教育",
    "postgraduate": "研究生",
}
RESIDENCE_LABELS = {"home": "居家（分散供养/社会散居）", "institution": "机构（集中供养/集中养育）"}
EXCLUSION_LABELS = {
    "religious": "连续三年以上脱离家庭独立生活的宗教教职人员",
    "imprisoned": "在监狱内服刑",
    "drug_rehab": "强制隔离戒毒",
    "declared_missing": "宣告失踪",
    "conscript": "现役义务兵",
    "other": "省级民政部门认定的其他人员",
}
PARENT_SITUATION_LABELS = {
    "present": "正常履行抚养义务",
    "deceased": "死亡",
    "declared_missing": "宣告失踪",
    "unknown": "查找不到",
    "severe_disability": "重残",
    "serious_illness": "重病",
    "imprisoned": "服刑在押",
    "drug_rehab": "强制隔离戒毒",
    "detained_other": "被执行其他限制人身自由措施",
    "lost_contact": "失联",
    "guardianship_revoked": "被撤销监护资格",
    "deported": "被遣送（驱逐）出境",
}
SUPPORTER_STATUS_LABELS = {
    "none": "无",
    "incapacitated": "无民事行为能力",
    "declared_missing": "宣告失踪",
    "imprisoned": "在监狱服刑",
}
VEHICLE_LABELS = {
    "car": "汽车",
    "truck": "货车",
    "motorcycle": "普通二轮摩托车",
    "disability_vehicle": "残疾人功能性补偿代步车",
    "other": "其他机动车",
}
EXPENSE_LABELS = {
    "medical": "医疗支出",
    "education": "教育支出",
    "disability_rehab": "残疾康复支出",
    "living": "生活支出",
    "other": "其他刚性支出",
}
OTHER_BENEFIT_LABELS = {
    "elderly_care_subsidy": "老年人福利/护理补贴",
    "veteran_disability": "因公伤残补贴",
    "retired_cadre_care": "离休干部护理费",
    "work_injury_care": "工伤保险生活护理费",
}
TEMPORARY_KIND_LABELS = {"emergency": "急难型", "expense": "支出型"}
TEMPORARY_EVENT_LABELS = {
    "fire": "火灾",
    "drowning": "溺水",
    "traffic_accident": "交通事故",
    "injury": "人身伤害",
    "sudden_illness": "突发重大疾病",
    "disaster": "自然灾害",
    "medical": "医疗支出突增",
    "education": "教育支出突增",
    "other": "其他",
}
CHILD_CHOICE_LABELS = {"auto": "按较高者", "extreme_poverty": "特困供养", "child_allowance": "儿童基本生活费"}


@dataclass(frozen=True, slots=True)
class IncomeFact:
    """One monthly income of a member, averaged over the reference period (§1.5)."""

    category: str
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class DisabilityFact:
    """The category and grade (1 = most severe … 4) printed on the 残疾人证."""

    category: str
    grade: int

    @property
    def severe(self) -> bool:
        """Return whether this is 重度残疾: grade 1–2, or grade 3 intellectual/mental (§1.4, §6.2)."""
        return self.grade <= 2 or (self.grade == 3 and self.category in ("intellectual", "mental"))


@dataclass(frozen=True, slots=True)
class ParentFacts:
    """A parent's situation, with its start (and, for custody measures, its end) date (§6)."""

    situation: str
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class SupporterFacts:
    """A person with a legal duty to support the member (法定赡养、抚养、扶养义务人, §2.2 third test)."""

    birth_date: date | None = None
    is_extreme_poverty: bool = False
    is_dibao: bool = False
    severe_disability: bool = False
    legal_status: str = "none"
    annual_income_per_capita: Decimal | None = None
    property_within_low_income_rules: bool = False


@dataclass(frozen=True, slots=True)
class OtherBenefit:
    """A benefit that overlaps the disability subsidies (择高 or exclusion, §5)."""

    kind: str
    monthly_amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """One person in the household and everything any programme asks about them."""

    person_id: str
    birth_date: date
    relation: str = "other"
    name: str = ""  # how explanations call the member; the person_id when empty
    incomes: tuple[IncomeFact, ...] = ()
    disability: DisabilityFact | None = None
    serious_illness: bool = False
    chronic_medication: bool = False
    labour_capacity: str = "full"
    self_care_unable: int | None = None
    schooling: str = "none"
    residence: str = "home"
    needs_long_term_care: bool = False
    medical_costs_monthly: Decimal = ZERO
    disability_costs_monthly: Decimal = ZERO
    job_refusals: int = 0
    exclusion: str | None = None
    parents: tuple[ParentFacts, ...] = ()
    has_capable_supporter: bool | None = None
    supporters: tuple[SupporterFacts, ...] = ()
    other_benefits: tuple[OtherBenefit, ...] = ()
    child_benefit_choice: str = "auto"

    @property
    def who(self) -> str:
        """Return how explanations name the member: the name when given, else the person id."""
        return self.name or self.person_id


@dataclass(frozen=True, slots=True)
class VehicleFact:
    kind: str
    value: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class ExpenseFact:
    """Rigid spending of the whole household over the 12 months before application (§3.2)."""

    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DibaoHistory:
    """The household's current dibao, needed to decide a phase-out (渐退, §1.10)."""

    monthly_amount: Decimal
    exceeded_since: date | None = None
    employment_related: bool = True


@dataclass(frozen=True, slots=True)
class TemporaryNeed:
    """A shock or a jump in essential spending for which temporary assistance is asked (§4)."""

    kind: str
    event: str
    occurred_on: date
    amount: Decimal
    other_aid: Decimal = ZERO
    fast: bool = False


@dataclass(frozen=True, slots=True)
class HouseholdFacts:
    """A household on ``as_of``: members, property, spending and history."""

    as_of: date
    area_type: str
    members: tuple[MemberFacts, ...]
    household_id: str = ""
    financial_assets: Decimal = ZERO
    vehicles: tuple[VehicleFact, ...] = ()
    houses: int = 0
    non_residential_properties: int = 0
    business_capital: Decimal = ZERO
    rigid_expenses_12m: tuple[ExpenseFact, ...] = ()
    income_12m: Decimal | None = None
    current_dibao: DibaoHistory | None = None
    temporary_need: TemporaryNeed | None = None
