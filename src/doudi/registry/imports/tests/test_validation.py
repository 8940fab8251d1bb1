"""Every kind of bad row is reported in Chinese with its row number, its column and the reason."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.core.errors import DomainError
from doudi.registry.identity import make_id_number
from doudi.registry.imports.tests.conftest import (
    HANJIACHA,
    SHENGTIAN,
    csv_bytes,
    errors_of,
    family,
    person_row,
    pid,
    stage,
)
from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.registry.validation import PersonInput

pytestmark = pytest.mark.django_db


def _stage_rows(users, rows, capture, user="village_worker"):
    batch = stage(users[user], csv_bytes(rows), capture=capture)
    assert batch.status == "validated", batch.error_message
    return batch


def _only_error(batch, row_number):
    found = [(c, m) for r, c, m in errors_of(batch) if r == row_number]
    assert found, errors_of(batch)
    return found


def test_a_clean_file_has_no_errors_and_a_plan(users, django_capture_on_commit_callbacks):
    batch = _stage_rows(users, family("H001", members=3) + family("H002"), django_capture_on_commit_callbacks)
    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (5, 5, 0)
    assert batch.summary["households_new"] == 2 and batch.summary["persons_new"] == 5


def test_bad_checksum(users, django_capture_on_commit_callbacks):
    good = pid()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    batch = _stage_rows(users, [person_row(id_number=bad)], django_capture_on_commit_callbacks)
    [(column, message)] = _only_error(batch, 2)
    assert column == "公民身份号码"
    assert f"公民身份号码“{bad}”无效：校验码错误（最后一位应为 {good[17]}）" in message


def test_id_with_impossible_birth_date_and_bad_birth_date_column(users, django_capture_on_commit_callbacks):
    body = "43098119800230001"  # 30 February
    from doudi.registry.identity import check_digit

    impossible = body + check_digit(body)
    rows = [
        person_row("H1", id_number=impossible),
        person_row("H2", 出生日期="1980-13-01"),
        person_row("H3", id_number=make_id_number("430981", date(1979, 5, 17), 11), 出生日期="1979/5/18"),
        person_row("H4", id_number=make_id_number("430981", date(1979, 5, 17), 13), 出生日期="1979/5/17", 性别="女"),
    ]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    assert _only_error(batch, 2) == [("公民身份号码", f"公民身份号码“{impossible}”无效：出生日期 19800230 不存在。")]
    assert _only_error(batch, 3) == [("出生日期", "出生日期：“1980-13-01”不是有效日期（格式 YYYY-MM-DD）。")]
    assert _only_error(batch, 4) == [("出生日期", "出生日期：填写为 1979-05-18，但公民身份号码显示为 1979-05-17。")]
    assert _only_error(batch, 5) == [("性别", "性别：填写为“女”，但公民身份号码显示为“男”。")]


def test_unknown_region_and_region_outside_the_users_scope(users, django_capture_on_commit_callbacks):
    rows = [
        person_row("H1", region="430981999999"),
        person_row("H2", region=HANJIACHA),
        person_row("H3", region="4309"),
    ]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    assert _only_error(batch, 2) == [("村/社区区划代码", "村/社区区划代码：行政区划代码 430981999999 不存在。")]
    assert _only_error(batch, 3) == [
        (
            "村/社区区划代码",
            "村/社区区划代码：“430981006001”（湖南省益阳市沅江市琼湖街道韩家汊社区）不在您的管辖范围内。",
        )
    ]
    assert "不是有效的村/社区区划代码" in _only_error(batch, 4)[0][1]


def test_duplicate_id_within_the_file_names_both_rows(users, django_capture_on_commit_callbacks):
    same = pid()
    rows = [person_row("H1", id_number=same), person_row("H2", region=SHENGTIAN, id_number=same, name="李四")]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks, user="township_officer")
    [(column, first)] = _only_error(batch, 2)
    [(_, second)] = _only_error(batch, 3)
    assert column == "公民身份号码"
    assert first == (
        f"公民身份号码：{same} 在文件中重复出现，与第 3 行（户编号 H2，村/社区 湖南省益阳市沅江市草尾镇胜天村）重复；"
        "同一人只能登记在一个家庭。"
    )
    assert "与第 2 行（户编号 H1，村/社区 湖南省益阳市沅江市草尾镇立新村）重复" in second


def test_an_id_repeated_on_many_rows_names_the_first_other_row_and_the_count(users, django_capture_on_commit_callbacks):
    same = pid()
    rows = [person_row(f"H{i}", id_number=same) for i in range(5)]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks, user="township_officer")
    [(_, first)] = _only_error(batch, 2)
    [(_, fourth)] = _only_error(batch, 5)
    assert "与第 3 行（户编号 H1，村/社区 湖南省益阳市沅江市草尾镇立新村）等 4 行重复" in first
    assert "与第 2 行（户编号 H0，村/社区 湖南省益阳市沅江市草尾镇立新村）等 4 行重复" in fourth
    assert "第 4 行" not in fourth and "第 6 行" not in fourth


def test_id_already_in_another_household_names_the_row_and_the_household(
    regions, users, django_capture_on_commit_callbacks
):
    """The township officer of 草尾镇 sees 胜天村, so the message may say where the person is."""
    existing = household(regions["shengtian"], actor=users["township_officer"], head_name="王五")
    registered = Person.objects.get(household=existing).id_number
    rows = [person_row("H1", name="张三"), person_row("H1", name="王五", relation="子女", id_number=registered)]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks, user="township_officer")
    [(column, message)] = _only_error(batch, 3)
    assert column == "公民身份号码"
    assert message == (
        f"公民身份号码：{registered} 已登记在 湖南省益阳市沅江市草尾镇胜天村 的家庭 {existing.number}（户主 王五），"
        "同一人只能属于一个在册家庭；请先在原家庭办理迁出。"
    )
    # The head's row is fine in itself but its household is not imported half.
    assert _only_error(batch, 2) == [("户编号", "户编号：同户（H1）第 3 行有错误，整户暂不导入。")]


def test_two_heads_and_missing_head(users, django_capture_on_commit_callbacks):
    rows = [
        person_row("H1", name="张三"),
        person_row("H1", name="李四"),
        person_row("H2", name="王五", relation="配偶"),
        person_row("H2", name="赵六", relation="子女", id_number=pid(date(2010, 1, 1))),
    ]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    assert _only_error(batch, 2) == [
        ("与户主关系", "与户主关系：户编号 H1 的家庭有 2 位户主（第 2、3 行），每户只能有一位户主。")
    ]
    assert _only_error(batch, 4) == [
        ("与户主关系", "与户主关系：户编号 H2 的家庭没有户主（第 4、5 行），每户须有且只有一位户主。")
    ]
    assert _only_error(batch, 5) == [("户编号", "户编号：同户（H2）第 4 行有错误，整户暂不导入。")]


@pytest.mark.parametrize(
    ("field", "value", "column", "message"),
    [
        ("手机号", "1381234567", "手机号", "手机号：“1381234567”不是有效的手机或固定电话号码。"),
        ("银行账号", "6230-1234", "银行账号", "银行账号：应为 12 至 30 位数字。"),
        (
            "与户主关系",
            "老婆",
            "与户主关系",
            "与户主关系：“老婆”不是有效值（可选：户主、配偶、子女、儿媳/女婿、父母、"
            "岳父母/公婆、祖父母/外祖父母、孙子女/外孙子女、兄弟姐妹、其他）。",
        ),
        ("姓名", "张三3", "姓名", "姓名：“张三3”含有不允许的字符。"),
        ("姓名", "", "姓名", "姓名：不能为空。"),
        ("户籍性质", "城市", "户籍性质", "户籍性质：“城市”应为 城镇 或 农村。"),
        ("户籍地区划代码", "999999", "户籍地区划代码", "户籍地区划代码：“999999”不是有效的区划代码。"),
        ("开户银行", "", "开户银行", "开户银行：填写了银行账号时不能为空。"),
        ("性别", "未知", "性别", "性别：“未知”应为 男 或 女。"),
        (
            "公民身份号码",
            "43098119800517",
            "公民身份号码",
            "公民身份号码“43098119800517”无效：应为 18 位，实际 14 位。",
        ),
        ("户编号", "", "户编号", "户编号：不能为空。"),
    ],
)
def test_each_bad_field_names_row_column_and_reason(
    users, django_capture_on_commit_callbacks, field, value, column, message
):
    row = person_row("H1", **{field: value})
    if field == "与户主关系":
        rows = [person_row("H1"), {**row, "公民身份号码": pid(date(2001, 1, 1))}]
        bad_row = 3
    else:
        rows, bad_row = [row], 2
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    assert (column, message) in _only_error(batch, bad_row)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "1381234567"),
        ("bank_account", "6230-1234"),
        ("relation", "老婆"),
        ("name", "张三3"),
        ("hukou_type", "城市"),
    ],
)
def test_a_form_refuses_the_same_values_with_the_same_message(field, value, users, django_capture_on_commit_callbacks):
    """Forms and imports share the rules: PersonInput refuses what the import refuses, in the same words."""
    data = {"id_number": pid(), "name": "张三", "relation": "head", "bank_name": "某银行", field: value}
    with pytest.raises(DomainError) as info:
        PersonInput(**data).clean()
    header = {
        "phone": "手机号",
        "bank_account": "银行账号",
        "relation": "与户主关系",
        "name": "姓名",
        "hukou_type": "户籍性质",
    }
    cells = {
        "phone": "手机号",
        "bank_account": "银行账号",
        "relation": "与户主关系",
        "name": "姓名",
        "hukou_type": "户籍性质",
    }
    rows = [person_row("H1", **{cells[field]: value})]
    if field == "relation":
        rows = [person_row("H1"), {**rows[0], "公民身份号码": pid(date(2001, 1, 1))}]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    messages = [m for _r, c, m in errors_of(batch) if c == header[field]]
    assert info.value.message in messages


def test_full_width_spaces_and_padding_are_trimmed(users, django_capture_on_commit_callbacks):
    rows = [person_row("H1", name=" 张三 ", 公民身份号码=" " + pid().lower() + " ", 与户主关系=" 户主")]
    batch = _stage_rows(users, rows, django_capture_on_commit_callbacks)
    assert batch.invalid_rows == 0, errors_of(batch)
