"""The columns of the import template: Chinese header, field key, whether required, and help for users."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    max_length: int
    example: str
    help: str
    text: bool = True  # formatted as text in the XLSX template, so Excel keeps leading zeros and all 18 digits


COLUMNS: tuple[Column, ...] = (
    Column(
        "household_key", "户编号", True, 40, "H001", "同一户的成员填写相同的值；填写系统中已有的户编号则向该户添加成员"
    ),
    Column("region_code", "村/社区区划代码", True, 12, "430981114201", "12 位统计用区划代码，须在您的管辖范围内"),
    Column("address", "居住地址", False, 200, "草尾镇立新村3组12号", "户主所在行的地址作为家庭地址"),
    Column("name", "姓名", True, 50, "张三", "与身份证一致"),
    Column("id_number", "公民身份号码", True, 18, "430981198005170011", "18 位，末位可为 X"),
    Column(
        "relation",
        "与户主关系",
        True,
        16,
        "户主",
        "户主、配偶、子女、儿媳/女婿、父母、岳父母/公婆、祖父母/外祖父母、孙子女/外孙子女、兄弟姐妹、其他",
    ),
    Column("hukou_region_code", "户籍地区划代码", False, 12, "430981114201", "可填 6 至 12 位区划代码"),
    Column("hukou_type", "户籍性质", False, 8, "农村", "城镇 或 农村"),
    Column("phone", "手机号", False, 20, "13812345678", "手机或固定电话"),
    Column("bank_name", "开户银行", False, 60, "沅江农商银行", "填写银行账号时必填"),
    Column("bank_account", "银行账号", False, 32, "6230901234567890123", "12 至 30 位数字"),
    Column("gender", "性别", False, 1, "男", "可不填；填写时须与身份证号一致"),
    Column("birth_date", "出生日期", False, 10, "1980-05-17", "可不填；须与身份证号一致，按“年-月-日”填写"),
)

# The CSV template's second row shows one filled-in person; a file that still holds it is refused on that row
# (``checks.check_fields``), so an unedited template never imports 张三.
EXAMPLE_ROW = tuple(c.example for c in COLUMNS)

BY_KEY = {c.key: c for c in COLUMNS}
BY_HEADER = {c.header: c for c in COLUMNS}
KEYS = tuple(c.key for c in COLUMNS)
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS if c.required)
ERROR_HEADER = "错误原因"
ROW_HEADER = "原行号"


@dataclass(frozen=True)
class ColumnSet:
    """The columns of one kind of import file, with lookups by key and by header."""

    columns: tuple[Column, ...]

    @property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @property
    def by_header(self) -> dict[str, Column]:
        return {c.header: c for c in self.columns}

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def required_headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)


PERSONS = ColumnSet(COLUMNS)


def normalize_header(value) -> str:
    """Return a header cell as a template header: trimmed, without a "*" required marker or a note in brackets."""
    text = str(value or "").strip().replace("\ufeff", "").replace(" ", "").replace("\u3000", "")
    text = text.rstrip("*＊")
    for bracket in ("（", "("):
        if bracket in text:
            text = text.split(bracket, 1)[0]
    return text


def header(key: str) -> str:
    return BY_KEY[key].header
