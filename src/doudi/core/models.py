"""Models shared by every app: the record of the daily jobs the worker has started."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One daily job started on one day. The unique pair is what makes a job run once a day
    however many workers race for it: the worker that inserts the row enqueues the task."""

    name = models.CharField(_("定时任务"), max_length=80)
    day = models.DateField(_("日期"))
    enqueued_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    task_id = models.CharField(_("后台任务编号"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("每日定时任务")
        verbose_name_plural = _("每日定时任务")
        ordering = ["-day", "name"]
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="one_scheduled_run_per_day")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"
