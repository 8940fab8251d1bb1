"""Models of monitoring: the alerts a rule raised, the runs that raised them, and persons referred by workers.

An alert is identified by its ``fingerprint`` (rule, person or household, and the fact: a death, a
car's number plate, a tax year …): the same fact seen again in a later run never opens a second
alert, whatever became of the first; a different fact (a second car) has another fingerprint and
opens its own. The rules themselves are code (``monitoring.rules``), switched and tuned per region
by the ``[monitoring]`` policy parameters.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class AlertClass(models.TextChoices):
    DISCOVERY = "discovery", _("主动发现")
    UNMET_NEED = "unmet_need", _("需求未满足")
    STATUS_CHANGE = "status_change", _("状态变化")
    POLICY = "policy", _("政策落实")


class Severity(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class MonitoredKind(models.TextChoices):
    DIBAO = "dibao", _("低保对象")
    TEKUN = "tekun", _("特困人员")
    NEAR_DIBAO = "near_dibao", _("低保边缘家庭成员")
    RIGID_EXPENSE = "rigid_expense", _("刚性支出困难家庭成员")
    POVERTY_WATCH = "poverty_watch", _("防止返贫监测对象")
    EXITED = "exited", _("退出救助人员")
    REFUSED = "refused", _("申请未通过人员")
    REFERRED = "referred", _("其他困难人员")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待核查")
    RESOLVED = "resolved", _("已处理")
    CLEARED = "cleared", _("信号消失，自动关闭")


class Outcome(models.TextChoices):
    OPEN_APPLICATION = "open_application", _("登记救助申请")
    OPEN_CHANGE = "open_change", _("启动家庭情况变更")
    END_ASSISTANCE = "end_assistance", _("停止救助")
    CONFIRM_DEATH = "confirm_death", _("确认死亡，停发并追缴")
    NO_ACTION = "no_action", _("核实无需处理")


class MonitoringRun(models.Model):
    """One run of the enabled rules over a region's subtree on a date, and what it changed."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("监测日期"))
    engine = models.CharField(_("计算引擎"), max_length=10, default="duckdb")
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    opened = models.PositiveIntegerField(_("新开预警"), default=0)
    closed = models.PositiveIntegerField(_("自动关闭"), default=0)
    unchanged = models.PositiveIntegerField(_("维持不变"), default=0)
    by_rule = models.JSONField(_("各规则结果"), default=dict, blank=True)
    # {township code: {monitored kind: persons}} on the run's date (the overview reads the latest run).
    population = models.JSONField(_("监测对象"), default=dict, blank=True)
    started_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("监测运行")
        verbose_name_plural = _("监测运行")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.on}"


class Alert(models.Model):
    """One signal that a household may need a decision: who, which rule, the evidence, and what came of it."""

    rule = models.CharField(_("预警规则"), max_length=40)
    alert_class = models.CharField(_("预警类别"), max_length=16, choices=AlertClass.choices)
    severity = models.CharField(_("预警级别"), max_length=8, choices=Severity.choices)
    fingerprint = models.CharField(_("指纹"), max_length=64)
    fact = models.CharField(_("事实"), max_length=200, blank=True)
    summary = models.CharField(_("预警内容"), max_length=300)
    # Household and person are checked per statement, not per row: triggers on PostgreSQL (migration
    # ``monitoring 0007``) refuse an alert whose household or person does not exist, and the deletion of a
    # household or person an alert cites, with one set-based query each; a run's 66,400 new alerts spent 1.9 s
    # in the per-row foreign-key checks at commit against about 0.1 s so (docs/benchmarks.md). Django's
    # ``PROTECT`` still refuses a deletion through the ORM on every database.
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # The village of the household (the scope key); ``township`` is the township the alert is assigned to.
    # No database constraint on these two and on ``run`` (kept by the code: the codes are the households'
    # regions, the run is created in the same transaction): every alert of a run references the same few
    # rows, and PostgreSQL's per-row check locks that row once per alert at commit — 66,400 alerts of one
    # run spent 49 s there against 7 s for the household and person checks (docs/benchmarks.md).
    # No index of its own on ``region`` nor on ``run``: a village's alerts are found by ``alert_region_status``
    # (region first), a subtree's by the reports app's ``region_id varchar_pattern_ops`` index on PostgreSQL,
    # and no page looks alerts up by run; each index is written once per new alert.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    township = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    evidence = models.JSONField(_("证据"), default=list, blank=True)
    event_date = models.DateField(_("事实发生日期"), null=True, blank=True)
    detected_on = models.DateField(_("发现日期"))
    due_on = models.DateField(_("核查期限"))
    due_provisional = models.BooleanField(default=False)
    status = models.CharField(_("状态"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    # Empty on every new alert: indexed only where set (``Meta.indexes``), so a run's inserts skip these indexes.
    assigned_to = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    run = models.ForeignKey(
        MonitoringRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    findings = models.TextField(_("核查情况"), blank=True)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("理由"), blank=True)
    outcome_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    resolved_on = models.DateField(_("处理日期"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    cleared_on = models.DateField(_("自动关闭日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监测预警")
        verbose_name_plural = _("监测预警")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fingerprint"], name="alert_fingerprint_unique"),
            models.CheckConstraint(condition=~Q(status="resolved") | ~Q(outcome=""), name="resolved_alert_has_outcome"),
        ]
        indexes = [
            models.Index(fields=["region", "status", "due_on"], name="alert_region_status"),
            models.Index(fields=["status", "rule"], name="alert_status_rule"),
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=f"alert_{name}_set")
                for name in ("assigned_to", "outcome_case", "resolved_by")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.summary}"


class WorkerReferral(models.Model):
    """其他困难人员: a person a worker found in difficulty and put under monitoring (rules.md §8)."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("困难情况"), max_length=300)
    referred_on = models.DateField(_("纳入监测日期"))
    ended_on = models.DateField(_("退出监测日期"), null=True, blank=True)
    referred_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("其他困难人员")
        verbose_name_plural = _("其他困难人员")
        ordering = ["-referred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="one_open_referral_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class StaffMember(models.Model):
    """经办人员名单: a civil-affairs or village worker of a region, or (``relative_of`` set) one of a
    worker's declared close relatives. The ``staff_relative`` rule and the payroll's relatives check
    flag a beneficiary household that holds a listed worker or a listed relative (matched by ID number)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    post = models.CharField(_("职务"), max_length=60, blank=True)
    start_on = models.DateField(_("任职开始日期"), null=True, blank=True)
    end_on = models.DateField(_("任职结束日期"), null=True, blank=True)
    relative_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="relatives", verbose_name=_("工作人员")
    )
    relation = models.CharField(_("近亲属关系"), max_length=20, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("经办人员名单")
        verbose_name_plural = _("经办人员名单")
        ordering = ["region_id", "relative_of_id", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "id_number"], condition=Q(relative_of__isnull=True), name="staff_once_per_region"
            ),
            models.UniqueConstraint(
                fields=["relative_of", "id_number"], condition=Q(relative_of__isnull=False), name="relative_once"
            ),
        ]
        indexes = [models.Index(fields=["id_number"], name="staff_id_number")]

    def __str__(self) -> str:
        return f"{self.name}（{self.post or self.relation}）"
