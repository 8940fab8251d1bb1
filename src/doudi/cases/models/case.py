"""The case, its timeline, its time limits and its files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.cases.workflow import NEXT_ACTOR, CaseStatus


class CaseKind(models.TextChoices):
    APPLICATION = "application", _("救助申请")
    TEMPORARY = "temporary", _("临时救助申请")
    CHANGE = "change", _("家庭情况变更")
    TERMINATION = "termination", _("终止救助供养")


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口申请")
    ONLINE = "online", _("网上申请")
    ENTRUSTED = "entrusted", _("委托申请")
    PROACTIVE = "proactive", _("主动发现")
    SYSTEM = "system", _("系统到期任务")


class Case(models.Model):
    """One matter handled through the one window, from application to the decision carried out.

    ``version`` goes up with every step; a step names the version it was taken on, so that two
    people acting at once cannot both decide (see ``services.common.lock_case``).
    """

    number = models.CharField(_("案件编号"), max_length=24, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CaseKind.choices, default=CaseKind.APPLICATION)
    channel = models.CharField(_("申请方式"), max_length=12, choices=Channel.choices, default=Channel.WINDOW)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="cases"
    )
    applicant = models.ForeignKey(
        "registry.Person",
        verbose_name=_("申请人/对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The village of the household when the case was opened: the scope key.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村/社区"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.SUBMITTED)
    version = models.PositiveIntegerField(_("版本"), default=1)
    programmes = models.JSONField(_("申请项目"), default=list, blank=True)
    special = models.BooleanField(_("情况复杂（延长时限）"), default=False)
    minor_case = models.BooleanField(_("未成年人案件（不公示）"), default=False)
    relative_flag = models.BooleanField(_("近亲属备案"), default=False)
    opened_on = models.DateField(_("申请日期"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    decided_on = models.DateField(_("确认日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    temporary_need = models.JSONField(_("临时救助事由"), default=dict, blank=True)
    change = models.JSONField(_("变更内容"), default=dict, blank=True)
    opinion = models.TextField(_("初审意见"), blank=True)
    opinion_assessment = models.ForeignKey(
        "policy.AssessmentRecord",
        verbose_name=_("初审评估"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Enrolments a change or termination case is about.
    enrolments = models.ManyToManyField("cases.Enrolment", verbose_name=_("涉及的保障"), blank=True, related_name="+")
    note = models.CharField(_("备注"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("救助案件")
        verbose_name_plural = _("救助案件")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["region", "status"], name="case_region_status")]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_kind_display()}）"

    @property
    def next_actor(self) -> str:
        """Who acts next (``workflow.NEXT_ACTOR``), blank once the case has ended."""
        return NEXT_ACTOR.get(self.status, "")


class CaseEvent(models.Model):
    """One line of the case timeline: who did what, when, and how the status moved."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    on = models.DateField(_("办理日期"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("操作"), max_length=40)
    label = models.CharField(_("操作名称"), max_length=60)
    from_status = models.CharField(_("原状态"), max_length=24, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    assessment = models.ForeignKey(
        "policy.AssessmentRecord", verbose_name=_("评估记录"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("案件记录")
        verbose_name_plural = _("案件记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.label}"

    @property
    def actor_name(self) -> str:
        return self.actor.display_name if self.actor_id else "系统"


class DeadlineKind(models.TextChoices):
    SURVEY_START = "survey_start", _("启动调查")
    SURVEY = "survey", _("完成调查")
    NOTICE = "notice", _("公示期满")
    OBJECTION = "objection", _("异议复查")
    CONFIRM = "confirm", _("审核确认")
    REFUSAL_NOTICE = "refusal_notice", _("不予确认告知")
    TOTAL = "total", _("办理总时限")
    FAST_DECISION = "fast_decision", _("先行救助决定")
    PAPERWORK = "paperwork", _("补办手续")


class CaseDeadline(models.Model):
    """A time limit running on a case: when it started, when it falls due, when it was met.

    When the working-day calendar does not yet know the year a limit falls in, ``due_on`` is
    counted Monday to Friday and marked ``provisional`` (the earliest the true date can be); the
    daily task recounts it once the year's holidays are entered or the package is upgraded.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("时限"), max_length=20, choices=DeadlineKind.choices)
    started_on = models.DateField(_("起算日"))
    amount = models.PositiveSmallIntegerField(_("时限长度"))
    unit = models.CharField(_("单位"), max_length=8, default="工作日")
    due_on = models.DateField(_("到期日"), null=True, blank=True)
    provisional = models.BooleanField(_("到期日暂按周一至周五计算"), default=False)
    basis = models.CharField(_("依据"), max_length=200, blank=True)
    met_on = models.DateField(_("完成日"), null=True, blank=True)
    cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["met_on", "cancelled", "due_on"], name="case_deadline_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_on or '待定'}"

    @property
    def is_open(self) -> bool:
        return self.met_on is None and not self.cancelled


class AttachmentCategory(models.TextChoices):
    APPLICATION = "application", _("申请书")
    AUTHORISATION = "authorisation", _("核对授权书")
    IDENTITY = "identity", _("身份证明")
    INCOME = "income", _("收入证明")
    MEDICAL = "medical", _("医疗、残疾证明")
    SURVEY = "survey", _("调查记录/照片")
    NOTICE = "notice", _("公示照片")
    DECISION = "decision", _("决定书、告知书")
    OTHER = "other", _("其他")


class Attachment(models.Model):
    """A scanned paper or photo of a case. The file is stored under a random name; ``sha256`` fixes it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    category = models.CharField(_("类别"), max_length=16, choices=AttachmentCategory.choices)
    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return self.original_name
