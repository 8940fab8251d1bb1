"""Versioned policy documents of each region, and the assessments made with them.

A region (province, prefecture or county) publishes its parameters as a TOML document (format:
``docs/policy-format.md``). Each change is a new version: a draft can be simulated but never
touches live results until someone allowed to publishes it. Published versions are never
edited or deleted, so a past assessment can be re-explained with the versions it used.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    DISCARDED = "discarded", _("已废弃")


class PolicyVersion(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("制定地区"), on_delete=models.PROTECT, related_name="policy_versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("参数文件（TOML）"))
    based_on = models.ForeignKey(
        "self", verbose_name=_("基于版本"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    publish_reason = models.CharField(_("发布说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("政策参数版本")
        verbose_name_plural = _("政策参数版本")
        ordering = ["region_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="policy_version_number_unique"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(status="discarded") | Q(published_at__isnull=False),
                name="published_version_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region.name} 第 {self.number} 版（{self.get_status_display()}）"


class AssessmentRecord(models.Model):
    """One run of the policy engine on a registered household, kept with the versions it used."""

    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="assessments"
    )
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("评估日期"))
    known_at = models.DateTimeField(_("依据信息截至"))
    policy_versions = models.ManyToManyField(PolicyVersion, verbose_name=_("所用政策版本"), related_name="+")
    uses_draft = models.BooleanField(_("使用草稿（模拟）"), default=False)
    status = models.CharField(_("认定层级"), max_length=20)
    total_monthly = models.DecimalField(_("月救助金合计"), max_digits=12, decimal_places=2)
    result = models.JSONField(_("评估结果"))
    facts = models.JSONField(_("评估依据"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("评估时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("救助评估")
        verbose_name_plural = _("救助评估")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.on} {self.status}"
