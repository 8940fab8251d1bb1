"""The bureau's own entries in the working-day calendar.

The State Council publishes each year's public holidays and adjusted working weekends (调休)
around November; the ``chinesecalendar`` package follows with a release some time later. Until
it does, an administrator enters the new year's schedule here, and deadlines use it at once.
An entry also overrides the package for a single day (e.g. a local emergency closure).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=40, help_text=_("如：春节、国庆节调休上班"))
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：国办发明电〔2026〕×号"))

    class Meta:
        verbose_name = _("工作日历录入")
        verbose_name_plural = _("工作日历录入")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.name}（{'上班' if self.is_working_day else '放假'}）"
