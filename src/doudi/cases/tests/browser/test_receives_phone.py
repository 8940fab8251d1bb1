"""Who receives what on a 390 px phone: the township's enrolment list (search, totals, export) and the
household page's benefits and open-case banner. Screenshots: test-output/screenshots/receives-*.png."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from doudi.cases.services import do_report_change
from doudi.cases.services.enrolment import create_enrolment
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def family(regions, users, published):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=2, head_name="王立新")
    people = {p.name: p for p in Person.objects.filter(household=hh)}
    for programme, person, amount, covered in (
        ("dibao", people["王立新"], "1234.50", [p.pk for p in people.values()]),
        ("disability_care_subsidy", people["张一"], "90.00", [people["张一"].pk]),
    ):
        create_enrolment(
            None,
            household=hh,
            person=person,
            programme=programme,
            start_month=date(2025, 1, 1),
            monthly_amount=Decimal(amount),
            reason="测试纳入",
            covered=covered,
        )
    do_report_change(
        users["village_worker"], hh, change_kind="income_change", occurred_on=timezone.localdate(), note="务工收入增加"
    )
    return hh


def test_the_enrolment_list_and_household_page_on_a_phone(new_page, screenshot, users, family, tmp_path):
    page = new_page(users["township_officer"], **PHONE)
    page.goto("/cases/enrolments/")
    page.fill("#f-q", "王立新")
    page.click("form.enrolment-search button[type=submit]")
    page.wait_for_selector("#totals-of-enrolments")
    totals = page.inner_text("#totals-of-enrolments")
    assert "1 户" in totals and "4 人" in totals and "1,324.50" in totals
    assert page.locator("article.enrolment").count() == 2 and _no_horizontal_scroll(page)
    assert "发放提醒" in page.content()
    screenshot(page, "receives-enrolment-list-390")
    with page.expect_download() as info:
        page.click("#export-xlsx")
    target = tmp_path / "roster.xlsx"
    info.value.save_as(target)
    rows = list(load_workbook(io.BytesIO(target.read_bytes())).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 3 and rows[1][4] == "王立新"

    page.click(f"a[href='/registry/households/{family.pk}/']")
    page.wait_for_selector("#household-benefits")
    assert "有办理中的案件" in page.inner_text(".case-banner")
    benefits = page.inner_text("#household-benefits")
    assert "最低生活保障" in benefits and "1,234.50" in benefits and "重度残疾人护理补贴" in benefits
    assert _no_horizontal_scroll(page)
    screenshot(page, "receives-household-390")
