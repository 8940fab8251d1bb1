"""Payrolls, their lines, integrity findings and recoveries: every yuan paid, for whom, for which month.

The schema in one paragraph (also in ``/work/notes/payments-models.md`` for the bank-file work):

- ``Payroll``: one county (the paying level), one programme, one payroll month. A maker generates it
  (set-based, ``services.generation``), the integrity checks list ``PayrollFinding`` rows that must be
  resolved or explained, the maker submits, a *different* user with APPROVE_PAYROLL approves. From
  approval on the payroll and its lines are locked (``Payroll.is_locked``): the bank-file and
  return-file steps only move line statuses (sent → paid/failed) and never change amounts.
- ``PayrollLine``: one amount for one person, programme and month covered. ``month_covered`` is the
  payroll month for a normal line and an earlier month for arrears (补发), re-issues (重发) and
  adjustments (调整). Arrears lines are one per month covered, so every month's money is traceable.
- ``Recovery``: money paid that was not owed (after a death or after the end of eligibility), with
  the months concerned and how it was settled (repaid, offset against later lines, written off).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.cases.models import Programme


class PayrollStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审批")
    APPROVED = "approved", _("已审批")
    SENT = "sent", _("已报送银行")
    CLOSED = "closed", _("已对账")


LOCKED_STATUSES = (PayrollStatus.APPROVED, PayrollStatus.SENT, PayrollStatus.CLOSED)


class Payroll(models.Model):
    """The monthly payroll (发放名册) of one county and one programme.

    ``version`` goes up on every generation and every status change, so a page or API client that
    read an older version is refused (optimistic locking, like the rest of doudi). The totals are
    written by the generation from the lines (one aggregate query) and are what the bank file and the
    fund ledger must equal.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("发放县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(_("项目"), max_length=32, choices=Programme.choices)
    month = models.DateField(_("发放月份"))
    status = models.CharField(_("状态"), max_length=10, choices=PayrollStatus.choices, default=PayrollStatus.DRAFT)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("制表人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    returned_reason = models.CharField(_("退回原因"), max_length=300, blank=True)
    checks_run_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    line_count = models.PositiveIntegerField(_("笔数"), default=0)
    person_count = models.PositiveIntegerField(_("人数"), default=0)
    household_count = models.PositiveIntegerField(_("户数"), default=0)
    total_amount = models.DecimalField(_("合计金额"), max_digits=16, decimal_places=2, default=0)
    normal_amount = models.DecimalField(_("当月金额"), max_digits=16, decimal_places=2, default=0)
    arrears_amount = models.DecimalField(_("补发金额"), max_digits=16, decimal_places=2, default=0)
    reissue_amount = models.DecimalField(_("重发金额"), max_digits=16, decimal_places=2, default=0)
    adjustment_amount = models.DecimalField(_("调整金额"), max_digits=16, decimal_places=2, default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("发放名册")
        verbose_name_plural = _("发放名册")
        ordering = ["-month", "region_id", "programme"]
        constraints = [
            models.UniqueConstraint(fields=["region", "programme", "month"], name="one_payroll_per_county_month"),
        ]
        indexes = [models.Index(fields=["month", "status"], name="payroll_month_status")]

    def __str__(self) -> str:
        return f"{self.month.year}年{self.month.month}月 {self.get_programme_display()}"

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class LineKind(models.TextChoices):
    NORMAL = "normal", _("当月发放")
    ARREARS = "arrears", _("补发")
    ADJUSTMENT = "adjustment", _("调整")
    REISSUE = "reissue", _("重发")


class LineStatus(models.TextChoices):
    PLANNED = "planned", _("待发放")
    SENT = "sent", _("已报送银行")
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")
    CANCELLED = "cancelled", _("已取消")


# Lines that do not hold a month's slot: a failed payment (re-issued later) and a cancelled line.
NOT_LIVE_STATUSES = (LineStatus.FAILED, LineStatus.CANCELLED)


class PayrollLine(models.Model):
    """One amount paid to one person for one programme and one month covered.

    **Never twice for the same person, programme and month — the database constraint**
    ``payroll_line_once_per_month`` is unique on ``(person, programme, month_covered, basis)`` over
    every payroll, for lines whose status is not failed or cancelled:

    - ``month_covered`` is the month the money is *for*, not the payroll's month. A normal line covers
      the payroll month; an arrears line (补发, a late decision) covers one earlier month — one line per
      month, so a month paid by arrears cannot be paid again by a later payroll's normal line or
      arrears, whatever payroll either is in.
    - ``basis`` is ``""`` for the month's principal payment (normal, arrears of a whole month, or a
      re-issue). A line that adds to or takes from a month already paid — the top-up after an upward
      correction (``kind=arrears``), or an adjustment (a correction, an offset of a recovery, negative)
      — names its cause in ``basis`` (``"change:<EnrolmentChange id>"``, ``"recovery:<id>"``,
      ``"correction:<line id>"``), so each cause is paid once per month and never a second time.
    - A failed line (closed account, name mismatch…) gives up its slot: its re-issue in a later payroll
      (``kind=reissue``, ``reissue_of`` = the failed line, same ``month_covered``, ``basis=""``) takes it.
      A cancelled line (never paid, e.g. withdrawn from a draft) holds nothing either.
    - Draft and submitted payrolls' lines hold their slots too: two drafts cannot both plan the same
      month; regenerating a draft deletes its lines and inserts them again in one transaction.

    Person, household, region (the village) and programme are copied from the enrolment when the line
    is written, and the bank name/account/holder are a snapshot: the bank file pays what was approved,
    not what the registry says later.
    """

    # No single-column indexes on payroll, enrolment and person: the composite indexes below (and the
    # unique constraint, which leads with person) serve those lookups; a million-line payroll then
    # maintains three indexes fewer.
    payroll = models.ForeignKey(
        Payroll, verbose_name=_("发放名册"), on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    enrolment = models.ForeignKey(
        "cases.Enrolment",
        verbose_name=_("保障对象"),
        on_delete=models.PROTECT,
        related_name="payroll_lines",
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("领取人"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村/社区"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    programme = models.CharField(_("项目"), max_length=32, choices=Programme.choices)
    month_covered = models.DateField(_("所属月份"))
    kind = models.CharField(_("类型"), max_length=12, choices=LineKind.choices, default=LineKind.NORMAL)
    basis = models.CharField(_("依据"), max_length=40, blank=True, default="")
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=32, blank=True)
    account_holder = models.CharField(_("户名"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=LineStatus.choices, default=LineStatus.PLANNED)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    reissue_of = models.ForeignKey(
        "self",
        verbose_name=_("重发原失败记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissues",
    )
    recovery = models.ForeignKey(
        "payments.Recovery",
        verbose_name=_("抵扣的追缴"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offset_lines",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["payroll_id", "region_id", "household_id", "person_id", "month_covered", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "month_covered", "basis"],
                condition=~Q(status__in=["failed", "cancelled"]),
                name="payroll_line_once_per_month",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) | Q(kind="adjustment"), name="payroll_line_amount_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["payroll", "region"], name="payroll_line_payroll_region"),
            models.Index(fields=["enrolment", "month_covered"], name="payroll_line_enrolment_month"),
            models.Index(fields=["household", "month_covered"], name="payroll_line_household_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month_covered:%Y-%m} {self.get_kind_display()} {self.amount}"

    # What a locked payroll's line can never change (the bank steps only move status and reason).
    FROZEN = ("payroll_id", "enrolment_id", "person_id", "month_covered", "kind", "basis", "amount", "bank_account")

    def save(self, *args, **kwargs):
        """Refuse to change what an approved (locked) payroll pays, whatever the caller."""
        if self.pk is not None:
            old = (
                PayrollLine.objects.filter(pk=self.pk, payroll__status__in=LOCKED_STATUSES).values(*self.FROZEN).first()
            )
            if old is not None and any(old[f] != getattr(self, f) for f in self.FROZEN):
                from doudi.payments.errors import locked

                raise locked(self.payroll)
        super().save(*args, **kwargs)


class FindingCheck(models.TextChoices):
    DECEASED = "deceased", _("领取人已死亡")
    DOUBLE_PAYMENT = "double_payment", _("同月重复享受")
    EXCLUSIVE_PROGRAMMES = "exclusive_programmes", _("互斥项目同时享受")
    NO_ACCOUNT = "no_account", _("无银行账号")
    HOLDER_NOT_MEMBER = "holder_not_member", _("账户户名非家庭成员")
    SHARED_ACCOUNT = "shared_account", _("多户共用一个账户")
    AMOUNT_RANGE = "amount_range", _("金额超出政策范围")
    WORKER_RELATIVE = "worker_relative", _("经办人员近亲属")
    CHANGE_TOLERANCE = "change_tolerance", _("较上月变动超限")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    EXPLAINED = "explained", _("已说明")
    RESOLVED = "resolved", _("已解决")


class PayrollFinding(models.Model):
    """One integrity finding of a payroll: what was found, about whom, and how it was dealt with.

    ``subject`` is a stable key of what the finding is about (``person:<id>``, ``account:<hash>``…)
    so running the checks again keeps a finding's explanation; a finding no longer triggered becomes
    resolved. ``lines`` are the lines concerned (ids, for the page's drill-down). ``alert``: the death
    alert behind a ``deceased`` finding, linked from the page.
    """

    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="findings")
    check_code = models.CharField(_("核查项"), max_length=24, choices=FindingCheck.choices)
    subject = models.CharField(_("对象"), max_length=80)
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    lines = models.JSONField(_("涉及明细"), default=list, blank=True)
    detail = models.CharField(_("情况"), max_length=300)
    alert = models.ForeignKey(
        "monitoring.Alert",
        verbose_name=_("死亡预警"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("领取人已死亡：公安死亡登记预警（待核查或已确认死亡）"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    explanation = models.CharField(_("说明"), max_length=300, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核查发现")
        verbose_name_plural = _("核查发现")
        ordering = ["payroll_id", "check_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payroll", "check_code", "subject"], name="one_finding_per_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_check_code_display()}：{self.detail}"


class RecoveryReason(models.TextChoices):
    DEATH = "death", _("死亡后继续发放")
    ENDED = "ended", _("停发后继续发放")
    OTHER = "other", _("其他多发")


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("待追缴")
    OFFSETTING = "offsetting", _("抵扣中")
    REPAID = "repaid", _("已退回")
    OFFSET = "offset", _("已抵扣")
    WRITTEN_OFF = "written_off", _("已核销")


class Recovery(models.Model):
    """Money paid that was not owed (追缴): for months after a death or after the end of eligibility.

    ``months`` lists the months covered (``YYYY-MM``) and ``lines`` the paid lines behind the amount.
    ``recovered_amount`` grows with repayments and with offsets (negative adjustment lines in later
    payrolls that point at this recovery); a write-off needs an approver other than the one who
    recorded it, and a reason.
    """

    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    enrolment = models.ForeignKey(
        "cases.Enrolment", verbose_name=_("保障对象"), on_delete=models.PROTECT, related_name="recoveries"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村/社区"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.CharField(_("项目"), max_length=32, choices=Programme.choices)
    reason = models.CharField(_("原因"), max_length=10, choices=RecoveryReason.choices)
    from_month = models.DateField(_("起始月份"))
    to_month = models.DateField(_("截止月份"))
    months = models.JSONField(_("所属月份"), default=list)
    lines = models.JSONField(_("涉及发放明细"), default=list)
    amount = models.DecimalField(_("应追缴金额"), max_digits=12, decimal_places=2)
    recovered_amount = models.DecimalField(_("已追回金额"), max_digits=12, decimal_places=2, default=0)
    status = models.CharField(_("状态"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    settle_reason = models.CharField(_("办结理由"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("追缴")
        verbose_name_plural = _("追缴")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "reason", "from_month"], name="one_recovery_per_enrolment_start"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.amount}"

    @property
    def outstanding(self):
        return self.amount - self.recovered_amount


# Disbursement (bank layouts, bank files, return files, flagged accounts) lives in its own module.
from doudi.payments.bankfiles.models import (  # noqa: E402, F401
    AccountFlag,
    BankFile,
    BankLayout,
    ReturnImport,
)
