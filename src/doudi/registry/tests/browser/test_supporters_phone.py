"""A village worker records what the township found about a lone elder's legal supporters, on a phone:
the form refuses "unable to support" without its basis and writes nothing, then records it; the
person and household pages show it in Chinese."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doudi.registry.models import LegalSupporter, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.browser


def test_legal_supporters_recorded_on_a_phone(transactional_db, new_page, screenshot, regions, users):
    worker = users["village_worker"]
    household = f.do_create_household(
        worker,
        region_code=regions["lixin"].code,
        head=f.person_input("赵老汉", "head", date(1947, 2, 10)),
        members=[],
        address="草尾镇立新村3组",
        joined_on=date(2020, 1, 1),
    )
    elder = Person.objects.get(household=household)
    page = new_page(worker, width=390, height=844)
    page.goto(reverse("registry:evidence_create", args=[elder.pk, "legalsupporter"]))
    page.select_option("#id_situation", "incapable")
    page.fill("#id_valid_from", "2026-11-01")
    page.get_by_role("button", name="保存").click()
    error = page.locator(".field-error").first.inner_text()
    assert "法定义务人无履行能力时须写明认定依据" in error
    assert not LegalSupporter.objects.exists()
    screenshot(page, "supporters-phone-01-basis-missing")

    page.fill("#id_basis", "独子是60周岁以上低保对象")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"**{reverse('registry:person_detail', args=[elder.pk])}")
    row = LegalSupporter.objects.get(person=elder)
    assert (row.situation, row.basis, row.recorded_by) == ("incapable", "独子是60周岁以上低保对象", worker)
    screenshot(page, "supporters-phone-02-person")
    page.goto(reverse("registry:household_detail", args=[household.pk]))
    text = page.inner_text("main")
    assert "法定义务人情况" in text and "法定义务人无履行能力" in text and "独子是60周岁以上低保对象" in text
    assert "incapable" not in text
    screenshot(page, "supporters-phone-03-household")
