"""Admin of the audit trail: read-only for roles that may view it, scoped by the rows' region code.

The trail is append-only by design (it is the evidence of who did what), so nobody adds,
changes or deletes rows here, superusers included. Identifiers inside ``changes`` are already
stored masked by ``doudi.audit.services``.
"""

from django.contrib import admin

from doudi.accounts.roles import Capability
from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.admin import ScopedModelAdmin


class _AuditAdmin(ScopedModelAdmin):
    scope_path = "region_code"
    view_capability = Capability.VIEW_AUDIT
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_label", "household_id", "region_code", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("target_label", "=target_id", "=household_id", "^region_code", "actor__username")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


@admin.register(RecordAccess)
class RecordAccessAdmin(_AuditAdmin):
    list_display = ("at", "actor", "channel", "person_id", "household_id", "region_code", "detail")
    list_filter = ("channel",)
    search_fields = ("=person_id", "=household_id", "^region_code", "actor__username")
    readonly_fields = [f.name for f in RecordAccess._meta.fields]
