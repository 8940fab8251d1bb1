"""The monitoring pages: scope (another township never sees an alert), the outcome recorded through
the case workflow, a confirmed death, bulk assignment, the overview and a referral."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doudi.cases.models import Case, CaseKind, Enrolment
from doudi.monitoring.models import Alert, AlertStatus, WorkerReferral
from doudi.monitoring.tests.conftest import client_for, head_of


def test_township_inbox_lists_its_alerts_masked(alerts, users):
    page = client_for(users["township_officer"]).get(reverse("monitoring:inbox"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "湘H00001" in text and "享受救助人员死亡" in text
    head = alerts["vehicle"].person
    assert head.id_number not in text and head.id_number[-4:] in text


@pytest.mark.parametrize("who", ["other_township_officer", "foreign_county_reviewer", "other_village_worker"])
def test_another_region_never_sees_the_alert(alerts, users, who):
    c = client_for(users[who])
    assert "湘H00001" not in c.get(reverse("monitoring:inbox")).content.decode()
    assert c.get(reverse("monitoring:alert_detail", args=[alerts["vehicle"].pk])).status_code == 404
    post = c.post(
        reverse("monitoring:alert_detail", args=[alerts["vehicle"].pk]),
        {"findings": "x", "outcome": "no_action", "reason": "x", "version": 1},
    )
    assert post.status_code == 404
    assert Alert.objects.get(pk=alerts["vehicle"].pk).status == AlertStatus.OPEN


def test_roles_without_alerts_are_refused(alerts, users):
    assert client_for(users["auditor"]).get(reverse("monitoring:inbox")).status_code == 403


def test_outcome_opens_a_change_case_and_the_alert_leaves_the_open_list(alerts, users):
    c = client_for(users["township_officer"])
    alert = alerts["vehicle"]
    page = c.get(reverse("monitoring:alert_detail", args=[alert.pk]))
    assert "部门数据批次" in page.content.decode()
    answer = c.post(
        reverse("monitoring:alert_detail", args=[alert.pk]),
        {"findings": "入户核实，车辆为本人所有", "outcome": "open_change", "version": alert.version},
    )
    assert answer.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.outcome) == (AlertStatus.RESOLVED, "open_change")
    assert alert.outcome_case.kind == CaseKind.CHANGE
    assert alert.outcome_case.change["kind"] == "property_change"
    assert "湘H00001" not in c.get(reverse("monitoring:inbox")).content.decode()


def test_no_action_needs_a_reason(alerts, users):
    c = client_for(users["township_officer"])
    alert = alerts["vehicle"]
    page = c.post(
        reverse("monitoring:alert_detail", args=[alert.pk]),
        {"findings": "核实", "outcome": "no_action", "reason": "", "version": alert.version},
    )
    assert page.status_code == 200 and "须写明理由" in page.content.decode()
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


def test_a_confirmed_death_ends_the_enrolments(alerts, users):
    alert = alerts["death"]
    c = client_for(users["township_officer"])
    page = c.post(
        reverse("monitoring:alert_detail", args=[alert.pk]),
        {"findings": "村委会核实已去世", "outcome": "confirm_death", "version": alert.version},
    )
    assert page.status_code == 302, page.content.decode()[-3000:]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    alert.person.refresh_from_db()
    assert alert.person.death_date == date(2025, 5, 20)
    assert not Enrolment.objects.filter(person=alert.person).exclude(status="ended").exists()


def test_bulk_assignment(alerts, users):
    c = client_for(users["township_officer"])
    worker = users["village_worker"]
    c.post(reverse("monitoring:inbox"), {"alert": [a.pk for a in alerts.values()], "assignee": worker.pk})
    assert set(Alert.objects.values_list("assigned_to", flat=True)) == {worker.pk}
    c.post(
        reverse("monitoring:inbox"),
        {"alert": [alerts["vehicle"].pk], "assignee": users["other_village_worker"].pk},
    )
    assert Alert.objects.get(pk=alerts["vehicle"].pk).assigned_to == worker  # not offered: another township


def test_overview_for_county_and_city(alerts, users):
    for who in ("county_reviewer", "city_supervisor"):
        text = client_for(users[who]).get(reverse("monitoring:overview")).content.decode()
        assert "草尾镇" in text or "沅江市" in text
        assert "低保对象" in text and "名下机动车超过限额" in text
    text = client_for(users["foreign_county_reviewer"]).get(reverse("monitoring:overview")).content.decode()
    assert "湘H00001" not in text


def test_filter_by_rule_and_severity(alerts, users):
    c = client_for(users["township_officer"])
    text = c.get(reverse("monitoring:inbox"), {"rule": "death", "status": "open"}).content.decode()
    assert "公安死亡登记" in text and "湘H00001" not in text
    text = c.get(reverse("monitoring:inbox"), {"severity": "medium", "status": "open"}).content.decode()
    assert "湘H00001" in text and "公安死亡登记" not in text


def test_referral(beneficiary, users):
    c = client_for(users["village_worker"])
    head = head_of(beneficiary)
    c.post(reverse("monitoring:referral"), {"id_number": head.id_number, "reason": "独居老人，行动不便"})
    assert WorkerReferral.objects.get().person == head
    page = client_for(users["other_village_worker"]).post(
        reverse("monitoring:referral"), {"id_number": head.id_number, "reason": "x"}
    )
    assert "未找到该人员或不在您的管辖范围内" in page.content.decode()
    assert Case.objects.count() == 0
