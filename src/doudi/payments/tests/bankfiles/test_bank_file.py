"""Bank files: both example layouts, both encodings, header and totals lines, balance, log, scope."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.errors import NotFound, PermissionDenied
from doudi.payments.bankfiles.models import BankFile, BankLayout
from doudi.payments.bankfiles.services import bank_file_summary, do_write_bank_file
from doudi.payments.errors import PaymentError
from doudi.payments.models import Payroll, PayrollLine, PayrollStatus
from doudi.payments.tests.bankfiles.helpers import approved_payroll, layout
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db

TOTAL = Decimal("1420.50")


def written(result) -> bytes:
    with result.handle as handle:
        return handle.read()


def test_rural_bank_csv_is_gbk_with_totals_first_and_no_header(regions, maker):
    """农商行: GBK bytes, the totals line first (count and total), one record per payee, full accounts."""
    payroll, people = approved_payroll(regions, maker)
    data = written(do_write_bank_file(maker, payroll, layout=layout()))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(data.decode("gbk"))))
    assert rows[0] == ["合计笔数", "3", "合计金额", "1420.50"]
    assert len(rows) == 4
    by_name = {r[2]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "李四", "王五"}
    zhang = by_name["张三"]
    assert zhang[0] in {"1", "2", "3"}
    assert zhang[1] == people[0].bank_account  # in full
    assert zhang[3] == "500.00"
    assert zhang[4] == people[0].id_number
    assert zhang[5] == "2025年3月最低生活保障"
    assert zhang[6] == f"P{payroll.pk}-{people[0].pk}"
    assert sum(Decimal(r[3]) for r in rows[1:]) == TOTAL


def test_postal_bank_xlsx_has_header_and_totals_last(regions, maker):
    """邮储: XLSX, the header line with the configured titles first, amounts as numbers, totals last."""
    payroll, people = approved_payroll(regions, maker)
    data = written(do_write_bank_file(maker, payroll, layout=layout("邮储银行（XLSX）")))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "业务参考号",
        "收款人姓名",
        "收款账号",
        "金额（元）",
        "身份证号",
        "项目",
        "乡镇",
        "村（社区）",
        "发放月份",
    ]
    assert rows[-1][:4] == ["合计笔数", 3, "合计金额", 1420.5]
    assert set(rows[-1][4:]) == {None}
    records = rows[1:-1]
    assert len(records) == 3
    assert sum(Decimal(str(r[3])) for r in records) == TOTAL
    wang = next(r for r in records if r[1] == "王五")
    assert wang[2] == people[2].bank_account and isinstance(wang[2], str)
    assert wang[5:] == ["最低生活保障", "琼湖街道", "韩家汊社区", "2025年3月"]


@pytest.mark.parametrize(
    ("file_format", "encoding", "header", "totals", "unit"),
    [
        ("csv", "utf-8", True, "last", "yuan"),
        ("csv", "gbk", True, "none", "fen"),
        ("xlsx", "utf-8", False, "first", "fen"),
    ],
)
def test_layout_options(regions, maker, file_format, encoding, header, totals, unit):
    """Each option of a layout shows in the bytes: encoding, header line, totals line, amounts in fen."""
    payroll, _ = approved_payroll(regions, maker)
    custom = BankLayout.objects.create(
        name="测试格式",
        bank_name="测试银行",
        file_format=file_format,
        encoding=encoding,
        header_line=header,
        totals_line=totals,
        amount_unit=unit,
        columns=[{"field": "name", "title": "姓名"}, {"field": "amount", "title": ""}],
    )
    data = written(do_write_bank_file(maker, payroll, layout=custom))
    if file_format == "csv":
        text = data.decode(encoding)
        assert not text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text)))
    else:
        rows = [
            [str(v) for v in r if v is not None]
            for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
        ]
    expected_total = "142050" if unit == "fen" else ("1420.50" if file_format == "csv" else "1420.5")
    totals_row = ["合计笔数", "3", "合计金额", expected_total]
    if totals == "first":
        assert rows.pop(0) == totals_row
    elif totals == "last":
        assert rows.pop() == totals_row
    if header:
        assert rows.pop(0) == ["姓名", "金额"]  # a blank title takes the field's name
    assert sorted(r[0] for r in rows) == ["张三", "李四", "王五"]
    amounts = {r[0]: r[1] for r in rows}
    assert amounts["李四"] == ("62050" if unit == "fen" else "620.50")


def test_gbk_refuses_a_name_it_cannot_hold_naming_the_record(regions, maker):
    payroll, people = approved_payroll(regions, maker)
    PayrollLine.objects.filter(person=people[1]).update(account_holder="𠮷李四")  # a guardian's account
    with pytest.raises(PaymentError) as caught:
        do_write_bank_file(maker, payroll, layout=layout())
    assert "𠮷" in caught.value.message and "GBK" in caught.value.message
    assert not BankFile.objects.exists()
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.APPROVED
    # The UTF-8 layout writes it.
    data = written(do_write_bank_file(maker, payroll, layout=layout("邮储银行（XLSX）")))
    assert "𠮷李四" in [r[1] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_download_is_logged_and_marks_the_payroll_sent(regions, maker):
    payroll, _ = approved_payroll(regions, maker)
    result = do_write_bank_file(maker, payroll, layout=layout(), channel="page")
    data = written(result)
    bank_file = BankFile.objects.get()
    assert (bank_file.record_count, bank_file.total_amount, bank_file.created_by) == (3, TOTAL, maker)
    import hashlib

    assert bank_file.sha256 == hashlib.sha256(data).hexdigest()
    assert AuditEvent.objects.filter(action="write_bank_file", target_id=str(payroll.pk)).count() == 1
    access = RecordAccess.objects.get()
    assert access.actor == maker and "完整账号" in access.detail
    payroll.refresh_from_db()
    assert payroll.status == PayrollStatus.SENT
    # Lines keep their status until the bank answers; the payroll says they are at the bank.
    assert set(PayrollLine.objects.filter(payroll=payroll).values_list("status", flat=True)) == {"planned"}
    assert bank_file_summary(payroll)["sent"] == 3
    # The same file again, logged again, payroll stays sent.
    assert written(do_write_bank_file(maker, payroll, layout=layout())) == data
    assert BankFile.objects.count() == 2 and RecordAccess.objects.count() == 2


def test_not_approved_payroll_is_refused(regions, maker):
    payroll, _ = approved_payroll(regions, maker)
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.SUBMITTED)
    payroll.refresh_from_db()
    with pytest.raises(PaymentError, match="审批通过后"):
        do_write_bank_file(maker, payroll, layout=layout())


def test_lines_not_adding_up_to_the_payroll_refuse_the_file(regions, maker):
    payroll, _ = approved_payroll(regions, maker)
    Payroll.objects.filter(pk=payroll.pk).update(total_amount=Decimal("1420.49"))
    payroll.refresh_from_db()
    with pytest.raises(PaymentError, match="不符"):
        do_write_bank_file(maker, payroll, layout=layout())
    assert not BankFile.objects.exists() and not RecordAccess.objects.exists()


def test_a_payee_without_account_refuses_the_file(regions, maker):
    payroll, people = approved_payroll(regions, maker)
    PayrollLine.objects.filter(person=people[1]).update(bank_account="")
    with pytest.raises(
        PaymentError,
        match=r"1 笔明细无银行账号，如 李四 2025年3月 当月发放 620.50 元（明细编号 \d+）。已审批的名册不能修改",
    ):
        do_write_bank_file(maker, payroll, layout=layout())


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("foreign_county_reviewer", NotFound),
        ("township_officer", PermissionDenied),
        ("auditor", PermissionDenied),
    ],
)
def test_scope_and_role(regions, maker, users, who, error):
    payroll, _ = approved_payroll(regions, maker)
    with pytest.raises(error):
        do_write_bank_file(users[who], payroll, layout=layout())
    assert not BankFile.objects.exists()


def test_formula_like_name_is_neutralised(regions, maker):
    payroll, people = approved_payroll(regions, maker)
    PayrollLine.objects.filter(person=people[0]).update(account_holder="=HYPERLINK(1)")
    data = written(do_write_bank_file(maker, payroll, layout=layout())).decode("gbk")
    assert "'=HYPERLINK(1)" in data
    assert Person.objects.filter(pk=people[0].pk).exists()
