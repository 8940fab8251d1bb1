"""A run: thresholds from the policy in force on the date, rules switched off per region, idempotence,
a changed fact opening a new alert, a vanished signal closing its alert, the deadline in working days."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from doudi.cases.calendar import add_working_days
from doudi.monitoring.models import Alert, AlertStatus, MonitoringRun
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.tests.conftest import ON, head_of, write_feed
from doudi.monitoring.tests.test_rules import vehicle_row
from doudi.policy.management.commands.load_policies import SAMPLES
from doudi.policy.services import load_policy_file

COUNTY = sorted(SAMPLES.glob("*.toml"))[2]


def publish_county_monitoring(extra: str) -> None:
    """Publish the county document again with a ``[monitoring]`` section."""
    load_policy_file(COUNTY.read_text(encoding="utf-8") + "\n[monitoring]\n" + extra, reason="测试")


def run(users, on=ON, **feeds):
    return do_run_monitoring(users["county_reviewer"], "430981", on=on, feeds=feeds)


def test_threshold_is_the_one_in_force_on_the_date(beneficiary, users, tmp_path):
    """The county lowers its income line from July: 80,000 元 alerts on 2025-07-15, not on 2025-06-16."""
    publish_county_monitoring(
        "annual_income = [\n"
        "  { from = 2025-01-01, to = 2025-06-30, value = 100000 },\n"
        "  { from = 2025-07-01, value = 50000 },\n"
        "]\n"
    )
    tax = [write_feed(tmp_path, "tax", [{"person": head_of(beneficiary), "tax_year": 2024, "income": 80000}])]
    assert run(users, on=date(2025, 6, 16), tax=tax).opened == 0
    result = run(users, on=date(2025, 7, 15), tax=tax)
    assert result.opened == 1
    assert Alert.objects.get().rule == "tax_income"


def test_a_rule_switched_off_for_the_region_is_not_run(beneficiary, users, tmp_path):
    publish_county_monitoring('disabled_rules = ["death"]\n')
    death = [write_feed(tmp_path, "death", [{"person": head_of(beneficiary), "death_date": date(2025, 5, 1)}])]
    assert run(users, death=death).opened == 0


def test_the_vehicle_limit_comes_from_the_policy(beneficiary, users, tmp_path):
    publish_county_monitoring("max_vehicles = 1\n")
    one = [write_feed(tmp_path, "vehicle", [vehicle_row(head_of(beneficiary), "湘H00001")])]
    assert run(users, vehicle=one).opened == 0


def test_run_again_changes_nothing_a_second_car_opens_a_new_alert(beneficiary, users, tmp_path):
    head = head_of(beneficiary)
    first = [write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])]
    assert (run(users, vehicle=first).opened, Alert.objects.count()) == (1, 1)
    again = run(users, vehicle=first)
    assert (again.opened, again.closed, again.unchanged) == (0, 0, 1)
    # The next month's file: the same car (another batch, another row) and a second car.
    both = [
        write_feed(
            tmp_path, "vehicle", [vehicle_row(head, "湘H00002", on=date(2025, 5, 1)), vehicle_row(head, "湘H00001")]
        )
    ]
    result = run(users, vehicle=both)
    assert (result.opened, result.unchanged) == (1, 1)
    assert sorted(Alert.objects.values_list("fact", flat=True)) == ["湘H00001", "湘H00002"]
    assert MonitoringRun.objects.count() == 3


def test_a_resolved_alert_is_not_opened_again(beneficiary, users, tmp_path):
    death = [write_feed(tmp_path, "death", [{"person": head_of(beneficiary), "death_date": date(2025, 5, 1)}])]
    run(users, death=death)
    Alert.objects.update(status=AlertStatus.RESOLVED, outcome="no_action", outcome_reason="测试")
    assert run(users, death=death).opened == 0


def test_a_signal_that_disappears_closes_its_open_alert(beneficiary, users, tmp_path):
    head = head_of(beneficiary)
    run(users, vehicle=[write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])])
    sold = [write_feed(tmp_path, "vehicle", [{**vehicle_row(head, "湘H00001"), "status": "注销"}])]
    result = run(users, vehicle=sold)
    assert result.closed == 1
    alert = Alert.objects.get()
    assert (alert.status, alert.cleared_on) == (AlertStatus.CLEARED, ON)


def test_without_a_current_batch_nothing_is_closed(beneficiary, users, tmp_path):
    run(users, vehicle=[write_feed(tmp_path, "vehicle", [vehicle_row(head_of(beneficiary), "湘H00001")])])
    assert run(users).closed == 0
    assert Alert.objects.get().status == AlertStatus.OPEN


def test_deadline_in_working_days_by_severity(beneficiary, users, tmp_path):
    head = head_of(beneficiary)
    run(
        users,
        death=[write_feed(tmp_path, "death", [{"person": head, "death_date": date(2025, 5, 1)}])],
        vehicle=[write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])],
    )
    assert Alert.objects.get(rule="death").due_on == add_working_days(ON, 2)
    assert Alert.objects.get(rule="vehicle").due_on == add_working_days(ON, 10)


def test_the_run_is_audited(beneficiary, users):
    from doudi.audit.models import AuditEvent

    run(users)
    event = AuditEvent.objects.get(action="run_monitoring")
    assert event.region_code == "430981000000"


def test_an_alert_stored_under_another_region_is_unchanged_not_copied_again(beneficiary, regions, users, tmp_path):
    """The household's alert was stored when it lived elsewhere (another county): the run does not see it
    among the subtree's alerts, finds the fingerprint taken, and counts it unchanged instead of failing."""
    vehicle = [write_feed(tmp_path, "vehicle", [vehicle_row(head_of(beneficiary), "湘H00001")])]
    assert run(users, vehicle=vehicle).opened == 1
    Alert.objects.update(region_id=regions["heshan"].code)
    again = run(users, vehicle=vehicle)
    assert (again.opened, again.unchanged) == (0, 1)
    assert again.by_rule == {"vehicle": {"opened": 0, "closed": 0, "unchanged": 1}}
    assert Alert.objects.get().region_id == regions["heshan"].code


def test_a_run_copies_every_column_of_a_new_alert(beneficiary, users, tmp_path):
    head = head_of(beneficiary)
    result = run(users, death=[write_feed(tmp_path, "death", [{"person": head, "death_date": date(2025, 5, 1)}])])
    alert = Alert.objects.get()
    assert (alert.rule, alert.alert_class, alert.severity, alert.status) == ("death", "status_change", "high", "open")
    assert (alert.person_id, alert.household_id, alert.region_id) == (head.pk, beneficiary.pk, beneficiary.region_id)
    assert alert.township_id == beneficiary.region_id[:9] + "000"
    assert (alert.findings, alert.outcome, alert.outcome_reason, alert.version) == ("", "", "", 1)
    assert (alert.event_date, alert.detected_on, alert.run_id) == (date(2025, 5, 1), ON, result.run.pk)
    assert alert.evidence[0]["detail"] == "公安死亡登记：2025-05-01" and alert.evidence[0]["row"] == 2
    assert alert.summary == "享受救助人员死亡：公安死亡登记：2025-05-01"
    assert alert.created_at is not None


@pytest.mark.postgresql_only
def test_the_alert_table_has_no_index_of_its_own_on_region_and_run(db):
    """Migration 0006 dropped them and kept the reports app's subtree index on the same column."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'monitoring_alert'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"reports_alert_region_prefix", "alert_region_status", "alert_fingerprint_unique"} <= names
    assert not [n for n in names if n.startswith(("monitoring_alert_region_id", "monitoring_alert_run_id"))]


@pytest.mark.postgresql_only
def test_a_run_reads_the_stored_alerts_holding_the_run_lock(beneficiary, users, monkeypatch):
    """Runs take turns from the comparison to the commit: the stored alerts are read under the advisory lock."""
    from doudi.monitoring.services import run as runs

    held = []
    existing = runs._existing

    def spy(prefix):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND classid = 0 AND objid = %s AND granted",
                [runs.RUN_LOCK],
            )
            held.append(cursor.fetchone()[0])
        return existing(prefix)

    monkeypatch.setattr(runs, "_existing", spy)
    run(users)
    assert held == [1]
