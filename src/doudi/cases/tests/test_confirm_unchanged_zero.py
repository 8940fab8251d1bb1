"""The county's confirmation step warns "家庭情况在公示后有变化" only when today's assessment differs
from the one on the notice: an assessment of 0 元 then and now (0.00 stored, 0 computed) is unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.cases.models import NoticeStatus, PublicNotice
from doudi.cases.tests.conftest import fresh, poor_household

pytestmark = pytest.mark.django_db

WARNING = "家庭情况在公示后有变化"


def _confirm_page(walk, household, users) -> tuple[str, object]:
    today = timezone.localdate()
    case = walk.to_notice(household, on=today, programmes=["dibao"])
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=4)
    )
    client = Client()
    client.force_login(users["county_reviewer"])
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode(), fresh(case)


def test_nothing_then_and_nothing_now_is_not_a_change(walk, regions, users, published):
    well_off = poor_household(regions["lixin"], users["county_reviewer"], income="6000")
    page, case = _confirm_page(walk, well_off, users)
    assert case.opinion_assessment.total_monthly == 0
    assert 'id="current-assessment-confirm"' in page and WARNING not in page


def test_an_amount_unchanged_since_the_notice_is_not_a_change(walk, household, users):
    page, case = _confirm_page(walk, household, users)
    assert case.opinion_assessment.total_monthly > 0
    assert 'id="current-assessment-confirm"' in page and WARNING not in page
