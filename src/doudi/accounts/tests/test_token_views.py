"""The "接口令牌" page and the token API: a user lists, creates and revokes their own tokens only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.accounts.models import ApiToken, TokenRevokeReason
from doudi.accounts.tests.factories import PASSWORD
from doudi.accounts.tokens import DEFAULT_CLIENT_NAME, do_create_api_token
from doudi.audit.models import AuditEvent

PAGE = "accounts:token_list"


def _me(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(reverse("api:me"))


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_the_page_needs_a_login(db, client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_links_to_the_token_page(users, client):
    client.force_login(users["auditor"])
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{reverse(PAGE)}"' in html and "接口令牌" in html


def test_creating_a_token_shows_the_key_once(users, client):
    user = users["village_worker"]
    client.force_login(user)
    response = client.post(reverse(PAGE), {"name": "区县夜间导入任务", "expires_in_days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    issued = response.context["issued"]
    html = response.content.decode()
    assert issued.key in html and "只显示这一次" in html
    token = ApiToken.objects.get(user=user)
    assert token.name == "区县夜间导入任务"
    assert timezone.now() + timedelta(days=29) < token.expires_at <= timezone.now() + timedelta(days=30)
    assert _me(issued.key).json()["username"] == user.username

    again = client.get(reverse(PAGE)).content.decode()
    assert issued.key not in again and "区县夜间导入任务" in again and token.key_prefix in again


def test_the_list_shows_only_the_users_own_tokens(users, client):
    do_create_api_token(users["village_worker"], name="自己的导入")
    do_create_api_token(users["other_village_worker"], name="别人的报表")
    client.force_login(users["village_worker"])
    html = client.get(reverse(PAGE)).content.decode()
    assert "自己的导入" in html and "别人的报表" not in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "expires_in_days": "30"}, "客户端名称：不能为空。"),
        ({"name": "x" * 101, "expires_in_days": "30"}, "客户端名称：最多 100 个字。"),
        ({"name": "导入", "expires_in_days": "0"}, "有效期：应为 1 至 365 天的整数。"),
        ({"name": "导入", "expires_in_days": "9999"}, "有效期：应为 1 至 365 天的整数。"),
        ({"name": "导入", "expires_in_days": "abc"}, "有效期：应为 1 至 365 天的整数。"),
    ],
)
def test_bad_input_is_named_in_chinese(users, client, data, message):
    client.force_login(users["village_worker"])
    response = client.post(reverse(PAGE), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_name_in_use_is_refused_next_to_the_field(users, client):
    do_create_api_token(users["village_worker"], name="导入")
    client.force_login(users["village_worker"])
    response = client.post(reverse(PAGE), {"name": "导入", "expires_in_days": "30"})
    assert "已有名为“导入”的有效令牌" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_revoking_from_the_page(users, client):
    user = users["village_worker"]
    keep = do_create_api_token(user, name="报表")
    gone = do_create_api_token(user, name="导入")
    client.force_login(user)
    response = client.post(reverse("accounts:token_revoke", args=[gone.token.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    assert _me(gone.key).status_code == 401 and _me(keep.key).status_code == 200
    assert AuditEvent.objects.filter(action="revoke_api_token", target_id=str(gone.token.pk)).exists()
    assert "已注销令牌“导入”" in client.get(reverse(PAGE)).content.decode()


def test_another_users_token_cannot_be_revoked_from_the_page(users, client):
    issued = do_create_api_token(users["village_worker"], name="导入")
    client.force_login(users["other_village_worker"])
    assert client.post(reverse("accounts:token_revoke", args=[issued.token.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[issued.token.pk + 999])).status_code == 404
    assert _me(issued.key).status_code == 200


def test_revoking_needs_a_post(users, client):
    issued = do_create_api_token(users["village_worker"], name="导入")
    client.force_login(users["village_worker"])
    assert client.get(reverse("accounts:token_revoke", args=[issued.token.pk])).status_code == 405
    assert _me(issued.key).status_code == 200


def test_ended_tokens_leave_the_list_after_thirty_days(users, client):
    user = users["village_worker"]
    old = do_create_api_token(user, name="旧任务").token
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=31))
    recent = do_create_api_token(user, name="上月任务").token
    ApiToken.objects.filter(pk=recent.pk).update(expires_at=timezone.now() - timedelta(days=3))
    client.force_login(user)
    html = client.get(reverse(PAGE)).content.decode()
    assert "上月任务" in html and "已过期" in html and "旧任务" not in html


# ---------------------------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------------------------


def test_the_token_endpoint_takes_a_client_name_and_lifetime(users):
    user = users["village_worker"]
    response = APIClient().post(
        reverse("api:token_create"),
        {"username": user.username, "password": PASSWORD, "client_name": "统计报表脚本", "expires_in_days": 7},
        format="json",
    )
    assert response.status_code == 200
    info = response.json()["token_info"]
    assert info["name"] == "统计报表脚本" and info["status"] == "有效"
    assert info["key_prefix"] == response.json()["token"][:8]
    token = ApiToken.objects.get()
    assert token.expires_at <= timezone.now() + timedelta(days=7)


def test_the_token_endpoint_names_a_client_that_gives_no_name(users):
    user = users["village_worker"]
    response = APIClient().post(
        reverse("api:token_create"), {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.json()["token_info"]["name"] == DEFAULT_CLIENT_NAME


def test_clients_with_different_names_get_independent_tokens(users):
    user = users["village_worker"]
    keys = {}
    for name in ("区县夜间导入任务", "统计报表脚本"):
        body = {"username": user.username, "password": PASSWORD, "client_name": name}
        keys[name] = APIClient().post(reverse("api:token_create"), body, format="json").json()["token"]
    assert all(_me(k).status_code == 200 for k in keys.values())
    # The nightly job logs in again: its own token is replaced, the report script's is not.
    body = {"username": user.username, "password": PASSWORD, "client_name": "区县夜间导入任务"}
    APIClient().post(reverse("api:token_create"), body, format="json")
    assert _me(keys["区县夜间导入任务"]).status_code == 401
    assert _me(keys["统计报表脚本"]).status_code == 200
    replaced = ApiToken.objects.get(name="区县夜间导入任务", revoked_at__isnull=False)
    assert replaced.revoked_reason == TokenRevokeReason.REPLACED


def test_a_lifetime_beyond_the_maximum_is_refused_by_the_token_endpoint(users):
    user = users["village_worker"]
    body = {"username": user.username, "password": PASSWORD, "expires_in_days": 10_000}
    response = APIClient().post(reverse("api:token_create"), body, format="json")
    assert response.status_code == 400 and response.json()["message"] == "有效期：应为 1 至 365 天。"
    assert not ApiToken.objects.exists()


def test_list_create_and_revoke_through_the_api(users):
    user = users["township_officer"]
    client = APIClient()
    client.force_authenticate(user)
    created = client.post(reverse("api:token_new"), {"name": "报表", "expires_in_days": 14}, format="json")
    assert created.status_code == 201
    key, token_id = created.json()["token"], created.json()["token_info"]["id"]
    assert _me(key).status_code == 200

    listed = client.get(reverse("api:token_list")).json()
    assert [t["name"] for t in listed] == ["报表"] and "token" not in listed[0]
    revoked = client.post(reverse("api:token_revoke_by_id", args=[token_id]))
    assert revoked.status_code == 200 and revoked.json()["revoked_reason"] == "user"
    assert _me(key).status_code == 401


def test_another_users_token_is_not_found_through_the_api(users):
    issued = do_create_api_token(users["village_worker"], name="导入")
    client = APIClient()
    client.force_authenticate(users["administrator"])  # even an administrator: this endpoint is for one's own
    response = client.post(reverse("api:token_revoke_by_id", args=[issued.token.pk]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert issued.token.name not in str(client.get(reverse("api:token_list")).json())
    assert _me(issued.key).status_code == 200


def test_revoking_the_current_token_needs_a_token(users):
    client = APIClient()
    client.force_authenticate(users["village_worker"])
    response = client.post(reverse("api:token_revoke"))
    assert response.status_code == 400 and response.json()["code"] == "no_token_in_request"


@pytest.mark.parametrize("name", ["token_list", "token_new"])
def test_anonymous_token_requests_are_refused(db, name):
    client = APIClient()
    response = client.get(reverse(f"api:{name}")) if name == "token_list" else client.post(reverse(f"api:{name}"))
    assert response.status_code == 401
