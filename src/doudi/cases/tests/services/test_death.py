"""Recording a death: membership, the person's enrolments (dated, audited), the change case, recovery; idempotent."""

from __future__ import annotations

import sys
import types
from datetime import date
from decimal import Decimal

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.audit.models import AuditEvent
from doudi.cases import selectors
from doudi.cases.models import Case, CaseKind, Enrolment, EnrolmentChange
from doudi.cases.services.death import do_record_death
from doudi.cases.services.enrolment import create_enrolment
from doudi.core.errors import DomainError, NotFound, PermissionDenied
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Membership, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db

DIED = date(2025, 6, 14)
TODAY = date(2025, 7, 2)


def _enrol(household, person, programme, amount, *, covered=None, start=date(2025, 1, 1)):
    return create_enrolment(
        None,
        household=household,
        person=person,
        programme=programme,
        start_month=start,
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        covered=covered or [person.pk],
    )


@pytest.fixture
def family(regions, users, published):  # noqa: F811
    """张三户 of 立新村: head and two children; 低保 paid to the head for all, a care subsidy for 张一."""
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=2, joined_on=date(2015, 1, 1))
    people = {p.name: p for p in Person.objects.filter(household=hh)}
    dibao = _enrol(hh, people["张三"], "dibao", "900.00", covered=[p.pk for p in people.values()])
    care = _enrol(hh, people["张一"], "disability_care_subsidy", "90.00")
    return hh, people, dibao, care


def _counts():
    return (
        EnrolmentChange.objects.count(),
        AuditEvent.objects.count(),
        Case.objects.count(),
        Membership.objects.filter(valid_to__isnull=False).count(),
    )


def test_a_death_ends_the_persons_enrolments_from_the_next_month_and_opens_a_change_case(users, family):
    hh, people, dibao, care = family
    result = do_record_death(
        users["village_worker"], people["张一"], death_date=DIED, source="registry", reason="病故", today=TODAY
    )
    care.refresh_from_db()
    assert result.changed and result.ended == [care]
    assert care.status == "ended" and care.end_month == date(2025, 6, 1)
    assert selectors.amount_in_month(care, date(2025, 6, 1)) == Decimal("90.00")  # the month of death is paid
    assert selectors.amount_in_month(care, date(2025, 7, 1)) == 0
    stop = EnrolmentChange.objects.get(enrolment=care, status="ended")
    assert stop.effective_month == date(2025, 7, 1) and "死亡" in stop.reason
    audit = AuditEvent.objects.get(action="end_enrolment_death", target_id=str(care.pk))
    assert audit.changes["end_month"]["new"] == "2025-06" and audit.household_id == hh.pk
    # The registry: membership closed on the death date, the death recorded.
    person = Person.objects.get(pk=people["张一"].pk)
    assert person.death_date == DIED and person.household_id is None
    assert Membership.objects.get(person=person).valid_to == DIED
    # The household's other benefit is recalculated through a change case (kind 家庭成员死亡).
    case = result.change_case
    assert case is not None and case.kind == CaseKind.CHANGE and case.household == hh
    assert case.change["kind"] == "death" and dibao in case.enrolments.all()
    assert Enrolment.objects.get(pk=dibao.pk).status == "active"


def test_recording_the_same_death_twice_changes_nothing(users, family):
    _, people, _, _ = family
    do_record_death(users["village_worker"], people["张一"], death_date=DIED, source="registry", today=TODAY)
    before = _counts()
    again = do_record_death(
        users["township_officer"], people["张一"], death_date=DIED, source="monitoring", today=TODAY
    )
    assert not again.changed and again.ended == [] and again.change_case is None
    assert _counts() == before


def test_another_date_for_a_recorded_death_is_refused(users, family):
    _, people, _, _ = family
    do_record_death(users["village_worker"], people["张一"], death_date=DIED, source="registry", today=TODAY)
    with pytest.raises(DomainError) as info:
        do_record_death(users["village_worker"], people["张一"], death_date=date(2025, 5, 1), source="api", today=TODAY)
    assert "已登记死亡日期 2025-06-14" in info.value.message


@pytest.mark.parametrize(
    ("death_date", "message"),
    [(date(2025, 7, 3), "不能晚于今天"), (date(1999, 1, 1), "不能早于出生日期")],
)
def test_impossible_death_dates_are_refused(users, family, death_date, message):
    _, people, _, _ = family
    with pytest.raises(DomainError) as info:
        do_record_death(users["village_worker"], people["张一"], death_date=death_date, source="registry", today=TODAY)
    assert message in info.value.message and info.value.extra["field"] == "death_date"
    assert Person.objects.get(pk=people["张一"].pk).death_date is None


@pytest.mark.parametrize(("user", "error"), [("auditor", PermissionDenied), ("other_village_worker", NotFound)])
def test_roles_and_regions_that_must_be_refused(users, family, user, error):
    _, people, _, care = family
    with pytest.raises(error):
        do_record_death(users[user], people["张一"], death_date=DIED, source="registry", today=TODAY)
    assert Enrolment.objects.get(pk=care.pk).status == "active"


def test_the_heads_death_ends_the_household_benefit_and_the_change_case_recalculates_it(users, family):
    _, people, dibao, care = family
    result = do_record_death(users["village_worker"], people["张三"], death_date=DIED, source="registry", today=TODAY)
    dibao.refresh_from_db()
    assert dibao.status == "ended" and dibao.end_month == date(2025, 6, 1)
    case = result.change_case
    # The household has no head now: the eldest remaining member is the applicant of the change case.
    assert case.applicant == people["张一"] and {dibao, care} <= set(case.enrolments.all())


def test_a_death_in_a_household_with_an_open_change_case_is_noted_for_it(users, family):
    from doudi.cases.services import do_report_change

    hh, people, dibao, _ = family
    open_case = do_report_change(
        users["village_worker"], hh, change_kind="income_change", occurred_on=DIED, note="收入变化", today=TODAY
    )
    result = do_record_death(users["village_worker"], people["张三"], death_date=DIED, source="registry", today=TODAY)
    assert result.change_case == open_case and "已有办理中的变更" in result.change_pending
    assert dibao in open_case.enrolments.all()
    assert AuditEvent.objects.filter(action="flag_change_pending", household_id=hh.pk).exists()


def test_nothing_to_recalculate_opens_no_case(users, regions, published):  # noqa: F811
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=1, joined_on=date(2015, 1, 1))
    head = Person.objects.get(household=hh, relation="head")
    _enrol(hh, head, "longevity_allowance", "100.00")
    result = do_record_death(users["village_worker"], head, death_date=DIED, source="registry", today=TODAY)
    assert result.ended and result.change_case is None and result.change_pending == ""


def test_amounts_paid_after_the_death_are_flagged_for_recovery(users, family, monkeypatch):
    calls = []
    module = types.ModuleType("doudi.payments.services.recovery")
    module.flag_paid_after_death = lambda person, death_date, actor=None: (
        calls.append((person.pk, death_date, actor)) or "flagged"
    )
    package = sys.modules.get("doudi.payments.services") or types.ModuleType("doudi.payments.services")
    monkeypatch.setitem(sys.modules, "doudi.payments.services", package)
    monkeypatch.setitem(sys.modules, "doudi.payments.services.recovery", module)
    monkeypatch.setattr(package, "recovery", module, raising=False)
    _, people, _, _ = family
    result = do_record_death(users["village_worker"], people["张一"], death_date=DIED, source="registry", today=TODAY)
    assert calls == [(people["张一"].pk, DIED, users["village_worker"])] and result.recovery == "flagged"


def test_a_death_recorded_before_still_ends_the_benefits(users, family):
    """A person removed as dead by an older path keeps no live benefit once the death goes through here."""
    from doudi.registry.services import do_remove_member

    _, people, _, care = family
    do_remove_member(users["village_worker"], people["张一"], left_on=DIED, reason="死亡", death_date=DIED)
    result = do_record_death(users["village_worker"], people["张一"], death_date=DIED, source="monitoring", today=TODAY)
    assert result.ended == [Enrolment.objects.get(pk=care.pk)] and result.ended[0].status == "ended"


def test_a_death_after_paid_months_records_the_recovery(regions, users, published):  # noqa: F811
    """End to end with the payments module: months paid after the death become a recovery (追缴), once."""
    from doudi.payments.models import Recovery
    from doudi.payments.services import approval
    from doudi.payments.services.generation import generate_payroll
    from doudi.payments.tests.conftest import enrol, payee

    finance = UserFactory(role=Role.COUNTY_FINANCE, region=regions["yuanjiang"])
    maker = users["county_reviewer"]
    person = payee(regions["lixin"], maker)
    Membership.objects.filter(person=person).update(valid_from=date(2015, 1, 1))
    enrolment = enrol(person, start=date(2025, 1, 1))
    for month in (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)):
        payroll = generate_payroll(maker, region_code="430981", programme="dibao", month=month)
        approval.do_approve(finance, approval.do_submit(maker, payroll.pk).pk)
    do_record_death(maker, person, death_date=date(2025, 1, 15), source="monitoring", today=date(2025, 4, 2))
    enrolment.refresh_from_db()
    recovery = Recovery.objects.get()
    assert enrolment.end_month == date(2025, 1, 1)
    assert (recovery.reason, recovery.months, recovery.amount) == ("death", ["2025-02", "2025-03"], Decimal("1000.00"))
    do_record_death(maker, person, death_date=date(2025, 1, 15), source="monitoring", today=date(2025, 4, 2))
    assert Recovery.objects.count() == 1
