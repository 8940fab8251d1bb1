"""Admin for the working-day calendar: administrators enter next year's holiday schedule."""

from django.contrib import admin

from doudi.accounts.roles import Capability
from doudi.cases.models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The calendar is national, so it is not region-scoped; only ``manage_calendar`` may touch it."""

    list_display = ("day", "name", "is_working_day", "source")
    list_filter = ("is_working_day",)
    date_hierarchy = "day"
    search_fields = ("name", "source")

    def _allowed(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.can(Capability.MANAGE_CALENDAR)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._allowed(request)
