"""Build the month snapshots (``models.MonthSnapshot``): set-based, one closed month at a time.

For a month, two grouped statements over the raw rows — the enrolments as they stood at the month's
end (``selectors._persons_sql``) and the money spent (``selectors._spent_where``), both grouped by the
village — give every village's row; the month's rows are replaced in one transaction. The definitions
are the statistics table's own, so the sum of a region's rows equals its table (``tests/test_snapshots``).
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from doudi.regions.models import Region
from doudi.reports import selectors as s
from doudi.reports.models import MonthFlow, MonthSnapshot, SnapshotMonth

# Every stock figure of the table, then the 低保 amount (``selectors.stock_sql`` gives them in this order).
STOCK_COLUMNS = (*s.STOCK_FLAGS, "dibao_amount")


def last_closed_month(today: date | None = None) -> date:
    return s.add_months((today or timezone.localdate()).replace(day=1), -1)


def _grouped_stock(month: date) -> dict[str, list]:
    persons, params = s._persons_sql(month, s.cutoff(month), "")
    keys = [k for k in STOCK_COLUMNS if k != "dibao_amount"]
    with connection.cursor() as cur:
        cur.execute(s.stock_sql(persons, keys, by_region=True), params)
        return {r[0]: [*r[1:-1], r[-1]] for r in cur.fetchall()}


def _grouped_spent(month: date) -> dict[str, tuple]:
    spent, params = s._spent_where("", date(month.year, 1, 1), month, s.cutoff(month))
    sql = f"""
        SELECT l.region_id, COALESCE(SUM(CASE WHEN p.month = %s THEN l.amount ELSE 0 END), 0), SUM(l.amount)
        FROM payments_payrollline l JOIN payments_payroll p ON p.id = l.payroll_id
        WHERE {spent} GROUP BY l.region_id
    """
    with connection.cursor() as cur:
        cur.execute(sql, [month, *params])
        return {r[0]: (r[1], r[2]) for r in cur.fetchall()}


FLOW_LENGTHS = (2, 4, 6, 9, 12)  # province, city, county, township, village


def _flows_by_region(month: date) -> dict[str, list[int]]:
    """{region code: [new persons, ended persons]} of ``month`` for every region of every level."""
    cut = s.cutoff(month)
    cur_sql, cur_p = s._persons_sql(month, cut, "")
    prev_sql, prev_p = s._persons_sql(s.add_months(month, -1), cut, "")
    d = s._in(s.DIBAO)
    hint = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    parts = []
    for n in FLOW_LENGTHS:
        for kind, a, b in (("new", "cur", "prev"), ("ended", "prev", "cur")):
            parts.append(
                f"""SELECT '{kind}' AS kind, substr(x.region_id, 1, {n}) AS g, COUNT(DISTINCT x.person_id) AS n
                    FROM {a} x WHERE NOT EXISTS (
                        SELECT 1 FROM {b} y WHERE y.person_id = x.person_id
                          AND substr(y.region_id, 1, {n}) = substr(x.region_id, 1, {n}))
                    GROUP BY substr(x.region_id, 1, {n})"""
            )
    sql = f"""
        WITH cur AS {hint}(SELECT DISTINCT person_id, region_id FROM ({cur_sql}) c WHERE programme IN ({d})),
             prev AS {hint}(SELECT DISTINCT person_id, region_id FROM ({prev_sql}) b WHERE programme IN ({d}))
        {" UNION ALL ".join(parts)}
    """
    out: dict[str, list[int]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, cur_p + prev_p)
        for kind, g, n in cur.fetchall():
            out.setdefault(g.ljust(12, "0"), [0, 0])[0 if kind == "new" else 1] += n
    return out


def build_month(month: date) -> int:
    """Rebuild every village's row of ``month`` (a closed month); return the number of rows."""
    month = s.first_of(month)
    t0 = time.perf_counter()
    stock = _grouped_stock(month)
    spent = _grouped_spent(month)
    now = timezone.now()
    rows = []
    for region_id in sorted(set(stock) | set(spent)):
        values = stock.get(region_id) or [0] * len(STOCK_COLUMNS)
        month_paid, year_paid = spent.get(region_id, (0, 0))
        fields = dict(zip(STOCK_COLUMNS, values, strict=True))
        fields["dibao_amount"] = Decimal(fields["dibao_amount"] or 0)
        rows.append(
            MonthSnapshot(
                region_id=region_id,
                month=month,
                expenditure_month=Decimal(month_paid or 0),
                expenditure_year=Decimal(year_paid or 0),
                built_at=now,
                **fields,
            )
        )
    flows = _flows_by_region(month)
    known = set(Region.objects.filter(code__in=list(flows)).values_list("code", flat=True))
    flow_rows = [
        MonthFlow(region_id=code, month=month, new_persons=v[0], ended_persons=v[1])
        for code, v in sorted(flows.items())
        if code in known
    ]
    with transaction.atomic():
        MonthSnapshot.objects.filter(month=month).delete()
        MonthSnapshot.objects.bulk_create(rows, batch_size=2000)
        MonthFlow.objects.filter(month=month).delete()
        MonthFlow.objects.bulk_create(flow_rows, batch_size=2000)
        SnapshotMonth.objects.update_or_create(
            month=month, defaults={"built_at": now, "seconds": time.perf_counter() - t0}
        )
    return len(rows)


def ensure_months(months: list[date]) -> list[date]:
    """Build the closed months of ``months`` not built yet; return those built now.

    A month is built only once it has closed (its figures are then final); the current month never."""
    closed = last_closed_month()
    wanted = {s.first_of(m) for m in months if s.first_of(m) <= closed}
    have = set(SnapshotMonth.objects.filter(month__in=wanted).values_list("month", flat=True))
    missing = sorted(wanted - have)
    for m in missing:
        build_month(m)
    return missing
