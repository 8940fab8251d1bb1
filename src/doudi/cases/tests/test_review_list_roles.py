"""The review list tells each user what they can do: the county may tick and complete reviews; a
village worker or township officer, who cannot, is pointed to the change report instead of being told
to tick boxes that are not there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

TICK = "可勾选后批量“维持不变”"


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("cases:review_list")).content.decode()


def test_the_county_is_told_to_tick_and_complete(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    page = _page(users["county_reviewer"])
    assert TICK in page and 'class="bulk-check"' in page and 'id="review-who"' not in page


@pytest.mark.parametrize("role", ["village_worker", "township_officer"])
def test_others_see_who_completes_and_where_to_report_a_change(walk, household, users, role):
    walk.to_enrolled(household, programmes=["dibao"])
    page = _page(users[role])
    assert "张三户" in page and 'class="bulk-check"' not in page
    assert TICK not in page
    assert "复核结论由县级审核人员办理" in page and "报告家庭情况变更" in page
