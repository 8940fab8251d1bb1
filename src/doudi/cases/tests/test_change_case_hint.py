"""A change case (家庭成员减少, 收入变化 …) is assessed on what the household page records, so its page
tells the worker to register the change there, with a link, before the township gives its opinion."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.cases import services

pytestmark = pytest.mark.django_db

HINT = 'id="change-register"'


def _page(user, case) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_a_member_who_left_is_to_be_registered_on_the_household_page(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    change = services.do_report_change(
        users["village_worker"],
        household,
        change_kind="member_left",
        occurred_on=timezone.localdate(),
        note="女儿随外婆迁往长沙",
    )
    page = _page(users["village_worker"], change)
    assert HINT in page and "请在" in page
    assert reverse("registry:household_detail", args=[household.pk]) in page.split(HINT)[1][:400]


def test_an_application_has_no_such_hint(walk, household, users):
    case = walk.to_notice(household, on=timezone.localdate(), programmes=["dibao"])
    assert HINT not in _page(users["township_officer"], case)
