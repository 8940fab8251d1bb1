"""DRF authentication by named API token: ``Authorization: Token <key>``, as before.

The header format is DRF's, so existing clients keep working; what changed is what stands
behind the key (``doudi.accounts.models.ApiToken``): a digest, an expiry and a revocation.
The class subclasses DRF's ``TokenAuthentication`` for its ``WWW-Authenticate: Token`` header
(a request without credentials gets 401, not 403) and for drf-spectacular's ``tokenAuth``
scheme; it never touches ``rest_framework.authtoken``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from doudi.accounts.models import ApiToken
from doudi.accounts.tokens import hash_key

# ``last_used_at`` is written at most once a minute per token: a script making ten requests a
# second then costs one UPDATE a minute, not ten a second.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenRefused(AuthenticationFailed):
    """A token was sent but does not (or no longer) authenticate; the message says why, in Chinese."""

    default_code = "not_authenticated"
    explains_refusal = True  # ``doudi.core.api.exception_handler`` shows this message, not "请先登录。"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise TokenRefused("令牌格式错误：请求头应为“Authorization: Token <令牌>”。")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise TokenRefused("令牌格式错误：令牌只含字母和数字。") from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user", "user__region").filter(key_hash=hash_key(key)).first()
        if token is None:
            raise TokenRefused("令牌无效，请重新获取令牌。")
        if token.revoked_at is not None:
            raise TokenRefused(
                f"令牌已于 {_when(token.revoked_at)} 注销（{token.get_revoked_reason_display()}），请重新获取令牌。"
            )
        now = timezone.now()
        if token.is_expired(now):
            raise TokenRefused(f"令牌已于 {_when(token.expires_at)} 过期，请重新获取令牌。")
        if not token.user.is_active:
            raise TokenRefused("该账号已停用，请联系系统管理员。")
        self._touch(token, now)
        return token.user, token

    @staticmethod
    def _touch(token: ApiToken, now) -> None:
        """Record the use, unless it was recorded less than a minute ago (then no write at all)."""
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
            return
        # Conditional, so that concurrent requests do not each write.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION), pk=token.pk
        ).update(last_used_at=now)
        token.last_used_at = now
