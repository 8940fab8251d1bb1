"""Bank return files: failures marked and flagged, re-issued once the account is corrected; bad files refused."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from doudi.audit.models import AuditEvent
from doudi.core.errors import NotFound, PermissionDenied
from doudi.core.spreadsheets import xlsx_stream
from doudi.payments.bankfiles.models import AccountFlag, ReturnImport
from doudi.payments.bankfiles.services import do_write_bank_file
from doudi.payments.errors import PaymentError
from doudi.payments.models import LineKind, LineStatus, PayrollLine, PayrollStatus
from doudi.payments.returns.services import do_clear_account_flag, import_return_file
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.bankfiles.helpers import approve, approved_payroll, layout
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db

HEADER = "业务参考号,账号,户名,金额,处理结果,失败原因\r\n"


def sent_payroll(regions, maker):
    payroll, people = approved_payroll(regions, maker)
    do_write_bank_file(maker, payroll, layout=layout()).handle.close()
    payroll.refresh_from_db()
    return payroll, people


def line(payroll, person, result="成功", reason="", *, amount=None, ref=None):
    first = PayrollLine.objects.filter(payroll=payroll, person=person).first()
    amount = amount if amount is not None else first.amount
    ref = ref or f"P{payroll.pk}-{person.pk}"
    return f"{ref},{first.bank_account},{first.account_holder},{amount},{result},{reason}\r\n"


def csv_file(*lines, totals=None, encoding="gbk") -> bytes:
    text = HEADER + "".join(lines)
    if totals:
        text += f"合计笔数,{totals[0]},合计金额,{totals[1]}\r\n"
    return text.encode(encoding)


def test_failures_are_marked_flagged_and_the_payroll_closed(regions, maker):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    data = csv_file(
        line(payroll, zhang),
        line(payroll, li, "失败", "账户已销户"),
        line(payroll, wang, "失败", "户名与账号不符"),
        totals=(3, "1420.50"),
    )
    result = import_return_file(maker, name="回盘.csv", data=data)
    assert result.created and result.payroll.status == PayrollStatus.CLOSED
    record = ReturnImport.objects.get()
    assert (record.paid_count, record.failed_count, record.failed_amount) == (1, 2, Decimal("920.50"))
    statuses = dict(PayrollLine.objects.filter(payroll=payroll).values_list("person_id", "status"))
    assert statuses == {zhang.pk: "paid", li.pk: "failed", wang.pk: "failed"}
    li_line = PayrollLine.objects.get(payroll=payroll, person=li)
    assert li_line.failure_reason == "账户已销户"
    assert PayrollLine.objects.get(person=wang).failure_reason == "户名与账号不符"
    flags = {f.person_id: f for f in AccountFlag.objects.all()}
    assert set(flags) == {li.pk, wang.pk}
    assert flags[li.pk].reason_code == "closed" and flags[li.pk].bank_account == li_line.bank_account
    assert flags[wang.pk].reason_code == "name_mismatch" and flags[wang.pk].is_open
    assert AuditEvent.objects.filter(action="import_bank_returns").count() == 1


def test_reason_words_of_banks(regions, maker):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    data = csv_file(
        line(payroll, zhang, "失败", "账户冻结"),
        line(payroll, li, "入账失败", "卡已挂失止付"),
        line(payroll, wang, "失败", "系统繁忙"),
        encoding="utf-8",
    )
    import_return_file(maker, name="回盘.csv", data=data)
    by_person = dict(AccountFlag.objects.values_list("person_id", "reason_code"))
    assert by_person == {zhang.pk: "frozen", li.pk: "dormant", wang.pk: "other"}
    assert PayrollLine.objects.get(person=wang).failure_reason == "其他原因（银行：系统繁忙）"


def test_failed_amount_is_reissued_in_a_later_payroll_once_the_account_is_corrected(regions, maker):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    import_return_file(
        maker,
        name="回盘.csv",
        data=csv_file(line(payroll, zhang), line(payroll, li, "失败", "销户"), line(payroll, wang)),
    )
    # April: account not corrected yet, nothing re-issued.
    april = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 4, 1), run_checks=False)
    assert not april.lines.filter(kind=LineKind.REISSUE).exists()
    Person.objects.filter(pk=li.pk).update(bank_account="6228480000000000001")
    april = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 4, 1), run_checks=False)
    reissue = april.lines.get(kind=LineKind.REISSUE)
    failed = PayrollLine.objects.get(payroll=payroll, person=li)
    assert (reissue.person_id, reissue.month_covered, reissue.amount, reissue.reissue_of_id) == (
        li.pk,
        date(2025, 3, 1),
        Decimal("620.50"),
        failed.pk,
    )
    assert reissue.bank_account == "6228480000000000001"
    # The re-issue is in April's bank file, with the new account.
    approve(april)
    data = do_write_bank_file(maker, april, layout=layout()).handle.read().decode("gbk")
    assert "6228480000000000001" in data and "1241.00" in data  # April's 620.50 and March's re-issued


def test_failed_amount_is_reissued_once_after_the_account_is_restored(regions, maker):
    """Frozen, then 账户已恢复: the same account is paid the failed month in the next payroll, once."""
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    import_return_file(
        maker,
        name="回盘.csv",
        data=csv_file(line(payroll, zhang), line(payroll, li, "失败", "账户冻结"), line(payroll, wang)),
    )
    failed = PayrollLine.objects.get(payroll=payroll, person=li)
    flag = AccountFlag.objects.get(person=li)
    assert failed.status == LineStatus.FAILED and flag.is_open

    def april():
        return generate_payroll(
            maker, region_code="430981", programme="dibao", month=date(2025, 4, 1), run_checks=False
        )

    # Flag still open: the account does not work, nothing re-issued.
    assert not april().lines.filter(kind=LineKind.REISSUE).exists()
    do_clear_account_flag(maker, flag, reason="银行已解冻，原账户恢复使用")
    li.refresh_from_db()
    assert li.bank_account == failed.bank_account  # the same account
    generated = april()
    reissue = generated.lines.get(kind=LineKind.REISSUE)
    assert (reissue.person_id, reissue.month_covered, reissue.amount, reissue.reissue_of_id) == (
        li.pk,
        date(2025, 3, 1),
        Decimal("620.50"),
        failed.pk,
    )
    assert reissue.bank_account == failed.bank_account
    assert generated.reissue_amount == Decimal("620.50")
    # Regenerating the draft: still one re-issue line.
    again = april()
    assert again.lines.filter(kind=LineKind.REISSUE).count() == 1
    assert PayrollLine.objects.filter(reissue_of=failed).count() == 1
    # Once April is approved, May does not pay March's failed amount again.
    approve(again)
    may = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 5, 1), run_checks=False)
    assert not may.lines.filter(kind=LineKind.REISSUE).exists()
    assert PayrollLine.objects.filter(reissue_of=failed).count() == 1


def test_a_flag_of_another_account_does_not_reissue(regions, maker):
    """Restored, then the person's account changed back to an empty one: nothing re-issued."""
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    import_return_file(
        maker,
        name="回盘.csv",
        data=csv_file(line(payroll, zhang), line(payroll, li, "失败", "账户冻结"), line(payroll, wang)),
    )
    do_clear_account_flag(maker, AccountFlag.objects.get(person=li), reason="银行已解冻")
    Person.objects.filter(pk=li.pk).update(bank_account="")
    april = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 4, 1), run_checks=False)
    assert not april.lines.filter(kind=LineKind.REISSUE).exists()


def test_same_file_again_changes_nothing(regions, maker):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    data = csv_file(line(payroll, zhang), line(payroll, li, "失败", "销户"), line(payroll, wang))
    import_return_file(maker, name="回盘.csv", data=data)
    again = import_return_file(maker, name="回盘（再次）.csv", data=data)
    assert not again.created
    assert ReturnImport.objects.count() == 1 and AccountFlag.objects.count() == 1
    assert AuditEvent.objects.filter(action="import_bank_returns").count() == 1
    # The same answers in XLSX: nothing new either; a contradicting file is refused.
    rows = [HEADER.strip().split(",")] + [
        r.strip().split(",") for r in (line(payroll, zhang), line(payroll, li, "失败", "销户"), line(payroll, wang))
    ]
    book = io.BytesIO()
    xlsx_stream(book, rows)
    assert not import_return_file(maker, name="回盘.xlsx", data=book.getvalue()).created
    contradicting = csv_file(
        line(payroll, zhang, "失败", "冻结"), line(payroll, li, "失败", "销户"), line(payroll, wang)
    )
    with pytest.raises(PaymentError, match="已记为已发放"):
        import_return_file(maker, name="回盘2.csv", data=contradicting)


def _snapshot(payroll):
    payroll.refresh_from_db()
    return (
        payroll.status,
        payroll.version,
        sorted(PayrollLine.objects.filter(payroll=payroll).values_list("id", "status", "failure_reason")),
        AccountFlag.objects.count(),
        ReturnImport.objects.count(),
    )


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown_reference", "没有这笔记录"),
        ("other_payroll", "属于另一发放名册"),
        ("totals", "汇总行"),
        ("amount", "金额：999.00 元"),
        ("missing", "缺少银行文件中的 1 笔记录"),
        ("duplicate", "重复"),
        ("garbage_reference", "不是本系统银行文件中的参考号"),
        ("result", "处理结果"),
        ("account", "账号：与银行文件"),
        ("no_header", "缺少列"),
    ],
)
def test_bad_return_file_is_refused_with_reasons_and_nothing_changed(regions, maker, case, expected):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    good = [line(payroll, zhang), line(payroll, li, "失败", "销户"), line(payroll, wang)]
    totals = None
    if case == "unknown_reference":
        good.append(line(payroll, wang, ref=f"P{payroll.pk}-999999"))
    elif case == "other_payroll":
        good[0] = line(payroll, zhang, ref=f"P{payroll.pk + 1000}-{zhang.pk}")
    elif case == "totals":
        totals = (3, "1420.00")
    elif case == "amount":
        good[0] = line(payroll, zhang, amount="999.00")
    elif case == "missing":
        good.pop()
    elif case == "duplicate":
        good.append(good[0])
    elif case == "garbage_reference":
        good[0] = line(payroll, zhang, ref="=cmd|' /C calc'!A0")
    elif case == "result":
        good[0] = line(payroll, zhang, result="处理中")
    elif case == "account":
        good[0] = good[0].replace(PayrollLine.objects.filter(person=zhang).first().bank_account, "6200000000000000000")
    before = _snapshot(payroll)
    data = csv_file(*good, totals=totals)
    if case == "no_header":
        data = "".join(good).encode("gbk")
    with pytest.raises(PaymentError) as caught:
        import_return_file(maker, name="回盘.csv", data=data, payroll=payroll)
    assert expected in caught.value.message, caught.value.message
    assert "未作任何更改" in caught.value.message
    assert _snapshot(payroll) == before


def test_return_file_of_a_payroll_not_sent_is_refused(regions, maker):
    payroll, (zhang, _li, _wang) = approved_payroll(regions, maker)
    with pytest.raises(PaymentError, match="尚未生成银行文件"):
        import_return_file(maker, name="回盘.csv", data=csv_file(line(payroll, zhang)))


@pytest.mark.parametrize(
    ("who", "error"), [("foreign_county_reviewer", NotFound), ("village_worker", PermissionDenied)]
)
def test_scope(regions, maker, users, who, error):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    data = csv_file(line(payroll, zhang), line(payroll, li), line(payroll, wang))
    with pytest.raises(error):
        import_return_file(users[who], name="回盘.csv", data=data)
    assert not ReturnImport.objects.exists()


def test_flag_cleared_by_hand_needs_a_reason(regions, maker):
    payroll, (zhang, li, wang) = sent_payroll(regions, maker)
    import_return_file(
        maker,
        name="回盘.csv",
        data=csv_file(line(payroll, zhang), line(payroll, li, "失败", "冻结"), line(payroll, wang)),
    )
    flag = AccountFlag.objects.get()
    with pytest.raises(PaymentError, match="不能为空"):
        do_clear_account_flag(maker, flag, reason=" ")
    flag = do_clear_account_flag(maker, flag, reason="银行已解冻")
    assert not flag.is_open and flag.cleared_by == maker
    assert AuditEvent.objects.filter(action="clear_account_flag").count() == 1
    assert PayrollLine.objects.get(person=li).status == LineStatus.FAILED
