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

API tokens (``ApiToken``) are listed for the users of the subtree, never with their key (only
its digest is stored); an administrator of the user's region revokes them (an action, audited),
and nobody creates one for somebody else. Deactivating a user refuses their tokens as well.

The login-attempt screens of django-axes (attempts, login log, failure log) are replaced by
scoped ones: an administrator sees the rows on user names of the users of the subtree; rows
on names that match no user only an administrator of a whole province sees
(``doudi.accounts.scope.login_name_scope_filter``). Deleting an attempt unlocks the name, so
that stays possible, within the scope; the logs are read-only.
"""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from doudi.accounts.models import ApiToken, User
from doudi.accounts.roles import Capability
from doudi.accounts.scope import login_name_scope_filter
from doudi.accounts.tokens import do_revoke_api_token
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
    readonly_fields = ("last_login", "date_joined", "api_tokens")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "phone", "email")}),
        ("角色与辖区", {"fields": ("role", "region", "is_active", "is_staff")}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
        ("接口令牌", {"fields": ("api_tokens",)}),
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

    @admin.display(description="未注销的令牌")
    def api_tokens(self, obj) -> str:
        """The user's tokens that are not revoked, linked to the token list (where they are revoked)."""
        tokens = list(obj.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at")) if obj.pk else []
        if not tokens:
            return "无"
        url = reverse("admin:accounts_apitoken_changelist") + f"?user__id__exact={obj.pk}"
        items = format_html_join("", "<li>{}（{}）</li>", ((t.name, t.status_label) for t in tokens))
        return format_html('<ul class="token-names">{}</ul><a href="{}">在令牌列表中查看或注销</a>', items, url)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region":
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedModelAdmin):
    """The API tokens of the subtree's users: read-only, revocable by an action."""

    scope_path = "user__region__code"
    view_capability = Capability.MANAGE_USERS
    change_capability = None  # nothing on a token is edited; revoking is the action below

    list_display = ("name", "user", "key_prefix", "status", "created_at", "last_used_at", "expires_at")
    list_filter = ("revoked_reason",)
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "user__full_name", "=key_prefix")
    fields = ("user", "name", "key_prefix", "status", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(description="状态")
    def status(self, obj) -> str:
        return obj.status_label

    def has_revoke_permission(self, request) -> bool:
        return self._has(request, Capability.MANAGE_USERS)

    @admin.action(description="注销所选令牌", permissions=["revoke"])
    def revoke_selected(self, request, queryset) -> None:
        # ``queryset`` is the scoped change list's; the service checks the scope once more.
        count = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            do_revoke_api_token(request.user, token)
            count += 1
        self.message_user(request, f"已注销 {count} 个令牌。", messages.SUCCESS)


class LoginNameScopedAdmin(ScopedModelAdmin):
    """A django-axes screen whose rows follow the user names' regions (see the module docstring)."""

    view_capability = Capability.MANAGE_USERS
    actions = None  # axes' "clean up expired attempts" would clean every region's, not the scope's

    def scope_queryset(self, request, queryset):
        return login_name_scope_filter(request.user, queryset, "username")

    def _obj_in_scope(self, request, obj) -> bool:
        return self.scope_queryset(request, type(obj)._default_manager.filter(pk=obj.pk)).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        readable = self._has(request, self.view_capability)
        return readable and (obj is None or self._obj_in_scope(request, obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ScopedAccessAttemptAdmin(LoginNameScopedAdmin, AccessAttemptAdmin):
    """Failed-login counters; deleting one lifts the lockout of that name (from that address)."""

    actions = ["delete_selected"]

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = self._has(request, Capability.MANAGE_USERS)
        return allowed and (obj is None or self._obj_in_scope(request, obj))

    def get_actions(self, request):
        # ScopedModelAdmin drops "delete_selected"; here it is the way to unlock several names.
        return admin.ModelAdmin.get_actions(self, request)


class ScopedAccessLogAdmin(LoginNameScopedAdmin, AccessLogAdmin):
    pass


class ScopedAccessFailureLogAdmin(LoginNameScopedAdmin, AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, ScopedAccessAttemptAdmin),
    (AccessLog, ScopedAccessLogAdmin),
    (AccessFailureLog, ScopedAccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)

# Groups and per-model permissions play no part in doudi (roles do).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
