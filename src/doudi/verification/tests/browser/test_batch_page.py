"""The batch page's provenance (数据地区, 文件, 校验和 …) reads as label beside value on a desktop and one under
the other on a phone, not as an unstyled list. Screenshots: test-output/screenshots/verification-batch-*.png."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification.feeds.loading import load_feed
from doudi.verification.tests.helpers import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _feeds(settings, tmp_path):
    settings.FEEDS_DIR = tmp_path / "feeds"


def _boxes(page, selector: str):
    return page.locator(f"#provenance {selector}").first.bounding_box()


def test_provenance_label_beside_its_value(new_page, screenshot, users, regions):
    head = Person.objects.get(household=household(regions["lixin"], members=1), relation="head")
    result = load_feed(
        users["county_reviewer"],
        csv_bytes("death", [{"id_number": head.id_number, "name": head.name, "death_date": "2026-01-05"}]),
        file_name="死亡.csv", department="death", period="2026-01", today=date(2026, 2, 1),
    )  # fmt: skip
    desk = new_page(users["county_reviewer"], width=1366, height=900)
    desk.goto(f"/verification/feeds/{result.batch.pk}/")
    label, value = _boxes(desk, "dt"), _boxes(desk, "dd")
    assert abs(label["y"] - value["y"]) < 4 and value["x"] > label["x"] + label["width"]
    screenshot(desk, "verification-batch-desktop")
    phone = new_page(users["county_reviewer"], width=390, height=844)
    phone.goto(f"/verification/feeds/{result.batch.pk}/")
    label, value = _boxes(phone, "dt"), _boxes(phone, "dd")
    assert value["y"] >= label["y"] + label["height"] - 1 and abs(value["x"] - label["x"]) < 4  # no indent
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(phone, "verification-batch-phone")
