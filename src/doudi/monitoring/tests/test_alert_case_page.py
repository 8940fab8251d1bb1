"""The change case an alert opens can be read: its page shows the alert's note (it has no typed reason)."""

from __future__ import annotations

from django.urls import reverse

from doudi.monitoring.tests.conftest import client_for


def test_the_change_case_opened_from_an_alert_shows_its_note(alerts, users):
    c = client_for(users["township_officer"])
    alert = alerts["vehicle"]
    c.post(
        reverse("monitoring:alert_detail", args=[alert.pk]),
        {"findings": "入户核实，车辆为本人所有", "outcome": "open_change", "version": alert.version},
    )
    alert.refresh_from_db()
    assert "reason" not in alert.outcome_case.change
    page = c.get(reverse("cases:detail", args=[alert.outcome_case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "变更内容" in text and "湘H00001" in text and "入户核实，车辆为本人所有" in text
