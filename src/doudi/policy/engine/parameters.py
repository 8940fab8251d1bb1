"""The catalogue of policy parameters: name, kind, unit, default, rule reference, Chinese meaning.

This one table drives document validation, resolution into ``Policy``, and the parameter
reference in ``docs/policy-format.md`` (a test keeps that file in step), so a parameter cannot
exist in code without being documented.

Kinds: ``amount`` 元 ≥ 0; ``ratio`` in [0, 1]; ``multiple`` > 0; ``int`` ≥ 0; ``bool``;
``choice`` one of ``choices``; ``categories`` a list drawn from ``choices``; ``ratios`` a list of
ratios; ``amounts`` / ``numbers`` fixed-length lists of non-negative numbers; ``bands`` and
``age_tiers`` lists of tables (see the docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .facts import INCOME_LABELS, VEHICLE_LABELS

REQUIRED = object()

PROGRAMME_LABELS = {
    "general": "通用",
    "dibao": "最低生活保障",
    "extreme_poverty": "特困人员救助供养",
    "near_dibao": "低保边缘家庭",
    "rigid_expense": "刚性支出困难家庭",
    "temporary": "临时救助",
    "disability_subsidies": "残疾人两项补贴",
    "child_allowance": "孤儿和事实无人抚养儿童基本生活费",
    "longevity": "高龄津贴",
}
OPTIONAL_PROGRAMMES = (
    "extreme_poverty",
    "near_dibao",
    "rigid_expense",
    "temporary",
    "disability_subsidies",
    "child_allowance",
    "longevity",
)

NATIONAL_EXEMPT_INCOME = (
    "preferential_care",
    "family_planning",
    "scholarship",
    "heroism_award",
    "social_assistance",
    "basic_pension_base",
    "disability_subsidy",
    "local_exempt",
)
EXTREME_POVERTY_EXEMPT_INCOME = (*NATIONAL_EXEMPT_INCOME, "social_insurance", "longevity_allowance")
SINGLE_PERSON_GROUPS = {
    "minor_under_16": "0–16 岁未成年人",
    "elderly_70": "70 岁以上老年人",
    "student": "在读学生",
    "chronic_medication": "慢特病长期服药人员",
}
HOUSEHOLD_STATUS_LABELS = {
    "extreme_poverty": "特困人员",
    "dibao": "低保",
    "near_dibao": "低保边缘",
    "rigid_expense": "刚性支出困难",
}
CHILD_EXTRA_SITUATIONS = {"guardianship_revoked": "被撤销监护资格", "deported": "被遣送（驱逐）出境"}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """What one parameter is; ``default`` is ``REQUIRED`` when a region must set it."""

    key: str
    label: str
    kind: str
    unit: str
    default: Any
    rule: str
    doc: str
    choices: tuple[str, ...] = ()
    choice_labels: dict[str, str] | None = None
    length: int | None = None

    @property
    def programme(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def money(self) -> bool:
        """Return whether the values are amounts of yuan (checked against negatives and units)."""
        return self.kind in ("amount", "amounts")


def _p(key, label, kind, unit, default, rule, doc, choices=(), choice_labels=None, length=None):
    return ParamSpec(key, label, kind, unit, default, rule, doc, tuple(choices), choice_labels, length)


def _property_specs(prog: str, label: str, rule: str) -> list[ParamSpec]:
    """Return the property-test parameters shared by the means-tested programmes (§1.6, §9)."""
    return [
        _p(
            f"{prog}.property.financial_assets_months",
            f"{label}人均金融资产上限（月数）",
            "int",
            "个月",
            None,
            rule,
            "家庭人均金融资产（存款、证券、基金、商业保险、债权、网络金融资产等）不得超过当地低保标准的该月数；"
            "例如 24 即“2 倍年低保标准”。不设则不检查。",
        ),
        _p(
            f"{prog}.property.financial_assets_income_multiple",
            f"{label}人均金融资产上限（可支配收入倍数）",
            "multiple",
            "倍",
            None,
            rule,
            "家庭人均金融资产不得超过上年度当地居民人均可支配收入的该倍数（如昆明低保边缘 2 倍）。"
            "不设则不检查。",
        ),
        _p(
            f"{prog}.property.max_vehicles",
            f"{label}机动车数量上限",
            "int",
            "辆",
            None,
            rule,
            "允许拥有的机动车数量（豁免车型及低于豁免价值的车辆不计）。0 表示不得拥有；不设则不检查。",
        ),
        _p(
            f"{prog}.property.vehicle_exempt_below",
            f"{label}机动车豁免价值",
            "amount",
            "元",
            "0",
            rule,
            "价值低于此金额的机动车不计数（如甘肃“无 15 万元以上车辆”填 150000）。",
        ),
        _p(
            f"{prog}.property.max_houses",
            f"{label}住房套数上限",
            "int",
            "套",
            None,
            rule,
            "家庭拥有的住房不得超过该套数。不设则不检查。",
        ),
        _p(
            f"{prog}.property.non_residential_allowed",
            f"{label}允许非居住类房屋",
            "bool",
            "",
            True,
            rule,
            "为 false 时，拥有商铺、写字楼等非居住类房屋即不符合财产条件。",
        ),
        _p(
            f"{prog}.property.max_business_capital",
            f"{label}企业认缴出资上限",
            "amount",
            "元",
            None,
            rule,
            "家庭成员作为股东的企业认缴出资总额上限（如 100000）。不设则不检查。",
        ),
    ]


SPECS: list[ParamSpec] = [
    # ---- general
    _p(
        "general.rounding_step",
        "金额取整单位",
        "choice",
        "元",
        "0.01",
        "—",
        "应发金额的取整单位：0.01（分）、0.1（角）或 1（元）。判断资格时不取整。",
        ("0.01", "0.1", "1"),
    ),
    _p(
        "general.rounding_mode",
        "取整方式",
        "choice",
        "",
        "half_up",
        "—",
        "half_up 四舍五入；half_even 银行家舍入；down 舍去；up 进一。",
        ("half_up", "half_even", "down", "up"),
    ),
    _p(
        "general.disposable_income_urban",
        "上年度城镇居民人均可支配收入",
        "amount",
        "元/年",
        REQUIRED,
        "§3.2",
        "刚性支出困难家庭、支出型临时救助的收入条件，以及特困人员法定义务人履行能力的判断基准（城市户）。",
    ),
    _p(
        "general.disposable_income_rural",
        "上年度农村居民人均可支配收入",
        "amount",
        "元/年",
        REQUIRED,
        "§3.2",
        "同上，适用于农村户。各地如只公布全体居民数据，两项填同一数值。",
    ),
    _p(
        "general.minimum_wage",
        "月最低工资标准",
        "amount",
        "元/月",
        None,
        "§1.5、§2.5",
        "就业成本扣除、推算收入、特困照料护理标准按最低工资计算时使用；这些规则启用时必填。",
    ),
    _p(
        "general.exempt_vehicle_kinds",
        "豁免车型",
        "categories",
        "",
        ("disability_vehicle", "motorcycle"),
        "§1.6 [L S29, S31]",
        "财产核查时不计数的车辆类型（残疾人功能性补偿代步车、普通二轮摩托车）。",
        tuple(VEHICLE_LABELS),
        VEHICLE_LABELS,
    ),
    # ---- dibao
    _p(
        "dibao.standard_urban",
        "城市低保标准",
        "amount",
        "元/人·月",
        REQUIRED,
        "§1.2、§1.11",
        "城市低保资格线和差额补助的基数。",
    ),
    _p(
        "dibao.standard_rural",
        "农村低保标准",
        "amount",
        "元/人·月",
        REQUIRED,
        "§1.2、§1.11",
        "农村低保资格线和差额补助的基数。",
    ),
    _p(
        "dibao.rural_not_above_urban",
        "农村标准不得高于城市标准",
        "bool",
        "",
        True,
        "§1.11",
        "为 true 时，农村低保标准高于城市标准的文件视为错误（防止录入时两项填反）。",
    ),
    _p(
        "dibao.payment_method",
        "低保金计算方式",
        "choice",
        "",
        "gap",
        "§1.7",
        "gap 差额补助：(标准 − 人均收入) × 保障人数；banded 分档补助：按人均收入所在档次发放标准的一定比例。",
        ("gap", "banded"),
    ),
    _p(
        "dibao.bands",
        "分档补助档次",
        "bands",
        "",
        None,
        "§1.7 [L S32, S34]",
        "分档补助时必填。按人均收入 ÷ 低保标准从低到高排列的档次列表，"
        "每档 {below = 上限比例, pay = 发放比例}；"
        "最后一档的 below 必须为 1，发放比例不得随收入升高而增加。",
    ),
    _p(
        "dibao.minimum_payment_ratio",
        "最低发放比例",
        "ratio",
        "",
        "0",
        "§1.7 [L S33]",
        "每名保障人员的差额低于低保标准的该比例时，按该比例发放（如 0.2 即 20%）。0 表示不设保底。",
    ),
    _p(
        "dibao.supplement_mode",
        "分类施保叠加方式",
        "choice",
        "",
        "highest_only",
        "§1.7 [L S35]",
        "highest_only 就高不叠加（一人符合多项时只取最高一项）；cumulative 累加。",
        ("highest_only", "cumulative"),
    ),
    _p(
        "dibao.supplement_serious_illness",
        "分类施保：重病患者增发比例",
        "ratio",
        "",
        "0",
        "§1.7 [L S35]",
        "重病保障人员按低保标准的该比例增发（吉林例 0.3）。",
    ),
    _p(
        "dibao.supplement_severe_disability",
        "分类施保：重度残疾人增发比例",
        "ratio",
        "",
        "0",
        "§1.7 [L S35]",
        "重度残疾（一、二级，或三级智力、精神）保障人员按低保标准的该比例增发（吉林例 0.2）。",
    ),
    _p(
        "dibao.supplement_elderly",
        "分类施保：老年人增发比例",
        "ratio",
        "",
        "0",
        "§1.7 [L S35]",
        "达到“老年人增发起始年龄”的保障人员按低保标准的该比例增发（吉林例 0.1）。",
    ),
    _p(
        "dibao.supplement_elderly_min_age",
        "分类施保：老年人增发起始年龄",
        "int",
        "周岁",
        70,
        "§1.7 [L S35]",
        "年满该周岁（生日当天起）的保障人员享受老年人增发。",
    ),
    _p(
        "dibao.supplement_minor",
        "分类施保：未成年人增发比例",
        "ratio",
        "",
        "0",
        "§1.7 [L S35]",
        "未满 18 周岁的保障人员按低保标准的该比例增发（吉林例 0.1）。",
    ),
    _p(
        "dibao.exempt_income",
        "不计入家庭收入的类别",
        "categories",
        "",
        NATIONAL_EXEMPT_INCOME,
        "§1.5 [V2 S9]",
        "这些类别的收入在计算家庭收入时不计入。默认值为 57 号文列举的国家清单加残疾人两项补贴。",
        tuple(INCOME_LABELS),
        INCOME_LABELS,
    ),
    _p(
        "dibao.employment_deduction_base",
        "就业成本扣除基数",
        "choice",
        "",
        "none",
        "§1.5 [L S21, S22]",
        "none 不扣除；standard 按低保标准；minimum_wage 按月最低工资；income 按本人劳动收入。",
        ("none", "standard", "minimum_wage", "income"),
    ),
    _p(
        "dibao.employment_deduction_rate",
        "就业成本扣除比例",
        "ratio",
        "",
        "0",
        "§1.5 [L S21, S22]",
        "每名有劳动收入（工资性、经营净收入）的成员，"
        "从其劳动收入中扣除“基数 × 比例”，最多扣至 0（赣州例：标准的 0.3）。",
    ),
    _p(
        "dibao.employment_deduction_rate_disabled",
        "残疾人就业成本扣除比例",
        "ratio",
        "",
        None,
        "§1.5 [L S21]",
        "持残疾人证成员的扣除比例（福建例：最低工资的 0.5）；不设则同上。",
    ),
    _p(
        "dibao.deduct_medical_costs",
        "扣除重病自付医疗费",
        "bool",
        "",
        False,
        "§1.5 [L S23]",
        "为 true 时，重病成员的月均自付医疗费从家庭收入中扣除（家庭收入最低为 0）。",
    ),
    _p(
        "dibao.deduct_disability_costs",
        "扣除残疾刚性支出",
        "bool",
        "",
        False,
        "§1.5 [L S23]",
        "为 true 时，残疾成员因残疾增加的月均刚性支出从家庭收入中扣除。",
    ),
    _p(
        "dibao.imputed_income_rate",
        "推算收入比例",
        "ratio",
        "",
        "0",
        "§1.5 [L S26, S27]",
        "有劳动能力、处于劳动年龄、未在学的成员，"
        "其劳动收入按不低于“月最低工资 × 该比例”计算。0 表示按实际收入计算。",
    ),
    _p(
        "dibao.imputed_income_min_age",
        "推算收入起始年龄",
        "int",
        "周岁",
        16,
        "§1.5",
        "推算收入适用的最低年龄（含）。",
    ),
    _p(
        "dibao.imputed_income_max_age",
        "推算收入截止年龄",
        "int",
        "周岁",
        60,
        "§1.5",
        "推算收入适用的年龄上限（不含）。",
    ),
    _p(
        "dibao.refusal_limit",
        "拒绝就业次数限制",
        "int",
        "次",
        3,
        "§1.5 [V1 S1 art.45]",
        "有劳动能力的成员无正当理由拒绝介绍的工作达到该次数，停发其本人的低保金（该成员不计入保障人数，其收入仍计入家庭收入）。",
    ),
    *_property_specs("dibao", "低保", "§1.6、§9"),
    _p(
        "dibao.single_person_enabled",
        "允许单人户（单人保）",
        "bool",
        "",
        True,
        "§1.4 [V2 S8]",
        "低保边缘家庭中的重度残疾人、重病患者可单独纳入低保。",
    ),
    _p(
        "dibao.single_person_min_payment_ratio",
        "单人保最低发放比例",
        "ratio",
        "",
        "0",
        "§1.4 [L S8]",
        "单人保发放金额不低于低保标准的该比例（青岛例 0.6）。",
    ),
    _p(
        "dibao.single_person_extra_groups",
        "单人保扩展人群",
        "categories",
        "",
        (),
        "§1.4 [L S17]",
        "除重残、重病外，还可单人保的人群（益阳 2026 例：全部四项）。",
        tuple(SINGLE_PERSON_GROUPS),
        SINGLE_PERSON_GROUPS,
    ),
    _p(
        "dibao.phase_out_months",
        "渐退期月数",
        "int",
        "个月",
        0,
        "§1.10 [L S41, S18]",
        "低保家庭收入超过标准后可继续领取的月数。0 表示不设渐退期。",
    ),
    _p(
        "dibao.phase_out_taper",
        "渐退发放比例表",
        "ratios",
        "",
        (),
        "§1.10 [L S42]",
        "渐退期内每月按原低保金的比例发放，逐月一项，"
        "项数必须等于渐退期月数（如 [1, 1, 0.8, 0.8, 0.6, 0.6]），"
        "且不得逐月增加。",
    ),
    _p(
        "dibao.phase_out_income_ceiling",
        "渐退收入上限（标准倍数）",
        "multiple",
        "倍",
        None,
        "§1.10 [L S18]",
        "人均收入须低于低保标准的该倍数才可渐退（彭水例 1.5）。不设则不限。",
    ),
    _p(
        "dibao.phase_out_employment_only",
        "仅就业增收可渐退",
        "bool",
        "",
        True,
        "§1.10",
        "为 true 时，只有因就业增加收入的家庭才给予渐退期（2020 年意见的表述）。",
    ),
    # ---- extreme poverty
    _p("extreme_poverty.enabled", "启用特困人员认定", "bool", "", True, "§2", "为 false 时不做特困筛查。"),
    _p(
        "extreme_poverty.basic_living_method",
        "基本生活标准确定方式",
        "choice",
        "",
        "amount",
        "§2.5",
        "amount 直接规定金额；multiple 低保标准的倍数；addition 低保标准加固定金额。",
        ("amount", "multiple", "addition"),
    ),
    _p(
        "extreme_poverty.basic_living_urban",
        "城市特困基本生活标准",
        "amount",
        "元/人·月",
        None,
        "§2.5",
        "确定方式为 amount 时必填。",
    ),
    _p(
        "extreme_poverty.basic_living_rural",
        "农村特困基本生活标准",
        "amount",
        "元/人·月",
        None,
        "§2.5",
        "确定方式为 amount 时必填。",
    ),
    _p(
        "extreme_poverty.basic_living_multiple",
        "基本生活标准倍数",
        "multiple",
        "倍",
        "1.3",
        "§2.5 [L S60, S61]",
        "确定方式为 multiple 时：基本生活标准 = 低保标准 × 该倍数。",
    ),
    _p(
        "extreme_poverty.basic_living_addition",
        "基本生活标准加额",
        "amount",
        "元/人·月",
        None,
        "§2.5",
        "确定方式为 addition 时：基本生活标准 = 低保标准 + 该金额。",
    ),
    _p(
        "extreme_poverty.basic_living_min_multiple",
        "基本生活标准不低于低保标准的倍数",
        "multiple",
        "倍",
        None,
        "§2.5 [L S60]",
        "设定后，低于“低保标准 × 该倍数”的基本生活标准视为错误（常见要求 1.3）。",
    ),
    _p(
        "extreme_poverty.care_method",
        "照料护理标准确定方式",
        "choice",
        "",
        "amount",
        "§2.5",
        "amount 直接规定金额；minimum_wage_ratio 月最低工资的比例。",
        ("amount", "minimum_wage_ratio"),
    ),
    _p(
        "extreme_poverty.care_home",
        "分散供养照料护理标准",
        "numbers",
        "元/月 或 比例",
        REQUIRED,
        "§2.4、§2.5 [L S60]",
        "按全自理、半失能、全失能三档依次填写三个数（金额或最低工资比例）。",
        length=3,
    ),
    _p(
        "extreme_poverty.care_institution",
        "集中供养照料护理标准",
        "numbers",
        "元/月 或 比例",
        REQUIRED,
        "§2.4、§2.5 [L S60]",
        "同上，适用于在供养机构集中供养的人员。",
        length=3,
    ),
    _p(
        "extreme_poverty.elderly_age",
        "无劳动能力年龄（老年）",
        "int",
        "周岁",
        60,
        "§2.2",
        "年满该周岁视为无劳动能力。",
    ),
    _p(
        "extreme_poverty.minor_age",
        "未成年人年龄上限",
        "int",
        "周岁",
        18,
        "§2.1、§2.2 [V2 S52]",
        "未满该周岁视为无劳动能力（暂行办法原文 16，2020 年起提高到 18）；年满后仍在义务教育、普通高中、"
        "中等职业学校就读的继续供养（§2.6）。",
    ),
    _p(
        "extreme_poverty.disability_list",
        "无劳动能力残疾范围版本",
        "choice",
        "",
        "2021",
        "§2.2 [V2 S50, S54]",
        "2021：一至三级智力、精神残疾，一、二级肢体残疾，一级视力残疾；2016：一、二级智力、精神残疾，一级肢体残疾。",
        ("2021", "2016"),
    ),
    _p(
        "extreme_poverty.serious_illness_fully_dependent",
        "重病且完全丧失自理视为无劳动能力",
        "bool",
        "",
        False,
        "§2.2 [L S55]",
        "常德例：患重病且生活完全不能自理的，视为无劳动能力。",
    ),
    _p(
        "extreme_poverty.exempt_income",
        "特困不计入收入的类别",
        "categories",
        "",
        EXTREME_POVERTY_EXEMPT_INCOME,
        "§2.2 [V2 S53]",
        "在低保豁免清单之外，还不计入基本医疗保险等社会保险待遇和高龄津贴。",
        tuple(INCOME_LABELS),
        INCOME_LABELS,
    ),
    *_property_specs("extreme_poverty", "特困", "§2.2"),
    # ---- near dibao
    _p(
        "near_dibao.enabled",
        "启用低保边缘家庭认定",
        "bool",
        "",
        True,
        "§3.1",
        "为 false 时不做低保边缘认定。",
    ),
    _p(
        "near_dibao.income_multiple",
        "低保边缘收入倍数",
        "multiple",
        "倍",
        "1.5",
        "§3.1 [V2 S30, S8]",
        "人均收入低于低保标准的该倍数；国家规定 1.5 倍，"
        "有条件的地方可放宽到 2 倍（取值须大于 1 且不超过 2）。",
    ),
    *_property_specs("near_dibao", "低保边缘", "§3.1"),
    # ---- rigid expense
    _p(
        "rigid_expense.enabled",
        "启用刚性支出困难家庭认定",
        "bool",
        "",
        True,
        "§3.2",
        "为 false 时不做该项认定。",
    ),
    _p(
        "rigid_expense.spending_ratio",
        "刚性支出占收入比例",
        "multiple",
        "倍",
        REQUIRED,
        "§3.2 [L S74, S75]",
        "近 12 个月刚性支出总额 ÷ 家庭总收入须大于该值（辽宁例 0.8）。",
    ),
    _p(
        "rigid_expense.validity_months",
        "认定有效期",
        "int",
        "个月",
        12,
        "§3.2 [V2 S67]",
        "认定结果的有效期，不得超过 12 个月。",
    ),
    *_property_specs("rigid_expense", "刚性支出困难", "§3.2"),
    # ---- temporary
    _p("temporary.enabled", "启用临时救助", "bool", "", True, "§4", "为 false 时不计算临时救助。"),
    _p(
        "temporary.cap_multiple",
        "临时救助上限（月低保标准倍数）",
        "multiple",
        "倍",
        REQUIRED,
        "§4 [L S80, S81]",
        "一次临时救助金额不超过当地月低保标准的该倍数（青阳例 10）。",
    ),
    _p(
        "temporary.fast_grant_multiple",
        "小额快救上限（月低保标准倍数）",
        "multiple",
        "倍",
        "1",
        "§4 [V2 S79]",
        "小额快救（先行救助）最高不超过 1 个月当地低保标准，取值不得大于 1。",
    ),
    _p(
        "temporary.expense_income_test",
        "支出型救助收入条件",
        "bool",
        "",
        True,
        "§4 [L S83, S82]",
        "为 true 时，支出型临时救助要求人均收入低于上年度人均可支配收入，且财产符合刚性支出困难家庭的规定。",
    ),
    # ---- disability subsidies
    _p(
        "disability_subsidies.enabled",
        "启用残疾人两项补贴",
        "bool",
        "",
        True,
        "§5",
        "为 false 时不计算两项补贴。",
    ),
    _p(
        "disability_subsidies.living_amounts",
        "困难残疾人生活补贴标准",
        "amounts",
        "元/人·月",
        REQUIRED,
        "§5 [L S64]",
        "按残疾等级一、二、三、四级依次填写四个金额。",
        length=4,
    ),
    _p(
        "disability_subsidies.living_statuses",
        "生活补贴适用家庭",
        "categories",
        "",
        ("dibao",),
        "§5 [V2 S85; L S88]",
        "哪些家庭中的残疾人可领生活补贴：dibao 低保家庭（国家规定），可扩展 near_dibao 低保边缘家庭。",
        ("dibao", "near_dibao"),
        HOUSEHOLD_STATUS_LABELS,
    ),
    _p(
        "disability_subsidies.care_amounts",
        "重度残疾人护理补贴标准",
        "amounts",
        "元/人·月",
        REQUIRED,
        "§5 [V2 S85; L S86]",
        "按残疾等级一至四级依次填写；一、二级适用于所有类别且须需长期照护，三、四级只适用于智力、精神残疾"
        "（填 0 表示不扩展）。",
        length=4,
    ),
    _p(
        "disability_subsidies.choose_higher",
        "与同类补贴择高",
        "bool",
        "",
        True,
        "§5 [V2 S56, S57]",
        "已享受老年人护理补贴、因公伤残补贴、离休护理费的，与两项补贴择高领取。",
    ),
    _p(
        "disability_subsidies.de_facto_orphan_no_living",
        "事实无人抚养儿童不领生活补贴",
        "bool",
        "",
        False,
        "§5 [L S57]",
        "广州例：全额保障的事实无人抚养儿童与孤儿一样不领生活补贴。",
    ),
    # ---- child allowance
    _p(
        "child_allowance.enabled",
        "启用孤儿和事实无人抚养儿童保障",
        "bool",
        "",
        True,
        "§6",
        "为 false 时不计算。",
    ),
    _p(
        "child_allowance.orphan_institutional",
        "集中养育孤儿基本生活费",
        "amount",
        "元/人·月",
        REQUIRED,
        "§6.1 [V2 S93]",
        "机构集中养育孤儿的月标准，不得低于 2010 年国家最低标准 1000 元。",
    ),
    _p(
        "child_allowance.orphan_community",
        "社会散居孤儿基本生活费",
        "amount",
        "元/人·月",
        REQUIRED,
        "§6.1 [V2 S93]",
        "社会散居孤儿的月标准，不得低于 2010 年国家最低标准 600 元。",
    ),
    _p(
        "child_allowance.de_facto_ratio",
        "事实无人抚养儿童标准比例",
        "ratio",
        "",
        "1",
        "§6.2 [V2 S104, S99]",
        "事实无人抚养儿童基本生活费 = 散居孤儿标准 × 该比例（国家要求参照散居孤儿标准，即 1）。",
    ),
    _p(
        "child_allowance.min_months",
        "失联、限制人身自由最短期限",
        "int",
        "个月",
        6,
        "§6.2 [V2 S100, S101]",
        "父母失联、被执行其他限制人身自由措施须满该月数。",
    ),
    _p(
        "child_allowance.extra_situations",
        "事实无人抚养扩展情形",
        "categories",
        "",
        (),
        "§6.2 [L S102, S103]",
        "在 62 号文六种情形之外，还认可的父母情形。",
        tuple(CHILD_EXTRA_SITUATIONS),
        CHILD_EXTRA_SITUATIONS,
    ),
    _p(
        "child_allowance.in_school_until_age",
        "在校延续保障年龄上限",
        "int",
        "周岁",
        18,
        "§6.1、§6.2 [L S97, S98]",
        "年满 18 周岁仍在校就读的，保障至未满该周岁；18 表示不延续。",
    ),
    # ---- longevity
    _p("longevity.enabled", "启用高龄津贴", "bool", "", True, "§7", "为 false 时不计算高龄津贴。"),
    _p(
        "longevity.tiers",
        "高龄津贴年龄档次",
        "age_tiers",
        "",
        REQUIRED,
        "§7 [V2 S107; L S108]",
        "档次列表，每档 {min_age = 起始周岁, max_age = 截止周岁（不含，可省略表示不封顶）, amount = 元/月, "
        "means_test = 是否仅限困难老人}；档次按年龄递增且不得重叠。",
    ),
    _p(
        "longevity.means_test_statuses",
        "高龄津贴困难老人范围",
        "categories",
        "",
        ("extreme_poverty", "dibao", "near_dibao"),
        "§7 [V2 S107]",
        "means_test 档次只发给这些身份家庭的老人。",
        tuple(HOUSEHOLD_STATUS_LABELS),
        HOUSEHOLD_STATUS_LABELS,
    ),
]

SPEC_BY_KEY: dict[str, ParamSpec] = {s.key: s for s in SPECS}
