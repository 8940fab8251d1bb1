"""``payroll bankfile`` and ``payroll returns`` for a scheduled job, and the same through the API."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from doudi.payments.bankfiles.models import BankFile, ReturnImport
from doudi.payments.models import Payroll, PayrollLine, PayrollStatus
from doudi.payments.tests.bankfiles.helpers import approved_payroll

pytestmark = pytest.mark.django_db


def returns_for(rows, fail_name="李四") -> str:
    lines = "".join(f"{r[6]},{r[1]},{r[2]},{r[3]},{'失败' if r[2] == fail_name else '成功'},户名不符\r\n" for r in rows)
    return "业务参考号,账号,户名,金额,处理结果,失败原因\r\n" + lines


def test_commands_write_the_bank_file_and_import_the_returns(regions, maker, finance, tmp_path):
    payroll, _ = approved_payroll(regions, maker)
    target = tmp_path / "bank.csv"
    out = io.StringIO()
    call_command(
        "payroll", "bankfile", str(payroll.pk), "--layout", "农村商业银行（CSV）", "--output", str(target), stdout=out
    )
    assert "3 笔" in out.getvalue() and "1420.50 元" in out.getvalue()
    assert BankFile.objects.get().created_by == finance  # the county's finance officer by default
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("gbk"))))[1:]
    back = tmp_path / "回盘.csv"
    back.write_bytes(returns_for(rows).encode("gbk"))
    out = io.StringIO()
    call_command("payroll", "returns", str(back), stdout=out)
    assert "成功 2 笔，失败 1 笔" in out.getvalue() and "已对账" in out.getvalue()
    out = io.StringIO()
    call_command("payroll", "returns", str(back), stdout=out)
    assert "未作更改" in out.getvalue()
    with pytest.raises(CommandError, match="银行文件格式不存在"):
        call_command("payroll", "bankfile", str(payroll.pk), "--layout", "没有的格式", stdout=io.StringIO())


def test_api_bank_file_returns_and_register(regions, maker, users):
    payroll, _ = approved_payroll(regions, maker)
    client = APIClient()
    client.force_authenticate(maker)
    answer = client.post(
        f"/api/payments/payrolls/{payroll.pk}/bank-file/", {"layout": "邮储银行（XLSX）"}, format="json"
    )
    assert answer.status_code == 200 and answer["X-Record-Count"] == "3" and answer["X-Total-Amount"] == "1420.50"
    assert b"".join(answer.streaming_content).startswith(b"PK")
    lines = PayrollLine.objects.filter(payroll=payroll).select_related("person")
    rows = [
        [0, x.bank_account, x.account_holder, f"{x.amount:.2f}", 0, 0, f"P{payroll.pk}-{x.person_id}"] for x in lines
    ]
    upload = io.BytesIO(returns_for(rows).encode("utf-8"))
    upload.name = "回盘.csv"
    answer = client.post(f"/api/payments/payrolls/{payroll.pk}/returns/", {"file": upload}, format="multipart")
    assert answer.status_code == 201, answer.content
    assert answer.json()["failed_count"] == 1 and answer.json()["payroll_status"] == "closed"
    bad = io.BytesIO(b"\xe4\xb8\x9a\xe5\x8a\xa1\xe5\x8f\x82\xe8\x80\x83\xe5\x8f\xb7,amount\r\n")
    bad.name = "bad.csv"
    answer = client.post("/api/payments/returns/", {"file": bad}, format="multipart")
    assert answer.status_code == 400 and "缺少列" in answer.json()["message"]
    assert ReturnImport.objects.count() == 1
    answer = client.get(f"/api/payments/payrolls/{payroll.pk}/register/", {"type": "pdf"})
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    foreign = APIClient()
    foreign.force_authenticate(users["foreign_county_reviewer"])
    answer = foreign.post(
        f"/api/payments/payrolls/{payroll.pk}/bank-file/", {"layout": "邮储银行（XLSX）"}, format="json"
    )
    assert answer.status_code == 404
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.CLOSED
