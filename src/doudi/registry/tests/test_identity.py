"""ID number validation and derivation (rules.md §11.1)."""

from datetime import date

import pytest

from doudi.core.errors import DomainError
from doudi.registry.identity import check_consistent, check_digit, make_id_number, parse_id_number


def _with_check(first17: str) -> str:
    return first17 + check_digit(first17)


def test_known_sample_is_valid_and_derives_gender_and_birth():
    info = parse_id_number("11010519491231002x")
    assert info.id_number == "11010519491231002X"
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "F"
    assert info.address_code == "110105"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "不能为空"),
        ("1101051949123100", "应为 18 位，实际 16 位"),
        ("11010519491231002A", "最后一位为数字或 X"),
        ("110105194912310021", "校验码错误（最后一位应为 X）"),
        (_with_check("43098120230230011"), "出生日期 20230230 不存在"),
        (make_id_number("999999", date(1980, 1, 1), 11), "地址码 999999"),
    ],
)
def test_invalid_numbers_name_the_field_and_reason(value, reason):
    with pytest.raises(DomainError) as exc:
        parse_id_number(value)
    assert exc.value.code == "id_number_invalid"
    assert "公民身份号码" in exc.value.message
    assert reason in exc.value.message


def test_birth_date_in_the_future_is_refused():
    value = make_id_number("430981", date(2030, 1, 1), 11)
    with pytest.raises(DomainError, match="晚于今天"):
        parse_id_number(value, today=date(2026, 11, 27))


def test_odd_sequence_is_male_even_is_female():
    assert parse_id_number(make_id_number("430981", date(1990, 2, 3), 11)).gender == "M"
    assert parse_id_number(make_id_number("430981", date(1990, 2, 3), 12)).gender == "F"


def test_typed_gender_or_birth_date_must_match_the_number():
    info = parse_id_number(make_id_number("430981", date(1990, 2, 3), 11))
    check_consistent(info, gender="M", birth_date=date(1990, 2, 3))
    with pytest.raises(DomainError, match="性别"):
        check_consistent(info, gender="F", birth_date=None)
    with pytest.raises(DomainError, match="出生日期：填写为 1990-02-04"):
        check_consistent(info, gender=None, birth_date=date(1990, 2, 4))
