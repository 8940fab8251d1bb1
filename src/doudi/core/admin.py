"""The base of every doudi admin screen: region scope, role capabilities, masking, access log.

The admin is a support tool for administrators, not a second way round the rules, so it goes
through the same checks as the pages and the API:

- rows are filtered by ``doudi.accounts.scope.scope_filter`` (the one scope rule); an object
  outside the user's subtree is answered like a missing one (Django's "does not exist");
- what a user may do comes from the role's capabilities (``doudi.accounts.roles``), not from
  Django's per-model permissions, which doudi does not hand out; ``is_superuser`` adds nothing
  here, and neither widens the region scope;
- a foreign key to a region offers only regions of the subtree, and a save whose object would
  land outside the subtree is refused (403) even if a crafted form got past the choices;
- ID numbers, phones and bank accounts are masked in change lists; a change page that shows a
  person's identifiers in full writes a ``RecordAccess`` row (channel ``admin``).

Deleting is off everywhere: records are closed, deactivated or superseded, never removed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model, QuerySet

from doudi.accounts.scope import region_in_scope, scope_filter
from doudi.audit.services import log_record_access
from doudi.core.masking import mask_bank_account, mask_id_number, mask_phone

# Columns that never appear in full in a change list.
MASKERS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
}

ANY_STAFF = "__any_staff__"

# The admin is doudi's, in Chinese: its name instead of "Django 管理".
admin.site.site_header = "兜底 · 社会救助管理后台"
admin.site.site_title = "兜底管理后台"
admin.site.index_title = "后台管理"
EMPTY_CHOICE = "（请选择）"


def _boolean_icon(value) -> str:
    """Django's yes/no icon, with 是/否 as the text a screen reader and our label test read (not True/False)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    icon = {True: "yes", False: "no", None: "unknown"}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), yes_no_unknown(value))


def yes_no_unknown(value) -> str:
    return {True: "是", False: "否"}.get(value, "未知")


# Every admin screen reads the icon through this module attribute at call time (admin.utils, helpers).
admin_list._boolean_icon = _boolean_icon


def masked_column(field: str, masker: Callable[[str | None], str] | None = None, description: str = "") -> Callable:
    """Return a change-list column showing ``field`` through its masking function."""
    masker = masker or MASKERS[field]

    def column(obj) -> str:
        return masker(getattr(obj, field, ""))

    column.__name__ = f"{field}_masked"
    return admin.display(description=description or field)(column)


class ScopedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows, choices, saves and permissions follow the user's region and role.

    Subclasses set ``scope_path`` (the lookup to a 12-digit region code) and the capabilities:
    ``view_capability`` (``ANY_STAFF`` lets every staff user of the scope read), and
    ``change_capability``/``add_capability`` (``None``: nobody, the screen is read-only).
    """

    scope_path: str = "region__code"
    view_capability: str | None = ANY_STAFF
    change_capability: str | None = None
    add_capability: str | None = None
    show_full_result_count = False  # a province-wide COUNT(*) on every page is wasted work

    # --- scope -------------------------------------------------------------------------------

    def get_queryset(self, request) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request))

    def scope_queryset(self, request, queryset: QuerySet) -> QuerySet:
        return scope_filter(request.user, queryset, self.scope_path)

    def region_code_of(self, obj: Model) -> str | None:
        """Follow ``scope_path`` on an instance (``region__code`` → ``obj.region.code``)."""
        value = obj
        for part in self.scope_path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from doudi.regions.models import Region

        if db_field.related_model is Region:
            kwargs["queryset"] = scope_filter(request.user, Region.objects.all(), "code")
        kwargs.setdefault("empty_label", EMPTY_CHOICE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_action_choices(self, request, default_choices=(("", "（请选择操作）"),)):
        return super().get_action_choices(request, default_choices=list(default_choices))

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        """A choice's empty option reads （请选择）, not Django's "---------"."""
        if "choices" not in kwargs:
            kwargs["choices"] = db_field.get_choices(
                include_blank=db_field.blank or not db_field.has_default(), blank_choice=[("", EMPTY_CHOICE)]
            )
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change) -> None:
        if not region_in_scope(request.user, self.region_code_of(obj)):
            raise PermissionDenied("该记录不在您的管辖范围内。")
        super().save_model(request, obj, form, change)

    # --- permissions (role capabilities, never Django model permissions) ----------------------

    def _has(self, request, capability: str | None) -> bool:
        user = request.user
        if capability is None or not (user.is_active and user.is_staff):
            return False
        return capability == ANY_STAFF or user.can(capability)

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        readable = self._has(request, self.view_capability) or self._has(request, self.change_capability)
        return readable and (obj is None or region_in_scope(request.user, self.region_code_of(obj)))

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = self._has(request, self.change_capability)
        return allowed and (obj is None or region_in_scope(request.user, self.region_code_of(obj)))

    def has_add_permission(self, request) -> bool:
        return self._has(request, self.add_capability)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- masking and the access log -----------------------------------------------------------

    def get_list_display(self, request):
        """Replace identifier columns by their masked form, whatever a subclass listed."""
        return [
            masked_column(name, description=self._label(name)) if name in MASKERS else name
            for name in super().get_list_display(request)
        ]

    def _label(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a column that is not a model field keeps its name
            return name

    def full_record_person(self, obj):
        """Return the person whose identifiers the change page shows in full, or None."""
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and response.status_code == 200 and original is not None:
            person = self.full_record_person(original)
            if person is not None:
                log_record_access(
                    request.user,
                    person_id=person.pk,
                    household_id=person.household_id,
                    region_code=person.region_code,
                    channel="admin",
                    detail=f"GET {request.path}",
                )
        return response


class ScopedInline(admin.TabularInline):
    """A read-only inline shown with its parent, under the parent's scope and view permission."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None or self.admin_site._registry[self.parent_model].has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
