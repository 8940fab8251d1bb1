"""The disbursement pages: bank file download, return upload, register links, layouts, flags; scope."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from doudi.payments.bankfiles.models import AccountFlag, BankLayout
from doudi.payments.models import Payroll, PayrollLine, PayrollStatus
from doudi.payments.tests.bankfiles.helpers import approved_payroll, layout

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_download_bank_file_and_import_returns_through_the_pages(regions, maker):
    payroll, (_zhang, li, _wang) = approved_payroll(regions, maker)
    client = client_of(maker)
    page = client.get(reverse("payments:payroll_disbursement", args=[payroll.pk]))
    assert page.status_code == 200 and "生成并下载银行文件" in page.content.decode()
    answer = client.post(reverse("payments:payroll_bank_file", args=[payroll.pk]), {"layout": layout().pk})
    assert answer.status_code == 200 and answer["Content-Type"] == "text/csv"
    assert "attachment" in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("gbk"))))
    assert rows[0] == ["合计笔数", "3", "合计金额", "1420.50"]
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.SENT
    lines = "".join(
        f"{r[6]},{r[1]},{r[2]},{r[3]},{'失败' if r[2] == '李四' else '成功'},账户冻结\r\n" for r in rows[1:]
    )
    upload = io.BytesIO(("业务参考号,账号,户名,金额,处理结果,失败原因\r\n" + lines).encode("gbk"))
    upload.name = "回盘.csv"
    answer = client.post(reverse("payments:payroll_returns", args=[payroll.pk]), {"file": upload}, follow=True)
    text = answer.content.decode()
    assert "成功 2 笔，失败 1 笔" in text
    assert "账户冻结" in text  # the failed line with its reason
    assert PayrollLine.objects.get(person=li).status == "failed"
    flags = client.get(reverse("payments:account_flags")).content.decode()
    assert "李四" in flags and "待更正" in flags and li.bank_account not in flags


def test_a_bad_return_file_shows_its_reasons(regions, maker):
    payroll, _ = approved_payroll(regions, maker)
    client = client_of(maker)
    client.post(reverse("payments:payroll_bank_file", args=[payroll.pk]), {"layout": layout().pk})
    upload = io.BytesIO("业务参考号,金额,处理结果\r\nP999-1,10,成功\r\n".encode())
    upload.name = "回盘.csv"
    text = client.post(reverse("payments:payroll_returns", args=[payroll.pk]), {"file": upload}, follow=True)
    text = text.content.decode()
    assert "属于另一发放名册" in text and "未作任何更改" in text


def test_register_links_answer_pdf_and_xlsx(regions, maker):
    payroll, _ = approved_payroll(regions, maker)
    client = client_of(maker)
    pdf = client.get(reverse("payments:payroll_register_pdf", args=[payroll.pk]), {"village": regions["lixin"].code})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("payments:payroll_register_xlsx", args=[payroll.pk]))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content).startswith(b"PK")


@pytest.mark.parametrize("name", ["payroll_disbursement", "payroll_register_pdf", "payroll_register_xlsx"])
def test_another_county_gets_404(regions, maker, users, name):
    payroll, _ = approved_payroll(regions, maker)
    assert (
        client_of(users["foreign_county_reviewer"]).get(reverse(f"payments:{name}", args=[payroll.pk])).status_code
        == 404
    )


def test_bank_file_refused_to_another_county_and_to_roles_without_payroll(regions, maker, users):
    payroll, _ = approved_payroll(regions, maker)
    url = reverse("payments:payroll_bank_file", args=[payroll.pk])
    assert client_of(users["foreign_county_reviewer"]).post(url, {"layout": layout().pk}).status_code == 404
    assert client_of(users["auditor"]).post(url, {"layout": layout().pk}).status_code in (403, 404)
    assert Payroll.objects.get(pk=payroll.pk).status == PayrollStatus.APPROVED


def test_layout_form_creates_a_county_layout(regions, maker):
    client = client_of(maker)
    assert client.get(reverse("payments:bank_layout_list")).status_code == 200
    data = {
        "name": "沅江农商行",
        "bank_name": "沅江农商银行",
        "file_format": "csv",
        "encoding": "utf-8",
        "header_line": "on",
        "totals_line": "last",
        "amount_unit": "fen",
        "active": "on",
        "field_1": "account",
        "title_1": "卡号",
        "field_2": "name",
        "field_3": "amount",
    }
    answer = client.post(reverse("payments:bank_layout_create"), {**data, "field_3": ""})
    assert "缺少金额" in answer.content.decode()
    answer = client.post(reverse("payments:bank_layout_create"), data)
    assert answer.status_code == 302
    created = BankLayout.objects.get(name="沅江农商行")
    assert created.region == regions["yuanjiang"] and created.titles == ["卡号", "户名", "金额"]
    # The county may not change a province-wide layout.
    assert client.get(reverse("payments:bank_layout_edit", args=[layout().pk])).status_code == 403


def test_flag_cleared_on_the_page(regions, maker):
    test_download_bank_file_and_import_returns_through_the_pages(regions, maker)
    flag = AccountFlag.objects.get()
    client = client_of(maker)
    client.post(reverse("payments:account_flag_clear", args=[flag.pk]), {"reason": "银行已解冻"})
    flag.refresh_from_db()
    assert flag.clear_reason == "银行已解冻" and not flag.is_open


def test_household_page_flags_the_refused_account_until_corrected(regions, maker):
    test_download_bank_file_and_import_returns_through_the_pages(regions, maker)
    flag = AccountFlag.objects.get()
    client = client_of(maker)
    page = client.get(reverse("registry:household_detail", args=[flag.household_id])).content.decode()
    assert "银行账户异常" in page and "请更正银行账号" in page and flag.bank_account not in page
    from doudi.registry.models import Person

    Person.objects.filter(pk=flag.person_id).update(bank_account="6228480000000000009")
    page = client.get(reverse("registry:household_detail", args=[flag.household_id])).content.decode()
    assert "已更正账号，失败的金额将在下月发放名册中自动重发" in page
