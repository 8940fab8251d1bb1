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


# --- verification reports (核对报告) ------------------------------------------------------------------


class ReportPurpose(models.TextChoices):
    APPLICATION = "application", _("申请核对")
    REVIEW = "review", _("复核核对")
    REQUEST = "request", _("依申请核对")


class Conclusion(models.TextChoices):
    WITHIN = "within", _("符合规定")
    EXCEEDS = "exceeds", _("超出规定")
    DISCREPANCY = "discrepancy", _("与申报不符")
    NOTE = "note", _("提示")
    NO_DATA = "no_data", _("无部门数据")


class Overall(models.TextChoices):
    WITHIN = "within", _("符合规定")
    EXCEEDS = "exceeds", _("超出规定")
    DISCREPANCY = "discrepancy", _("存在差异")
    INCOMPLETE = "incomplete", _("部分数据无法核对")


class Topic(models.TextChoices):
    INCOME = "income", _("家庭收入")
    WAGES = "wages", _("工资收入")
    PENSION = "pension", _("养老金")
    UNEMPLOYMENT = "unemployment", _("失业登记")
    TAX = "tax", _("纳税收入")
    PROPERTY = "property", _("房产")
    VEHICLE = "vehicle", _("机动车")
    BUSINESS = "business", _("市场主体")
    PROVIDENT_FUND = "provident_fund", _("住房公积金")
    DEATH = "death", _("死亡")
    HUKOU = "hukou", _("户籍迁出")
    DISABILITY = "disability", _("残疾")
    DEPOSITS = "deposits", _("银行存款等金融资产")
    OTHER = "other", _("其他")


class ItemSource(models.TextChoices):
    FEED = "feed", _("部门数据")
    MANUAL = "manual", _("人工录入")


class ItemStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    SUPERSEDED = "superseded", _("已复核替代")


class VerificationReport(models.Model):
    """A household's means-verification report on a date: what departments' data say, item by item."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case_verification = models.OneToOneField(
        "cases.Verification",
        verbose_name=_("案件核对记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report",
    )
    purpose = models.CharField(_("核对类型"), max_length=12, choices=ReportPurpose.choices)
    programme = models.CharField(_("救助项目"), max_length=32, default="dibao")
    as_of = models.DateField(_("核对日期"))
    policy_text = models.CharField(_("适用政策"), max_length=300, blank=True)
    overall = models.CharField(_("核对结论"), max_length=12, choices=Overall.choices)
    overall_text = models.TextField(_("结论说明"), blank=True)
    missing = models.JSONField(_("未取得的部门数据"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核对人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("核对报告")
        verbose_name_plural = _("核对报告")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"核对报告 {self.as_of:%Y-%m-%d}（{self.get_overall_display()}）"


class ReportItem(models.Model):
    """One line of a report: one member (or the household) and one topic, found vs declared vs threshold."""

    report = models.ForeignKey(
        VerificationReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="items"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("成员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    member_name = models.CharField(_("成员姓名"), max_length=50, blank=True)
    topic = models.CharField(_("核对项目"), max_length=16, choices=Topic.choices)
    source = models.CharField(_("来源"), max_length=8, choices=ItemSource.choices, default=ItemSource.FEED)
    department = models.CharField(_("数据来源"), max_length=100, blank=True)
    batches = models.JSONField(_("数据批次与行号"), default=list, blank=True)
    found_text = models.CharField(_("部门数据"), max_length=500, blank=True)
    found_amount = models.DecimalField(_("部门数据数值"), max_digits=14, decimal_places=2, null=True, blank=True)
    declared_text = models.CharField(_("家庭申报（登记信息）"), max_length=300, blank=True)
    declared_amount = models.DecimalField(_("申报数值"), max_digits=14, decimal_places=2, null=True, blank=True)
    threshold_text = models.CharField(_("政策标准"), max_length=300, blank=True)
    threshold_amount = models.DecimalField(_("标准数值"), max_digits=14, decimal_places=2, null=True, blank=True)
    rule = models.CharField(_("依据"), max_length=200, blank=True)
    conclusion = models.CharField(_("结论"), max_length=12, choices=Conclusion.choices)
    conclusion_text = models.CharField(_("结论说明"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.ACTIVE)
    dispute = models.CharField(_("异议及复核依据"), max_length=500, blank=True)
    replaces = models.ForeignKey(
        "self", verbose_name=_("复核前的项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_evidence = models.CharField(_("已采纳为登记证据"), max_length=40, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("核对项目")
        verbose_name_plural = _("核对项目")
        ordering = ["report", "person_id", "id"]

    def __str__(self) -> str:
        return f"{self.member_name or '全户'} {self.get_topic_display()}：{self.get_conclusion_display()}"
