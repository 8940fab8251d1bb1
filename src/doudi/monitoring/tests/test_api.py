"""The monitoring API: alerts list (filters, pages, masked ID numbers), detail (logged), outcome, runs.

Each endpoint answers its user and refuses the wrong role (403) and another region (404, or an
empty list), like the pages.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doudi.audit.models import RecordAccess
from doudi.cases.models import Case, CaseKind
from doudi.monitoring.models import AlertStatus, MonitoringRun
from doudi.monitoring.tasks import run_region
from doudi.monitoring.tests.conftest import ON, client_for


def test_list_filters_pages_and_masks(alerts, users):
    c = client_for(users["township_officer"])
    url = reverse("api:monitoring_alerts")
    body = c.get(url).json()
    assert body["count"] == len(alerts) and {r["rule"] for r in body["results"]} >= {"vehicle", "death"}
    head = alerts["vehicle"].person
    row = next(r for r in body["results"] if r["rule"] == "vehicle")
    assert row["id_number"] != head.id_number and row["id_number"].endswith(head.id_number[-4:])
    assert head.id_number not in str(body)
    assert row["rule_label"] and row["severity_label"] and row["status_label"] == "待核查"
    only = c.get(url, {"rule": "vehicle"}).json()
    assert [r["rule"] for r in only["results"]] == ["vehicle"]
    assert c.get(url, {"region": alerts["vehicle"].region_id}).json()["count"] == len(alerts)
    assert c.get(url, {"status": "resolved"}).json()["count"] == 0
    paged = c.get(url, {"page_size": 1, "page": 2}).json()
    assert len(paged["results"]) == 1 and paged["count"] == len(alerts)
    bad = c.get(url, {"rule": "nonsense"})
    assert bad.status_code == 400


def test_list_refuses_other_regions_and_roles(alerts, users):
    url = reverse("api:monitoring_alerts")
    assert client_for(users["other_township_officer"]).get(url).json()["count"] == 0
    assert client_for(users["foreign_county_reviewer"]).get(url).json()["count"] == 0
    # A region outside the user's own answers as one that does not exist.
    other = client_for(users["other_township_officer"]).get(url, {"region": alerts["vehicle"].region_id})
    assert other.status_code == 404
    assert client_for(users["auditor"]).get(url).status_code == 403
    assert Client().get(url).status_code in (401, 403)


def test_detail_shows_evidence_and_is_logged(alerts, users):
    alert = alerts["vehicle"]
    c = client_for(users["township_officer"])
    body = c.get(reverse("api:monitoring_alert", args=[alert.pk])).json()
    assert body["evidence"] and "湘H00001" in str(body["evidence"]) and body["action"]
    assert body["id_number"] != alert.person.id_number
    assert RecordAccess.objects.filter(
        actor=users["township_officer"], person_id=alert.person_id, channel="api"
    ).exists()
    for who in ("other_township_officer", "foreign_county_reviewer", "other_village_worker"):
        assert client_for(users[who]).get(reverse("api:monitoring_alert", args=[alert.pk])).status_code == 404
    assert client_for(users["auditor"]).get(reverse("api:monitoring_alert", args=[alert.pk])).status_code == 403
    assert not RecordAccess.objects.exclude(actor=users["township_officer"]).exists()


def test_outcome_through_the_same_service(alerts, users):
    alert = alerts["vehicle"]
    url = reverse("api:monitoring_alert_outcome", args=[alert.pk])
    payload = {"outcome": "open_change", "findings": "入户核实：车辆已登记", "version": alert.version}
    refused = client_for(users["other_township_officer"]).post(url, payload, content_type="application/json")
    assert refused.status_code == 404
    assert client_for(users["auditor"]).post(url, payload, content_type="application/json").status_code == 403
    missing = client_for(users["township_officer"]).post(
        url, {**payload, "outcome": "no_action"}, content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["extra"]["field"] == "reason"
    done = client_for(users["township_officer"]).post(url, payload, content_type="application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == AlertStatus.RESOLVED and body["outcome"] == "open_change" and body["outcome_case"]
    assert Case.objects.get(pk=body["outcome_case"]).kind == CaseKind.CHANGE
    again = client_for(users["township_officer"]).post(url, payload, content_type="application/json")
    assert again.status_code == 409
    listed = client_for(users["township_officer"]).get(reverse("api:monitoring_alerts")).json()
    assert alert.pk not in [r["id"] for r in listed["results"]]


def test_runs_start_and_list(beneficiary, users, django_capture_on_commit_callbacks):
    url = reverse("api:monitoring_runs")
    county = client_for(users["county_reviewer"])
    started = county.post(url, {"region": "430981", "on": ON.isoformat()}, content_type="application/json")
    assert started.status_code == 202, started.content
    assert started.json()["region"] == "430981000000"
    # The worker runs the task (here called directly, as the worker would).
    run_region.call("430981000000", ON.isoformat(), users["county_reviewer"].pk)
    run = MonitoringRun.objects.get()
    assert run.started_by == users["county_reviewer"]
    listed = county.get(url).json()
    assert [r["id"] for r in listed["results"]] == [run.pk] and listed["results"][0]["on"] == ON.isoformat()
    # A township sees the runs of its county; another county's user does not.
    assert client_for(users["township_officer"]).get(url).json()["count"] == 1
    assert client_for(users["foreign_county_reviewer"]).get(url).json()["count"] == 0
    # Starting a run: the capability, then the region's scope.
    township = client_for(users["township_officer"]).post(url, {"region": "430981"}, content_type="application/json")
    assert township.status_code == 403
    foreign = client_for(users["foreign_county_reviewer"]).post(
        url, {"region": "430981"}, content_type="application/json"
    )
    assert foreign.status_code == 404
    assert county.post(url, {"region": "43"}, content_type="application/json").status_code == 400
