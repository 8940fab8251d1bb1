"""Decisions: the county's confirmation (or refusal) and the township's fast grants, line by line."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.cases.models.case import Case


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("确认")
    REFUSED = "refused", _("不予确认")
    FAST_GRANT = "fast_grant", _("小额快救")
    HELP_FIRST = "help_first", _("先行救助")


class Decision(models.Model):
    """A decision on a case. A case has at most one final decision (a database constraint), so it
    cannot be decided twice, and at most one fast grant."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(_("决定"), max_length=12, choices=DecisionOutcome.choices)
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reasons = models.TextField(_("理由"), blank=True)
    start_month = models.DateField(_("起始月份"), null=True, blank=True)
    review_months = models.PositiveSmallIntegerField(_("复核间隔（月）"), null=True, blank=True)
    assessment = models.ForeignKey(
        "policy.AssessmentRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notified_on = models.DateField(_("书面告知日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("决定")
        verbose_name_plural = _("决定")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(outcome__in=["approved", "refused"]), name="one_final_decision_per_case"
            ),
            models.UniqueConstraint(
                fields=["case"], condition=Q(outcome__in=["fast_grant", "help_first"]), name="one_fast_grant_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_outcome_display()}"


class DecisionLine(models.Model):
    """One programme granted (or ended) by a decision: who, how much a month or once, from when."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="lines")
    programme = models.CharField(_("项目"), max_length=32)
    person = models.ForeignKey("registry.Person", null=True, on_delete=models.PROTECT, related_name="+")
    monthly_amount = models.DecimalField(_("月金额"), max_digits=12, decimal_places=2, default=0)
    one_off_amount = models.DecimalField(_("一次性金额"), max_digits=12, decimal_places=2, default=0)
    tier = models.CharField(_("档次/类别"), max_length=40, blank=True)
    covered = models.JSONField(_("保障人员"), default=list, blank=True)
    end_month = models.DateField(_("截止月份"), null=True, blank=True)
    ends_enrolment = models.ForeignKey(
        "cases.Enrolment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("决定明细")
        verbose_name_plural = _("决定明细")
        constraints = [
            models.CheckConstraint(
                condition=Q(monthly_amount__gte=0) & Q(one_off_amount__gte=0), name="decision_line_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.monthly_amount}"
