"""A policy officer changes a standard, publishes it, and a worker's assessment follows it."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.policy.tests.conftest import with_urban_standard
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_standard_drafted_published_and_seen_in_an_assessment(new_page, screenshot, published, users, regions):
    hh = f.household(regions["hanjiacha"], actor=users["county_reviewer"], members=1, joined_on=date(2020, 1, 1))
    registry.do_record_evidence(
        users["county_reviewer"],
        Person.objects.get(household=hh, relation="head"),
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("900")},
        valid_from=date(2024, 1, 1),
    )

    # The county reviewer opens the county's policy and saves a draft with the urban standard at 760.
    page = new_page(users["county_reviewer"])
    page.goto("/policy/")
    page.get_by_role("link", name="第 1 版").last.click()
    page.goto(page.url + "?on=2025-08-01")
    assert "740" in page.locator("tr", has_text="dibao.standard_urban").inner_text()
    screenshot(page, "policy-01-version")
    page.get_by_role("link", name="另存为新草稿").click()
    page.locator("textarea[name=content]").fill(with_urban_standard(published["yuanjiang"].content, 760))
    page.get_by_role("button", name="保存草稿").click()
    assert "已保存草稿" in page.content()
    assert "760" in page.locator("tr", has_text="dibao.standard_urban").inner_text()
    assert page.get_by_role("button", name="发布此版本（立即生效）").count() == 0
    draft_url = page.url

    # The city supervisor publishes it with the reason.
    page = new_page(users["city_supervisor"])
    page.goto(draft_url)
    page.locator("input[name=reason]").fill("益民发〔2025〕7号：城市低保标准提至 760 元")
    page.get_by_role("button", name="发布此版本（立即生效）").click()
    assert "已发布" in page.content()
    screenshot(page, "policy-02-published")

    # A worker assesses the household in August: the explanation uses 760.
    page = new_page(users["other_village_worker"])
    page.goto(f"/policy/assess/households/{hh.pk}/")
    page.locator("input[name=on]").fill("2025-08-01")
    page.get_by_role("button", name="评估并留存").click()
    text = page.locator(".result").inner_text()
    assert "城市低保标准 760.00 元" in text
    screenshot(page, "policy-03-assessment")


def test_worksheet_on_a_phone(new_page, screenshot, published, users):
    page = new_page(users["village_worker"], width=390, height=844)
    page.goto("/policy/assess/")
    page.locator("input[name=region]").fill("430981")
    page.locator("input[name='m-0-name']").fill("张大山")
    page.locator("input[name='m-0-birth_date']").fill("1950-04-01")
    page.locator("input[name='m-0-wage']").fill("300")
    page.get_by_role("button", name="添加成员").click()
    page.locator("input[name='m-1-name']").fill("李秀英")
    page.locator("input[name='m-1-birth_date']").fill("1952-09-09")
    page.locator("select[name='m-1-relation']").select_option("spouse")
    page.locator("select[name='m-1-disability_category']").select_option("physical")
    page.locator("select[name='m-1-disability_grade']").select_option("2")
    page.get_by_role("button", name="试算").click()
    screenshot(page, "policy-04-worksheet-phone")
    text = page.locator(".result").inner_text()
    assert "李秀英" in text and "农村低保标准" not in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "policy-04-worksheet-phone")


def test_draft_edited_as_a_form_on_a_phone(new_page, screenshot, published, users):
    """At 390 px a county officer changes the rural standard as published per year, sees a field error, saves."""
    from doudi.policy import services
    from doudi.policy.engine.documents import load_document

    draft = services.do_create_draft(
        users["county_reviewer"],
        region_code="430981",
        content=published["yuanjiang"].content,
        title="下半年标准",
        based_on=published["yuanjiang"],
    )
    page = new_page(users["county_reviewer"], width=390, height=844)
    page.set_default_timeout(60_000)  # the form page lists every parameter; slow on a loaded CI machine
    page.goto(f"/policy/versions/{draft.pk}/")
    page.get_by_role("link", name="按表单修改").click()
    row = page.locator(".param-row", has=page.locator("input[name='v__dibao.standard_rural']"))
    row.locator("input[name='v__dibao.standard_rural']").fill("abc")
    page.get_by_role("button", name="保存草稿").click()
    row = page.locator(".param-row", has=page.locator("input[name='v__dibao.standard_rural']"))
    assert "不是有效数值" in row.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    row.scroll_into_view_if_needed()
    screenshot(page, "policy-form-01-error")
    row.locator("input[name='v__dibao.standard_rural']").fill("5820")
    row.locator("input[name='y__dibao.standard_rural']").check()
    row.locator("input[name='f__dibao.standard_rural']").fill("2025-07-01")
    page.get_by_role("button", name="保存草稿").click()
    assert "草稿已保存" in page.content()
    assert "与现行版本的差异" in page.content() and "5,820.00 元/年" in page.content()
    screenshot(page, "policy-form-02-diff")
    draft.refresh_from_db()
    assert load_document(draft.content).params["dibao.standard_rural"][-1].published == Decimal("5820")
