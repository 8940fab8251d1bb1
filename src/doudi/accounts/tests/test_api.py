"""The accounts API: tokens are issued after a password check that counts toward the login lockout."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.accounts.models import ApiToken
from doudi.accounts.tests.factories import PASSWORD

ALL_ROLES = [
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


def _token(client: APIClient, username: str, password: str):
    return client.post(reverse("api:token_create"), {"username": username, "password": password}, format="json")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_token_identifies_the_user_with_role_and_region(users, role):
    user = users[role]
    response = _token(APIClient(), user.username, PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert response.json()["user"]["username"] == user.username

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get(reverse("api:me")).json()
    assert (me["username"], me["role"], me["region_code"]) == (user.username, user.role, user.region_id)
    if role == "no_region":
        assert me["region_name"] is None
    else:
        assert me["region_name"] == user.region.full_name


def test_me_lists_the_capabilities_of_the_role(users):
    client = APIClient()
    client.force_authenticate(users["auditor"])
    assert "edit_registry" not in client.get(reverse("api:me")).json()["capabilities"]
    client.force_authenticate(users["village_worker"])
    capabilities = client.get(reverse("api:me")).json()["capabilities"]
    assert "edit_registry" in capabilities and "export_unmasked" not in capabilities


def test_each_login_of_the_same_client_replaces_its_token_until_revoked(users):
    user = users["village_worker"]
    first = _token(APIClient(), user.username, PASSWORD).json()["token"]
    second = _token(APIClient(), user.username, PASSWORD).json()["token"]
    assert second != first
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    refused = old.get(reverse("api:me"))
    assert refused.status_code == 401 and "同名客户端重新获取令牌" in refused.json()["message"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get(reverse("api:me")).status_code == 200
    assert client.post(reverse("api:token_revoke")).status_code == 204
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    refused = client.get(reverse("api:me"))
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    assert "注销（本人注销）" in refused.json()["message"]


def test_wrong_password_is_refused_in_chinese(users):
    response = _token(APIClient(), users["village_worker"].username, "wrong-password")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "message": "用户名或密码错误。",
        "extra": {"field": "password"},
    }
    assert not ApiToken.objects.exists()


def test_missing_password_names_the_field(users):
    response = APIClient().post(reverse("api:token_create"), {"username": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "密码：该字段是必填项。"


def test_inactive_user_gets_no_token(users):
    user = users["county_reviewer"]
    user.is_active = False
    user.save()
    assert _token(APIClient(), user.username, PASSWORD).status_code == 400


def test_repeated_failures_lock_the_api_login_even_with_the_right_password(users):
    user = users["village_worker"]
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(client, user.username, "wrong-password").status_code == 400
    locked = _token(client, user.username, "wrong-password")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert locked.json()["code"] == "throttled" and "暂时锁定" in locked.json()["message"]

    again = _token(client, user.username, PASSWORD)
    assert again.status_code == 429
    assert not ApiToken.objects.exists()


def test_a_successful_token_login_clears_earlier_failures(users):
    user = users["village_worker"]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _token(APIClient(), user.username, "wrong-password")
    assert _token(APIClient(), user.username, PASSWORD).status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _token(APIClient(), user.username, "wrong-password").status_code == 400
    assert _token(APIClient(), user.username, PASSWORD).status_code == 200


def test_failed_api_logins_also_lock_the_login_page(users, client):
    user = users["village_worker"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(APIClient(), user.username, "wrong-password")
    page = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert page.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failed_page_logins_also_lock_the_api(users, client):
    user = users["village_worker"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong-password"})
    assert _token(APIClient(), user.username, PASSWORD).status_code == 429


def test_other_users_are_not_locked_by_someone_elses_failures(users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _token(APIClient(), users["village_worker"].username, "wrong-password")
    assert _token(APIClient(), users["auditor"].username, PASSWORD).status_code == 200


@pytest.mark.parametrize("name", ["me", "token_revoke"])
def test_anonymous_requests_are_refused(db, name):
    client = APIClient()
    response = client.post(reverse(f"api:{name}")) if name == "token_revoke" else client.get(reverse(f"api:{name}"))
    assert response.status_code in (401, 403)
