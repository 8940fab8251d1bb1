"""A township officer on a phone opens a household's verification report, adds bank deposits by letter and sees
the conclusion change. Screenshots: test-output/screenshots/verification-*.png."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.policy.management.commands.load_policies import SAMPLES
from doudi.policy.services import load_policy_file
from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification.feeds.loading import load_feed
from doudi.verification.tests.helpers import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _feeds(settings, tmp_path):
    settings.FEEDS_DIR = tmp_path / "feeds"


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_report_on_a_phone(new_page, screenshot, users, regions):
    for path in sorted(SAMPLES.glob("*.toml")):
        load_policy_file(path.read_text(encoding="utf-8"))
    hh = household(regions["lixin"], members=1)
    head = Person.objects.get(household=hh, relation="head")
    load_feed(
        users["county_reviewer"],
        csv_bytes("vehicle", [{"id_number": head.id_number, "name": head.name, "plate": "湘H12345",
                               "vehicle_type": "小型汽车", "registered_on": "2024-01-01"}]),
        file_name="车辆.csv", department="vehicle", period="2026-01", today=date(2026, 2, 1),
    )  # fmt: skip
    phone = new_page(users["township_officer"], **PHONE)
    phone.goto(f"/verification/households/{hh.pk}/")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_selector("#overall-conclusion")
    assert "超出规定" in phone.inner_text("#overall-conclusion")
    assert "机动车" in phone.inner_text("main")
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "verification-01-phone-report")
    phone.fill("#m-amount", "8000")
    phone.fill("#m-source", "农商银行函复")
    phone.click("#manual-form button[type=submit]")
    phone.wait_for_selector(".messages >> text=已补录核对项目")
    assert "农商银行函复" in phone.inner_text("main")
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "verification-02-phone-manual-item")
