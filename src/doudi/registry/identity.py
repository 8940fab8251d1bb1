"""Resident ID numbers (公民身份号码, GB 11643-1999).

Validation uses python-stdnum's ``cn.ric`` (checksum by ISO 7064 MOD 11-2, a real birth date,
and an address code found in its list of current and historical GB/T 2260 codes), then derives
gender and birth date, which are compared with what a user typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum import numdb
from stdnum.cn import ric

from doudi.core.errors import DomainError
from doudi.registry.errors import RegistryErrorCode

# No one documented has lived past 122: a birth date further back than this is a typing error, refused
# wherever a person or a household's facts come in (here for the registry, ``policy.plausibility``
# for an assessment).
MAX_AGE_YEARS = 120


def earliest_birth_date(on: date) -> date:
    """Return the earliest plausible birth date of a person alive on ``on`` (``MAX_AGE_YEARS`` before)."""
    try:
        return on.replace(year=on.year - MAX_AGE_YEARS)
    except ValueError:  # 29 February
        return on.replace(year=on.year - MAX_AGE_YEARS, day=28)


@dataclass(frozen=True)
class IdInfo:
    id_number: str
    birth_date: date
    gender: str  # "M" or "F"
    address_code: str


def address_code_known(code: str, birth_year: int) -> bool:
    """Return whether ``code`` is a GB/T 2260 county code in use at some time up to the birth year or after.

    The address code is that of the place of registration when the number was issued, often
    years after birth, so a code created after the birth year is valid; one abolished before
    the person was born is not. (python-stdnum's own check demands the code existed in the birth
    year, which refuses, e.g., every 沅江市 430981 number of someone born before 1994.)
    """
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    if "county" not in info:
        return False
    for county in info["county"].split(","):
        if not county.startswith("["):
            return True
        start_end = county[1:].split("]")[0]
        _start, end = start_end.split("-")
        if not end or int(end) >= birth_year:
            return True
    return False


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def _reason(value: str, exc: Exception) -> str:
    if not value:
        return "不能为空"
    if len(value) != 18:
        return f"应为 18 位，实际 {len(value)} 位"
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return "前 17 位应为数字，最后一位为数字或 X"
    if isinstance(exc, stdnum_errors.InvalidChecksum):
        return f"校验码错误（最后一位应为 {check_digit(value[:17])}）"
    if isinstance(exc, stdnum_errors.InvalidComponent):
        try:
            ric.get_birth_date(value)
        except stdnum_errors.ValidationError:
            return f"出生日期 {value[6:14]} 不存在"
        return f"地址码 {value[:6]} 不是有效的行政区划代码"
    return "格式不正确"


def parse_id_number(value: str, *, field: str = "公民身份号码", today: date | None = None) -> IdInfo:
    """Validate an 18-character ID number and return what it encodes.

    Raises ``DomainError(id_number_invalid)`` whose message names the field and the reason.
    """
    value = normalize_id_number(value)
    try:
        if len(value) != 18:
            raise stdnum_errors.InvalidLength()
        if not value[:17].isdigit():
            raise stdnum_errors.InvalidFormat()
        if value[17] != check_digit(value[:17]):
            raise stdnum_errors.InvalidChecksum()
        birth = ric.get_birth_date(value)
        if not address_code_known(value[:6], birth.year):
            raise stdnum_errors.InvalidComponent()
    except stdnum_errors.ValidationError as exc:
        raise DomainError(
            RegistryErrorCode.ID_INVALID, f"{field}“{value}”无效：{_reason(value, exc)}。", {"field": "id_number"}
        ) from exc
    if birth > (today or date.today()):
        raise DomainError(
            RegistryErrorCode.ID_INVALID,
            f"{field}“{value}”无效：出生日期 {birth:%Y-%m-%d} 晚于今天。",
            {"field": "id_number"},
        )
    if birth < earliest_birth_date(today or date.today()):
        raise DomainError(
            RegistryErrorCode.ID_INVALID,
            f"{field}“{value}”无效：出生日期 {birth:%Y-%m-%d} 早于今天 {MAX_AGE_YEARS} 年以上，请检查年份。",
            {"field": "id_number"},
        )
    gender = "M" if int(value[16]) % 2 == 1 else "F"
    return IdInfo(id_number=value, birth_date=birth, gender=gender, address_code=value[:6])


def check_consistent(info: IdInfo, *, gender: str | None, birth_date: date | None) -> None:
    """Refuse a typed gender or birth date that contradicts the ID number."""
    if gender and gender != info.gender:
        typed, derived = ("男" if gender == "M" else "女"), ("男" if info.gender == "M" else "女")
        raise DomainError(
            RegistryErrorCode.ID_MISMATCH,
            f"性别：填写为“{typed}”，但公民身份号码显示为“{derived}”。",
            {"field": "gender"},
        )
    if birth_date and birth_date != info.birth_date:
        raise DomainError(
            RegistryErrorCode.ID_MISMATCH,
            f"出生日期：填写为 {birth_date:%Y-%m-%d}，但公民身份号码显示为 {info.birth_date:%Y-%m-%d}。",
            {"field": "birth_date"},
        )


def make_id_number(address_code: str, birth: date, sequence: int) -> str:
    """Build a valid ID number (for demo data and tests): odd ``sequence`` is male."""
    body = f"{address_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + check_digit(body)


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits (rules.md §11.1)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]
