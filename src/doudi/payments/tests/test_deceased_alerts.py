"""The deceased check reads the public-security death alerts as well as the registry's death date.

A death alert confirmed by a worker, or still open (the payment waits until a worker settles it),
flags the lines after the reported death; a dismissed alert, an alert cleared by the next run, an
alert of another rule or of another person do not. The finding names the alert and links to it.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doudi.monitoring.models import Alert
from doudi.payments.models import FindingStatus, PayrollFinding
from doudi.payments.services.checks import run_checks
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.conftest import enrol, payee
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db

JAN, MAR = date(2025, 1, 1), date(2025, 3, 1)


def gen(actor, month=MAR):
    return generate_payroll(actor, region_code="430981", programme="dibao", month=month)


def deceased(payroll) -> list[PayrollFinding]:
    return list(PayrollFinding.objects.filter(payroll=payroll, check_code="deceased", status=FindingStatus.OPEN))


def death_alert(person, *, died=date(2025, 1, 20), status="open", outcome="", rule="death", key="1") -> Alert:
    household = person.household
    return Alert.objects.create(
        fingerprint=f"death-{person.pk}-{key}",
        rule=rule,
        alert_class="status_change",
        severity="high",
        fact="death",
        summary=f"公安死亡登记：{died}",
        household=household,
        person=person,
        region_id=household.region_id,
        township_id=household.region_id[:9] + "000",
        evidence=[{"batch": 7, "row": 3, "detail": f"公安死亡登记：{died}"}],
        event_date=died,
        detected_on=date(2025, 2, 3),
        due_on=date(2025, 2, 17),
        status=status,
        outcome=outcome,
    )


@pytest.fixture
def paid(regions, maker):
    """A payee of 立新村 enrolled in dibao from January, alive in the registry."""
    person = payee(regions["lixin"], maker)
    enrol(person, start=JAN)
    return person


def test_an_open_death_alert_holds_the_payment_until_settled(paid, maker):
    alert = death_alert(paid)
    [finding] = deceased(gen(maker))
    assert finding.subject == f"person:{paid.pk}" and finding.alert_id == alert.pk
    assert "公安死亡登记预警" in finding.detail and "2025-01-20" in finding.detail and "待核查" in finding.detail
    assert len(finding.lines) == 1


def test_a_confirmed_death_alert_is_found(paid, maker):
    alert = death_alert(paid, status="resolved", outcome="confirm_death")
    [finding] = deceased(gen(maker))
    assert finding.alert_id == alert.pk and "已核实确认死亡" in finding.detail


def test_registry_date_and_alert_make_one_finding(paid, maker):
    Person.objects.filter(pk=paid.pk).update(death_date=date(2025, 1, 20))
    alert = death_alert(paid, status="resolved", outcome="confirm_death")
    [finding] = deceased(gen(maker))
    assert finding.alert_id == alert.pk
    assert "户籍登记已于 2025-01-20 死亡" in finding.detail and "公安死亡登记预警" in finding.detail


@pytest.mark.parametrize(
    ("status", "outcome", "rule", "died"),
    [
        ("resolved", "no_action", "death", date(2025, 1, 20)),  # dismissed: the person is alive
        ("cleared", "", "death", date(2025, 1, 20)),  # the signal went away
        ("open", "", "vehicle", date(2025, 1, 20)),  # another rule
        ("open", "", "death", date(2025, 3, 5)),  # died in the month paid: the month is owed
    ],
)
def test_alerts_that_do_not_stop_a_payment(paid, maker, status, outcome, rule, died):
    death_alert(paid, status=status, outcome=outcome, rule=rule, died=died)
    assert deceased(gen(maker)) == []


def test_an_alert_for_another_person_does_not_touch_this_one(paid, regions, maker):
    other = payee(regions["lixin"], maker, name="李四")
    enrol(other, start=JAN)
    death_alert(other)
    payroll = gen(maker)
    assert [f.person_id for f in deceased(payroll)] == [other.pk]
    assert not PayrollFinding.objects.filter(payroll=payroll, person=paid, check_code="deceased").exists()


def test_settling_the_alert_resolves_the_finding(paid, maker):
    alert = death_alert(paid)
    payroll = gen(maker)
    assert len(deceased(payroll)) == 1
    Alert.objects.filter(pk=alert.pk).update(status="resolved", outcome="no_action", outcome_reason="本人健在")
    run_checks(payroll)
    assert deceased(payroll) == []
    assert PayrollFinding.objects.get(payroll=payroll, check_code="deceased").status == FindingStatus.RESOLVED


def test_the_payroll_page_links_to_the_alert(paid, maker, client):
    alert = death_alert(paid)
    payroll = gen(maker)
    client.force_login(maker)
    page = client.get(reverse("payments:payroll_detail", args=[payroll.pk])).content.decode()
    assert reverse("monitoring:alert_detail", args=[alert.pk]) in page and "查看死亡预警" in page
