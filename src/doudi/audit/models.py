"""The audit trail: what changed (AuditEvent) and who opened a full record (RecordAccess).

Rows are only ever inserted. They keep the region code and household id as plain values rather
than foreign keys, so that the trail outlives the records it describes and stays scoped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=40)
    target_type = models.CharField(_("对象类型"), max_length=40)
    target_id = models.CharField(_("对象编号"), max_length=40)
    target_label = models.CharField(_("对象"), max_length=120, blank=True)
    household_id = models.BigIntegerField(_("家庭"), null=True, db_index=True)
    region_code = models.CharField(_("区划"), max_length=12, blank=True, db_index=True)
    # {"field": {"label": "手机号", "old": "…", "new": "…"}}; identifiers are stored masked.
    changes = models.JSONField(_("变更内容"), default=dict)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        from doudi.core.labels import action_label

        return f"{action_label(self.action)} {self.target_label}"


class RecordAccess(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("查看人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    person_id = models.BigIntegerField(_("人员"), null=True, db_index=True)
    household_id = models.BigIntegerField(_("家庭"), null=True, db_index=True)
    region_code = models.CharField(_("区划"), max_length=12, blank=True)
    channel = models.CharField(_("途径"), max_length=20)  # page / api / export
    detail = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("完整信息查看记录")
        verbose_name_plural = _("完整信息查看记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        from doudi.core.labels import channel_label

        return f"{channel_label(self.channel)}查看人员 {self.person_id}"
