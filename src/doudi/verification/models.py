"""Models of verification: department feed batches (部门数据批次), their set-aside rows and column mappings.

The rows themselves are not in the database: every accepted batch's good rows are one Parquet file
(``FeedBatch.parquet_path``, relative to ``settings.FEEDS_DIR``) with the canonical columns of
``doudi.verification.feeds.schemas`` plus ``batch_id``, ``row_number``, ``person_id`` and
``region_code``. Matching (monitoring, verification reports) reads those files with DuckDB.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.verification.feeds.schemas import DEPARTMENT_CHOICES


class BatchStatus(models.TextChoices):
    CURRENT = "current", _("当前有效")
    SUPERSEDED = "superseded", _("已被替代")


class FeedBatch(models.Model):
    """One uploaded department file: provenance, counts, checksum and where its good rows are kept.

    One department feed, one period (``YYYY-MM``: the month the data describes or was extracted in)
    and one region (the uploader's county or other unit, the scope of the rows) have at most one
    current batch; a later upload for the same three supersedes it. The same file (same checksum)
    uploaded again for the same three changes nothing.
    """

    department = models.CharField(_("数据类型"), max_length=32, choices=DEPARTMENT_CHOICES)
    period = models.CharField(_("所属期"), max_length=7)
    region = models.ForeignKey("regions.Region", verbose_name=_("数据地区"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.CURRENT)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_format = models.CharField(_("文件格式"), max_length=8)
    encoding = models.CharField(_("文件编码"), max_length=16, blank=True)
    checksum = models.CharField(_("校验和（SHA-256）"), max_length=64)
    parquet_path = models.CharField(_("数据文件"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("总行数"), default=0)
    good_count = models.PositiveIntegerField(_("有效行数"), default=0)
    bad_count = models.PositiveIntegerField(_("问题行数"), default=0)
    mapping = models.JSONField(_("列名对照"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    channel = models.CharField(_("上传方式"), max_length=8, default="web")
    superseded_by = models.ForeignKey(
        "self", verbose_name=_("替代批次"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    superseded_at = models.DateTimeField(_("替代时间"), null=True, blank=True)
    purged_at = models.DateTimeField(_("原始数据清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("部门数据批次")
        verbose_name_plural = _("部门数据批次")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "period", "region"],
                condition=Q(status="current"),
                name="feed_batch_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "status", "region"]),
            models.Index(fields=["checksum"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.period}（第{self.pk}批）"

    @property
    def parquet_file(self):
        from doudi.verification.feeds.storage import absolute_path

        return absolute_path(self.parquet_path) if self.parquet_path else None


class FeedRowError(models.Model):
    """A row set aside from a batch (or the whole file refused): line, column and the reason in Chinese."""

    batch = models.ForeignKey(FeedBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="errors")
    row_number = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=64, blank=True)
    value = models.CharField(_("原值"), max_length=200, blank=True)
    reason = models.CharField(_("原因"), max_length=300)

    class Meta:
        verbose_name = _("问题行")
        verbose_name_plural = _("问题行")
        ordering = ["row_number", "id"]

    def __str__(self) -> str:
        return f"第{self.row_number}行 {self.column}：{self.reason}"


class FeedMapping(models.Model):
    """A bureau's column names for one department feed: partner header → canonical column code."""

    region = models.ForeignKey("regions.Region", verbose_name=_("地区"), on_delete=models.PROTECT, related_name="+")
    department = models.CharField(_("数据类型"), max_length=32, choices=DEPARTMENT_CHOICES)
    columns = models.JSONField(_("列名对照"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("列名对照")
        verbose_name_plural = _("列名对照")
        constraints = [models.UniqueConstraint(fields=["region", "department"], name="feed_mapping_once")]

    def __str__(self) -> str:
        return f"{self.get_department_display()}（{self.region_id}）"
