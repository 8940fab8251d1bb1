"""The month snapshot: the statistics' stock figures and expenditure per village and closed month.

A month's figures are computed *as of the month's end* (``selectors``), so once a month has closed they
never change: a row written after the close is the recount frozen. The dashboards read trends, rankings
and headline figures from here (a handful of rows per region instead of a pass over every enrolment of a
province per month). Rows are rebuilt set-based (``snapshots.build_month``: one grouped statement per
month, deleting and inserting the month's rows in one transaction) and ``tests/test_snapshots.py``
holds them equal to a recount from the raw rows.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthSnapshot(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("村/社区"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))
    dibao_households = models.PositiveIntegerField(_("低保户数"), default=0)
    dibao_persons = models.PositiveIntegerField(_("低保人数"), default=0)
    dibao_households_urban = models.PositiveIntegerField(_("城市低保户数"), default=0)
    dibao_persons_urban = models.PositiveIntegerField(_("城市低保人数"), default=0)
    dibao_households_rural = models.PositiveIntegerField(_("农村低保户数"), default=0)
    dibao_persons_rural = models.PositiveIntegerField(_("农村低保人数"), default=0)
    dibao_amount = models.DecimalField(_("低保月金额"), max_digits=16, decimal_places=2, default=0)
    tekun_persons = models.PositiveIntegerField(_("特困人员"), default=0)
    tekun_persons_urban = models.PositiveIntegerField(_("城市特困人员"), default=0)
    tekun_persons_rural = models.PositiveIntegerField(_("农村特困人员"), default=0)
    tekun_institutional = models.PositiveIntegerField(_("集中供养特困人员"), default=0)
    tekun_dispersed = models.PositiveIntegerField(_("分散供养特困人员"), default=0)
    orphans = models.PositiveIntegerField(_("孤儿"), default=0)
    de_facto_orphans = models.PositiveIntegerField(_("事实无人抚养儿童"), default=0)
    expenditure_month = models.DecimalField(_("本月支出（元）"), max_digits=16, decimal_places=2, default=0)
    expenditure_year = models.DecimalField(_("本年累计支出（元）"), max_digits=16, decimal_places=2, default=0)
    built_at = models.DateTimeField(_("生成时间"))

    class Meta:
        verbose_name = _("月度统计快照")
        verbose_name_plural = _("月度统计快照")
        constraints = [models.UniqueConstraint(fields=["month", "region"], name="month_snapshot_once")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id}"


class MonthFlow(models.Model):
    """New and ended 低保 persons of a closed month for one region at any level (province to village).

    Unlike the stock figures these do not add up from the villages (a person moving between two
    villages of a county is new and ended for the villages, neither for the county), so the build
    counts them for every region of every level at once (``snapshots.build_month``)."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("地区"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField(_("月份"))
    new_persons = models.PositiveIntegerField(_("新增低保人数"), default=0)
    ended_persons = models.PositiveIntegerField(_("退出低保人数"), default=0)

    class Meta:
        verbose_name = _("月度低保增减")
        verbose_name_plural = _("月度低保增减")
        constraints = [models.UniqueConstraint(fields=["month", "region"], name="month_flow_once")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id}"


class SnapshotMonth(models.Model):
    """A closed month whose ``MonthSnapshot`` rows have been built (for every region at once)."""

    month = models.DateField(_("月份"), unique=True)
    built_at = models.DateTimeField(_("生成时间"))
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("已生成快照的月份")
        verbose_name_plural = _("已生成快照的月份")
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
