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
and nobody creates one for somebody else. Deactivating a user refuses their tokens as well, and
setting a password on the user's password page revokes them all (``User.save``).

The login-attempt screens of django-axes (attempts, login log, failure log) are replaced by
scoped ones: an administrator sees the rows on user names of the users of the subtree; rows
on names that match no user only an administrator of a whole province sees
(``doudi.accounts.scope.login_name_scope_filter``). Deleting an attempt unlocks the name, so
that stays possible, within the scope; the logs are read-only.
"""

import axes.admin  # noqa: F401 (registers axes's screens first, so that they can be replaced below)
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from doudi.accounts.models import ApiToken, LoginAttempt, LoginFailure, LoginLog, User
from doudi.accounts.roles import Capability
from doudi.accounts.scope import login_name_scope_filter
from doudi.accounts.tokens import do_revoke_api_token
from doudi.core.admin import ScopedModelAdmin


class PasswordChangeForm(AdminPasswordChangeForm):
    """Every doudi user signs in with a password: no switch to turn password sign-in off."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    change_password_form = PasswordChangeForm

    @admin.display(description="密码")
    def password_status(self, user) -> str:
        # Never the hash, its algorithm or salt: whether a password is set, and where to change it.
        url = reverse("admin:auth_user_password_change", args=[user.pk])
        state = "已设置" if user.has_usable_password() else "未设置"
        return format_html('{}（不显示密码）。<a href="{}">修改密码</a>', state, url)

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
    readonly_fields = ("last_login", "date_joined", "api_tokens", "password_status")
    fieldsets = (
        (None, {"fields": ("username", "password_status")}),
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


class LockedOutFilter(admin.SimpleListFilter):
    title = "是否锁定"
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return (("yes", "已锁定"), ("no", "未锁定"))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
        if self.value() == "no":
            return queryset.filter(failures_since_start__lt=settings.AXES_FAILURE_LIMIT)
        return queryset


class LoginNameScopedAdmin(ScopedModelAdmin):
    """A django-axes table whose rows follow the user names' regions (see the module docstring).

    Columns are display methods because axes's own field names have no Chinese translation.
    """

    view_capability = Capability.MANAGE_USERS
    actions = None  # nothing to do in bulk on the logs
    date_hierarchy = "attempt_time"
    search_fields = ("=username", "=ip_address")
    ordering = ("-attempt_time",)

    def scope_queryset(self, request, queryset):
        return login_name_scope_filter(request.user, queryset, "username")

    def _obj_in_scope(self, request, obj) -> bool:
        return self.scope_queryset(request, type(obj)._default_manager.filter(pk=obj.pk)).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        readable = self._has(request, self.view_capability)
        return readable and (obj is None or self._obj_in_scope(request, obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="时间", ordering="attempt_time")
    def time(self, obj) -> str:
        return timezone.localtime(obj.attempt_time).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="用户名", ordering="username")
    def login_name(self, obj) -> str:
        return obj.username or "（未填）"

    @admin.display(description="IP 地址")
    def ip(self, obj) -> str:
        return obj.ip_address or "未知"

    @admin.display(description="浏览器/客户端")
    def client(self, obj) -> str:
        # axes writes "<unknown>" when a client sent no User-Agent.
        return "未知" if obj.user_agent in ("", "<unknown>") else obj.user_agent

    @admin.display(description="登录入口")
    def entry(self, obj) -> str:
        return "未知" if obj.path_info in ("", "<unknown>") else obj.path_info


@admin.register(LoginAttempt)
class LoginAttemptAdmin(LoginNameScopedAdmin):
    """Failed-login counters; deleting one lifts the lockout of that name (from that address)."""

    actions = ["delete_selected"]
    list_display = ("time", "login_name", "ip", "failures", "status", "entry", "client")
    list_filter = (LockedOutFilter,)
    fields = ("login_name", "ip", "failures", "status", "time", "entry", "client")
    readonly_fields = fields

    @admin.display(description="连续失败次数", ordering="failures_since_start")
    def failures(self, obj) -> int:
        return obj.failures_since_start

    @admin.display(description="状态")
    def status(self, obj) -> str:
        remaining = settings.AXES_FAILURE_LIMIT - obj.failures_since_start
        return f"还可尝试 {remaining} 次" if remaining > 0 else "已锁定（删除本记录即解除）"

    def has_delete_permission(self, request, obj=None) -> bool:
        allowed = self._has(request, Capability.MANAGE_USERS)
        return allowed and (obj is None or self._obj_in_scope(request, obj))

    def get_actions(self, request):
        # ScopedModelAdmin drops "delete_selected"; here it is the way to unlock several names.
        actions = admin.ModelAdmin.get_actions(self, request)
        if "delete_selected" in actions:
            func, name, _ = actions["delete_selected"]
            actions["delete_selected"] = (func, name, "删除所选记录（解除锁定）")
        return actions


@admin.register(LoginLog)
class LoginLogAdmin(LoginNameScopedAdmin):
    list_display = ("time", "login_name", "ip", "logout", "entry", "client")
    fields = ("login_name", "ip", "time", "logout", "entry", "client")
    readonly_fields = fields

    @admin.display(description="退出时间", ordering="logout_time")
    def logout(self, obj) -> str:
        return timezone.localtime(obj.logout_time).strftime("%Y-%m-%d %H:%M:%S") if obj.logout_time else ""


@admin.register(LoginFailure)
class LoginFailureAdmin(LoginNameScopedAdmin):
    list_display = ("time", "login_name", "ip", "locked", "entry", "client")
    fields = ("login_name", "ip", "time", "locked", "entry", "client")
    readonly_fields = fields

    @admin.display(description="因此锁定", boolean=True)
    def locked(self, obj) -> bool:
        return obj.locked_out


# axes's own screens show every region's rows: replaced by the scoped ones above.
for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

# Groups and per-model permissions play no part in doudi (roles do).
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
