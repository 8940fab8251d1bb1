"""Admin of the audit trail: read-only for roles that may view it, scoped by the rows' region code.

The trail is append-only by design (it is the evidence of who did what), so nobody adds,
changes or deletes rows here, superusers included. Identifiers inside ``changes`` are already
stored masked by ``doudi.audit.services``.
"""

from django.contrib import admin

from doudi.accounts.roles import Capability
from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core import labels
from doudi.core.admin import ScopedModelAdmin


class _CodeFilter(admin.SimpleListFilter):
    """A list filter over a code column whose options are the codes' Chinese names."""

    field = ""

    def label(self, code: str) -> str:
        raise NotImplementedError

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list(self.field, flat=True).distinct()
        return sorted(((c, self.label(c)) for c in codes), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ActionFilter(_CodeFilter):
    title, parameter_name, field = "操作", "action", "action"

    def label(self, code: str) -> str:
        return labels.action_label(code)


class TargetTypeFilter(_CodeFilter):
    title, parameter_name, field = "对象类型", "target_type", "target_type"

    def label(self, code: str) -> str:
        return labels.target_type_label(code)


class ChannelFilter(_CodeFilter):
    title, parameter_name, field = "途径", "channel", "channel"

    def label(self, code: str) -> str:
        return labels.channel_label(code)


class _AuditAdmin(ScopedModelAdmin):
    scope_path = "region_code"
    view_capability = Capability.VIEW_AUDIT
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditAdmin):
    list_display = (
        "at",
        "actor",
        "action_name",
        "target_type_name",
        "target_label",
        "household_id",
        "region_code",
        "reason",
    )
    list_filter = (ActionFilter, TargetTypeFilter)
    search_fields = ("target_label", "=target_id", "=household_id", "^region_code", "actor__username")
    fields = (
        "at",
        "actor",
        "action_name",
        "target_type_name",
        "target_id",
        "target_label",
        "household_id",
        "region_code",
        "what_changed",
        "reason",
    )
    readonly_fields = fields

    @admin.display(description="变更内容")
    def what_changed(self, obj: AuditEvent):
        """Each changed field by its label, old → new, as the audit page shows it (never the raw JSON)."""
        from django.utils.html import format_html_join

        from doudi.core.templatetags.doudi_ui import change_rows

        rows = [(label, old or "（空）", new or "（空）") for label, old, new in change_rows(obj.changes)]
        if not rows:
            return "（无）"
        return format_html_join("", "<div>{}：{} → {}</div>", rows)

    @admin.display(description="操作", ordering="action")
    def action_name(self, obj: AuditEvent) -> str:
        return labels.action_label(obj.action)

    @admin.display(description="对象类型", ordering="target_type")
    def target_type_name(self, obj: AuditEvent) -> str:
        return labels.target_type_label(obj.target_type)


@admin.register(RecordAccess)
class RecordAccessAdmin(_AuditAdmin):
    list_display = ("at", "actor", "channel_name", "person_id", "household_id", "region_code", "detail")
    list_filter = (ChannelFilter,)
    search_fields = ("=person_id", "=household_id", "^region_code", "actor__username")
    fields = ("at", "actor", "channel_name", "person_id", "household_id", "region_code", "detail")
    readonly_fields = fields

    @admin.display(description="途径", ordering="channel")
    def channel_name(self, obj: RecordAccess) -> str:
        return labels.channel_label(obj.channel)
