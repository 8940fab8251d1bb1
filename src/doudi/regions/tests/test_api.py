"""The regions API answers only from the user's subtree, like every other screen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

# Who may see 草尾镇 (430981114) and its villages.
SEES_CAOWEI = ["township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator"]
REFUSED_CAOWEI = [
    "village_worker",
    "other_village_worker",
    "other_township_officer",
    "foreign_county_reviewer",
    "no_region",
]
ALL_ROLES = SEES_CAOWEI + REFUSED_CAOWEI
CAOWEI_VILLAGES = ["430981114001", "430981114201", "430981114202"]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["code"] for r in response.json()]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_region_detail_is_404_outside_the_subtree(users, role):
    response = client_for(users[role]).get(reverse("api:region_detail", args=["430981114"]))
    if role in SEES_CAOWEI:
        assert response.status_code == 200
        assert response.json()["code"] == "430981114000"
        assert response.json()["full_name"] == "湖南省益阳市沅江市草尾镇"
        assert response.json()["level_label"] == "乡级"
    else:
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_children_are_listed_only_inside_the_subtree(users, role):
    response = client_for(users[role]).get(reverse("api:region_children", args=["430981114000"]))
    if role in SEES_CAOWEI:
        assert codes(response) == CAOWEI_VILLAGES
    else:
        assert response.status_code == 404


def test_children_of_a_higher_region_are_cut_to_the_subtree(users):
    # 沅江市 itself is outside a township officer's subtree.
    client = client_for(users["township_officer"])
    assert client.get(reverse("api:region_children", args=["430981"])).status_code == 404
    assert codes(client_for(users["county_reviewer"]).get(reverse("api:region_children", args=["430981"]))) == [
        "430981006000",
        "430981114000",
    ]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_search_by_name_finds_only_the_subtree(users, role):
    found = codes(client_for(users[role]).get(reverse("api:region_list"), {"q": "立新"}))
    in_scope = role in SEES_CAOWEI or role == "village_worker"
    assert found == (["430981114201"] if in_scope else [])


def test_search_by_code_prefix_and_default_list(users):
    client = client_for(users["township_officer"])
    assert codes(client.get(reverse("api:region_list"), {"q": "4309811142"})) == ["430981114201", "430981114202"]
    assert codes(client.get(reverse("api:region_list"))) == ["430981114000", *CAOWEI_VILLAGES]
    assert codes(client_for(users["village_worker"]).get(reverse("api:region_list"))) == ["430981114201"]
    assert codes(client_for(users["no_region"]).get(reverse("api:region_list"))) == []


def test_a_foreign_county_is_not_found_even_by_code(users):
    client = client_for(users["county_reviewer"])
    assert codes(client.get(reverse("api:region_list"), {"q": "430902"})) == []
    assert client.get(reverse("api:region_detail", args=["430902"])).status_code == 404


def test_malformed_code_and_limit_are_refused_in_chinese(users):
    client = client_for(users["county_reviewer"])
    assert client.get(reverse("api:region_detail", args=["abc"])).status_code == 404
    response = client.get(reverse("api:region_list"), {"limit": 0})
    assert response.status_code == 400
    assert response.json()["message"].startswith("条数：")


def test_limit_caps_the_answer(users):
    assert len(codes(client_for(users["administrator"]).get(reverse("api:region_list"), {"limit": 2}))) == 2


@pytest.mark.parametrize("name,args", [("region_list", []), ("region_detail", ["43"]), ("region_children", ["43"])])
def test_anonymous_requests_are_refused(db, name, args):
    assert APIClient().get(reverse(f"api:{name}", args=args)).status_code in (401, 403)
