"""The case and review lists of the API answer every role with its own region's rows, 50 a page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.cases.models import ReviewTask

ROLES = [
    "village_worker",
    "other_village_worker",
    "township_officer",
    "other_township_officer",
    "county_reviewer",
    "foreign_county_reviewer",
    "city_supervisor",
    "auditor",
    "administrator",
    "no_region",
]
# Whose region holds 立新村, the household's village (a user without a region sees nothing).
IN_SCOPE = {"village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator"}


def _get(user, name: str, params=None):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(reverse(f"api:{name}"), params or {})


@pytest.fixture
def enrolled(walk, household):
    """An enrolled dibao case of 立新村 with its first periodic review scheduled."""
    case = walk.to_enrolled(household)
    assert ReviewTask.objects.filter(household=household).exists()
    return case


@pytest.mark.parametrize("role", ROLES)
def test_case_list_answers_every_role_with_its_own_region(enrolled, users, role):
    response = _get(users[role], "case_list")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    numbers = [row["number"] for row in body["results"]]
    assert numbers == ([enrolled.number] if role in IN_SCOPE else [])
    assert body["count"] == len(numbers)


@pytest.mark.parametrize("role", ROLES)
def test_review_list_answers_every_role_with_its_own_region(enrolled, users, role):
    response = _get(users[role], "review_list")
    assert response.status_code == 200, response.content
    body = response.json()
    households = {row["household_id"] for row in body["results"]}
    assert households == ({enrolled.household_id} if role in IN_SCOPE else set())
    assert body["count"] == len(body["results"])


@pytest.mark.parametrize("name", ["case_list", "review_list"])
@pytest.mark.parametrize("page", ["-1", "abc", "999999", "0", "1.5", "9" * 40])
def test_a_bad_page_is_a_400_naming_the_field(enrolled, users, name, page):
    response = _get(users["county_reviewer"], name, {"page": page})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["extra"]["field"] == "page"
    assert body["message"] == f"页码：“{page[:20]}”无效，应为 1 至 1 之间的整数。"


@pytest.mark.parametrize("name", ["case_list", "review_list"])
def test_the_last_page_is_served(enrolled, users, name):
    assert _get(users["county_reviewer"], name, {"page": "last"}).status_code == 200
    assert _get(users["county_reviewer"], name, {"page": "1"}).json()["count"] == 1


@pytest.mark.parametrize("name", ["case_list", "review_list"])
def test_page_size_is_bounded(enrolled, users, name):
    response = _get(users["county_reviewer"], name, {"page_size": "100000"})
    assert response.status_code == 200 and response.json()["count"] >= 1
