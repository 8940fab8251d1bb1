"""The records of each procedural step (rules.md §1.8): what was asked, checked, seen, posted and raised."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from doudi.cases.models.case import Attachment, Case

USER = settings.AUTH_USER_MODEL


class MissingMaterialsNotice(models.Model):
    """一次性告知: every missing paper listed at once, so the applicant comes back once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="missing_materials")
    items = models.JSONField(_("需补齐的材料"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    issued_on = models.DateField(_("告知日期"))
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_on = models.DateField(_("补齐日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("一次性告知")
        verbose_name_plural = _("一次性告知")
        ordering = ["issued_on", "id"]

    def __str__(self) -> str:
        return "、".join(self.items)


class VerificationResult(models.TextChoices):
    CONSISTENT = "consistent", _("核对一致")
    DISCREPANCY = "discrepancy", _("存在差异")
    UNAVAILABLE = "unavailable", _("部分数据无法核对")


class Verification(models.Model):
    """The means-verification result (§9), entered by hand until the verification module exists."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="verifications")
    result = models.CharField(_("核对结果"), max_length=12, choices=VerificationResult.choices)
    items = models.JSONField(_("核对项目"), default=list, blank=True)
    summary = models.TextField(_("核对情况"))
    checked_on = models.DateField(_("核对日期"))
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("信息核对")
        verbose_name_plural = _("信息核对")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return self.get_result_display()


class Survey(models.Model):
    """入户调查 by two investigators; it counts only once both have signed (§1.8)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="surveys")
    visited_on = models.DateField(_("调查日期"))
    methods = models.JSONField(_("调查方式"), default=list)
    findings = models.TextField(_("调查情况"))
    investigator_1 = models.ForeignKey(USER, verbose_name=_("调查人一"), on_delete=models.PROTECT, related_name="+")
    investigator_2 = models.ForeignKey(USER, verbose_name=_("调查人二"), on_delete=models.PROTECT, related_name="+")
    signed_1_at = models.DateTimeField(_("调查人一签字时间"))
    signed_2_at = models.DateTimeField(_("调查人二签字时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入户调查")
        verbose_name_plural = _("入户调查")
        ordering = ["visited_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(investigator_1=F("investigator_2")), name="survey_two_different_investigators"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.visited_on}"

    @property
    def complete(self) -> bool:
        return self.signed_2_at is not None


class SurveyPhoto(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="photos")
    attachment = models.ForeignKey(Attachment, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("调查照片")
        verbose_name_plural = _("调查照片")
        constraints = [models.UniqueConstraint(fields=["survey", "attachment"], name="survey_photo_once")]

    def __str__(self) -> str:
        return str(self.attachment)


class CommunityReview(models.Model):
    """民主评议, optional when the facts are unclear."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="community_reviews")
    held_on = models.DateField(_("评议日期"))
    attendees = models.PositiveSmallIntegerField(_("到会人数"))
    approvals = models.PositiveSmallIntegerField(_("同意人数"))
    summary = models.TextField(_("评议情况"))
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        constraints = [
            models.CheckConstraint(condition=Q(approvals__lte=F("attendees")), name="review_approvals_le_attendees")
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.approvals}/{self.attendees}"


class NoticeStatus(models.TextChoices):
    RUNNING = "running", _("公示中")
    INTERRUPTED = "interrupted", _("因异议中止")
    ENDED = "ended", _("公示结束")


class PublicNotice(models.Model):
    """公示 of the township's opinion: ``starts_on`` to ``ends_on`` inclusive."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    round = models.PositiveSmallIntegerField(_("第几次公示"), default=1)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    place = models.CharField(_("公示地点"), max_length=200)
    opinion = models.TextField(_("公示内容（初审意见）"))
    assessment = models.ForeignKey(
        "policy.AssessmentRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.RUNNING)
    posted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="notice_round_once"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="notice_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} 至 {self.ends_on}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待复查")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    """An objection to a notice; it stops the case until re-investigated and re-posted (§1.8, §2.3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    notice = models.ForeignKey(PublicNotice, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField(_("收到日期"))
    raised_by = models.CharField(_("异议人"), max_length=100, blank=True, help_text=_("可匿名"))
    content = models.TextField(_("异议内容"))
    status = models.CharField(_("状态"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    findings = models.TextField(_("复查情况"), blank=True)
    resolved_on = models.DateField(_("复查日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return self.content[:30]


class RelativeStatus(models.TextChoices):
    DECLARED = "declared", _("已备案待核查")
    CHECKED = "checked", _("已核查")


class RelativeDeclaration(models.Model):
    """近亲属备案: the applicant is a close relative of staff or a village cadre (§1.8)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="relatives")
    staff_name = models.CharField(_("工作人员/干部姓名"), max_length=50)
    staff_position = models.CharField(_("职务"), max_length=100)
    relation = models.CharField(_("亲属关系"), max_length=50)
    declared_on = models.DateField(_("备案日期"))
    declared_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=RelativeStatus.choices, default="declared")
    visited_on = models.DateField(_("县级入户核查日期"), null=True, blank=True)
    findings = models.TextField(_("核查情况"), blank=True)
    irregular = models.BooleanField(_("发现违规"), default=False)
    checked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("近亲属备案")
        verbose_name_plural = _("近亲属备案")

    def __str__(self) -> str:
        return f"{self.staff_name}（{self.relation}）"


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("已转介待反馈")
    DONE = "done", _("已反馈")


class Referral(models.Model):
    """转介: a need handed to another department or a charity, and what came of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    to_department = models.CharField(_("转介单位"), max_length=100)
    need = models.TextField(_("需求"))
    referred_on = models.DateField(_("转介日期"))
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=8, choices=ReferralStatus.choices, default="open")
    outcome = models.TextField(_("办理结果"), blank=True)
    outcome_on = models.DateField(_("反馈日期"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = _("转介")

    def __str__(self) -> str:
        return self.to_department
