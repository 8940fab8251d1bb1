"""The list of handled alerts (状态：已处理) says what was decided for each, not only its deadline."""

from __future__ import annotations

from django.urls import reverse

from doudi.monitoring.tests.conftest import client_for


def test_handled_alerts_show_their_outcome(alerts, users):
    c = client_for(users["township_officer"])
    alert = alerts["vehicle"]
    c.post(
        reverse("monitoring:alert_detail", args=[alert.pk]),
        {"findings": "入户核实", "outcome": "no_action", "reason": "车辆已报废", "version": alert.version},
    )
    text = c.get(reverse("monitoring:inbox"), {"status": "resolved"}).content.decode()
    assert "湘H00001" in text and "已处理：核实无需处理" in text
