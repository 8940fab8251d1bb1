"""API tokens: named per client, stored as a digest, expiring, revocable, revoked on password change.

A user gives each client its own token ("区县夜间导入任务", "统计报表脚本"), so revoking one
client signs out only that client. The key is shown once, when the token is created
(``IssuedToken.key``); the database keeps its SHA-256 digest. Every creation and revocation
writes an audit row in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.utils import timezone

from doudi.accounts.models import ApiToken, TokenRevokeReason, User
from doudi.accounts.roles import Capability
from doudi.accounts.scope import region_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import DomainError, NotFound

KEY_BYTES = 20  # 40 hexadecimal characters, as DRF's tokens were: clients that check the length still work
NAME_MAX_LENGTH = 100
# A bound on what one account can pile up through the token endpoint; real users need a handful.
MAX_ACTIVE_TOKENS = 20
DEFAULT_CLIENT_NAME = "接口客户端（未命名）"


class TokenErrorCode(StrEnum):
    NAME_REQUIRED = "token_name_required"
    NAME_TOO_LONG = "token_name_too_long"
    NAME_TAKEN = "token_name_taken"
    TOO_MANY = "too_many_tokens"
    INVALID_LIFETIME = "invalid_token_lifetime"


@dataclass(frozen=True)
class IssuedToken:
    """A token just created, with the key that is shown this once and never stored."""

    token: ApiToken
    key: str


def hash_key(key: str) -> str:
    """Return the digest under which a key is stored and looked up."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def default_lifetime_days() -> int:
    return int(settings.API_TOKEN_DEFAULT_DAYS)


def max_lifetime_days() -> int:
    return int(settings.API_TOKEN_MAX_DAYS)


def check_token_lifetime(days: int | None) -> int:
    """Return the lifetime in days (the default when ``None``), or raise if outside 1..maximum."""
    if days is None:
        return min(default_lifetime_days(), max_lifetime_days())
    maximum = max_lifetime_days()
    if not 1 <= days <= maximum:
        raise DomainError(
            TokenErrorCode.INVALID_LIFETIME,
            f"有效期：应为 1 至 {maximum} 天。",
            {"field": "expires_in_days", "max": maximum},
        )
    return days


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(TokenErrorCode.NAME_REQUIRED, "客户端名称：不能为空。", {"field": "name"})
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(TokenErrorCode.NAME_TOO_LONG, f"客户端名称：最多 {NAME_MAX_LENGTH} 个字。", {"field": "name"})
    return name


def _revoke(token: ApiToken, *, actor, reason: TokenRevokeReason, now) -> None:
    token.revoked_at = now
    token.revoked_reason = reason
    token.save(update_fields=["revoked_at", "revoked_reason"])
    record_event(
        actor,
        action="revoke_api_token",
        target=token,
        household_id=None,
        region_code=token.user.region_id or "",
        changes={"status": {"label": "状态", "old": "有效", "new": f"已注销（{reason.label}）"}},
        reason=str(reason.label),
        label=f"{token.user.display_name} 的接口令牌“{token.name}”",
    )


def _create(user: User, *, name: str, days: int | None, replace_same_name: bool, actor) -> IssuedToken:
    name = _check_name(name)
    days = check_token_lifetime(days)
    now = timezone.now()
    # One creation at a time per user: the name check and the count below then hold.
    user = User.objects.select_for_update().get(pk=user.pk)
    for existing in ApiToken.objects.select_related("user").filter(user=user, name=name, revoked_at__isnull=True):
        if not (replace_same_name or existing.is_expired(now)):
            raise DomainError(
                TokenErrorCode.NAME_TAKEN,
                f"客户端名称：已有名为“{name}”的有效令牌，请换一个名称，或先注销原令牌。",
                {"field": "name"},
            )
        _revoke(existing, actor=actor, reason=TokenRevokeReason.REPLACED, now=now)
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise DomainError(
            TokenErrorCode.TOO_MANY,
            f"有效令牌已达 {MAX_ACTIVE_TOKENS} 个，请先注销不再使用的令牌。",
            {"max": MAX_ACTIVE_TOKENS},
        )
    key = secrets.token_hex(KEY_BYTES)
    token = ApiToken(
        user=user, name=name, key_hash=hash_key(key), key_prefix=key[:8], expires_at=now + timedelta(days=days)
    )
    token.full_clean()
    token.save()
    expires = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    record_event(
        actor,
        action="create_api_token",
        target=token,
        household_id=None,
        region_code=user.region_id or "",
        changes={
            "name": {"label": "客户端名称", "old": "", "new": name},
            "expires_at": {"label": "到期时间", "old": "", "new": expires},
        },
        label=f"{user.display_name} 的接口令牌“{name}”",
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic(durable=True)
def do_create_api_token(actor: User, *, name: str, days: int | None = None) -> IssuedToken:
    """Create a token named ``name`` for ``actor``, valid ``days`` days (default from the settings).

    Raises ``DomainError`` when the name is empty, too long or already used by a token of the
    user that is still valid (an expired one of that name is revoked and replaced), when the
    lifetime is outside 1..``API_TOKEN_MAX_DAYS``, or when the user already holds
    ``MAX_ACTIVE_TOKENS`` valid tokens.
    """
    return _create(actor, name=name, days=days, replace_same_name=False, actor=actor)


@transaction.atomic(durable=True)
def do_issue_api_token(user: User, *, request, name: str = DEFAULT_CLIENT_NAME, days: int | None = None) -> IssuedToken:
    """Create a token for a client that has just proved the user's password, and record the login.

    A client that logs in again under the same name replaces its earlier token (which is
    revoked): a nightly script that obtains a token on every run keeps exactly one. Other
    clients' tokens are untouched. ``request`` is the Django request whose password check
    succeeded: ``user_logged_in`` is sent as a page login sends it, so ``last_login`` is updated
    and django-axes clears the user's earlier failures.
    """
    issued = _create(user, name=name, days=days, replace_same_name=True, actor=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return issued


@transaction.atomic(durable=True)
def do_revoke_api_token(actor: User, token: ApiToken) -> ApiToken:
    """Revoke ``token``: by its own user, or by an administrator of the user's region.

    Anyone else gets ``NotFound`` (the same answer as for a token that does not exist).
    Revoking a token that is already revoked changes nothing.
    """
    token = ApiToken.objects.select_for_update().select_related("user").filter(pk=token.pk).first()
    if token is None:
        raise NotFound("令牌")
    if token.user_id == actor.pk:
        reason = TokenRevokeReason.USER
    elif actor.can(Capability.MANAGE_USERS) and region_in_scope(actor, token.user.region_id):
        reason = TokenRevokeReason.ADMINISTRATOR
    else:
        raise NotFound("令牌")
    if token.revoked_at is None:
        _revoke(token, actor=actor, reason=reason, now=timezone.now())
    return token


def do_revoke_tokens_on_password_change(user: User) -> int:
    """Revoke every token of ``user`` that is not revoked yet; return how many.

    Called by ``User.save`` inside the transaction that stores the new password, so the
    password and the revocation commit together. The actor is not known there (the user, an
    administrator, a command): the audit rows name no actor and give the reason.
    """
    not_revoked = ApiToken.objects.select_for_update().select_related("user").filter(user=user, revoked_at__isnull=True)
    tokens = list(not_revoked)
    now = timezone.now()
    for token in tokens:
        _revoke(token, actor=None, reason=TokenRevokeReason.PASSWORD_CHANGED, now=now)
    return len(tokens)
