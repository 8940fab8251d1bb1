"""Enrolment: who should be paid what in each month, with the amount history and the review tasks.

Payment is a later module; it reads ``Enrolment`` and ``EnrolmentChange`` (see
``selectors.payable_in_month``) and nothing else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.policy.engine.explain import PROGRAMME_LABELS

Programme = models.TextChoices("Programme", [(k.upper(), (k, v)) for k, v in PROGRAMME_LABELS.items()])


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("正常发放")
    SUSPENDED = "suspended", _("暂停发放")
    PHASING_OUT = "phasing_out", _("渐退中")
    ENDED = "ended", _("已停发")


class Enrolment(models.Model):
    """One person's membership of one programme. Household programmes (低保) are held by the payee
    (the head) with ``covered`` listing the members counted; per-person programmes by the person.

    Months are stored as the first day of the month. ``end_month`` is the last month paid; an
    enrolment ended before its start month (``end_month < start_month``) was never paid.
    ``monthly_amount`` is the amount last approved; the amount payable in a month comes from the
    dated ``changes`` (a phase-out or a suspension is written there month by month).
    """

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="enrolments")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("项目"), max_length=32, choices=Programme.choices)
    tier = models.CharField(_("档次/类别"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices, default="active")
    start_month = models.DateField(_("起始月份"))
    end_month = models.DateField(_("停发月份（最后发放月）"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("当前月金额"), max_digits=12, decimal_places=2)
    covered = models.JSONField(_("保障人员"), default=list, blank=True)
    review_months = models.PositiveSmallIntegerField(_("复核间隔（月）"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    automatic = models.BooleanField(_("系统按条件自动纳入"), default=False)
    end_reason = models.CharField(_("停发原因"), max_length=300, blank=True)
    # The name on the bank account paid, when it is not the person's own (a guardian's for a child);
    # blank = the person's own account (``Person.bank_account``).
    account_holder = models.CharField(_("账户户名"), max_length=50, blank=True)
    # Why this enrolment cannot be paid as it stands (no bank account, an account holder who is not a
    # member …), written by ``cases.services.payment_checks``; blank = nothing in the way. The payroll
    # refuses to pay an enrolment whose warning is not blank.
    payment_warning = models.CharField(_("发放提醒"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("保障对象")
        verbose_name_plural = _("保障对象")
        ordering = ["household_id", "programme", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"], condition=~Q(status="ended"), name="one_live_enrolment_per_programme"
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="enrolment_amount_non_negative"),
        ]
        indexes = [models.Index(fields=["region", "status"], name="enrolment_region_status")]

    def __str__(self) -> str:
        return f"{self.person} {self.get_programme_display()}"


class EnrolmentChange(models.Model):
    """From ``effective_month`` on, the enrolment pays ``monthly_amount`` (and is in ``status``).

    Future months may be written in advance (a phase-out schedule); the amount of a month is the
    latest change whose ``effective_month`` is not after it.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="changes")
    effective_month = models.DateField(_("生效月份"))
    monthly_amount = models.DecimalField(_("月金额"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices)
    reason = models.CharField(_("原因"), max_length=300)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review = models.ForeignKey("cases.ReviewTask", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("金额变动")
        verbose_name_plural = _("金额变动")
        ordering = ["effective_month", "id"]
        constraints = [models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="change_amount_non_negative")]

    def __str__(self) -> str:
        return f"{self.effective_month:%Y-%m} {self.monthly_amount}"


class SupersededChange(models.Model):
    """A scheduled ``EnrolmentChange`` that a later ending replaced, kept as it was.

    Ending an enrolment removes the changes scheduled after its last month from ``EnrolmentChange``
    (payrolls and amounts read only what holds now); the row is copied here first, with the instant it
    was replaced, so that the statistics of a month closed before then still read it (``reports``).
    """

    change_id = models.BigIntegerField(_("原变动编号"))
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    effective_month = models.DateField(_("生效月份"))
    monthly_amount = models.DecimalField(_("月金额"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=12, choices=EnrolmentStatus.choices)
    reason = models.CharField(_("原因"), max_length=300)
    created_at = models.DateTimeField(_("原记录时间"))
    superseded_at = models.DateTimeField(_("被替代时间"))
    superseded_reason = models.CharField(_("替代原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("已被替代的金额变动")
        verbose_name_plural = _("已被替代的金额变动")
        ordering = ["enrolment_id", "effective_month", "change_id"]
        indexes = [models.Index(fields=["enrolment", "effective_month"], name="superseded_change_enrolment")]

    def __str__(self) -> str:
        return f"{self.effective_month:%Y-%m} {self.monthly_amount}"


class ReviewKind(models.TextChoices):
    PERIODIC = "periodic", _("定期复核")
    AGE_CHECK = "age_check", _("年满 18 周岁核查")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class ReviewOutcome(models.TextChoices):
    UNCHANGED = "unchanged", _("维持不变")
    ADJUST = "adjust", _("调整金额")
    PHASE_OUT = "phase_out", _("渐退")
    END = "end", _("停发")
    CONTINUED = "continued", _("在校继续保障")
    TERMINATION_OPENED = "termination_opened", _("已启动终止程序")


class ReviewTask(models.Model):
    """A dated piece of work the system must not forget: a periodic review or an 18th-birthday check."""

    kind = models.CharField(_("类型"), max_length=12, choices=ReviewKind.choices)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(Enrolment, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default="open")
    outcome = models.CharField(_("结果"), max_length=20, choices=ReviewOutcome.choices, blank=True)
    reasons = models.TextField(_("理由"), blank=True)
    completed_on = models.DateField(_("完成日期"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("到期任务")
        verbose_name_plural = _("到期任务")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(status="open", kind="periodic"), name="one_open_review_per_household"
            ),
            models.UniqueConstraint(
                fields=["enrolment"], condition=Q(status="open", kind="age_check"), name="one_open_age_check"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="review_task_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on}"
