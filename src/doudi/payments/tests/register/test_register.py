"""The printed register: PDF text per village, XLSX content, masking by role, scope."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.errors import NotFound
from doudi.core.masking import mask_bank_account, mask_id_number
from doudi.payments.register.selectors import register_payroll_get
from doudi.payments.register.services import do_print_register
from doudi.payments.tests.bankfiles.helpers import approved_payroll

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed: scripts/setup --test"
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def test_pdf_of_one_village_for_signing(regions, maker, users):
    payroll, (zhang, _li, _wang) = approved_payroll(regions, maker)
    worker = users["village_worker"]  # 立新村: masked identifiers
    printed = do_print_register(worker, payroll, village=regions["lixin"].code, fmt="pdf")
    text = pdf_text(printed.content)
    assert "沅江市2025年3月最低生活保障发放名册" in text
    assert "草尾镇 立新村" in text and "共 2 人" in text and "1,120.50" in text
    assert "张三" in text and "李四" in text and "王五" not in text
    assert mask_id_number(zhang.id_number) in text and zhang.id_number not in text
    assert mask_bank_account(zhang.bank_account) in text and zhang.bank_account not in text
    assert "领取人签字" in text and "村（居）委会经办人（签字）" in text
    assert "已部分隐藏" in text
    assert not RecordAccess.objects.exists()
    assert AuditEvent.objects.filter(action="print_payroll_register").count() == 1


def test_register_is_masked_even_for_a_role_that_exports_unmasked(regions, maker):
    """The village sees the signing sheet: the county reviewer (unmasked exports) gets it masked too."""
    payroll, (zhang, _li, wang) = approved_payroll(regions, maker)
    assert maker.can("export_unmasked")
    text = pdf_text(do_print_register(maker, payroll, village=None, fmt="pdf").content)
    assert "韩家汊社区" in text and "立新村" in text
    for person in (zhang, wang):
        assert person.id_number not in text and person.bank_account not in text
        assert mask_id_number(person.id_number) in text and mask_bank_account(person.bank_account) in text
    assert "已部分隐藏" in text
    printed = do_print_register(maker, payroll, village=None, fmt="xlsx")
    rows = [list(r) for r in load_workbook(io.BytesIO(printed.handle.read())).active.iter_rows(values_only=True)]
    cells = {str(c) for r in rows for c in r if c is not None}
    by_name = {r[3]: r for r in rows[2:]}
    for person in (zhang, wang):
        assert person.id_number not in cells and person.bank_account not in cells
        assert by_name[person.name][4] == mask_id_number(person.id_number)
        assert by_name[person.name][6] == mask_bank_account(person.bank_account)
    assert not RecordAccess.objects.exists()


def test_xlsx_of_the_county_has_every_village_and_subtotals(regions, maker, users):
    payroll, (zhang, _li, _wang) = approved_payroll(regions, maker)
    printed = do_print_register(users["township_officer"], payroll, village=None, fmt="xlsx")
    rows = [list(r) for r in load_workbook(io.BytesIO(printed.handle.read())).active.iter_rows(values_only=True)]
    assert rows[0][0] == "沅江市2025年3月最低生活保障发放名册"
    assert rows[1][:4] == ["乡镇（街道）", "村（社区）", "序号", "领取人"]
    body = rows[2:]
    names = [r[3] for r in body]
    assert names == ["张三", "李四", "2 人"]  # 草尾镇's villages only: 韩家汊社区 is another township's
    assert body[0][4] == mask_id_number(zhang.id_number) and body[0][6] == mask_bank_account(zhang.bank_account)
    assert body[0][7] == 500 and body[-1][7] == 1120.5


def test_another_county_cannot_find_the_payroll(regions, maker, users):
    payroll, _ = approved_payroll(regions, maker)
    with pytest.raises(NotFound):
        register_payroll_get(actor=users["foreign_county_reviewer"], payroll_id=payroll.pk)
    assert register_payroll_get(actor=users["village_worker"], payroll_id=payroll.pk) == payroll
    with pytest.raises(NotFound):  # a village of another township
        do_print_register(users["village_worker"], payroll, village=regions["hanjiacha"].code, fmt="pdf")
