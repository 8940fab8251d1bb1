"""Reads of payments, scoped to the user's region: payrolls, their totals, lines, findings, the ledger."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.cases.services.common import add_months
from doudi.core.errors import NotFound
from doudi.payments.models import (
    NOT_LIVE_STATUSES,
    LineKind,
    LineStatus,
    Payroll,
    PayrollFinding,
    PayrollLine,
    Recovery,
)
from doudi.regions.models import Region

CENT = Decimal("0.01")


def payroll_list(*, actor, month: date | None = None, status: str | None = None, programme: str | None = None):
    """Payrolls of the counties in the actor's subtree (county, city, province users)."""
    qs = scope_filter(actor, Payroll.objects.select_related("region", "maker", "checker"))
    if month:
        qs = qs.filter(month=month)
    if status:
        qs = qs.filter(status=status)
    if programme:
        qs = qs.filter(programme=programme)
    return qs.order_by("-month", "region_id", "programme")


def payroll_get(*, actor, payroll_id: int) -> Payroll:
    payroll = Payroll.objects.select_related("region", "maker", "checker").filter(pk=payroll_id).first()
    if payroll is None:
        raise NotFound("发放名册")
    check_in_scope(actor, payroll.region_id, "发放名册")
    return payroll


def visible_lines(actor, payroll: Payroll) -> QuerySet[PayrollLine]:
    """The payroll's lines the actor may see (a township sees its own villages only)."""
    return scope_filter(actor, PayrollLine.objects.filter(payroll=payroll))


def totals_by_township(actor, payroll: Payroll) -> list[dict]:
    """Lines, households and amounts by township (and kind), with last month's amount beside; held
    (cancelled) lines are not paid and not counted."""
    lines = visible_lines(actor, payroll).exclude(status=LineStatus.CANCELLED)
    rows = list(
        lines.values("region__parent_id", "region__parent__name").annotate(
            n=Count("id"),
            households=Count("household_id", distinct=True),
            total=Sum("amount"),
            arrears=Sum("amount", filter=Q(kind=LineKind.ARREARS)),
            other=Sum("amount", filter=Q(kind__in=[LineKind.REISSUE, LineKind.ADJUSTMENT])),
        )
    )
    prev = last_month_payroll(payroll)
    before: dict[str, Decimal] = {}
    if prev is not None:
        for row in (
            visible_lines(actor, prev)
            .exclude(status=LineStatus.CANCELLED)
            .values("region__parent_id")
            .annotate(total=Sum("amount"))
            .order_by()
        ):
            before[row["region__parent_id"]] = Decimal(row["total"] or 0)
    out = []
    for row in sorted(rows, key=lambda r: r["region__parent_id"] or ""):
        total = Decimal(row["total"] or 0).quantize(CENT)
        last = before.get(row["region__parent_id"])
        out.append(
            {
                "code": row["region__parent_id"],
                "name": row["region__parent__name"],
                "lines": row["n"],
                "households": row["households"],
                "total": total,
                "arrears": Decimal(row["arrears"] or 0).quantize(CENT),
                "other": Decimal(row["other"] or 0).quantize(CENT),
                "last": last,
                "diff": (total - last) if last is not None else None,
            }
        )
    return out


def last_month_payroll(payroll: Payroll) -> Payroll | None:
    return Payroll.objects.filter(
        region_id=payroll.region_id, programme=payroll.programme, month=add_months(payroll.month, -1)
    ).first()


def village_households(actor, payroll: Payroll, region_code: str) -> QuerySet[PayrollLine]:
    """The lines of one village or township (drill-down), by household."""
    region = Region.objects.filter(pk=region_code).first()
    if region is None:
        raise NotFound("区划")
    check_in_scope(actor, region.code, "区划")
    return (
        visible_lines(actor, payroll)
        .filter(region__code__startswith=region.prefix)
        .select_related("person", "household", "region")
        .order_by("region_id", "household_id", "person_id", "month_covered", "id")
    )


def findings(actor, payroll: Payroll) -> QuerySet[PayrollFinding]:
    qs = PayrollFinding.objects.filter(payroll=payroll).select_related("person", "household", "handled_by")
    return qs.order_by("status", "check_code", "id")


def payments_by_month(*, actor, household_id: int | None = None, enrolment_id: int | None = None, months: int = 24):
    """The lines and recoveries of a household or an enrolment, month by month (newest first)."""
    lines = scope_filter(actor, PayrollLine.objects.select_related("payroll", "person"))
    recoveries = scope_filter(actor, Recovery.objects.select_related("person"))
    if household_id is not None:
        lines, recoveries = lines.filter(household_id=household_id), recoveries.filter(household_id=household_id)
    if enrolment_id is not None:
        lines, recoveries = lines.filter(enrolment_id=enrolment_id), recoveries.filter(enrolment_id=enrolment_id)
    by_month: dict[date, list[PayrollLine]] = defaultdict(list)
    for line in lines.order_by("-month_covered", "programme", "id")[:500]:
        by_month[line.month_covered].append(line)
    rows = [{"month": m, "lines": ls} for m, ls in sorted(by_month.items(), reverse=True)[:months]]
    return {"rows": rows, "recoveries": list(recoveries.order_by("-from_month"))}


def ledger(*, actor=None, region_prefix: str = "", programme: str | None = None, month_from=None, month_to=None):
    """The fund ledger: per programme, village and payroll month — planned, paid, failed, re-issued,
    recovered (offsets and repayments) — computed set-based from the lines and recoveries.

    Rows are dicts with ``programme``, ``region`` (village code), ``month`` (the payroll month),
    ``planned``, ``paid``, ``failed``, ``reissued``, ``arrears``, ``offset`` and ``recovered``
    (recoveries' settled amounts by the month they were recorded). The statistics issue reads it.
    """
    lines = PayrollLine.objects.all()
    recs = Recovery.objects.all()
    if actor is not None:
        lines, recs = scope_filter(actor, lines), scope_filter(actor, recs)
    if region_prefix:
        lines, recs = (
            lines.filter(region__code__startswith=region_prefix),
            recs.filter(region__code__startswith=region_prefix),
        )
    if programme:
        lines, recs = lines.filter(programme=programme), recs.filter(programme=programme)
    if month_from:
        lines = lines.filter(payroll__month__gte=month_from)
    if month_to:
        lines = lines.filter(payroll__month__lte=month_to)
    live = ~Q(status__in=NOT_LIVE_STATUSES)
    rows = (
        lines.values("programme", "region_id", "payroll__month")
        .annotate(
            planned=Sum("amount", filter=~Q(status=LineStatus.CANCELLED) & Q(recovery__isnull=True)),
            paid=Sum("amount", filter=Q(status=LineStatus.PAID) & Q(recovery__isnull=True)),
            failed=Sum("amount", filter=Q(status=LineStatus.FAILED)),
            reissued=Sum("amount", filter=Q(kind=LineKind.REISSUE) & live),
            arrears=Sum("amount", filter=Q(kind=LineKind.ARREARS) & live),
            offset=Sum("amount", filter=Q(recovery__isnull=False) & live),
        )
        .order_by("payroll__month", "programme", "region_id")
    )
    out: dict[tuple, dict] = {}
    for r in rows:
        key = (r["programme"], r["region_id"], r["payroll__month"])
        out[key] = {
            "programme": key[0],
            "region": key[1],
            "month": key[2],
            **{k: Decimal(r[k] or 0).quantize(CENT) for k in ("planned", "paid", "failed", "reissued", "arrears")},
            "offset": -Decimal(r["offset"] or 0).quantize(CENT),
            "recovered": Decimal(0),
        }
    for r in recs.values("programme", "region_id", "from_month").annotate(recovered=Sum("recovered_amount")):
        key = (r["programme"], r["region_id"], r["from_month"])
        row = out.setdefault(
            key,
            {
                "programme": key[0],
                "region": key[1],
                "month": key[2],
                "planned": Decimal(0),
                "paid": Decimal(0),
                "failed": Decimal(0),
                "reissued": Decimal(0),
                "arrears": Decimal(0),
                "offset": Decimal(0),
                "recovered": Decimal(0),
            },
        )
        row["recovered"] += Decimal(r["recovered"] or 0).quantize(CENT)
    return sorted(out.values(), key=lambda r: (r["month"], r["programme"], r["region"]))
