"""Disbursement records: bank layouts, the bank files written, return files imported, flagged accounts.

Imported at the end of ``doudi.payments.models`` so that Django registers them in the payments app.

- ``BankLayout``: how one bank wants its file (CSV or XLSX, columns and their titles, GBK or UTF-8,
  header line, totals line, amounts in yuan or fen). Configured by the bureau; a layout without a
  region serves every county, one with a region serves that region's subtree.
- ``BankFile``: one bank file written for an approved payroll (who, when, layout, count, total and
  the SHA-256 of the bytes handed over) — the download log behind every figure sent to a bank.
- ``ReturnImport``: one bank return file (回盘文件) applied to a payroll, by checksum (a second
  import of the same bytes changes nothing).
- ``AccountFlag``: an account the bank refused (closed, name mismatch, frozen …), on the person's
  record until the account is corrected or the flag is cleared by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FileFormat(models.TextChoices):
    CSV = "csv", _("CSV 文本文件")
    XLSX = "xlsx", _("Excel 工作簿（XLSX）")


class Encoding(models.TextChoices):
    GBK = "gbk", _("GBK（国标码）")
    UTF8 = "utf-8", _("UTF-8")


class TotalsLine(models.TextChoices):
    NONE = "none", _("无汇总行")
    FIRST = "first", _("汇总行在首行")
    LAST = "last", _("汇总行在末行")


class AmountUnit(models.TextChoices):
    YUAN = "yuan", _("元（保留两位小数）")
    FEN = "fen", _("分（整数）")


class BankField(models.TextChoices):
    """What a bank-file column can hold."""

    SEQ = "seq", _("序号")
    ACCOUNT = "account", _("银行账号")
    NAME = "name", _("户名")
    ID_NUMBER = "id_number", _("身份证号")
    AMOUNT = "amount", _("金额")
    PROGRAMME = "programme", _("项目")
    VILLAGE = "village", _("村/社区")
    TOWNSHIP = "township", _("乡镇/街道")
    BANK_NAME = "bank_name", _("开户银行")
    MONTH = "month", _("发放月份")
    REFERENCE = "reference", _("业务参考号")
    SUMMARY = "summary", _("摘要")


class BankLayout(models.Model):
    """One bank's file layout. ``columns`` is a list of ``{"field": BankField, "title": str}`` in file order."""

    name = models.CharField(_("格式名称"), max_length=60, unique=True)
    bank_name = models.CharField(_("银行"), max_length=60)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("适用地区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示全省通用"),
    )
    file_format = models.CharField(_("文件类型"), max_length=4, choices=FileFormat.choices, default=FileFormat.CSV)
    encoding = models.CharField(_("字符编码"), max_length=8, choices=Encoding.choices, default=Encoding.GBK)
    header_line = models.BooleanField(_("首行为列标题"), default=True)
    totals_line = models.CharField(_("汇总行"), max_length=5, choices=TotalsLine.choices, default=TotalsLine.NONE)
    amount_unit = models.CharField(_("金额单位"), max_length=4, choices=AmountUnit.choices, default=AmountUnit.YUAN)
    columns = models.JSONField(_("列"), default=list)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("银行文件格式")
        verbose_name_plural = _("银行文件格式")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def fields(self) -> list[str]:
        return [c["field"] for c in self.columns]

    @property
    def titles(self) -> list[str]:
        labels = dict(BankField.choices)
        return [c.get("title") or str(labels.get(c["field"], c["field"])) for c in self.columns]


class BankFile(models.Model):
    """One bank file handed over for a payroll: what it held and who took it."""

    payroll = models.ForeignKey("payments.Payroll", on_delete=models.PROTECT, related_name="bank_files")
    layout = models.ForeignKey(BankLayout, verbose_name=_("格式"), on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=120)
    record_count = models.PositiveIntegerField(_("笔数"))
    total_amount = models.DecimalField(_("金额合计"), max_digits=16, decimal_places=2)
    sha256 = models.CharField(_("校验码"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("途径"), max_length=10, default="page")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("银行发放文件")
        verbose_name_plural = _("银行发放文件")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class ReturnImport(models.Model):
    """One bank return file applied to a payroll. The same bytes imported again change nothing."""

    payroll = models.ForeignKey("payments.Payroll", on_delete=models.PROTECT, related_name="return_imports")
    file_name = models.CharField(_("文件名"), max_length=120)
    sha256 = models.CharField(_("校验码"), max_length=64)
    record_count = models.PositiveIntegerField(_("笔数"))
    paid_count = models.PositiveIntegerField(_("成功笔数"))
    failed_count = models.PositiveIntegerField(_("失败笔数"))
    paid_amount = models.DecimalField(_("成功金额"), max_digits=16, decimal_places=2)
    failed_amount = models.DecimalField(_("失败金额"), max_digits=16, decimal_places=2)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("银行回盘文件")
        verbose_name_plural = _("银行回盘文件")
        ordering = ["-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["payroll", "sha256"], name="one_import_per_return_file")]

    def __str__(self) -> str:
        return self.file_name


class FailureReason(models.TextChoices):
    CLOSED = "closed", _("账户已销户")
    NAME_MISMATCH = "name_mismatch", _("户名与账号不符")
    FROZEN = "frozen", _("账户冻结")
    INVALID = "invalid", _("账号不存在")
    DORMANT = "dormant", _("账户久悬/止付")
    OTHER = "other", _("其他原因")


class AccountFlag(models.Model):
    """An account the bank refused: shown on the person's and household's record until dealt with.

    Open while ``cleared_at`` is null. It is cleared when the person's account is corrected (another
    account number recorded) or by hand (账户已恢复, e.g. unfrozen). The failed line is re-issued, once, by
    the next payroll generation after either: the account differs from the failed one, or the flag was
    cleared as restored.
    """

    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False)
    bank_account = models.CharField(_("银行账号"), max_length=32)
    account_holder = models.CharField(_("户名"), max_length=50, blank=True)
    reason_code = models.CharField(_("失败类型"), max_length=16, choices=FailureReason.choices)
    reason = models.CharField(_("失败原因"), max_length=200)
    line = models.ForeignKey("payments.PayrollLine", on_delete=models.PROTECT, related_name="+")
    return_import = models.ForeignKey(ReturnImport, on_delete=models.PROTECT, related_name="flags")
    flagged_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    cleared_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clear_reason = models.CharField(_("解除说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("银行账户异常")
        verbose_name_plural = _("银行账户异常")
        ordering = ["-flagged_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["line"], name="one_flag_per_failed_line")]

    def __str__(self) -> str:
        return f"{self.get_reason_code_display()}"

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None
