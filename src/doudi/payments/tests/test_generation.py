"""Payroll generation: amounts month by month, arrears, re-issues, recoveries, idempotence, the constraint."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from doudi.cases.models import EnrolmentStatus
from doudi.cases.services.enrolment import change_amount, end_enrolment
from doudi.payments.models import LineKind, Payroll, PayrollLine, PayrollStatus, Recovery
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.conftest import enrol, payee

pytestmark = pytest.mark.django_db

M = [date(2025, m, 1) for m in range(1, 13)]


def gen(actor, month, programme="dibao"):
    return generate_payroll(actor, region_code="430981", programme=programme, month=month, run_checks=False)


def lock(payroll):
    """Approve a payroll directly (the approval service is tested elsewhere) and mark its lines paid."""
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.APPROVED)
    PayrollLine.objects.filter(payroll=payroll).update(status="paid")


def amounts(person, programme="dibao"):
    rows = PayrollLine.objects.filter(person=person, programme=programme).exclude(status__in=["failed", "cancelled"])
    out: dict[str, Decimal] = {}
    for month, amount in rows.values_list("month_covered", "amount"):
        out[month.strftime("%m")] = out.get(month.strftime("%m"), Decimal(0)) + amount
    return {k: str(v) for k, v in sorted(out.items())}


def test_amounts_month_by_month_through_start_change_phase_out_suspension_and_end(regions, maker):
    person = payee(regions["lixin"], maker)
    e = enrol(person, start=M[1], amount="500")  # from February
    change_amount(None, e, from_month=M[3], monthly_amount=Decimal("620"), reason="上调")  # April
    change_amount(None, e, from_month=M[5], monthly_amount=Decimal("300"), reason="渐退", status="phasing_out")
    e.changes.create(effective_month=M[6], monthly_amount=Decimal("150"), status="phasing_out", reason="渐退")
    e.changes.create(effective_month=M[7], monthly_amount=Decimal("0"), status="suspended", reason="暂停")
    e.changes.create(effective_month=M[8], monthly_amount=Decimal("150"), status="phasing_out", reason="恢复")
    end_enrolment(None, e, last_month=M[9], reason="渐退期满")  # last paid October
    for month in M:
        lock(gen(maker, month))
    assert amounts(person) == {
        "02": "500.00",
        "03": "500.00",
        "04": "620.00",
        "05": "620.00",
        "06": "300.00",
        "07": "150.00",
        "09": "150.00",
        "10": "150.00",
    }
    assert set(PayrollLine.objects.values_list("kind", flat=True)) == {"normal"}
    assert Recovery.objects.count() == 0


def test_line_snapshots_enrolment_and_account(regions, maker):
    person = payee(regions["lixin"], maker)
    e = enrol(person, start=M[0])
    payroll = gen(maker, M[0])
    line = payroll.lines.get()
    assert (line.enrolment_id, line.household_id, line.region_id, line.month_covered) == (
        e.pk,
        person.household_id,
        regions["lixin"].code,
        M[0],
    )
    assert (line.bank_account, line.account_holder, line.kind, line.basis) == (
        person.bank_account,
        "张三",
        "normal",
        "",
    )
    assert (payroll.line_count, payroll.total_amount, payroll.household_count) == (1, Decimal("500.00"), 1)


def test_only_the_county_and_programme(regions, maker, users):
    here = payee(regions["lixin"], maker)
    enrol(here, start=M[0])
    enrol(here, "disability_living_subsidy", start=M[0], amount="90")
    other = payee(regions["ziyang_village"], users["administrator"], name="李四")
    enrol(other, start=M[0])
    payroll = gen(maker, M[0])
    assert list(payroll.lines.values_list("person_id", "amount")) == [(here.pk, Decimal("500.00"))]


def test_regeneration_gives_the_same_lines(regions, maker):
    for i in range(3):
        enrol(payee(regions["lixin"], maker, name="王" + "一二三"[i]), start=M[0], amount=str(400 + i))
    first = gen(maker, M[0])
    cols = ("enrolment_id", "person_id", "month_covered", "kind", "basis", "amount", "bank_account")
    before = sorted(first.lines.values_list(*cols))
    again = gen(maker, M[0])
    assert again.pk == first.pk and again.version > first.version
    assert sorted(again.lines.values_list(*cols)) == before
    assert again.line_count == 3 and again.total_amount == Decimal("1203.00")


def test_late_decision_pays_arrears_one_line_per_month(regions, maker):
    enrol(payee(regions["lixin"], maker, name="早"), start=M[0])
    lock(gen(maker, M[0]))  # go-live January
    lock(gen(maker, M[1]))
    late = payee(regions["lixin"], maker, name="晚")
    enrol(late, start=M[0], amount="480")  # decided in March, owed from January
    payroll = gen(maker, M[2])
    rows = sorted(payroll.lines.filter(person=late).values_list("month_covered", "kind", "basis", "amount"))
    assert rows == [
        (M[0], "arrears", "", Decimal("480.00")),
        (M[1], "arrears", "", Decimal("480.00")),
        (M[2], "normal", "", Decimal("480.00")),
    ]
    assert payroll.arrears_amount == Decimal("960.00")
    lock(payroll)
    assert gen(maker, M[3]).lines.filter(person=late, kind="arrears").count() == 0  # paid once


def test_upward_correction_pays_the_difference(regions, maker):
    person = payee(regions["lixin"], maker)
    e = enrol(person, start=M[0], amount="500")
    lock(gen(maker, M[0]))
    lock(gen(maker, M[1]))
    change = change_amount(None, e, from_month=M[1], monthly_amount=Decimal("560"), reason="更正收入，上调")
    payroll = gen(maker, M[2])
    rows = sorted(payroll.lines.filter(person=person).values_list("month_covered", "kind", "basis", "amount"))
    assert rows == [(M[1], "arrears", f"change:{change.pk}", Decimal("60.00")), (M[2], "normal", "", Decimal("560.00"))]
    assert amounts(person) == {"01": "500.00", "02": "560.00", "03": "560.00"}


def test_retroactive_end_becomes_a_recovery(regions, maker):
    person = payee(regions["lixin"], maker)
    e = enrol(person, start=M[0], amount="500")
    for month in M[:3]:
        lock(gen(maker, month))
    end_enrolment(None, e, last_month=M[0], reason="核实收入超标，1月后停发")
    payroll = gen(maker, M[3])
    assert payroll.lines.filter(person=person).count() == 0
    recovery = Recovery.objects.get()
    assert (recovery.reason, recovery.months, recovery.amount) == ("ended", ["2025-02", "2025-03"], Decimal("1000.00"))
    gen(maker, M[3])
    assert Recovery.objects.count() == 1  # idempotent


def test_failed_line_is_reissued_once_the_account_is_corrected(regions, maker):
    person = payee(regions["lixin"], maker)
    enrol(person, start=M[0])
    january = gen(maker, M[0])
    lock(january)
    PayrollLine.objects.filter(payroll=january).update(status="failed", failure_reason="账户已销户")
    february = gen(maker, M[1])
    assert february.lines.filter(kind="reissue").count() == 0  # same account: not yet
    type(person).objects.filter(pk=person.pk).update(bank_account="6217999900001111")
    february = gen(maker, M[1])
    reissue = february.lines.get(kind=LineKind.REISSUE)
    failed = january.lines.get()
    assert (reissue.month_covered, reissue.amount, reissue.reissue_of_id) == (M[0], Decimal("500.00"), failed.pk)
    assert reissue.bank_account == "6217999900001111"
    assert february.reissue_amount == Decimal("500.00")
    assert february.lines.filter(kind="arrears").count() == 0


def test_database_refuses_paying_a_month_twice(regions, maker):
    person = payee(regions["lixin"], maker)
    enrol(person, start=M[0])
    payroll = gen(maker, M[0])
    line = payroll.lines.get()
    other = Payroll.objects.create(region=payroll.region, programme="dibao", month=M[1], maker=maker)
    line.pk = None
    line.payroll = other
    line.kind = "arrears"
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
    line.status = "failed"  # a failed line holds no slot
    line.save()


def test_suspended_and_ended_pay_nothing(regions, maker):
    a = payee(regions["lixin"], maker, name="甲")
    e = enrol(a, start=M[0])
    e.changes.create(effective_month=M[1], monthly_amount=0, status="suspended", reason="暂停")
    b = payee(regions["lixin"], maker, name="乙")
    eb = enrol(b, start=M[0])
    end_enrolment(None, eb, last_month=M[0], reason="停发")
    assert eb.status == EnrolmentStatus.ENDED
    assert gen(maker, M[1]).lines.count() == 0


def test_audit_text_writes_the_total_with_thousands_separators(regions, maker):
    from doudi.audit.models import AuditEvent

    for name, amount in (("张三", "1200"), ("李四", "1315.15")):
        enrol(payee(regions["lixin"], maker, name=name), start=M[0], amount=amount)
    gen(maker, M[2])
    event = AuditEvent.objects.filter(action="generate_payroll").latest("id")
    assert event.reason == "2 笔，合计 2,515.15"
