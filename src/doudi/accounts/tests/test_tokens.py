"""Named API tokens: stored as a digest, expiring, revocable per client, revoked when the password changes."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.accounts.models import ApiToken, TokenRevokeReason
from doudi.accounts.tests.factories import PASSWORD, UserFactory
from doudi.accounts.tokens import MAX_ACTIVE_TOKENS, do_create_api_token, do_revoke_api_token
from doudi.audit.models import AuditEvent
from doudi.core.errors import DomainError, NotFound


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _me(key: str):
    return _client(key).get(reverse("api:me"))


def _refused(response, *words: str) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["code"] == "not_authenticated"
    for word in words:
        assert word in body["message"], body["message"]


# ---------------------------------------------------------------------------------------------
# Creation: a digest is stored, the key is shown once, every creation is audited
# ---------------------------------------------------------------------------------------------


def test_only_a_digest_of_the_key_is_stored(users):
    user = users["village_worker"]
    issued = do_create_api_token(user, name="区县夜间导入任务")
    token = ApiToken.objects.get()
    assert len(issued.key) == 40 and token.key_prefix == issued.key[:8]
    assert token.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    values = [str(v) for v in ApiToken.objects.values_list(flat=False).get()]
    assert issued.key not in values
    assert _me(issued.key).json()["username"] == user.username


def test_the_default_lifetime_comes_from_the_settings(users, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 30
    before = timezone.now()
    token = do_create_api_token(users["auditor"], name="报表").token
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_lifetime_outside_one_to_the_maximum_is_refused(users, settings, days):
    settings.API_TOKEN_MAX_DAYS = 365
    with pytest.raises(DomainError) as refused:
        do_create_api_token(users["auditor"], name="报表", days=days)
    assert refused.value.code == "invalid_token_lifetime" and "1 至 365 天" in refused.value.message
    assert not ApiToken.objects.exists()


def test_creation_and_revocation_are_audited(users):
    user = users["township_officer"]
    token = do_create_api_token(user, name="统计脚本", days=7).token
    created = AuditEvent.objects.get(action="create_api_token")
    assert (created.actor, created.target_id, created.region_code) == (user, str(token.pk), user.region_id)
    assert created.changes["name"]["new"] == "统计脚本" and "统计脚本" in created.target_label

    do_revoke_api_token(user, token)
    revoked = AuditEvent.objects.get(action="revoke_api_token")
    assert (revoked.actor, revoked.target_id) == (user, str(token.pk))
    assert revoked.reason == "本人注销"


def test_a_name_still_in_use_is_refused_but_an_expired_one_is_replaced(users):
    user = users["village_worker"]
    first = do_create_api_token(user, name="导入").token
    with pytest.raises(DomainError) as refused:
        do_create_api_token(user, name=" 导入 ")
    assert refused.value.code == "token_name_taken" and refused.value.extra["field"] == "name"

    ApiToken.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    second = do_create_api_token(user, name="导入").token
    first.refresh_from_db()
    assert first.revoked_reason == TokenRevokeReason.REPLACED and second.revoked_at is None


def test_the_number_of_valid_tokens_is_bounded(users):
    user = users["village_worker"]
    for n in range(MAX_ACTIVE_TOKENS):
        do_create_api_token(user, name=f"客户端{n}")
    with pytest.raises(DomainError) as refused:
        do_create_api_token(user, name="再一个")
    assert refused.value.code == "too_many_tokens"
    do_revoke_api_token(user, ApiToken.objects.filter(user=user).first())
    assert do_create_api_token(user, name="再一个").token.pk


# ---------------------------------------------------------------------------------------------
# Authentication: expired, revoked, inactive; last use written at most once a minute
# ---------------------------------------------------------------------------------------------


def test_an_expired_token_is_refused_saying_when_it_expired(users):
    issued = do_create_api_token(users["village_worker"], name="导入", days=1)
    assert _me(issued.key).status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    _refused(_me(issued.key), "已于", "过期", "重新获取令牌")


def test_a_revoked_token_is_refused_saying_why(users):
    user = users["village_worker"]
    issued = do_create_api_token(user, name="导入")
    do_revoke_api_token(user, issued.token)
    _refused(_me(issued.key), "注销（本人注销）")


def test_an_unknown_or_malformed_token_is_refused_in_chinese(users):
    _refused(_me("0" * 40), "令牌无效")
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token abc def")
    _refused(bad.get(reverse("api:me")), "令牌格式错误")


def test_a_deactivated_users_token_is_refused(users):
    user = users["county_reviewer"]
    issued = do_create_api_token(user, name="报表")
    user.is_active = False
    user.save()
    _refused(_me(issued.key), "账号已停用")


def test_a_request_without_credentials_is_asked_to_log_in(db):
    response = APIClient().get(reverse("api:me"))
    assert response.status_code == 401 and response.json()["message"] == "请先登录。"


def test_last_use_is_written_at_most_once_a_minute(users):
    issued = do_create_api_token(users["village_worker"], name="导入")
    assert issued.token.last_used_at is None
    client = _client(issued.key)
    client.get(reverse("api:me"))
    first = ApiToken.objects.get().last_used_at
    assert first is not None

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("api:me")).status_code == 200
    assert not [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    client.get(reverse("api:me"))
    assert ApiToken.objects.get().last_used_at > first


# ---------------------------------------------------------------------------------------------
# Per-client independence, and who may revoke
# ---------------------------------------------------------------------------------------------


def test_revoking_one_client_leaves_the_others_working(users):
    user = users["village_worker"]
    nightly = do_create_api_token(user, name="区县夜间导入任务")
    report = do_create_api_token(user, name="统计报表脚本")
    assert _client(nightly.key).post(reverse("api:token_revoke")).status_code == 204
    _refused(_me(nightly.key), "注销")
    assert _me(report.key).status_code == 200


def test_another_users_token_is_not_found(users):
    token = do_create_api_token(users["village_worker"], name="导入").token
    with pytest.raises(NotFound):
        do_revoke_api_token(users["other_village_worker"], token)
    with pytest.raises(NotFound):  # managing users is not enough: the owner is outside 资阳区's administrator
        do_revoke_api_token(UserFactory(role="administrator", region=users["foreign_county_reviewer"].region), token)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_administrator_of_the_users_region_may_revoke(users):
    token = do_create_api_token(users["village_worker"], name="导入").token
    do_revoke_api_token(users["administrator"], token)
    token.refresh_from_db()
    assert token.revoked_reason == TokenRevokeReason.ADMINISTRATOR
    assert AuditEvent.objects.get(action="revoke_api_token").actor == users["administrator"]


# ---------------------------------------------------------------------------------------------
# A password change revokes every token of the user (and only theirs)
# ---------------------------------------------------------------------------------------------


def test_set_password_and_save_revokes_every_token_of_the_user(users):
    user, other = users["village_worker"], users["township_officer"]
    keys = [do_create_api_token(user, name=n).key for n in ("导入", "报表")]
    others = do_create_api_token(other, name="导入").key

    user.set_password("a-new-password-456")
    user.save()

    for key in keys:
        _refused(_me(key), "密码已修改")
    assert _me(others).status_code == 200
    events = AuditEvent.objects.filter(action="revoke_api_token")
    assert events.count() == 2 and {e.reason for e in events} == {"密码已修改"}
    # A token obtained with the new password works.
    response = APIClient().post(
        reverse("api:token_create"), {"username": user.username, "password": "a-new-password-456"}, format="json"
    )
    assert _me(response.json()["token"]).status_code == 200


def test_disabling_the_password_revokes_the_tokens(users):
    user = users["village_worker"]
    key = do_create_api_token(user, name="导入").key
    user.set_unusable_password()
    user.save()
    _refused(_me(key), "密码已修改")


def test_saving_other_fields_revokes_nothing(users):
    user = users["village_worker"]
    key = do_create_api_token(user, name="导入").key
    user.full_name = "李专干"
    user.save()
    assert _me(key).status_code == 200


def test_a_login_that_upgrades_the_password_hash_revokes_nothing(users, settings):
    """Django re-hashes a password at login when the preferred hasher changed; that is no password change."""
    user = users["village_worker"]
    key = do_create_api_token(user, name="导入").key
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.ScryptPasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    response = APIClient().post(
        reverse("api:token_create"), {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("scrypt$")
    assert _me(key).status_code == 200


def test_the_admin_password_form_revokes_the_tokens(users, client):
    user = users["village_worker"]
    key = do_create_api_token(user, name="导入").key
    client.force_login(users["administrator"])
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": "Another-pass-789", "password2": "Another-pass-789"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password("Another-pass-789")
    _refused(_me(key), "密码已修改")


def test_a_user_created_without_a_password_keeps_later_tokens_on_the_next_save(regions):
    user = UserFactory.build(role="village_worker", region=regions["lixin"])
    user.set_unusable_password()
    user.save()
    key = do_create_api_token(user, name="导入").key
    user.full_name = "新名字"
    user.save()
    assert _me(key).status_code == 200


def test_token_events_read_in_chinese_in_the_audit_log_of_the_users_region(users, client):
    token = do_create_api_token(users["village_worker"], name="区县夜间导入任务").token
    do_revoke_api_token(users["village_worker"], token)
    client.force_login(users["county_reviewer"])
    html = client.get(reverse("audit:event_list")).content.decode()
    assert "新建接口令牌" in html and "注销接口令牌" in html and "区县夜间导入任务" in html
    client.force_login(users["foreign_county_reviewer"])
    assert "区县夜间导入任务" not in client.get(reverse("audit:event_list")).content.decode()
