"""The canonical layout of every department feed (部门数据文件格式).

Plain Python, no ORM. Each ``FeedSchema`` is one kind of file a partner department sends: its
code (stored in ``FeedBatch.department``), the department, what one row means and its columns —
English code (the Parquet column name), Chinese header (the default file's header), type and
whether the column is required. ``docs/feeds.md`` is written from these, and the loader checks
files against them.

Column types and how they are kept in the Parquet file:

- ``id``: 18-digit 公民身份号码, checksum verified (GB 11643), upper-case X → ``string``
- ``text`` → ``string``; ``code``: region or credit code text → ``string``
- ``date``: ``2026-03-01``, ``2026/3/1``, ``20260301`` or a spreadsheet date → ``date32``
- ``month``: ``2026-03``, ``2026/3``, ``202603`` → ``date32`` (the first day of the month)
- ``amount``: yuan, up to 2 decimals, thousands separators allowed → ``decimal(14,2)``
- ``decimal``: a measure such as floor area or a percentage → ``decimal(14,2)``
- ``int`` → ``int64``; ``bool``: 是/否, Y/N, 1/0, true/false → ``bool``

Every accepted batch's Parquet file holds the canonical columns (optional ones present, null when
the file lacked them) followed by the extra columns in ``EXTRA_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass

ID = "id"
TEXT = "text"
CODE = "code"
DATE = "date"
MONTH = "month"
AMOUNT = "amount"
DECIMAL = "decimal"
INT = "int"
BOOL = "bool"

TYPE_LABELS = {
    ID: "身份证号（18位，校验位正确）",
    TEXT: "文本",
    CODE: "代码（文本）",
    DATE: "日期（如 2026-03-01）",
    MONTH: "年月（如 2026-03）",
    AMOUNT: "金额（元，最多两位小数）",
    DECIMAL: "数值（最多两位小数）",
    INT: "整数",
    BOOL: "是/否",
}

# Arrow/DuckDB type of each column type in the Parquet file.
DUCKDB_TYPES = {
    ID: "VARCHAR",
    TEXT: "VARCHAR",
    CODE: "VARCHAR",
    DATE: "DATE",
    MONTH: "DATE",
    AMOUNT: "DECIMAL(14,2)",
    DECIMAL: "DECIMAL(14,2)",
    INT: "BIGINT",
    BOOL: "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    code: str
    header: str
    type: str
    required: bool = True
    meaning: str = ""
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class FeedSchema:
    code: str
    department: str
    title: str
    row_meaning: str
    columns: tuple[Column, ...]
    # Covers a month (period = the month the data describes) or a snapshot taken in that month.
    notes: str = ""

    @property
    def label(self) -> str:
        return f"{self.department} · {self.title}"

    @property
    def column_codes(self) -> list[str]:
        return [c.code for c in self.columns]

    @property
    def required_codes(self) -> list[str]:
        return [c.code for c in self.columns if c.required]

    def column(self, code: str) -> Column:
        for c in self.columns:
            if c.code == code:
                return c
        raise KeyError(code)


def _person() -> tuple[Column, Column]:
    return (
        Column("id_number", "公民身份号码", ID, True, "本人18位身份证号"),
        Column("name", "姓名", TEXT, True, "本人姓名"),
    )


# Columns every batch's Parquet file has after the canonical ones.
EXTRA_COLUMNS = (
    ("batch_id", "BIGINT", "FeedBatch 主键"),
    ("row_number", "BIGINT", "该行在上传文件中的行号（表头为第1行）"),
    ("person_id", "BIGINT", "匹配到的在册人员（registry Person 主键），未在册为空"),
    ("region_code", "VARCHAR", "该行所属区划（12位）：在册人员为其家庭所在村（社区），否则为批次的上传地区"),
)


SCHEMAS: dict[str, FeedSchema] = {
    s.code: s
    for s in (
        FeedSchema(
            "death",
            "公安",
            "死亡人员",
            "一行 = 一名已注销户口的死亡人员。",
            (
                *_person(),
                Column("death_date", "死亡日期", DATE, True, "死亡（注销户口）日期"),
                Column("record_region", "登记地区划代码", CODE, False, "办理死亡注销的公安机关所在区划"),
                Column("cause", "注销原因", TEXT, False, "如 死亡、宣告死亡"),
            ),
        ),
        FeedSchema(
            "hukou_out",
            "公安",
            "户籍迁出",
            "一行 = 一次将户口迁出本地区的登记。",
            (
                *_person(),
                Column("move_date", "迁出日期", DATE, True, "办理迁出的日期"),
                Column("to_region", "迁往地区划代码", CODE, False, "迁入地的6位或12位区划代码"),
                Column("to_address", "迁往地址", TEXT, False, "迁入地地址"),
            ),
        ),
        FeedSchema(
            "employment",
            "人力资源和社会保障",
            "就业与工资",
            "一行 = 某人某月在某单位的就业参保及应发工资（缴费工资）。",
            (
                *_person(),
                Column("month", "所属年月", MONTH, True, "工资所属月份"),
                Column("employer", "单位名称", TEXT, True, "用人单位"),
                Column("employer_code", "单位统一社会信用代码", CODE, False, ""),
                Column("wage", "月工资", AMOUNT, True, "当月应发工资或缴费工资（元）"),
            ),
        ),
        FeedSchema(
            "pension",
            "人力资源和社会保障",
            "养老金领取",
            "一行 = 某人某月领取的养老金。",
            (
                *_person(),
                Column("month", "所属年月", MONTH, True, "发放月份"),
                Column("pension_type", "养老保险类别", TEXT, True, "城镇职工 / 城乡居民 / 机关事业"),
                Column("amount", "月养老金", AMOUNT, True, "当月发放金额（元）"),
                Column("basic_amount", "其中基础养老金", AMOUNT, False, "城乡居民基础养老金部分（不计入低保收入）"),
            ),
        ),
        FeedSchema(
            "unemployment",
            "人力资源和社会保障",
            "失业登记",
            "一行 = 一次失业登记（含已终止的）。",
            (
                *_person(),
                Column("registered_on", "登记日期", DATE, True, "失业登记日期"),
                Column("ended_on", "终止日期", DATE, False, "再就业或注销登记日期，仍在登记为空"),
                Column("benefit", "失业保险金", AMOUNT, False, "每月领取的失业保险金（元）"),
            ),
        ),
        FeedSchema(
            "medical",
            "医疗保障",
            "就医结算",
            "一行 = 一次门诊或住院结算。",
            (
                *_person(),
                Column("settled_on", "结算日期", DATE, True, ""),
                Column("visit_type", "就诊类型", TEXT, True, "门诊 / 住院"),
                Column("admitted_on", "入院日期", DATE, False, "住院时填写"),
                Column("discharged_on", "出院日期", DATE, False, "住院时填写"),
                Column("hospital_days", "住院天数", INT, False, "住院时填写", 0, 3660),
                Column("total_cost", "医疗总费用", AMOUNT, True, "元"),
                Column("out_of_pocket", "个人自付", AMOUNT, True, "医保报销和医疗救助后个人负担（元）"),
                Column("hospital", "医疗机构", TEXT, False, ""),
            ),
        ),
        FeedSchema(
            "property",
            "自然资源（不动产登记）",
            "不动产",
            "一行 = 某人名下（含共有）的一处已登记不动产。",
            (
                *_person(),
                Column("certificate", "不动产权证号", TEXT, True, ""),
                Column("address", "坐落", TEXT, True, ""),
                Column("usage", "用途", TEXT, True, "住宅 / 商业 / 办公 / 工业 / 其他"),
                Column("area", "建筑面积", DECIMAL, True, "平方米"),
                Column("share", "共有份额", DECIMAL, False, "百分比，单独所有为100", 0, 100),
                Column("registered_on", "登记日期", DATE, True, ""),
            ),
        ),
        FeedSchema(
            "vehicle",
            "公安（车辆管理）",
            "机动车",
            "一行 = 某人名下登记的一辆机动车。",
            (
                *_person(),
                Column("plate", "号牌号码", TEXT, True, ""),
                Column("vehicle_type", "车辆类型", TEXT, True, "小型汽车 / 普通二轮摩托车 / 残疾人专用车 / 货车 等"),
                Column("registered_on", "注册登记日期", DATE, True, ""),
                Column("status", "机动车状态", TEXT, False, "正常 / 注销 等，空表示正常"),
                Column("price", "购置价格", AMOUNT, False, "元"),
            ),
        ),
        FeedSchema(
            "business",
            "市场监督管理",
            "市场主体",
            "一行 = 某人作为投资人、法定代表人或经营者登记的一个市场主体。",
            (
                *_person(),
                Column("credit_code", "统一社会信用代码", CODE, True, ""),
                Column("business_name", "市场主体名称", TEXT, True, ""),
                Column("role", "身份", TEXT, True, "股东 / 法定代表人 / 个体经营者"),
                Column("capital", "认缴出资额", AMOUNT, False, "本人认缴出资（元）"),
                Column("share", "出资比例", DECIMAL, False, "百分比", 0, 100),
                Column("established_on", "成立日期", DATE, False, ""),
                Column("status", "登记状态", TEXT, False, "存续 / 注销 / 吊销，空表示存续"),
            ),
        ),
        FeedSchema(
            "disability",
            "残疾人联合会",
            "残疾人证",
            "一行 = 一张有效的第二代残疾人证。",
            (
                *_person(),
                Column("card_number", "残疾人证号", TEXT, True, ""),
                Column("category", "残疾类别", TEXT, True, "视力 / 听力 / 言语 / 肢体 / 智力 / 精神 / 多重"),
                Column("grade", "残疾等级", INT, True, "1–4 级（一、二级为重度）", 1, 4),
                Column("issued_on", "发证日期", DATE, True, ""),
                Column("needs_care", "需长期照护", BOOL, False, "经评估需要长期照护"),
            ),
        ),
        FeedSchema(
            "tax",
            "税务",
            "年度收入",
            "一行 = 某人一个纳税年度的个人所得税年度汇总收入。",
            (
                *_person(),
                Column("tax_year", "纳税年度", INT, True, "如 2025", 1990, 2100),
                Column("income", "年收入额", AMOUNT, True, "综合所得与经营所得收入合计（元）"),
                Column("tax_paid", "已缴税额", AMOUNT, False, "元"),
            ),
        ),
        FeedSchema(
            "provident_fund",
            "住房公积金管理中心",
            "住房公积金",
            "一行 = 某人某月的公积金账户情况。",
            (
                *_person(),
                Column("month", "所属年月", MONTH, True, ""),
                Column("employer", "单位名称", TEXT, False, ""),
                Column("monthly_deposit", "月缴存额", AMOUNT, True, "单位与个人合计（元）"),
                Column("balance", "账户余额", AMOUNT, True, "元"),
            ),
        ),
        FeedSchema(
            "poverty_watch",
            "乡村振兴",
            "防止返贫监测对象",
            "一行 = 防止返贫监测对象家庭的一名成员。",
            (
                *_person(),
                Column("head_id_number", "户主身份证号", ID, False, "所在监测户户主"),
                Column("identified_on", "识别日期", DATE, True, "纳入监测日期"),
                Column("risk_type", "风险类型", TEXT, True, "因病 / 因残 / 因学 / 因灾 / 因失业 / 其他"),
                Column("per_capita_income", "家庭年人均纯收入", AMOUNT, False, "元/年"),
                Column("risk_removed", "风险已消除", BOOL, False, "是 表示已标注风险消除"),
            ),
        ),
    )
}


def schema_for(code: str) -> FeedSchema:
    try:
        return SCHEMAS[code]
    except KeyError:
        raise KeyError(f"未知的部门数据类型：{code}") from None


DEPARTMENT_CHOICES = [(s.code, s.label) for s in SCHEMAS.values()]
