"""The home page: counts and recent changes of the user's region only, shortcuts by capability."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doudi.core.context_processors import first_url
from doudi.registry.tests import factories as f


@pytest.fixture
def two_households(regions, users):
    mine = f.household(regions["lixin"], actor=users["village_worker"], members=1, head_name="王建国")
    theirs = f.household(regions["hanjiacha"], actor=users["other_village_worker"], members=2, head_name="周四海")
    return mine, theirs


@pytest.mark.parametrize(
    ("role", "households", "persons"),
    [
        ("village_worker", 1, 2),
        ("other_village_worker", 1, 3),
        ("township_officer", 1, 2),
        ("county_reviewer", 2, 5),
        ("city_supervisor", 2, 5),
        ("auditor", 2, 5),
        ("administrator", 2, 5),
        ("foreign_county_reviewer", 0, 0),
        ("no_region", 0, 0),
    ],
)
def test_home_counts_only_the_users_region(client, users, two_households, role, households, persons):
    client.force_login(users[role])
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert (response.context["household_count"], response.context["person_count"]) == (households, persons)


def test_recent_changes_stay_in_scope(client, users, two_households):
    client.force_login(users["village_worker"])
    page = client.get(reverse("core:home")).content.decode()
    assert "王建国" in page and "周四海" not in page


def test_shortcuts_follow_capabilities(client, users):
    client.force_login(users["village_worker"])
    labels = {s["label"] for s in client.get(reverse("core:home")).context["shortcuts"]}
    assert "新建家庭" in labels and "审计日志" not in labels and "用户" not in labels
    client.force_login(users["county_reviewer"])
    labels = {s["label"] for s in client.get(reverse("core:home")).context["shortcuts"]}
    assert {"新建家庭", "审计日志"} <= labels and "区划城乡类别维护" not in labels
    client.force_login(users["administrator"])
    labels = {s["label"] for s in client.get(reverse("core:home")).context["shortcuts"]}
    assert {"区划城乡类别维护", "审计日志"} <= labels
    # The user list is offered once the admin site registers users; a link to a missing page never shows.
    assert ("用户" in labels) == (first_url(["admin:accounts_user_changelist"]) is not None)
    client.force_login(users["auditor"])
    labels = {s["label"] for s in client.get(reverse("core:home")).context["shortcuts"]}
    assert "新建家庭" not in labels and "审计日志" in labels


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_page_renders_in_chinese(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert "登录兜底系统" in page and "用户名" in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "fr"])
def test_django_own_messages_stay_chinese_whatever_the_browser_language(client, language):
    """Only Chinese is offered: a browser asking for English still gets Django's messages in Chinese."""
    response = client.post(reverse("accounts:login"), {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE=language)
    body = response.content.decode()
    assert "该字段是必填项。" in body
    assert "This field is required" not in body
    assert response.headers["Content-Language"] == "zh-hans"
