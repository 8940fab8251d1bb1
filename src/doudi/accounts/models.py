"""Users: every user has one role and one region, and sees only that region's subtree."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doudi.accounts.roles import Role, has_capability


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VILLAGE_WORKER)
    # A user without a region sees nothing: scope is never "everything" by omission.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs) -> None:
        """Save, and revoke every API token of the user when the password was set or disabled.

        ``set_password`` (the admin's password form, ``changepassword``, a future page) leaves
        the new password in ``_password`` until the save; a hash upgrade at login does not, so
        logging in never revokes anything. A password is changed because it may be known to
        someone else, and a token obtained with it must not outlive it.
        """
        credentials_changed = self.pk is not None and (
            self._password is not None or getattr(self, "_password_disabled", False)
        )
        if not credentials_changed:
            super().save(*args, **kwargs)
        else:
            from doudi.accounts.tokens import do_revoke_tokens_on_password_change

            with transaction.atomic():
                super().save(*args, **kwargs)
                do_revoke_tokens_on_password_change(self)
        # Cleared after any save, a new user's included, as Django clears ``_password``.
        self._password_disabled = False

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def can(self, capability: str) -> bool:
        return self.is_active and has_capability(self.role, capability)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class TokenRevokeReason(models.TextChoices):
    USER = "user", _("本人注销")
    REPLACED = "replaced", _("同名客户端重新获取令牌")
    PASSWORD_CHANGED = "password_changed", _("密码已修改")
    ADMINISTRATOR = "administrator", _("管理员注销")


class ApiToken(models.Model):
    """A named API token of one client of one user (a script, a county's nightly import …).

    Only a SHA-256 digest of the key is stored, so a copy of the database does not hand out
    working keys; the key itself is shown once, when the token is created. Keys are 160 random
    bits, so an unsalted digest cannot be reversed by guessing, and a lookup by digest is one
    indexed equality. ``key_prefix`` (the first characters) lets a person tell tokens apart.

    A token works until ``expires_at`` or until it is revoked (by its user, by an administrator
    of the user's region, or by a change of the user's password); revoked rows are kept as the
    record of what existed. Among a user's tokens that are not revoked, names are unique.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("客户端名称"), max_length=100)
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("令牌开头"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"))
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("注销原因"), max_length=20, choices=TokenRevokeReason.choices, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at__isnull=True),
                name="api_token_name_unique_while_not_revoked",
                violation_error_message=_("已有同名的令牌。"),
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoked_reason=""),
                name="api_token_revoked_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and not self.is_expired(now)

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return f"已注销（{self.get_revoked_reason_display()}）"
        return "已过期" if self.is_expired() else "有效"


# django-axes's tables, under Chinese names in the admin (axes ships no Chinese translation), where
# ``doudi.accounts.admin`` shows them scoped by the region of the user whose name was tried.
class LoginAttempt(AccessAttempt):
    class Meta:
        proxy = True
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数（锁定）")


class LoginLog(AccessLog):
    class Meta:
        proxy = True
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")


class LoginFailure(AccessFailureLog):
    class Meta:
        proxy = True
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
