"""Integrity checks (each with data that triggers it and data that must not), maker-checker, locking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases.models import RelativeDeclaration
from doudi.core.errors import DomainError, NotFound
from doudi.payments.models import FindingStatus, PayrollFinding, PayrollLine, PayrollStatus, Recovery
from doudi.payments.services import approval
from doudi.payments.services.generation import generate_payroll
from doudi.payments.services.recovery import do_settle_recovery, flag_paid_after_death
from doudi.payments.tests.conftest import enrol, payee
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)


def gen(actor, month=JAN, programme="dibao"):
    return generate_payroll(actor, region_code="430981", programme=programme, month=month)


def found(payroll):
    return sorted((f.check_code, f.subject) for f in PayrollFinding.objects.filter(payroll=payroll, status="open"))


def checks(payroll):
    return {c for c, _ in found(payroll)}


def approve(maker, finance, payroll):
    payroll = approval.do_submit(maker, payroll.pk)
    return approval.do_approve(finance, payroll.pk)


@pytest.fixture
def clean(regions, maker):
    """A payee of 立新村 with an account, enrolled in dibao from January: no finding at all."""
    person = payee(regions["lixin"], maker)
    enrol(person, start=JAN)
    return person


def test_clean_payroll_has_no_findings(clean, maker):
    assert found(gen(maker)) == []


def test_deceased(clean, maker):
    Person.objects.filter(pk=clean.pk).update(death_date=date(2025, 1, 20))
    assert found(gen(maker)) == []  # died in January: January is owed
    Person.objects.filter(pk=clean.pk).update(death_date=date(2024, 12, 31))
    assert found(gen(maker)) == [("deceased", f"person:{clean.pk}")]


def test_double_payment_same_programme(clean, maker):
    assert "double_payment" not in checks(gen(maker))
    from doudi.cases.models import Enrolment

    # The first enrolment was ended with a last month still ahead; a second one was opened meanwhile.
    Enrolment.objects.filter(person=clean).update(status="ended", end_month=date(2025, 6, 1))
    enrol(clean, start=JAN, amount="300")
    payroll = gen(maker)
    assert payroll.lines.count() == 1  # paid once, by the older enrolment
    assert found(payroll) == [("double_payment", f"person:{clean.pk}")]


def test_double_payment_household_programme(regions, maker):
    head = payee(regions["lixin"], maker, members=1)
    child = Person.objects.get(household=head.household, relation="child")
    Person.objects.filter(pk=child.pk).update(bank_account="62170000999990001")
    enrol(head, start=JAN)
    assert "double_payment" not in checks(gen(maker))
    enrol(Person.objects.get(pk=child.pk), start=JAN)
    assert ("double_payment", f"household:{head.household_id}") in found(gen(maker))


def test_exclusive_programmes(clean, maker):
    enrol(clean, "longevity_allowance", start=JAN, amount="100")  # compatible with dibao
    assert "exclusive_programmes" not in checks(gen(maker))
    enrol(clean, "extreme_poverty", start=JAN, amount="900")
    assert ("exclusive_programmes", f"person:{clean.pk}") in found(gen(maker))


def test_accounts(regions, maker, clean):
    assert checks(gen(maker)) == set()
    nobody = payee(regions["lixin"], maker, name="赵六", with_account=False)
    enrol(nobody, start=JAN)
    assert ("no_account", f"person:{nobody.pk}") in found(gen(maker))
    # The same account on a person of another household: holder not a member, and shared.
    stranger = payee(regions["shengtian"], maker, name="钱七", with_account=False)
    Person.objects.filter(pk=stranger.pk).update(bank_account=clean.bank_account)
    got = found(gen(maker))
    assert ("holder_not_member", f"person:{clean.pk}") in got
    assert not any(c == "shared_account" for c, _ in got)  # the stranger is not paid
    enrol(Person.objects.get(pk=stranger.pk), start=JAN)
    assert ("shared_account", f"account:{clean.bank_account}") in found(gen(maker))


def test_amount_range(regions, maker, published):  # noqa: F811
    ok = payee(regions["lixin"], maker, name="孙八")
    enrol(ok, start=JAN, amount="500")
    assert "amount_range" not in checks(gen(maker))
    big = payee(regions["lixin"], maker, name="周九")
    enrol(big, start=JAN, amount="50000")
    assert found(gen(maker)) == [("amount_range", f"person:{big.pk}")]


def test_worker_relative(regions, maker, clean, users):
    other = payee(regions["lixin"], maker, name="吴十")
    enrol(other, start=JAN)
    assert "worker_relative" not in checks(gen(maker))
    case = _case(clean, regions, users)
    RelativeDeclaration.objects.create(
        case=case, staff_name="李主任", staff_position="村委会主任", relation="兄弟", declared_on=JAN
    )
    assert found(gen(maker)) == [("worker_relative", f"household:{clean.household_id}")]


def _case(person, regions, users):
    from doudi.cases import services

    return services.do_open_application(users["village_worker"], person.household, today=date(2025, 1, 6))


def test_change_tolerance(clean, maker, finance):
    approve(maker, finance, gen(maker))
    from doudi.cases.models import Enrolment
    from doudi.cases.services.enrolment import change_amount

    e = Enrolment.objects.get(person=clean)
    change_amount(None, e, from_month=FEB, monthly_amount=Decimal("600"), reason="上调")  # +20%: within 30%
    assert "change_tolerance" not in checks(gen(maker, FEB))
    change_amount(None, e, from_month=FEB, monthly_amount=Decimal("800"), reason="上调")
    assert ("change_tolerance", f"person:{clean.pk}") in found(gen(maker, FEB))


def test_findings_must_be_handled_and_explanations_survive_regeneration(regions, maker, finance, clean):
    nobody = payee(regions["lixin"], maker, name="赵六", with_account=False)
    enrol(nobody, start=JAN)
    payroll = gen(maker)
    with pytest.raises(DomainError) as err:
        approval.do_submit(maker, payroll.pk)
    assert err.value.code == "open_findings"
    finding = PayrollFinding.objects.get(payroll=payroll)
    with pytest.raises(DomainError):
        approval.do_handle_finding(maker, finding.pk, how="held", explanation="  ")
    with pytest.raises(DomainError, match="请登记银行账号（一卡通）后重新生成名册，或选择“暂停发放”"):
        approval.do_handle_finding(maker, finding.pk, how="explained", explanation="本人已到信用社开户，下月补录")
    Person.objects.filter(pk=nobody.pk).update(bank_account="62170000777770001")
    payroll = gen(maker)
    assert PayrollFinding.objects.get(pk=finding.pk).status == FindingStatus.RESOLVED
    # An explanation (a kind paid as usual after verification) survives regeneration.
    from doudi.cases.models import Enrolment

    Enrolment.objects.filter(person=clean).update(status="ended", end_month=date(2025, 6, 1))
    enrol(clean, start=JAN, amount="300")
    payroll = gen(maker)
    double = PayrollFinding.objects.get(payroll=payroll, check_code="double_payment")
    approval.do_handle_finding(maker, double.pk, how="explained", explanation="已核实，多余的记录另行停发")
    payroll = gen(maker)
    assert PayrollFinding.objects.get(pk=double.pk).status == FindingStatus.EXPLAINED
    approve(maker, finance, payroll)


def test_maker_cannot_approve(clean, maker, regions):
    payroll = approval.do_submit(maker, gen(maker).pk)
    with pytest.raises(DomainError) as err:
        approval.do_approve(maker, payroll.pk)
    assert err.value.code == "permission_denied"  # a county reviewer has no APPROVE_PAYROLL
    both = UserFactory(role=Role.COUNTY_FINANCE, region=regions["yuanjiang"])
    payroll = approval.do_return(both, payroll.pk, reason="请核对")
    payroll = generate_payroll(both, region_code="430981", programme="dibao", month=JAN)
    payroll = approval.do_submit(both, payroll.pk)
    with pytest.raises(DomainError) as err:
        approval.do_approve(both, payroll.pk)  # the one who made it, though the role may approve
    assert err.value.code == "maker_cannot_approve"
    assert type(payroll).objects.get(pk=payroll.pk).status == PayrollStatus.SUBMITTED


def test_locked_payroll_refuses_change(clean, maker, finance):
    payroll = approve(maker, finance, gen(maker))
    assert payroll.is_locked and payroll.checker == finance
    line = payroll.lines.get()
    for attempt in (
        lambda: gen(maker),
        lambda: approval.change_line(maker, line.pk, amount=Decimal("1")),
        lambda: approval.do_submit(maker, payroll.pk),
        lambda: approval.do_return(finance, payroll.pk, reason="x"),
    ):
        with pytest.raises(DomainError) as err:
            attempt()
        assert err.value.code == "payroll_locked"
    line.amount = Decimal("1")  # not through a service: the model refuses too
    with pytest.raises(DomainError) as err:
        line.save()
    assert err.value.code == "payroll_locked"
    line.amount, line.status = Decimal("500.00"), "paid"  # the bank steps move the status only
    line.save()
    assert PayrollLine.objects.get(pk=line.pk).amount == Decimal("500.00")


def test_scope_another_county_cannot_generate_or_see(clean, maker, users, finance):
    payroll = gen(maker)
    with pytest.raises(NotFound):
        generate_payroll(users["foreign_county_reviewer"], region_code="430981", programme="dibao", month=JAN)
    with pytest.raises(NotFound):
        approval.do_submit(users["foreign_county_reviewer"], payroll.pk)
    with pytest.raises(DomainError):
        generate_payroll(users["village_worker"], region_code="430981", programme="dibao", month=JAN)


def test_flag_paid_after_death_and_offset(clean, maker, finance, regions):
    for month in (JAN, FEB, MAR):
        approve(maker, finance, gen(maker, month))
    assert flag_paid_after_death(clean, date(2025, 1, 15)) != []
    assert flag_paid_after_death(clean, date(2025, 1, 15)) == []  # idempotent
    from doudi.cases.models import Enrolment
    from doudi.cases.services.enrolment import end_enrolment

    end_enrolment(None, Enrolment.objects.get(person=clean), last_month=JAN, reason="死亡")
    recovery = Recovery.objects.get()
    assert (recovery.reason, recovery.months, recovery.amount) == ("death", ["2025-02", "2025-03"], Decimal("1000.00"))
    # The household's spouse now holds dibao: the recovery is offset against it.
    spouse = payee(regions["lixin"], maker, name="陈一")
    Person.objects.filter(pk=spouse.pk).update(household=clean.household, relation="spouse")
    enrol(Person.objects.get(pk=spouse.pk), start=date(2025, 4, 1), amount="700")
    do_settle_recovery(maker, recovery.pk, how="offset", reason="从家庭后续低保金中抵扣")
    april = gen(maker, date(2025, 4, 1))
    assert Recovery.objects.count() == 1  # the retroactive end finds the same months: not counted twice
    offset = april.lines.get(kind="adjustment")
    assert (offset.amount, offset.recovery_id) == (Decimal("-700.00"), recovery.pk)
    assert april.total_amount == Decimal("0.00")
    approve(maker, finance, april)
    recovery.refresh_from_db()
    assert (recovery.recovered_amount, recovery.status) == (Decimal("700.00"), "offsetting")
    with pytest.raises(DomainError):
        do_settle_recovery(maker, recovery.pk, how="written_off", reason="无力偿还")  # no approval right
    do_settle_recovery(finance, recovery.pk, how="written_off", reason="家庭无力偿还，经审批核销")
    recovery.refresh_from_db()
    assert recovery.status == "written_off"
