"""The columns of the two files a county brings its existing caseload in with: evidence, and the roster.

Evidence is one file for every kind, with a 证据类型 column: a clerk copies each department's list
(残联's disability cards, the hospital's bills, the school's register …) under the same header and
fills the columns that kind uses (the template's instructions say which). The roster is the list
of who is paid what today, one row per person and programme.
"""

from __future__ import annotations

from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.registry.imports.columns import Column, ColumnSet

EXAMPLE_ID = "430981198005170011"
EXAMPLE_NAME = "张三"

EVIDENCE_TYPES = {
    "收入": "income",
    "财产": "asset",
    "残疾": "disability",
    "疾病": "illness",
    "劳动能力": "labourcapacity",
    "生活自理能力": "selfcare",
    "就学": "schooling",
    "刚性支出": "rigidexpense",
    "父母情况": "parentsituation",
    "长期照护需求": "careneed",
    "法定义务人情况": "legalsupporter",
    "供养方式": "caresetting",
    "不计入家庭成员": "exclusion",
    "拒绝就业": "jobrefusal",
    "其他部门待遇": "otherbenefit",
    "儿童保障选择": "childbenefitchoice",
}
EVIDENCE_TYPE_LABELS = {code: label for label, code in EVIDENCE_TYPES.items()}

SELF_CARE_ITEMS = {
    "吃饭": "unable_eat",
    "穿衣": "unable_dress",
    "上下床": "unable_transfer",
    "如厕": "unable_toilet",
    "室内行走": "unable_walk",
    "行走": "unable_walk",
    "洗澡": "unable_bathe",
}

# Which columns each kind reads, and what they mean for it (the template's instructions).
EVIDENCE_USAGE = {
    "income": "类别=收入类别（工资性收入、经营净收入、财产净收入、转移净收入 等）；金额=月收入",
    "asset": "类别=财产类别（银行存款、有价证券/基金、商业保险、机动车、房产、非居住类房屋（商铺、厂房、车库等）、"
    "企业出资/股份、其他财产）；"
    "金额=价值；数量；面积；是否=是否生产生活必需（可豁免）；名称/说明=描述",
    "disability": "类别=残疾类别（视力残疾、肢体残疾 等）；残疾等级=1 至 4；残疾人证号；金额=月康复护理支出（可留空）",
    "illness": "名称/说明=疾病名称（必填）；是否=是否重特大疾病；金额=月自付医疗费；"
    "类别=慢特病长期服药（需长期服药时填写，否则留空）",
    "labourcapacity": "类别=有劳动能力、部分丧失劳动能力、无劳动能力",
    "selfcare": "不能自理项目=吃饭、穿衣、上下床、如厕、室内行走、洗澡 中不能自主完成的（用“、”分隔，全能自理留空）",
    "schooling": "类别=就读阶段（学前教育、小学、初中、普通高中、中等职业学校、大专、本科、研究生）；"
    "是否=是否全日制（留空为是）；名称/说明=学校",
    "rigidexpense": "类别=支出类别（医疗支出（自付）、教育支出、残疾康复支出、生活支出、其他刚性支出）；"
    "金额=近12个月支出；名称/说明=支出说明；生效日期=统计截止日",
    "parentsituation": "填在子女名下：父/母=父亲 或 母亲；类别=情形（死亡、宣告失踪、查找不到、重残、重病、服刑在押、"
    "强制隔离戒毒、失联 等）；名称/说明=父/母姓名；生效日期=情形开始之日",
    "careneed": "是否=是否需长期照护（留空为是）；名称/说明=评估机构/依据",
    "legalsupporter": "类别=无法定义务人、法定义务人无履行能力、有具备履行能力的法定义务人；"
    "名称/说明=认定依据（无履行能力时必填，如：义务人是60周岁以上低保对象）",
    "caresetting": "类别=居家（分散供养/社会散居）或 机构（集中供养/集中养育）；"
    "名称/说明=供养服务机构（集中供养时必填）",
    "exclusion": "类别=在监狱内服刑、强制隔离戒毒、宣告失踪、现役义务兵 等；名称/说明=说明；"
    "生效日期=情形开始之日，失效日期=结束之日（如刑满释放）",
    "jobrefusal": "名称/说明=介绍的岗位或培训（必填）；生效日期=拒绝之日；每次拒绝填一行",
    "otherbenefit": "类别=老年人福利/护理补贴、因公伤残补贴、离休干部护理费、工伤保险生活护理费；金额=月金额",
    "childbenefitchoice": "填在儿童名下：类别=按较高者、特困供养 或 儿童基本生活费；名称/说明=作出选择的监护人",
}

EVIDENCE_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "公民身份号码", True, 18, EXAMPLE_ID, "18 位，末位可为 X；须是已登记的人员"),
    Column("name", "姓名", True, 50, EXAMPLE_NAME, "须与登记的姓名一致"),
    Column("evidence_type", "证据类型", True, 12, "收入", "、".join(EVIDENCE_TYPES)),
    Column("valid_from", "生效日期", True, 10, "2026-01-01", "按“年-月-日”填写，不能晚于今天"),
    Column("valid_to", "失效日期", False, 10, "", "可不填；须晚于生效日期"),
    Column(
        "category",
        "类别",
        False,
        30,
        "工资性收入",
        "收入类别、财产类别、残疾类别、劳动能力、就读阶段、支出类别或父母情形",
    ),
    Column(
        "amount",
        "金额",
        False,
        16,
        "1200",
        "元，不能为负数；含义随证据类型（月收入、财产价值、月自付医疗费、近12个月支出）",
    ),
    Column("grade", "残疾等级", False, 4, "", "1 至 4（或 一级 至 四级）"),
    Column("parent", "父/母", False, 4, "", "父母情况填：父亲 或 母亲"),
    Column("flag", "是否", False, 4, "", "是 或 否：重特大疾病、可豁免财产、全日制、需长期照护"),
    Column("quantity", "数量", False, 6, "", "财产数量，正整数，默认 1"),
    Column("area", "面积", False, 12, "", "房产面积（平方米）"),
    Column("unable", "不能自理项目", False, 40, "", "吃饭、穿衣、上下床、如厕、室内行走、洗澡"),
    Column("text", "名称/说明", False, 100, "", "疾病名称、学校、支出说明、父/母姓名、评估机构等"),
    Column("card_number", "残疾人证号", False, 24, "", "残疾证上的号码"),
    Column("note", "备注", False, 200, "", "可不填"),
)
EVIDENCE = ColumnSet(EVIDENCE_COLUMNS)


def _evidence_example(kind: str, **cells) -> tuple[str, ...]:
    base = {"id_number": EXAMPLE_ID, "name": EXAMPLE_NAME, "evidence_type": EVIDENCE_TYPE_LABELS[kind]}
    base.setdefault("valid_from", "2026-01-01")
    base.update(cells)
    return tuple(base.get(c.key, "") for c in EVIDENCE_COLUMNS)


# One example row per kind: a file that still holds them is refused on those rows.
EVIDENCE_EXAMPLES: tuple[tuple[str, ...], ...] = (
    _evidence_example("income", category="工资性收入", amount="1200"),
    _evidence_example("asset", category="银行存款", amount="8000"),
    _evidence_example("disability", category="肢体残疾", grade="2", card_number="43098119800517001142"),
    _evidence_example("illness", text="尿毒症", flag="是", amount="600"),
    _evidence_example("labourcapacity", category="部分丧失劳动能力"),
    _evidence_example("selfcare", unable="吃饭、穿衣、如厕、洗澡"),
    _evidence_example("schooling", category="小学", text="草尾镇中心小学", flag="是"),
    _evidence_example("rigidexpense", category="医疗支出（自付）", amount="36000", text="住院自付部分"),
    _evidence_example("parentsituation", parent="父亲", category="死亡", text="张大", valid_from="2024-03-15"),
    _evidence_example("careneed", flag="是", text="县残联护理需求评估"),
    _evidence_example("legalsupporter", category="法定义务人无履行能力", text="唯一的儿子是重度残疾人且收入低于标准"),
    _evidence_example("caresetting", category="机构（集中供养/集中养育）", text="草尾镇敬老院"),
    _evidence_example("exclusion", category="在监狱内服刑", valid_from="2024-05-01", valid_to="2027-05-01"),
    _evidence_example("jobrefusal", text="县人社局推荐的保洁岗位", valid_from="2026-03-10"),
    _evidence_example("otherbenefit", category="工伤保险生活护理费", amount="1200"),
    _evidence_example("childbenefitchoice", category="儿童基本生活费", text="祖母李四"),
)

# Household programmes are held by one member (the head, normally) and cover the household.
HOUSEHOLD_PROGRAMMES = frozenset({"dibao", "phase_out", "near_dibao", "rigid_expense"})
# Monthly programmes a roster may hold (临时救助 is paid once, not enrolled).
ROSTER_PROGRAMMES = {label: code for code, label in PROGRAMME_LABELS.items() if code != "temporary"}
ROSTER_ALIASES = {
    "低保": "dibao",
    "城乡低保": "dibao",
    "农村低保": "dibao",
    "城市低保": "dibao",
    "单人户低保": "single_person_dibao",
    "渐退": "phase_out",
    "特困": "extreme_poverty",
    "特困供养": "extreme_poverty",
    "特困人员": "extreme_poverty",
    "低保边缘": "near_dibao",
    "刚性支出": "rigid_expense",
    "残疾人生活补贴": "disability_living_subsidy",
    "困难残疾人生活补贴": "disability_living_subsidy",
    "护理补贴": "disability_care_subsidy",
    "重度残疾人护理补贴": "disability_care_subsidy",
    "孤儿": "orphan",
    "事实无人抚养儿童": "de_facto_orphan",
    "高龄津贴": "longevity_allowance",
}

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column(
        "programme", "救助项目", True, 30, "最低生活保障", "、".join(ROSTER_PROGRAMMES) + "（也可填 低保、特困 等简称）"
    ),
    Column("id_number", "公民身份号码", True, 18, EXAMPLE_ID, "领取人；须是已登记且属于在册家庭的人员"),
    Column("name", "姓名", True, 50, EXAMPLE_NAME, "须与登记的姓名一致"),
    Column("household_number", "户编号", False, 17, "", "系统中的 17 位户编号；填写时须是该人员所在家庭"),
    Column("tier", "档次/类别", False, 40, "一类", "可不填"),
    Column("monthly_amount", "月金额", True, 16, "650.00", "元，大于 0，最多两位小数"),
    Column("start_month", "起始月份", True, 10, "2024-03", "按“年-月”填写（如 2024-03），不能晚于下月"),
    Column("next_review", "下次复核日期", False, 10, "2026-09-30", "按“年-月-日”填写；生成到期复核任务"),
    Column("bank_name", "开户银行", False, 60, "沅江农商银行", "填写银行账号时必填"),
    Column("bank_account", "银行账号", False, 32, "6230901234567890123", "12 至 30 位数字；与登记不同时以名册为准"),
    Column("account_holder", "账户户名", False, 50, "", "账户不是本人的（如监护人代领）时填写户名"),
)
ROSTER = ColumnSet(ROSTER_COLUMNS)
ROSTER_EXAMPLE = tuple(c.example for c in ROSTER_COLUMNS)
