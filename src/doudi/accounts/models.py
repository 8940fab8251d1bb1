"""Users: every user has one role and one region, and sees only that region's subtree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
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

    def can(self, capability: str) -> bool:
        return self.is_active and has_capability(self.role, capability)

    @property
    def display_name(self) -> str:
        return self.full_name or self.username
