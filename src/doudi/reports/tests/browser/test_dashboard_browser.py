"""The dashboard in a browser: charts drawn by ECharts served by doudi, a figure opened down to its
households, on a laptop, a wall screen and a phone (390 px), in Chinese only."""

from __future__ import annotations

import re

import pytest

from doudi.reports.tests.test_stats import COUNTY

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
# Latin words a person could read (units like "px" never reach the text; numbers and 1-2 letters pass).
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _charts_drawn(page) -> None:
    page.wait_for_selector("#chart-trend canvas")
    page.wait_for_selector("#chart-rank canvas")
    assert page.evaluate("typeof echarts === 'object' && echarts.version.length > 0")


def _no_external_requests(requests: list[str], base: str) -> None:
    assert [u for u in requests if not u.startswith(base) and not u.startswith("data:")] == []


def test_dashboard_and_drill_down(transactional_db, live_server, activity, new_page, screenshot, users):
    user = users["county_reviewer"]
    page = new_page(user, width=1366, height=800)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/")
    page.get_by_role("link", name="统计看板").first.click()
    page.wait_for_selector("h1:has-text('统计看板')")
    page.goto(f"/reports/dashboard/?region={COUNTY}&month=2025-06")
    _charts_drawn(page)
    text = page.inner_text("main")
    assert "沅江市" in text and "低保人数" in text and "近24个月趋势" in text
    assert ENGLISH.findall(text) == []
    assert page.evaluate(FITS)
    screenshot(page, "reports-01-dashboard-laptop")

    # Rank by another figure: the chart redraws.
    page.select_option("#rank-key", "tekun_persons")
    page.wait_for_timeout(300)
    _charts_drawn(page)

    # A sub-region's figure opens the households behind it.
    row = page.locator("#rank-table tr", has_text="草尾镇")
    row.locator("td").nth(2).get_by_role("link").click()
    page.wait_for_selector("#drill-table")
    drill = page.inner_text("main")
    assert "低保合计人数" in drill and "甲" in drill and "共 3 户" in drill
    assert ENGLISH.findall(drill) == []
    screenshot(page, "reports-02-drill-down-laptop")
    _no_external_requests(requests, live_server.url)


def test_dashboard_on_a_wall_screen_and_a_phone(transactional_db, live_server, activity, new_page, screenshot, users):
    wall = new_page(users["county_reviewer"], width=1920, height=1080)
    wall.goto(f"/reports/dashboard/?region={COUNTY}&month=2025-06")
    _charts_drawn(wall)
    assert wall.evaluate(FITS)
    screenshot(wall, "reports-03-dashboard-wall-screen")

    phone = new_page(users["county_reviewer"], width=390, height=844)
    phone.goto(f"/reports/dashboard/?region={COUNTY}&month=2025-06")
    _charts_drawn(phone)
    assert phone.evaluate(FITS)
    assert ENGLISH.findall(phone.inner_text("main")) == []
    screenshot(phone, "reports-04-dashboard-phone")

    phone.goto(f"/reports/work-report/?region={COUNTY}&month=2025-06")
    phone.wait_for_selector("#report-text")
    assert "全市共有城乡低保对象4户6人" in phone.inner_text("#report-text")
    assert phone.evaluate(FITS)
    screenshot(phone, "reports-05-work-report-phone")
