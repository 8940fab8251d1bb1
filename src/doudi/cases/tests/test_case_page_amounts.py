"""Amounts of 1,000 元 and more on the case page are written with thousands separators and two
decimals: the assessment's total, the proposal the county confirms, the history's summary and the
opinion posted on the notice (a family of four earning 100 元 receives more than 1,000 元)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.cases.models import NoticeStatus, PublicNotice
from doudi.cases.tests.conftest import fresh, poor_household
from doudi.core.labels import money

pytestmark = pytest.mark.django_db


def _page(user, case) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


@pytest.fixture
def family_of_four(regions, users, published):
    return poor_household(regions["lixin"], users["county_reviewer"], members=3, income="100")


@pytest.fixture
def case_to_confirm(walk, family_of_four):
    today = timezone.localdate()
    case = walk.to_notice(family_of_four, on=today, programmes=["dibao"])
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=4)
    )
    return fresh(case)


def _total(case) -> str:
    total = case.opinion_assessment.result["total_monthly"]
    assert float(total) >= 1000, "the example needs an amount of four digits"
    return money(total)


def test_the_county_sees_the_proposal_and_the_assessment_with_separators(case_to_confirm, users):
    total = _total(case_to_confirm)
    page = _page(users["county_reviewer"], case_to_confirm)
    assert f'data-label="月金额">{total}</td>' in page
    assert f'月救助金合计 <b class="num">{total}</b> 元' in page
    assert f"查看评估说明（{total} 元/月）" in page
    assert not re.search(r"(月金额\">|月救助金合计 <b class=\"num\">|查看评估说明（)\d{4}", page)


def test_the_opinion_on_the_notice_writes_the_amount_with_separators(case_to_confirm, users):
    total = _total(case_to_confirm)
    assert f"最低生活保障 {total} 元/月" in case_to_confirm.opinion
    assert f"最低生活保障 {total} 元/月" in _page(users["township_officer"], case_to_confirm)
