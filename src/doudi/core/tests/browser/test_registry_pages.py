"""A village worker's day in the browser: log in, find a household, add a member, see the history."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.accounts.tests.factories import PASSWORD
from doudi.registry.identity import make_id_number
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def household(regions, users):
    head = f.person_input("王建国", phone="13812345678", bank_name="农商银行", bank_account="6217001234567890123")
    kid = f.person_input("王小明", "child", date(2012, 3, 1))
    return f.do_create_household(
        users["village_worker"],
        region_code=regions["lixin"].code,
        head=head,
        members=[kid],
        address="草尾镇立新村1组",
        joined_on=date(2020, 1, 1),
    )


def test_village_worker_adds_a_member_after_a_wrong_id_number(transactional_db, new_page, screenshot, users, household):
    worker = users["village_worker"]
    page = new_page()
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", worker.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('我的工作台')")
    screenshot(page, "01-home-village-worker")

    page.fill("#home-q", "王建国")
    page.press("#home-q", "Enter")
    page.wait_for_selector("#household-table")
    page.click(f"text={household.number}")
    page.wait_for_selector("h1:has-text('王建国户')")
    page.click("text=添加成员")

    good = make_id_number("430981", date(2016, 6, 1), 222)  # even sequence: female
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    page.fill("#id_id_number", wrong)
    page.fill("#id_name", "王小红")
    page.select_option("#id_relation", "child")
    page.click("main button[type=submit]")
    error = page.locator(".has-error .field-error")
    assert "校验码错误" in error.inner_text() and "公民身份号码" in error.inner_text()
    screenshot(page, "02-add-member-wrong-id")

    page.fill("#id_id_number", good)
    page.click("main button[type=submit]")
    page.wait_for_selector(".messages >> text=已添加成员 王小红")
    assert page.locator("#household-table").count() == 0
    assert "王小红" in page.locator(".members").inner_text()

    page.click("nav.tabs >> text=变动历史")
    first = page.locator("ol.history > li").first
    assert "添加成员" in first.inner_text() and "王小红（子女）" in first.inner_text()
    assert worker.display_name in first.inner_text()
    screenshot(page, "03-history-after-add")


def test_phone_width_search_and_household_pages(transactional_db, new_page, screenshot, users, household):
    page = new_page(users["village_worker"], width=390, height=844)
    page.goto("/registry/")
    page.fill("#id_q", "王小明")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("#household-table")
    assert _no_horizontal_scroll(page)
    masked = page.locator("#household-table td[data-label='户主身份证号']").first.inner_text()
    assert "*" in masked
    screenshot(page, "04-phone-search")

    page.click(f"text={household.number}")
    page.wait_for_selector("h1:has-text('王建国户')")
    assert _no_horizontal_scroll(page)
    screenshot(page, "05-phone-household")

    page.locator(".member").first.locator("text=显示完整信息").click()
    page.wait_for_selector("text=本次查看已记入审计日志")
    assert "6217001234567890123" in page.locator(".member").first.inner_text()
    assert _no_horizontal_scroll(page)
    screenshot(page, "06-phone-household-revealed")


def test_user_of_another_region_gets_the_404_page(transactional_db, new_page, screenshot, users, household):
    page = new_page(users["other_village_worker"])
    response = page.goto(f"/registry/households/{household.pk}/")
    assert response.status == 404
    assert "不在您的管辖范围内" in page.locator("main").inner_text()
    assert "王建国" not in page.content()
    screenshot(page, "07-refused-404")


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
