"""上门受理 on a 390 px phone: a submission refused for a negative income lists the problem; once the
worker corrects it, the estimate comes back and the old list no longer tells her to correct it."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.registry.models import Household
from doudi.registry.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_problems_corrected_after_a_refused_submission_are_no_longer_shown(new_page, screenshot, users, published):
    page = new_page(users["village_worker"], **PHONE)
    page.goto("/cases/intake/")
    page.fill("#hh-address", "立新村5组8号")
    page.get_by_role("button", name="下一步").click()
    head = page.locator("#members > [data-member]").first
    head.locator('[name$="-name"]').fill("周建国")
    head.locator('[name$="-id_number"]').fill(f.id_number(date(1970, 3, 4)))
    page.locator('#step-tabs [data-goto="2"]').click()
    head.locator(".ev-kind").select_option("income")
    head.locator(".add-ev-btn").click()
    income = head.locator("fieldset.evidence").last
    income.locator('[name$="-category"]').select_option("wages")
    income.locator('[name$="-monthly_amount"]').fill("-300")
    income.locator('[name$="-valid_from"]').fill("2024-01-01")

    page.locator('#step-tabs [data-goto="4"]').click()
    page.check("#authorised")
    page.click("#submit-btn")
    page.wait_for_selector("#problems:has-text('不能为负数')")
    assert Household.objects.count() == 0

    page.locator('#step-tabs [data-goto="2"]').click()
    income.locator('[name$="-monthly_amount"]').fill("300")
    page.locator('#step-tabs [data-goto="4"]').click()
    page.wait_for_selector("#estimate .estimate-summary")
    assert page.locator("#problems").is_hidden()
    assert page.locator(".field-error.dyn").count() == 0
    screenshot(page, "cases-intake-problems-corrected-phone")
    page.click("#submit-btn")
    page.wait_for_selector("#done:has-text('已登记家庭')", timeout=30_000)
    assert Household.objects.count() == 1
