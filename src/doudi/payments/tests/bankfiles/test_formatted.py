"""PostgreSQL formats a bank file's records (``bankfiles.formatted``) byte for byte as the Python writer does.

On PostgreSQL, ``do_write_bank_file`` takes the formatted path; SQLite keeps the Python one. Both
are run here on the same payroll, with names, accounts and banks a spreadsheet would run as a
formula, text CSV must quote, markup and control characters XML cannot hold, in every layout option.
"""

from __future__ import annotations

import io
import zipfile
from contextlib import closing
from decimal import Decimal

import pytest
from django.db import transaction

from doudi.payments.bankfiles.formatted import Tally, formatted_blocks
from doudi.payments.bankfiles.models import BankField, BankLayout
from doudi.payments.bankfiles.selectors import bank_records
from doudi.payments.bankfiles.writer import Layout, write_bank_file, write_formatted_bank_file
from doudi.payments.errors import PaymentError
from doudi.payments.models import PayrollLine
from doudi.payments.tests.bankfiles.helpers import approved_payroll
from doudi.registry.models import Person

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only,  # the records are formatted by PostgreSQL
]

NAMES = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二", "陈三", "褚四")
HOLDERS = [
    '=HYPERLINK("http://evil.example","点击")',
    "+1+1",
    "-120.50",  # a plain number: written as it is
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "甲,乙",
    '说"好"',
    "第一行\n第二行",
    "A&B<c>d",
    "控制\x01符\x1f",
    "",  # no holder: the person's name
]
ALL_FIELDS = [f.value for f in BankField]


def _both(layout: Layout, payroll) -> tuple[bytes, bytes]:
    count = len(HOLDERS)
    total = payroll.total_amount
    python, formatted = io.BytesIO(), io.BytesIO()
    with transaction.atomic():
        written = write_bank_file(python, layout, bank_records([payroll.pk]), count=count, total=total)
        tally = Tally()
        with closing(formatted_blocks(layout, [payroll.pk], tally, chunk_size=5)) as blocks:
            written2 = write_formatted_bank_file(formatted, layout, blocks, tally, count=count, total=total)
    assert (written.count, written.total) == (written2.count, written2.total) == (count, total)
    return python.getvalue(), formatted.getvalue()


def _sheet(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


@pytest.fixture
def hostile_payroll(regions, maker):
    amounts = [str(Decimal("300.05") + i) for i in range(len(NAMES))]
    payroll, people = approved_payroll(regions, maker, names=NAMES, amounts=amounts)
    for person, holder in zip(people, HOLDERS, strict=True):
        PayrollLine.objects.filter(payroll=payroll, person=person).update(account_holder=holder)
    PayrollLine.objects.filter(payroll=payroll, person=people[0]).update(bank_account="-62170001", bank_name="=银行")
    PayrollLine.objects.filter(payroll=payroll, person=people[1]).update(bank_account="+86,1", bank_name='"银"')
    Person.objects.filter(pk=people[2].pk).update(id_number="")
    return payroll


@pytest.mark.parametrize(
    ("file_format", "encoding", "header", "totals", "unit", "fields"),
    [
        ("csv", "utf-8", True, "last", "yuan", ALL_FIELDS),
        ("csv", "utf-8", False, "first", "fen", ALL_FIELDS[::-1]),
        ("csv", "utf-8", True, "none", "yuan", ["name"]),
        ("csv", "utf-8", False, "none", "fen", ["amount"]),
        ("xlsx", "utf-8", True, "last", "yuan", ALL_FIELDS),
        ("xlsx", "utf-8", False, "first", "fen", ALL_FIELDS[::-1]),
        ("xlsx", "utf-8", True, "none", "yuan", ["name", "reference"]),
    ],
)
def test_the_database_writes_the_bytes_python_writes(
    hostile_payroll, file_format, encoding, header, totals, unit, fields
):
    layout = Layout.of(
        BankLayout(
            name="对照格式",
            bank_name="测试银行",
            file_format=file_format,
            encoding=encoding,
            header_line=header,
            totals_line=totals,
            amount_unit=unit,
            columns=[{"field": f, "title": f"“{f}”,=列"} for f in fields],
        )
    )
    python, formatted = _both(layout, hostile_payroll)
    if file_format == "xlsx":
        python, formatted = _sheet(python), _sheet(formatted)
    assert formatted == python
    assert b"'=HYPERLINK" in formatted or fields == ["amount"]
    if file_format == "xlsx":
        assert b"\x01" not in formatted


def test_the_example_layouts_write_the_same_bytes(hostile_payroll):
    """The two layouts shipped (GBK CSV with the totals first; XLSX with header and totals last)."""
    for name in ("农村商业银行（CSV）", "邮储银行（XLSX）"):
        layout = Layout.of(BankLayout.objects.get(name=name))
        python, formatted = _both(layout, hostile_payroll)
        if layout.file_format == "xlsx":
            python, formatted = _sheet(python), _sheet(formatted)
        assert formatted == python


def test_records_that_do_not_add_up_are_refused(hostile_payroll):
    """The formatted path checks the records received and their sum, as the Python path does."""
    layout = Layout.of(BankLayout.objects.get(name="农村商业银行（CSV）"))
    for count, total in ((len(HOLDERS) + 1, hostile_payroll.total_amount), (len(HOLDERS), Decimal("1.00"))):
        with transaction.atomic(), pytest.raises(PaymentError, match="银行文件与发放名册不符"):
            tally = Tally()
            with closing(formatted_blocks(layout, [hostile_payroll.pk], tally)) as blocks:
                write_formatted_bank_file(io.BytesIO(), layout, blocks, tally, count=count, total=total)
