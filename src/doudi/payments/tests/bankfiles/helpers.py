"""Shared steps of the disbursement tests: an approved payroll of a few payees, layouts by hand."""

from __future__ import annotations

from datetime import date

from doudi.payments.bankfiles.models import BankLayout
from doudi.payments.models import Payroll, PayrollStatus
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.conftest import enrol, payee

MONTH = date(2025, 3, 1)


def approved_payroll(regions, maker, *, names=("张三", "李四", "王五"), amounts=("500", "620.5", "300"), month=MONTH):
    """Return an approved 低保 payroll of 沅江市 for ``month`` paying each name its amount, and the payees."""
    people = []
    villages = [regions["lixin"], regions["lixin"], regions["hanjiacha"]]
    for i, (name, amount) in enumerate(zip(names, amounts, strict=True)):
        person = payee(villages[i % len(villages)], maker, name=name)
        enrol(person, start=date(2025, 1, 1), amount=amount)
        people.append(person)
    payroll = generate_payroll(maker, region_code="430981", programme="dibao", month=month, run_checks=False)
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.APPROVED)
    payroll.refresh_from_db()
    return payroll, people


def approve(payroll):
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.APPROVED)
    payroll.refresh_from_db()
    return payroll


def layout(name="农村商业银行（CSV）") -> BankLayout:
    return BankLayout.objects.get(name=name)
