"""The disbursement pages, bank files, return messages and printed registers read in Chinese.

The crawl (``test_pages_in_chinese``) reads every routed page on the demo world; this test walks the
whole disbursement path on a payroll of its own, so that the pages after a bank file, after a return
file with failures and after a refused return file, the register PDF and XLSX, the bank file itself
and the layout pages are read as well.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from doudi.core.tests.labels.test_pages_in_chinese import document_text
from doudi.core.tests.labels.visible import problems_in
from doudi.payments.bankfiles.models import BankLayout
from doudi.payments.tests.bankfiles.helpers import approved_payroll

pytestmark = pytest.mark.django_db


def test_disbursement_path_reads_in_chinese(regions, users):
    maker = users["county_reviewer"]
    payroll, _ = approved_payroll(regions, maker)
    client = Client()
    client.force_login(maker)
    layout = BankLayout.objects.get(name="邮储银行（XLSX）")
    answers = [
        client.get(reverse("payments:payroll_disbursement", args=[payroll.pk])),
        client.get(reverse("payments:bank_layout_list")),
        client.get(reverse("payments:bank_layout_create")),
        client.post(reverse("payments:bank_layout_create"), {"name": "", "field_1": "account"}),
    ]
    bank_xlsx = client.post(reverse("payments:payroll_bank_file", args=[payroll.pk]), {"layout": layout.pk})
    answers.append(bank_xlsx)
    csv_layout = BankLayout.objects.get(name="农村商业银行（CSV）")
    bank_csv = client.post(reverse("payments:payroll_bank_file", args=[payroll.pk]), {"layout": csv_layout.pk})
    rows = list(csv.reader(io.StringIO(b"".join(bank_csv.streaming_content).decode("gbk"))))
    bad = io.BytesIO("业务参考号,金额,处理结果\r\nP1-1,1,处理中\r\n合计笔数,9,合计金额,1\r\n".encode())
    bad.name = "回盘.csv"
    answers.append(client.post(reverse("payments:payroll_returns", args=[payroll.pk]), {"file": bad}, follow=True))
    good = "业务参考号,账号,户名,金额,处理结果,失败原因\r\n" + "".join(
        f"{r[6]},{r[1]},{r[2]},{r[3]},{'失败,账户冻结' if r[2] == '李四' else '成功,'}\r\n" for r in rows[1:]
    )
    upload = io.BytesIO(good.encode("gbk"))
    upload.name = "回盘.csv"
    answers.append(client.post(reverse("payments:payroll_returns", args=[payroll.pk]), {"file": upload}, follow=True))
    answers += [
        client.get(reverse("payments:account_flags")),
        client.get(reverse("payments:payroll_register_pdf", args=[payroll.pk]), {"village": regions["lixin"].code}),
        client.get(reverse("payments:payroll_register_xlsx", args=[payroll.pk])),
        client.get(reverse("audit:event_list")) if _has("audit:event_list") else None,
    ]
    problems = []
    for answer in filter(None, answers):
        assert answer.status_code == 200, (answer.status_code, answer.request)
        text = document_text(answer)
        assert text, answer
        problems += problems_in(text, ignore=(maker.username, "回盘.csv"))
    assert not problems, "\n".join(sorted(set(problems)))


def _has(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
