"""Field checks shared by forms, the API and imports, so all three refuse the same input with
the same Chinese message (naming the field and the reason)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from doudi.core.errors import DomainError
from doudi.regions.models import AreaType
from doudi.registry.errors import RegistryErrorCode
from doudi.registry.identity import IdInfo, check_consistent, parse_id_number
from doudi.registry.models import Gender, Relation

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
BANK_RE = re.compile(r"^\d{12,30}$")
NAME_RE = re.compile(r"^[\u3400-\u9fff\u00b7·A-Za-z]{1,50}$")

RELATION_BY_LABEL = {str(label): value for value, label in Relation.choices}
GENDER_BY_LABEL = {"男": "M", "女": "F", "M": "M", "F": "F"}
AREA_TYPE_BY_LABEL = {
    "城镇": "urban",
    "农村": "rural",
    "urban": "urban",
    "rural": "rural",
    "非农业": "urban",
    "农业": "rural",
}


def invalid(field_label: str, reason: str, field_name: str) -> DomainError:
    return DomainError(RegistryErrorCode.FIELD_INVALID, f"{field_label}：{reason}。", {"field": field_name})


@dataclass
class PersonInput:
    """What a user supplies about a person; ``clean()`` validates it and fills derived fields."""

    id_number: str
    name: str
    relation: str
    gender: str | None = None
    birth_date: date | None = None
    hukou_region_code: str = ""
    hukou_type: str = ""
    residence_address: str = ""
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""
    id_info: IdInfo | None = field(default=None, repr=False)

    def clean(self) -> PersonInput:
        self.name = (self.name or "").strip()
        if not self.name:
            raise invalid("姓名", "不能为空", "name")
        if not NAME_RE.match(self.name):
            raise invalid("姓名", f"“{self.name}”含有不允许的字符", "name")
        self.id_info = parse_id_number(self.id_number)
        self.id_number = self.id_info.id_number
        self.gender = GENDER_BY_LABEL.get(self.gender or "", self.gender) or None
        if self.gender and self.gender not in Gender.values:
            raise invalid("性别", f"“{self.gender}”应为 男 或 女", "gender")
        check_consistent(self.id_info, gender=self.gender, birth_date=self.birth_date)
        self.gender, self.birth_date = self.id_info.gender, self.id_info.birth_date
        self.relation = RELATION_BY_LABEL.get(self.relation, self.relation)
        if self.relation not in Relation.values:
            allowed = "、".join(str(label) for _, label in Relation.choices)
            raise invalid("与户主关系", f"“{self.relation}”不是有效值（可选：{allowed}）", "relation")
        if self.hukou_type:
            self.hukou_type = AREA_TYPE_BY_LABEL.get(self.hukou_type, self.hukou_type)
            if self.hukou_type not in AreaType.values:
                raise invalid("户籍性质", f"“{self.hukou_type}”应为 城镇 或 农村", "hukou_type")
        self.phone = (self.phone or "").strip()
        if self.phone and not PHONE_RE.match(self.phone):
            raise invalid("手机号", f"“{self.phone}”不是有效的手机或固定电话号码", "phone")
        self.bank_account = (self.bank_account or "").replace(" ", "")
        if self.bank_account and not BANK_RE.match(self.bank_account):
            raise invalid("银行账号", "应为 12 至 30 位数字", "bank_account")
        if self.bank_account and not self.bank_name.strip():
            raise invalid("开户银行", "填写了银行账号时不能为空", "bank_name")
        return self


def parse_date(value, field_label: str, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise invalid(field_label, f"“{value}”不是有效日期（格式 YYYY-MM-DD）", field_name) from None


def parse_amount(value, field_label: str, field_name: str, *, allow_negative: bool = False) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise invalid(field_label, f"“{value}”不是有效金额", field_name) from None
    if not amount.is_finite():
        raise invalid(field_label, f"“{value}”不是有效金额", field_name)
    if amount < 0 and not allow_negative:
        raise invalid(field_label, "不能为负数", field_name)
    return amount.quantize(Decimal("0.01"))
