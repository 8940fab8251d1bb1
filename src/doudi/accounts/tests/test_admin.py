"""The admin of API tokens and of django-axes's login attempts follows the administrator's region.

A login attempt belongs to the user whose name it was made on; an attempt on a name that matches
no user belongs to no region, and only an administrator of a whole province sees it.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.accounts.models import ApiToken, TokenRevokeReason
from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.accounts.tokens import do_create_api_token
from doudi.audit.models import AuditEvent

# The admin screens (doudi's proxies, under Chinese names) of django-axes's three tables.
AXES_MODELS = {"loginattempt": AccessAttempt, "loginlog": AccessLog, "loginfailure": AccessFailureLog}
UNKNOWN_NAME = "no-such-user"


@pytest.fixture
def county_admin(regions):
    """An administrator of 沅江市 only: 资阳区 and the province lie outside."""
    return UserFactory(role=Role.ADMINISTRATOR, region=regions["yuanjiang"], is_staff=True, username="yj_admin")


def url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def _rows(model, usernames):
    rows = {}
    for name in usernames:
        values = {
            "username": name,
            "ip_address": "10.0.0.7",
            "user_agent": "pytest",
            "http_accept": "*/*",
            "path_info": "/accounts/login/",
        }
        if model is AccessAttempt:
            values.update(get_data="", post_data=f"username={name}", failures_since_start=3)
        rows[name] = model.objects.create(**values)
    return rows


@pytest.fixture
def names(users):
    """User names whose attempts are inside 沅江市, inside 资阳区, and of nobody."""
    return {
        "inside": users["village_worker"].username,
        "foreign": users["foreign_county_reviewer"].username,
        "unknown": UNKNOWN_NAME,
    }


# ---------------------------------------------------------------------------------------------
# Login attempts, the login log and the failure log
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model_name", AXES_MODELS)
def test_a_county_administrator_sees_only_attempts_on_users_of_the_county(county_admin, names, client, model_name):
    rows = _rows(AXES_MODELS[model_name], names.values())
    client.force_login(county_admin)
    listing = client.get(url(f"accounts_{model_name}_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert names["inside"] in html
    assert names["foreign"] not in html and UNKNOWN_NAME not in html
    assert client.get(url(f"accounts_{model_name}_change", rows[names["inside"]].pk)).status_code == 200
    for refused in ("foreign", "unknown"):
        page = client.get(url(f"accounts_{model_name}_change", rows[names[refused]].pk))
        # The answer for a row of another region is the answer for a missing row.
        assert page.status_code == 302 and page["Location"] == url("index")


@pytest.mark.parametrize("model_name", AXES_MODELS)
def test_the_province_administrator_also_sees_attempts_on_unknown_names(users, names, client, model_name):
    rows = _rows(AXES_MODELS[model_name], [*names.values(), None])
    client.force_login(users["administrator"])
    html = client.get(url(f"accounts_{model_name}_changelist")).content.decode()
    assert all(name in html for name in names.values())
    for row in rows.values():
        assert client.get(url(f"accounts_{model_name}_change", row.pk)).status_code == 200


def test_a_superuser_flag_does_not_widen_a_county_administrators_view(county_admin, names, client):
    county_admin.is_superuser = True
    county_admin.save(update_fields=["is_superuser"])
    _rows(AccessAttempt, names.values())
    client.force_login(county_admin)
    html = client.get(url("accounts_loginattempt_changelist")).content.decode()
    assert names["inside"] in html and names["foreign"] not in html and UNKNOWN_NAME not in html


@pytest.mark.parametrize("role", ["county_reviewer", "city_supervisor", "auditor"])
def test_staff_without_user_management_cannot_open_the_login_logs(users, names, client, role):
    user = users[role]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    rows = _rows(AccessAttempt, names.values())
    client.force_login(user)
    for model_name in AXES_MODELS:
        assert client.get(url(f"accounts_{model_name}_changelist")).status_code == 403
    assert client.get(url("accounts_loginattempt_change", rows[names["inside"]].pk)).status_code in (302, 403)
    index = client.get(url("index")).content.decode()
    assert "登录失败计数" not in index and "登录记录" not in index


def test_real_failed_logins_are_shown_to_the_users_administrator_only(users, county_admin, client):
    foreign = users["foreign_county_reviewer"]
    for name in (users["village_worker"].username, foreign.username):
        APIClient().post(reverse("api:token_create"), {"username": name, "password": "wrong"}, format="json")
    assert AccessAttempt.objects.count() == 2
    client.force_login(county_admin)
    html = client.get(url("accounts_loginattempt_changelist")).content.decode()
    assert users["village_worker"].username in html and foreign.username not in html


def test_deleting_an_attempt_in_scope_unlocks_the_name(users, county_admin, client):
    user = users["village_worker"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(reverse("api:token_create"), {"username": user.username, "password": "x"}, format="json")
    attempt = AccessAttempt.objects.get(username=user.username)
    client.force_login(county_admin)
    response = client.post(url("accounts_loginattempt_delete", attempt.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()


def test_an_attempt_outside_the_scope_cannot_be_deleted(county_admin, names, client):
    rows = _rows(AccessAttempt, names.values())
    client.force_login(county_admin)
    for refused in ("foreign", "unknown"):
        pk = rows[names[refused]].pk
        client.post(url("accounts_loginattempt_delete", pk), {"post": "yes"})
        bulk = {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
        client.post(url("accounts_loginattempt_changelist"), bulk)
        assert AccessAttempt.objects.filter(pk=pk).exists()
    # The same bulk action does unlock a name of the county.
    inside = rows[names["inside"]].pk
    bulk = {"action": "delete_selected", "_selected_action": [inside], "post": "yes"}
    client.post(url("accounts_loginattempt_changelist"), bulk)
    assert not AccessAttempt.objects.filter(pk=inside).exists()


def test_the_logs_cannot_be_deleted_or_changed(users, names, client):
    rows = _rows(AccessLog, names.values())
    client.force_login(users["administrator"])
    row = rows[names["inside"]]
    client.post(url("accounts_loginlog_delete", row.pk), {"post": "yes"})
    assert AccessLog.objects.filter(pk=row.pk).exists()
    assert "delete_selected" not in client.get(url("accounts_loginlog_changelist")).content.decode()


# ---------------------------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def tokens(users):
    return {
        "inside": do_create_api_token(users["village_worker"], name="立新村导入").token,
        "foreign": do_create_api_token(users["foreign_county_reviewer"], name="资阳区报表").token,
    }


def test_token_list_follows_the_scope_and_never_shows_a_key(county_admin, tokens, client):
    client.force_login(county_admin)
    response = client.get(url("accounts_apitoken_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "立新村导入" in html and "资阳区报表" not in html
    assert tokens["inside"].key_hash not in html
    page = client.get(url("accounts_apitoken_change", tokens["inside"].pk)).content.decode()
    assert tokens["inside"].key_prefix in page and tokens["inside"].key_hash not in page
    foreign = client.get(url("accounts_apitoken_change", tokens["foreign"].pk))
    assert foreign.status_code == 302 and foreign["Location"] == url("index")


def test_an_administrator_revokes_tokens_of_the_scope_only(county_admin, tokens, client):
    client.force_login(county_admin)
    response = client.post(
        url("accounts_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [tokens["inside"].pk, tokens["foreign"].pk]},
    )
    assert response.status_code == 302
    inside, foreign = (ApiToken.objects.get(pk=tokens[k].pk) for k in ("inside", "foreign"))
    assert inside.revoked_reason == TokenRevokeReason.ADMINISTRATOR and foreign.revoked_at is None
    event = AuditEvent.objects.get(action="revoke_api_token")
    assert (event.actor, event.target_id) == (county_admin, str(inside.pk))


def test_tokens_cannot_be_added_edited_or_deleted_in_the_admin(users, tokens, client):
    client.force_login(users["administrator"])
    assert client.get(url("accounts_apitoken_add")).status_code == 403
    client.post(url("accounts_apitoken_change", tokens["inside"].pk), {"name": "改名"})
    client.post(url("accounts_apitoken_delete", tokens["inside"].pk), {"post": "yes"})
    token = ApiToken.objects.get(pk=tokens["inside"].pk)
    assert token.name == "立新村导入" and token.revoked_at is None


@pytest.mark.parametrize("role", ["county_reviewer", "auditor"])
def test_staff_without_user_management_cannot_see_tokens(users, tokens, client, role):
    user = users[role]
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    assert client.get(url("accounts_apitoken_changelist")).status_code == 403


def test_the_users_page_lists_their_tokens_with_a_link_to_revoke(users, county_admin, tokens, client):
    client.force_login(county_admin)
    page = client.get(url("accounts_user_change", users["village_worker"].pk)).content.decode()
    assert "立新村导入" in page
    link = url("accounts_apitoken_changelist") + f"?user__id__exact={users['village_worker'].pk}"
    assert link in page
    filtered = client.get(link).content.decode()
    assert "立新村导入" in filtered


def test_the_login_screens_speak_chinese_and_axes_own_screens_are_gone(users, names, client):
    _rows(AccessAttempt, names.values())
    client.force_login(users["administrator"])
    index = client.get(url("index")).content.decode()
    assert "登录失败计数" in index and "登录记录" in index and "登录失败记录" in index
    assert "/admin/axes/" not in index
    html = client.get(url("accounts_loginattempt_changelist")).content.decode()
    for label in ("时间", "用户名", "IP 地址", "连续失败次数", f"还可尝试 {settings.AXES_FAILURE_LIMIT - 3} 次"):
        assert label in html
    assert client.get("/admin/axes/accessattempt/").status_code == 404
