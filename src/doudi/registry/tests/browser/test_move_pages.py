"""迁入, 分户 and 合户 on a 390 px phone: each form fits the screen and does its work."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.registry import services
from doudi.registry.models import Household, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_moves_on_a_phone(transactional_db, new_page, screenshot, users, regions):
    worker = users["village_worker"]
    hh = f.household(regions["lixin"], actor=worker, members=2, head_name="张父", joined_on=date(2010, 1, 1))
    other = f.household(regions["lixin"], actor=worker, members=1, head_name="李母", joined_on=date(2012, 1, 1))
    leaver = Person.objects.get(household=other, relation="child")
    services.do_remove_member(worker, leaver, left_on=date(2024, 5, 1), reason="外出务工")
    page = new_page(worker, width=390, height=844)

    page.goto(f"/registry/households/{hh.pk}/")
    for label in ("迁入成员", "分户", "合户"):
        assert page.get_by_role("link", name=label, exact=True).is_visible()
    assert page.evaluate(FITS)

    # 添加成员 with a registered number: the form offers 迁入本户.
    page.goto(f"/registry/households/{hh.pk}/members/new/")
    page.fill("#id_id_number", leaver.id_number)
    page.fill("#id_name", leaver.name)
    page.select_option("#id_relation", "other")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("#join-offer")
    assert page.evaluate(FITS)
    screenshot(page, "registry-moves-01-join-offer-phone")
    page.fill("#join_joined_on", "2024-06-01")
    page.fill("#join_reason", "投靠亲属")
    page.locator("#join-offer").get_by_role("button", name="迁入本户").click()
    page.wait_for_selector(f"text=已将 {leaver.name} 迁入本户")
    assert Person.objects.get(pk=leaver.pk).household_id == hh.pk

    # 分户: 张一 leaves with 张二 as sibling.
    page.goto(f"/registry/households/{hh.pk}/split/")
    assert page.evaluate(FITS)
    kids = {p.name: p for p in Person.objects.filter(household=hh).exclude(pk=leaver.pk)}
    page.check(f"input[name=head][value='{kids['张一'].pk}']")
    page.check(f"#id_move_{kids['张二'].pk}")
    page.select_option(f"#id_rel_{kids['张二'].pk}", "sibling")
    page.fill("#id_split_on", "2024-07-01")
    page.fill("#id_reason", "成家分户")
    screenshot(page, "registry-moves-02-split-phone")
    page.get_by_role("button", name="确认分户").click()
    page.wait_for_selector("text=已分户")
    new = Household.objects.get(head_name="张一")
    assert page.evaluate(FITS)

    # 合户: the new household back into the first, in two steps.
    page.goto(f"/registry/households/{hh.pk}/merge/")
    page.fill("#id_source_number", new.number)
    page.fill("#id_reason", "重新合户")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_selector("text=确认合户")
    assert page.evaluate(FITS)
    screenshot(page, "registry-moves-03-merge-phone")
    page.get_by_role("button", name="确认合户").click()
    page.wait_for_selector("text=已合户")
    new.refresh_from_db()
    assert new.status == "closed"
