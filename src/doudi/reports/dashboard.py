"""The dashboard of a region (county, city, province, or any region of the user's subtree): headline
figures of the last closed month beside the same month a year earlier, 24 months of trends, the ranking
of the sub-regions, open and overdue cases and alerts, and the payrolls' status.

Figures of closed months come from the month snapshots (``models.MonthSnapshot``, the statistics
table's own definitions frozen at each month's end, built set-based): a handful of grouped rows per
region, whatever the size of the province. Cases, alerts and payrolls are counted live (they are
"now" figures, not a month's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from doudi.regions.models import Level, Region, prefix_of
from doudi.reports import selectors as s
from doudi.reports.models import SnapshotMonth
from doudi.reports.snapshots import STOCK_COLUMNS, ensure_months, last_closed_month

TREND_MONTHS = 24
SUMS = (*STOCK_COLUMNS, "expenditure_month", "expenditure_year")
# The metrics a person can rank the sub-regions by: key -> (label, unit).
RANKINGS = {
    "dibao_persons": ("低保人数", "人"),
    "dibao_households": ("低保户数", "户"),
    "tekun_persons": ("特困人员", "人"),
    "expenditure_month": ("本月支出", "万元"),
}
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}
LEVEL_TITLE = {
    Level.PROVINCE: "省级",
    Level.PREFECTURE: "市级",
    Level.COUNTY: "县级",
    Level.TOWNSHIP: "乡镇",
    Level.VILLAGE: "村/社区",
}


@dataclass
class Dashboard:
    region: Region
    month: date
    level_title: str
    headline: dict = field(default_factory=dict)
    year_ago: dict | None = None
    trend: list[dict] = field(default_factory=list)
    ranking: list[dict] = field(default_factory=list)
    cases: dict = field(default_factory=dict)
    alerts: dict = field(default_factory=dict)
    payrolls: list[dict] = field(default_factory=list)
    parent: Region | None = None
    missing_months: int = 0


def _wan(yuan) -> Decimal:
    return s.wan(yuan)


def _finish(row: dict) -> dict:
    """Add the derived figures (万元, average amount) to a summed row."""
    out = {k: row.get(k) or 0 for k in SUMS}
    out["dibao_amount"] = Decimal(out["dibao_amount"])
    persons = out["dibao_persons"]
    out["dibao_avg_amount"] = (
        (out["dibao_amount"] / persons).quantize(Decimal("0.01"), ROUND_HALF_UP) if persons else Decimal("0.00")
    )
    out["expenditure_month_wan"] = _wan(out["expenditure_month"])
    out["expenditure_year_wan"] = _wan(out["expenditure_year"])
    return out


def month_sums(prefix: str, first: date, last: date) -> dict[date, dict]:
    """The snapshot rows of the subtree ``prefix`` summed per month, ``first``..``last``."""
    cols = ", ".join(f"SUM({k})" for k in SUMS)
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT month, {cols} FROM reports_monthsnapshot
                WHERE month BETWEEN %s AND %s AND region_id LIKE %s GROUP BY month""",
            [first, last, prefix + "%"],
        )
        rows = cur.fetchall()
    out = {}
    for r in rows:
        month = r[0] if isinstance(r[0], date) else date.fromisoformat(str(r[0]))
        out[month] = dict(zip(SUMS, r[1:], strict=True))
    return out


def _ranking(region: Region, month: date) -> list[dict]:
    prefix = prefix_of(region.code)
    n = CHILD_LENGTH.get(len(prefix))
    if n is None:
        return []
    keys = list(RANKINGS)
    cols = ", ".join(f"SUM({k})" for k in keys)
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT substr(region_id, 1, {n}) AS child, {cols} FROM reports_monthsnapshot
                WHERE month = %s AND region_id LIKE %s GROUP BY substr(region_id, 1, {n})""",
            [month, prefix + "%"],
        )
        sums = {r[0]: dict(zip(keys, r[1:], strict=True)) for r in cur.fetchall()}
    rows = []
    for child in Region.objects.filter(parent=region).order_by("code").only("code", "name"):
        v = sums.get(child.code[:n], {})
        row = {"code": child.code, "name": child.name, **{k: v.get(k) or 0 for k in keys}}
        row["expenditure_month"] = _wan(row["expenditure_month"])
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["dibao_persons"], r["code"]))


def _cases(actor, prefix: str, today: date) -> dict:
    from doudi.accounts.scope import scope_filter
    from doudi.cases.models import Case, CaseDeadline
    from doudi.cases.workflow import OPEN

    open_cases = scope_filter(actor, Case.objects.filter(status__in=OPEN, region__code__startswith=prefix))
    overdue = CaseDeadline.objects.filter(
        case__in=open_cases, met_on__isnull=True, cancelled=False, due_on__lt=today
    ).values("case_id")
    return {"open": open_cases.count(), "overdue": open_cases.filter(pk__in=overdue).count()}


def _alerts(actor, prefix: str, today: date) -> dict:
    from doudi.accounts.scope import scope_filter
    from doudi.monitoring.models import Alert, AlertStatus

    qs = scope_filter(actor, Alert.objects.filter(region__code__startswith=prefix))
    return qs.aggregate(
        open=Count("id", filter=Q(status=AlertStatus.OPEN)),
        overdue=Count("id", filter=Q(status=AlertStatus.OPEN, due_on__lt=today)),
        resolved=Count("id", filter=Q(status=AlertStatus.RESOLVED, resolved_on__gte=today.replace(day=1))),
    )


def _payrolls(prefix: str, months: list[date]) -> list[dict]:
    """Per payroll month (this month and the last) and status: payrolls, persons and amount."""
    from doudi.payments.models import Payroll, PayrollStatus

    county = prefix[:6] if len(prefix) >= 6 else prefix
    rows = (
        Payroll.objects.filter(region__code__startswith=county, month__in=months)
        .values("month", "status")
        .annotate(n=Count("id"), persons=Sum("person_count"), amount=Sum("total_amount"))
        .order_by("-month", "status")
    )
    labels = dict(PayrollStatus.choices)
    order = {v: i for i, v in enumerate(PayrollStatus.values)}
    out = [
        {
            "month": r["month"],
            "status": r["status"],
            "status_label": labels.get(r["status"], r["status"]),
            "payrolls": r["n"],
            "persons": r["persons"] or 0,
            "amount": Decimal(r["amount"] or 0),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["month"].toordinal(), order.get(r["status"], 99)))


def dashboard(actor, region_code: str, month: date | None = None) -> Dashboard:
    """The dashboard of ``region_code`` (in the actor's scope, else ``NotFound``) for ``month`` (a
    closed month; by default the last one)."""
    region = s._region(actor, region_code)
    closed = last_closed_month()
    end = min(s.first_of(month or closed), closed)
    first = s.add_months(end, -(TREND_MONTHS - 1))
    months = [s.add_months(first, i) for i in range(TREND_MONTHS)]
    year_ago_month = s.add_months(end, -12)
    # Only the two months the headline needs are built while a person waits (a province's month takes
    # minutes); the other months of the trend come from the nightly job or ``doudi stats_snapshots``
    # and show as gaps until then.
    ensure_months([end, year_ago_month])
    built = set(SnapshotMonth.objects.filter(month__in=months).values_list("month", flat=True))
    prefix = prefix_of(region.code)
    sums = month_sums(prefix, first, end)
    trend = [{"month": m, "built": m in built, **_finish(sums.get(m, {}))} for m in months]
    headline = trend[-1]
    year_ago = next((t for t in trend if t["month"] == year_ago_month and year_ago_month in sums), None)
    today = timezone.localdate()
    parent = Region.objects.filter(pk=region.parent_id).first() if region.parent_id else None
    return Dashboard(
        region=region,
        month=end,
        level_title=LEVEL_TITLE.get(Level(region.level), ""),
        headline=headline,
        year_ago=year_ago,
        trend=trend,
        ranking=_ranking(region, end),
        cases=_cases(actor, prefix, today),
        alerts=_alerts(actor, prefix, today),
        payrolls=_payrolls(prefix, [today.replace(day=1), closed]),
        parent=parent,
        missing_months=sum(1 for t in trend if not t["built"]),
    )


def change_ratio(now, before) -> Decimal | None:
    """The change from ``before`` to ``now`` as a ratio (``0.032`` = +3.2%); ``None`` without a base."""
    if before in (None, 0):
        return None
    return ((Decimal(now) - Decimal(before)) / Decimal(before)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
