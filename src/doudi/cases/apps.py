from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "doudi.cases"
    verbose_name = "救助案件"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from doudi.cases.calendar import clear_bureau_entries
        from doudi.cases.models import CalendarDay

        post_save.connect(clear_bureau_entries, sender=CalendarDay, dispatch_uid="calendar_day_saved")
        post_delete.connect(clear_bureau_entries, sender=CalendarDay, dispatch_uid="calendar_day_deleted")
