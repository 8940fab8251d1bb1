"""Import batches (one uploaded file) and their staged rows.

A batch is scoped like every other record: ``region`` is the uploader's region, and a batch is
visible only to users whose subtree contains it. Rows are staged with what the file said
(``raw``), what was wrong (``errors``) and the cleaned values that a commit writes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    STAGED = "staged", _("已上传，等待校验")
    VALIDATING = "validating", _("正在校验")
    VALIDATED = "validated", _("校验完成")
    IMPORTING = "importing", _("正在导入")
    IMPORTED = "imported", _("已导入")
    FAILED = "failed", _("失败")
    DISCARDED = "discarded", _("已放弃")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportKind(models.TextChoices):
    """What a file holds: each kind has its own template, checks and writes, and the same pages."""

    PERSONS = "persons", _("家庭与人员")
    EVIDENCE = "evidence", _("家庭证据")
    ROSTER = "roster", _("在保对象名册")


class ImportBatch(models.Model):
    kind = models.CharField(_("导入类型"), max_length=12, choices=ImportKind.choices, default=ImportKind.PERSONS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The uploader's region: the batch is visible to users whose subtree contains it.
    region = models.ForeignKey("regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True, db_index=True)
    format = models.CharField(_("格式"), max_length=8, choices=ImportFormat.choices)
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.STAGED)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)  # percent
    phase = models.CharField(_("当前步骤"), max_length=40, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("有效行数"), default=0)
    invalid_rows = models.PositiveIntegerField(_("错误行数"), default=0)
    # {"households_new", "persons_new", "persons_updated", "persons_unchanged", "ignored_columns", ...}
    summary = models.JSONField(_("摘要"), default=dict, blank=True)
    error_message = models.TextField(_("错误说明"), blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    validated_at = models.DateTimeField(_("校验完成时间"), null=True, blank=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "-created_at"], name="importbatch_region_recent")]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.STAGED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


class RowStatus(models.TextChoices):
    VALID = "valid", _("有效")
    INVALID = "invalid", _("有错误")


class RowAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("更新")
    UNCHANGED = "unchanged", _("无变化")
    JOIN = "join", _("迁入")
    NONE = "", _("不导入")


class ImportRow(models.Model):
    """One data row of a file: what it said, what was wrong, and the cleaned values to write.

    The cleaned columns are filled only for valid rows; ``raw`` holds the cells of a rejected row in
    template column order (see ``columns.COLUMNS``) so it can be handed back exactly as it was. A
    valid row's cells are its cleaned columns, so its ``raw`` stays empty and staging stays lean.
    """

    # Staging rows are written only by the import code, up to 500,000 at a time: the (batch, status,
    # row_number) index covers lookups, and no database FK means no per-row constraint trigger on
    # COPY. Deleting a batch still deletes its rows (Django's cascade).
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="rows", db_index=False, db_constraint=False
    )
    row_number = models.PositiveIntegerField(_("行号"))
    status = models.CharField(_("状态"), max_length=8, choices=RowStatus.choices)
    action = models.CharField(_("处理"), max_length=10, choices=RowAction.choices, blank=True)
    raw = models.JSONField(_("原始内容"), default=list)
    # [{"column": "公民身份号码", "message": "…"}]
    errors = models.JSONField(_("错误"), default=list)
    household_key = models.CharField(_("户编号"), max_length=40, blank=True)
    region_code = models.CharField(_("村/社区区划代码"), max_length=12, blank=True)
    address = models.CharField(_("居住地址"), max_length=200, blank=True)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = models.CharField(_("公民身份号码"), max_length=18, blank=True)
    gender = models.CharField(_("性别"), max_length=1, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=16, blank=True)
    hukou_region_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    hukou_type = models.CharField(_("户籍性质"), max_length=8, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=32, blank=True)
    # The cleaned values of an evidence or roster row (``caseload``): {field: text}; empty for persons.
    data = models.JSONField(_("校验后内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("导入行")
        verbose_name_plural = _("导入行")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["batch", "status", "row_number"], name="importrow_batch_status_row")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"


class DiscrepancyStatus(models.TextChoices):
    OPEN = "open", _("待核对")
    CONFIRMED = "confirmed", _("已核对，维持名册金额")


class RosterDiscrepancy(models.Model):
    """A migrated enrolment whose roster amount is not what the policy engine computes for its household.

    The roster amount is kept as it stands (it is what the family is paid today); the county checks
    each listed enrolment and either confirms it or corrects it through a change case.
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="discrepancies")
    enrolment = models.OneToOneField("cases.Enrolment", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("项目"), max_length=32)
    roster_amount = models.DecimalField(_("名册月金额"), max_digits=12, decimal_places=2)
    computed_amount = models.DecimalField(_("测算月金额"), max_digits=12, decimal_places=2)
    note = models.CharField(_("测算说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DiscrepancyStatus.choices, default="open")
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("核对时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("迁移导入金额与测算不一致")
        verbose_name_plural = _("迁移导入金额与测算不一致")
        ordering = ["region_id", "household_id", "id"]
        indexes = [models.Index(fields=["region", "status"], name="rosterdiff_region_status")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.roster_amount} / {self.computed_amount}"

    @property
    def difference(self):
        return self.roster_amount - self.computed_amount
