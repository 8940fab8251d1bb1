"""On a 390 px phone: a township officer opens an alert from the inbox, reads its evidence, records the
outcome (a change case) and the alert leaves the open list. Screenshots: test-output/screenshots/monitoring-*.png."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.cases.models import CaseKind
from doudi.monitoring.models import Alert, AlertStatus
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.tests.conftest import head_of, vehicle_row, write_feed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_township_officer_works_an_alert_on_a_phone(beneficiary, users, tmp_path, new_page, screenshot):
    head = head_of(beneficiary)
    feed = write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H12345", on=date(2025, 3, 8))])
    do_run_monitoring(users["county_reviewer"], "430981", feeds={"vehicle": [feed]})
    alert = Alert.objects.get()

    page = new_page(users["township_officer"], **PHONE)
    page.goto("/monitoring/")
    assert page.locator("#alert-table").is_visible()
    assert _no_horizontal_scroll(page)
    screenshot(page, "monitoring-inbox-phone")

    page.click(f"tr[data-alert='{alert.pk}'] a")
    page.wait_for_url(f"**/monitoring/alerts/{alert.pk}/")
    evidence = page.locator("#alert-evidence").inner_text()
    assert "湘H12345" in evidence and "第 2 行" in evidence
    assert head.id_number not in page.content()
    assert _no_horizontal_scroll(page)
    screenshot(page, "monitoring-alert-phone")

    page.fill("#id_findings", "入户核实：车辆登记在户主名下，家庭自用")
    page.check("input[name='outcome'][value='open_change']")
    page.click("#outcome-form button[type='submit']")
    page.wait_for_url("**/monitoring/")
    assert "已记录处理结果" in page.content()
    assert page.locator(f"tr[data-alert='{alert.pk}']").count() == 0
    screenshot(page, "monitoring-inbox-after-phone")

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.outcome_case is not None and alert.outcome_case.kind == CaseKind.CHANGE
