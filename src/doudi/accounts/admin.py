"""Admin of users: an administrator manages the users of their own subtree only.

- The list and every user page are scoped by the user's region (``ScopedModelAdmin``); a user
  of another region is "not found", and so is their password page.
- The region picker offers only regions of the administrator's subtree and a region is
  required, so nobody can be given a region outside it, or no region at all (a user without
  a region sees nothing and could not be managed from here afterwards).
- What a user may do is their role (``doudi.accounts.roles``); Django's groups, per-model
  permissions and the superuser flag are not offered here, so they cannot be used to give a
  user more than the role allows. ``is_staff`` is offered: it only opens the admin, whose
  screens apply the same role and region again.
- Users are deactivated, never deleted: the audit trail refers to them.

API tokens are not shown in the admin at all (they are credentials); a user revokes theirs
with ``POST /api/auth/token/revoke/`` and deactivating a user refuses the token as well.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import TokenProxy

from doudi.accounts.models import User
from doudi.accounts.roles import Capability
from doudi.core.admin import ScopedModelAdmin


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    scope_path = "region__code"
    view_capability = Capability.MANAGE_USERS
    change_capability = Capability.MANAGE_USERS
    add_capability = Capability.MANAGE_USERS

    list_display = ("username", "full_name", "role", "region", "phone", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    list_select_related = ("region",)
    search_fields = ("username", "full_name", "=phone")
    ordering = ("region_id", "username")
    autocomplete_fields = ("region",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "phone", "email")}),
        ("角色与辖区", {"fields": ("role", "region", "is_active", "is_staff")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "usable_password",
                    "password1",
                    "password2",
                    "full_name",
                    "phone",
                    "role",
                    "region",
                    "is_staff",
                ),
            },
        ),
    )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Groups and per-model permissions play no part in doudi (roles do); tokens are credentials.
for model in (Group, TokenProxy):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
