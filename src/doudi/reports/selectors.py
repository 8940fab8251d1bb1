"""The monthly and quarterly social-assistance table (rules.md §10), computed set-based from the data.

Every figure is one aggregate query (GROUP BY over the region prefix), never a loop over rows. A
month is computed *as of the end of that month*: an enrolment's state in month M is the latest
``EnrolmentChange`` with ``effective_month <= M`` recorded (``created_at``) before the month ended,
so an ending recorded later (a death reported in August) does not change the July table. Decisions
count by ``decided_on``, applications by ``opened_on``, verification reports by ``as_of`` and
``created_at``, alerts by ``resolved_on``. A scheduled change that a later ending replaced is kept
(``cases.SupersededChange``) and still counts for the months closed before it was replaced.

Expenditure is frozen at the month's end as well: the lines of the payrolls of the period's months that
were approved before the month closed (an approved payroll is locked: its amounts never change), less
the lines cancelled and those whose failure the bank's return recorded before the month closed. A
payroll approved later, or a failure recorded later, leaves the filed figure as it was.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils import timezone

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.regions.models import Region, prefix_of
from doudi.registry.models import Household

DIBAO = ("dibao", "single_person_dibao", "phase_out")
LIVE = ("active", "phasing_out")

# key -> (label, unit, section); the order is the report table's.
FIGURES: dict[str, tuple[str, str, str]] = {
    "dibao_households_urban": ("城市低保户数", "户", "最低生活保障"),
    "dibao_persons_urban": ("城市低保人数", "人", "最低生活保障"),
    "dibao_households_rural": ("农村低保户数", "户", "最低生活保障"),
    "dibao_persons_rural": ("农村低保人数", "人", "最低生活保障"),
    "dibao_households": ("低保合计户数", "户", "最低生活保障"),
    "dibao_persons": ("低保合计人数", "人", "最低生活保障"),
    "dibao_new_persons": ("本期新增低保人数", "人", "最低生活保障"),
    "dibao_ended_persons": ("本期退出低保人数", "人", "最低生活保障"),
    "dibao_avg_amount": ("低保月人均补助水平", "元/人·月", "最低生活保障"),
    "tekun_persons_urban": ("城市特困人员", "人", "特困人员救助供养"),
    "tekun_persons_rural": ("农村特困人员", "人", "特困人员救助供养"),
    "tekun_persons": ("特困人员合计", "人", "特困人员救助供养"),
    "tekun_institutional": ("其中：集中供养", "人", "特困人员救助供养"),
    "tekun_dispersed": ("其中：分散供养", "人", "特困人员救助供养"),
    "orphans": ("孤儿数", "人", "儿童保障"),
    "de_facto_orphans": ("事实无人抚养儿童数", "人", "儿童保障"),
    "temporary_cases": ("临时救助人次", "人次", "临时救助"),
    "temporary_amount": ("临时救助金额", "元", "临时救助"),
    "expenditure_month": ("本期支出", "万元", "资金支出"),
    "expenditure_year": ("本年累计支出", "万元", "资金支出"),
    "verification_reports": ("出具核对报告", "份", "核对与监测"),
    "alerts_handled": ("处理预警", "条", "核对与监测"),
    "applications_received": ("受理申请", "件", "审核确认"),
    "applications_approved": ("确认（批准）", "件", "审核确认"),
    "applications_refused": ("不予确认", "件", "审核确认"),
    "decided_in_time_share": ("按时办结率", "%", "审核确认"),
}
# Figures with no households behind them (ratios): no drill-down.
NO_DRILL = {"dibao_avg_amount", "decided_in_time_share"}


@dataclass
class Row:
    key: str
    label: str
    value: int | Decimal
    unit: str
    section: str


@dataclass
class StatsTable:
    region_code: str
    region_name: str
    month: date
    period: str
    period_label: str
    produced_at: datetime
    figures: dict[str, int | Decimal] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return [Row(k, label, self.figures[k], unit, section) for k, (label, unit, section) in FIGURES.items()]


# ---------------------------------------------------------------- periods


def first_of(month: date) -> date:
    return month.replace(day=1)


def add_months(month: date, n: int) -> date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return date(y, m + 1, 1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def cutoff(month: date) -> datetime:
    """The instant the month closed (records created before it count), in UTC."""
    nxt = add_months(month, 1)
    tz = timezone.get_current_timezone()
    return datetime(nxt.year, nxt.month, 1, tzinfo=tz).astimezone(UTC)


PERIODS = {"month": "月报", "quarter": "季报", "half": "半年报", "year": "年报"}


def period_months(month: date, period: str) -> list[date]:
    """The months of the period: a month, its whole quarter, or — for ``half`` and ``year`` (the work
    report's periods) — from the start of the half-year or year up to ``month`` (to date)."""
    month = first_of(month)
    if period == "quarter":
        q0 = date(month.year, (month.month - 1) // 3 * 3 + 1, 1)
        return [q0, add_months(q0, 1), add_months(q0, 2)]
    if period in ("half", "year"):
        start = date(month.year, 1 if period == "year" or month.month <= 6 else 7, 1)
        return [add_months(start, i) for i in range((month.year - start.year) * 12 + month.month - start.month + 1)]
    return [month]


def period_label(month: date, period: str) -> str:
    if period == "quarter":
        return f"{month.year}年第{(month.month - 1) // 3 + 1}季度"
    if period in ("half", "year"):
        months = period_months(month, period)
        first, last = months[0], months[-1]
        if period == "year" and last.month == 12:
            return f"{last.year}年"
        if period == "half" and last.month in (6, 12):
            return f"{last.year}年{'上' if last.month == 6 else '下'}半年"
        if first == last:
            return f"{last.year}年{last.month}月"
        return f"{last.year}年{first.month}—{last.month}月"
    return f"{month.year}年{month.month}月"


# ---------------------------------------------------------------- SQL


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _persons_sql(month: date, cut: datetime, prefix: str) -> tuple[str, list]:
    """One row per (enrolment, covered person) of the enrolments in ``month`` as of ``cut``.

    Columns: enrolment_id, household_id, person_id, programme (NULL unless the enrolment is live in
    the month: active or phasing out), tier, region_id, area_type (urban/rural of the
    enrolment's village, else of the household), amount (the enrolment's monthly amount, on the
    first covered person only).
    """
    # An enrolment not live in the month is kept with no programme (so no figure counts it) rather than
    # filtered out: a filter on the latest status is estimated at a fraction of a percent of the rows,
    # and PostgreSQL then plans nested loops over a province. On PostgreSQL every row is a latest one.
    where = "" if _is_pg() else "WHERE s.rn = 1"
    if _is_pg():
        expand = (
            "LEFT JOIN LATERAL jsonb_array_elements_text("
            "CASE WHEN jsonb_typeof(e.covered) = 'array' THEN e.covered ELSE '[]'::jsonb END"
            ") WITH ORDINALITY AS j(value, pos) ON TRUE"
        )
        pos = "j.pos"
        pid = "COALESCE(CAST(j.value AS BIGINT), e.person_id)"
    else:
        expand = "LEFT JOIN json_each(CASE WHEN json_type(e.covered) = 'array' THEN e.covered ELSE '[]' END) AS j"
        pos = "(j.key + 1)"
        pid = "COALESCE(CAST(j.value AS INTEGER), e.person_id)"
    sql = f"""
        SELECT e.id AS enrolment_id, e.household_id, {pid} AS person_id,
               CASE WHEN s.status IN ('active', 'phasing_out') THEN e.programme END AS programme, e.tier, e.region_id,
               COALESCE(NULLIF(r.area_type, ''), h.area_type) AS area_type,
               CASE WHEN COALESCE({pos}, 1) = 1 THEN s.monthly_amount ELSE 0 END AS amount
        FROM (
            {{latest}}
            UNION ALL
            SELECT e1.id, CASE WHEN e1.end_month IS NOT NULL AND e1.end_month < %s THEN 'ended' ELSE 'active' END,
                   e1.monthly_amount, 1
            FROM cases_enrolment e1
            WHERE e1.start_month <= %s AND e1.created_at < %s AND e1.region_id LIKE %s
              AND NOT EXISTS (SELECT 1 FROM cases_enrolmentchange c1 WHERE c1.enrolment_id = e1.id)
        ) s
        JOIN cases_enrolment e ON e.id = s.enrolment_id
        JOIN registry_household h ON h.id = e.household_id
        JOIN regions_region r ON r.code = e.region_id
        {expand}
        {where}
    """
    like = prefix + "%"
    latest, latest_params = _latest_changes_sql(month, cut, like)
    return sql.replace("{latest}", latest), [*latest_params, month, month, cut, like]


def _latest_changes_sql(month: date, cut: datetime, like: str) -> tuple[str, list]:
    """(enrolment_id, status, monthly_amount, rn) of each enrolment's latest change with
    ``effective_month <= month`` recorded before ``cut`` — among the changes held now and those a later
    ending or change replaced after ``cut`` (``cases_supersededchange``); the row to keep has ``rn = 1``.

    On PostgreSQL the live changes go through ``DISTINCT ON`` alone, which the planner estimates as one
    row per enrolment, so the joins after it are hash joins over a province and index lookups over a
    county; the few replaced changes are joined to it. Elsewhere (SQLite) one window over both."""
    live = """SELECT c.enrolment_id, c.status, c.monthly_amount, c.effective_month, c.id
        FROM cases_enrolmentchange c JOIN cases_enrolment e0 ON e0.id = c.enrolment_id
        WHERE c.effective_month <= %s AND c.created_at < %s AND e0.region_id LIKE %s"""
    gone = """SELECT c.enrolment_id, c.status, c.monthly_amount, c.effective_month, c.change_id AS id
        FROM cases_supersededchange c JOIN cases_enrolment e0 ON e0.id = c.enrolment_id
        WHERE c.effective_month <= %s AND c.created_at < %s AND c.superseded_at >= %s AND e0.region_id LIKE %s"""
    live_p, gone_p = [month, cut, like], [month, cut, cut, like]
    if not _is_pg():
        return (
            f"""SELECT u.enrolment_id, u.status, u.monthly_amount,
                   ROW_NUMBER() OVER (PARTITION BY u.enrolment_id ORDER BY u.effective_month DESC, u.id DESC) AS rn
            FROM ({live} UNION ALL {gone}) u""",
            live_p + gone_p,
        )
    order = "ORDER BY enrolment_id, effective_month DESC, id DESC"
    sql = f"""
        SELECT l.enrolment_id,
               CASE WHEN g.enrolment_id IS NOT NULL AND (g.effective_month, g.id) > (l.effective_month, l.id)
                    THEN g.status ELSE l.status END AS status,
               CASE WHEN g.enrolment_id IS NOT NULL AND (g.effective_month, g.id) > (l.effective_month, l.id)
                    THEN g.monthly_amount ELSE l.monthly_amount END AS monthly_amount,
               1 AS rn
        FROM (SELECT DISTINCT ON (enrolment_id) * FROM ({live}) lc {order}) l
        LEFT JOIN (SELECT DISTINCT ON (enrolment_id) * FROM ({gone}) gc {order}) g ON g.enrolment_id = l.enrolment_id
        UNION ALL
        SELECT g.enrolment_id, g.status, g.monthly_amount, 1
        FROM (SELECT DISTINCT ON (enrolment_id) * FROM ({gone}) gc {order}) g
        WHERE NOT EXISTS (SELECT 1 FROM cases_enrolmentchange c WHERE c.enrolment_id = g.enrolment_id
                          AND c.effective_month <= %s AND c.created_at < %s)"""
    return sql, live_p + gone_p + gone_p + [month, cut]


def _one(sql: str, params: list) -> tuple:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def _in(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


# The stock figures: key -> (counted by "household" or "person", condition on a row of ``_persons_sql``).
STOCK_FLAGS: dict[str, tuple[str, str]] = {
    "dibao_households_urban": ("household", "programme IN ({d}) AND area_type = 'urban'"),
    "dibao_persons_urban": ("person", "programme IN ({d}) AND area_type = 'urban'"),
    "dibao_households_rural": ("household", "programme IN ({d}) AND area_type <> 'urban'"),
    "dibao_persons_rural": ("person", "programme IN ({d}) AND area_type <> 'urban'"),
    "dibao_households": ("household", "programme IN ({d})"),
    "dibao_persons": ("person", "programme IN ({d})"),
    "tekun_persons_urban": ("person", "programme = 'extreme_poverty' AND area_type = 'urban'"),
    "tekun_persons_rural": ("person", "programme = 'extreme_poverty' AND area_type <> 'urban'"),
    "tekun_persons": ("person", "programme = 'extreme_poverty'"),
    "tekun_institutional": ("person", "programme = 'extreme_poverty' AND tier LIKE '集中%%'"),
    "tekun_dispersed": ("person", "programme = 'extreme_poverty' AND tier NOT LIKE '集中%%'"),
    "orphans": ("person", "programme = 'orphan'"),
    "de_facto_orphans": ("person", "programme = 'de_facto_orphan'"),
}


def stock_sql(persons: str, keys: list[str], *, by_region: bool = False) -> str:
    """SELECT [region_id,] <one count per key>, <低保 monthly amount> over the rows of ``persons``.

    Each count is "distinct households (persons) with a row meeting the key's condition". Rather than
    one COUNT(DISTINCT …) per key (a sort of every row per key), the rows are grouped once by
    household and once by person with a 0/1 flag per key, and the flags summed: two hash
    aggregates whatever the number of figures."""
    d = _in(DIBAO)
    g = "region_id, " if by_region else ""
    parts = {}
    for unit in ("household", "person"):
        mine = [k for k in keys if STOCK_FLAGS[k][0] == unit]
        flags = (
            ", ".join(f"MAX(CASE WHEN {STOCK_FLAGS[k][1].format(d=d)} THEN 1 ELSE 0 END) AS {k}" for k in mine)
            or "0 AS none"
        )
        sums = ", ".join(f"SUM({k}) AS {k}" for k in mine) or "0 AS none"
        parts[unit] = f"SELECT {g}{sums} FROM (SELECT {g}{unit}_id, {flags} FROM p GROUP BY {g}{unit}_id) f{unit}" + (
            " GROUP BY region_id" if by_region else ""
        )
    amount = f"SELECT {g}SUM(CASE WHEN programme IN ({d}) THEN amount ELSE 0 END) AS amount FROM p" + (
        " GROUP BY region_id" if by_region else ""
    )
    cols = ", ".join(f"COALESCE({'h' if STOCK_FLAGS[k][0] == 'household' else 'q'}.{k}, 0)" for k in keys)
    if by_region:
        return f"""
            WITH p AS ({persons}), h AS ({parts["household"]}), q AS ({parts["person"]}), a AS ({amount})
            SELECT a.region_id, {cols}, a.amount
            FROM a LEFT JOIN h ON h.region_id = a.region_id LEFT JOIN q ON q.region_id = a.region_id"""
    return f"""
        WITH p AS ({persons}), h AS ({parts["household"]}), q AS ({parts["person"]}), a AS ({amount})
        SELECT {cols}, a.amount FROM a, h, q"""


def _stock(month: date, cut: datetime, prefix: str) -> dict:
    persons, params = _persons_sql(month, cut, prefix)
    keys = list(STOCK_FLAGS)
    r = _one(stock_sql(persons, keys), params)
    out = {k: int(v or 0) for k, v in zip(keys, r[:-1], strict=True)}
    out["_dibao_amount"] = Decimal(r[-1] or 0)
    return out


def _dibao_flow_sql(month: date, cut: datetime, prefix: str, *, new: bool) -> tuple[str, list]:
    """Persons (by id) on 低保 in ``month`` and not in the month before (``new``), or the reverse."""
    cur_sql, cur_p = _persons_sql(month, cut, prefix)
    prev_sql, prev_p = _persons_sql(add_months(month, -1), cut, prefix)
    a, b, pa, pb = (cur_sql, prev_sql, cur_p, prev_p) if new else (prev_sql, cur_sql, prev_p, cur_p)
    d = _in(DIBAO)
    # A person who moved region inside the counted area, or programme inside 低保, is neither.
    # PostgreSQL: NOT EXISTS (a hash anti join, which spills to disk; a NOT IN over a province's
    # million persons outgrows work_mem and is then evaluated row by row). SQLite: NOT IN (an index
    # built once over the subquery; its NOT EXISTS would run the subquery again for every row).
    if _is_pg():
        absent = f"NOT EXISTS (SELECT 1 FROM ({b}) b WHERE b.programme IN ({d}) AND b.person_id = a.person_id)"
    else:
        absent = f"a.person_id NOT IN (SELECT b.person_id FROM ({b}) b WHERE b.programme IN ({d}))"
    sql = f"""
        SELECT a.person_id, a.household_id FROM ({a}) a
        WHERE a.programme IN ({d}) AND {absent}
    """
    return sql, pa + pb


def _flows(months: list[date], cut: datetime, prefix: str) -> dict:
    """New and ended 低保 persons over the months: per month, one statement that computes the month's
    and the month before's persons once each (materialized) and counts both differences."""
    d = _in(DIBAO)
    pg = _is_pg()

    def absent(x: str, y: str) -> str:
        # See ``_dibao_flow_sql``: an anti join on PostgreSQL, an index over the subquery on SQLite.
        if pg:
            return f"NOT EXISTS (SELECT 1 FROM {y} WHERE {y}.person_id = {x}.person_id)"
        return f"{x}.person_id NOT IN (SELECT person_id FROM {y})"

    out = {"dibao_new_persons": 0, "dibao_ended_persons": 0}
    for m in months:  # up to twelve months of a year
        cur_sql, cur_p = _persons_sql(m, cut, prefix)
        prev_sql, prev_p = _persons_sql(add_months(m, -1), cut, prefix)
        hint = "MATERIALIZED " if pg else ""
        sql = f"""
            WITH cur AS {hint}(SELECT DISTINCT person_id FROM ({cur_sql}) c WHERE programme IN ({d})),
                 prev AS {hint}(SELECT DISTINCT person_id FROM ({prev_sql}) b WHERE programme IN ({d}))
            SELECT (SELECT COUNT(*) FROM cur WHERE {absent("cur", "prev")}),
                   (SELECT COUNT(*) FROM prev WHERE {absent("prev", "cur")})
        """
        new, ended = _one(sql, cur_p + prev_p)
        out["dibao_new_persons"] += new
        out["dibao_ended_persons"] += ended
    return out


def _spent_where(prefix: str, first: date, last: date, cut: datetime) -> tuple[str, list]:
    """WHERE clause (over ``payments_payrollline l`` joined to ``payments_payroll p``) of the money spent
    for the payroll months ``first``..``last`` as it stood at ``cut``: lines of payrolls approved before
    ``cut`` (locked from then on), less offsets of recoveries, cancelled lines and failures recorded
    before ``cut``. Payrolls are per county: filtering them by the county's code first lets the lines be
    read through their payroll index."""
    county = prefix[:6] if len(prefix) >= 6 else prefix
    sql = """p.month BETWEEN %s AND %s AND p.approved_at IS NOT NULL AND p.approved_at < %s
        AND p.region_id LIKE %s AND l.region_id LIKE %s AND l.recovery_id IS NULL
        AND l.status <> 'cancelled' AND NOT (l.status = 'failed' AND l.updated_at < %s)"""
    return sql, [first, last, cut, county + "%", prefix + "%", cut]


def _activity(months: list[date], cut: datetime, prefix: str) -> dict:
    start, end = months[0], month_end(months[-1])
    year_start = date(months[-1].year, 1, 1)
    like = prefix + "%"
    temp = _one(
        """
        SELECT COUNT(*), COALESCE(SUM(l.one_off_amount), 0)
        FROM cases_decisionline l JOIN cases_decision d ON d.id = l.decision_id JOIN cases_case c ON c.id = d.case_id
        WHERE l.programme = 'temporary' AND d.decided_on BETWEEN %s AND %s AND c.region_id LIKE %s
          AND d.outcome IN ('approved', 'fast_grant', 'help_first')
        """,
        [start, end, like],
    )
    spent, spent_params = _spent_where(prefix, year_start, months[-1], cut)
    paid = _one(
        f"""
        SELECT COALESCE(SUM(CASE WHEN p.month >= %s THEN l.amount ELSE 0 END), 0), COALESCE(SUM(l.amount), 0)
        FROM payments_payrollline l JOIN payments_payroll p ON p.id = l.payroll_id
        WHERE {spent}
        """,
        [start, *spent_params],
    )
    reports = _one(
        """SELECT COUNT(*) FROM verification_verificationreport
           WHERE as_of BETWEEN %s AND %s AND created_at < %s AND region_code LIKE %s""",
        [start, end, cut, like],
    )[0]
    alerts = _one(
        """SELECT COUNT(*) FROM monitoring_alert
           WHERE status = 'resolved' AND resolved_on BETWEEN %s AND %s AND region_id LIKE %s""",
        [start, end, like],
    )[0]
    apps = _one(
        """
        SELECT
          (SELECT COUNT(*) FROM cases_case c WHERE c.kind IN ('application', 'temporary')
             AND c.opened_on BETWEEN %s AND %s AND c.region_id LIKE %s AND c.created_at < %s),
          COUNT(CASE WHEN d.outcome = 'approved' THEN 1 END),
          COUNT(CASE WHEN d.outcome = 'refused' THEN 1 END),
          COUNT(CASE WHEN NOT EXISTS (
              SELECT 1 FROM cases_casedeadline k WHERE k.case_id = c.id AND k.kind = 'total' AND NOT k.cancelled
                AND k.due_on IS NOT NULL AND d.decided_on > k.due_on) THEN 1 END)
        FROM cases_decision d JOIN cases_case c ON c.id = d.case_id
        WHERE d.outcome IN ('approved', 'refused') AND d.decided_on BETWEEN %s AND %s AND c.region_id LIKE %s
          AND c.kind IN ('application', 'temporary')
        """,
        [start, end, like, cut, start, end, like],
    )
    decided = apps[1] + apps[2]
    share = (Decimal(apps[3]) * 100 / decided).quantize(Decimal("0.1"), ROUND_HALF_UP) if decided else Decimal("0.0")
    return {
        "temporary_cases": temp[0],
        "temporary_amount": Decimal(temp[1]).quantize(Decimal("0.01")),
        "expenditure_month": wan(paid[0]),
        "expenditure_year": wan(paid[1]),
        "verification_reports": reports,
        "alerts_handled": alerts,
        "applications_received": apps[0],
        "applications_approved": apps[1],
        "applications_refused": apps[2],
        "decided_in_time_share": share,
    }


def wan(yuan) -> Decimal:
    """Yuan to 万元, one decimal (§10)."""
    return (Decimal(yuan or 0) / 10000).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _from_snapshots(region_code: str, months: list[date]) -> dict | None:
    """The stock and flow figures of closed ``months`` from the month snapshots, or ``None`` when one
    of the months is not built (or not closed): the same figures as the recount (``tests/test_dashboard``),
    a few hundred rows read instead of every enrolment of the subtree twice per month."""
    from doudi.reports.models import MonthFlow, SnapshotMonth
    from doudi.reports.snapshots import STOCK_COLUMNS

    if SnapshotMonth.objects.filter(month__in=months).count() != len(set(months)):
        return None
    cols = ", ".join(f"COALESCE(SUM({k}), 0)" for k in STOCK_COLUMNS)
    row = _one(
        f"SELECT {cols} FROM reports_monthsnapshot WHERE month = %s AND region_id LIKE %s",
        [months[-1], prefix_of(region_code) + "%"],
    )
    out = {k: int(v) for k, v in zip(STOCK_COLUMNS[:-1], row[:-1], strict=True)}
    out["_dibao_amount"] = Decimal(row[-1] or 0)
    flows = MonthFlow.objects.filter(region_id=region_code, month__in=months)
    out["dibao_new_persons"] = sum(f.new_persons for f in flows)
    out["dibao_ended_persons"] = sum(f.ended_persons for f in flows)
    return out


def compute(
    region_code: str,
    month: date,
    period: str = "month",
    as_of: datetime | None = None,
    *,
    use_snapshots: bool = True,
) -> dict:
    """All figures for the subtree of ``region_code`` (no scope check: callers check).

    ``as_of`` is the instant whose knowledge counts: by default the end of the period (reproducible);
    pass ``timezone.now()`` for "as known today" (history imported after the month, late decisions).
    The stock and flow figures of closed months whose snapshots are built are read from them
    (``use_snapshots=False`` recounts from the raw rows); the activity figures are always counted."""
    months = period_months(month, period)
    cut = as_of or cutoff(months[-1])
    prefix = prefix_of(region_code)
    frozen = _from_snapshots(region_code, months) if as_of is None and use_snapshots else None
    if frozen is not None:
        figures = frozen
    else:
        figures = _stock(months[-1], cut, prefix)
        figures.update(_flows(months, cut, prefix))
    figures.update(_activity(months, cut, prefix))
    amount = figures.pop("_dibao_amount")
    persons = figures["dibao_persons"]
    figures["dibao_avg_amount"] = (amount / persons).quantize(Decimal("0.01"), ROUND_HALF_UP) if persons else Decimal(0)
    return {k: figures[k] for k in FIGURES}


# ---------------------------------------------------------------- public selectors


def _region(actor, region_code: str) -> Region:
    check_in_scope(actor, region_code, "地区")
    region = Region.objects.filter(pk=region_code).first()
    if region is None:
        check_in_scope(None, region_code, "地区")
    return region


def monthly_table(
    actor, region_code: str, month: date, period: str = "month", as_of: datetime | None = None
) -> StatsTable:
    region = _region(actor, region_code)
    month = period_months(month, period)[-1]
    return StatsTable(
        region_code=region.code,
        region_name=region.full_name or region.name,
        month=month,
        period=period,
        period_label=period_label(month, period),
        produced_at=timezone.now(),
        figures=compute(region.code, month, period, as_of),
    )


def trend(
    actor, region_code: str, months: int = 24, keys=None, end_month: date | None = None, as_of: datetime | None = None
) -> list[dict]:
    region = _region(actor, region_code)
    end = first_of(end_month or timezone.localdate())
    out = []
    for i in range(months - 1, -1, -1):  # one set-based computation per month
        m = add_months(end, -i)
        figures = compute(region.code, m, as_of=as_of)
        out.append({"month": m, **{k: v for k, v in figures.items() if keys is None or k in keys}})
    return out


def by_subregion(actor, region_code: str, month: date, key: str, as_of: datetime | None = None) -> list[dict]:
    region = _region(actor, region_code)
    children = Region.objects.filter(parent=region).order_by("code")
    rows = [{"code": c.code, "name": c.name, "value": compute(c.code, month, as_of=as_of)[key]} for c in children]
    return sorted(rows, key=lambda r: r["value"], reverse=True)


def drill_sql(region_code: str, month: date, key: str, period: str = "month") -> tuple[str, list]:
    """SQL selecting the household ids behind one figure."""
    months = period_months(month, period)
    cut = cutoff(months[-1])
    prefix = prefix_of(region_code)
    like = prefix + "%"
    start, end = months[0], month_end(months[-1])
    d = _in(DIBAO)
    stock = {
        "dibao_households_urban": f"programme IN ({d}) AND area_type = 'urban'",
        "dibao_persons_urban": f"programme IN ({d}) AND area_type = 'urban'",
        "dibao_households_rural": f"programme IN ({d}) AND area_type <> 'urban'",
        "dibao_persons_rural": f"programme IN ({d}) AND area_type <> 'urban'",
        "dibao_households": f"programme IN ({d})",
        "dibao_persons": f"programme IN ({d})",
        "tekun_persons_urban": "programme = 'extreme_poverty' AND area_type = 'urban'",
        "tekun_persons_rural": "programme = 'extreme_poverty' AND area_type <> 'urban'",
        "tekun_persons": "programme = 'extreme_poverty'",
        "tekun_institutional": "programme = 'extreme_poverty' AND tier LIKE '集中%%'",
        "tekun_dispersed": "programme = 'extreme_poverty' AND tier NOT LIKE '集中%%'",
        "orphans": "programme = 'orphan'",
        "de_facto_orphans": "programme = 'de_facto_orphan'",
    }
    if key in stock:
        persons, params = _persons_sql(months[-1], cut, prefix)
        return f"SELECT household_id FROM ({persons}) p WHERE {stock[key]}", params
    if key in ("dibao_new_persons", "dibao_ended_persons"):
        parts, params = [], []
        for m in months:
            sql, p = _dibao_flow_sql(m, cut, prefix, new=key == "dibao_new_persons")
            parts.append(f"SELECT household_id FROM ({sql}) f{len(parts)}")
            params += p
        return " UNION ".join(parts), params
    if key in ("temporary_cases", "temporary_amount"):
        return (
            """SELECT c.household_id FROM cases_decisionline l JOIN cases_decision d ON d.id = l.decision_id
               JOIN cases_case c ON c.id = d.case_id WHERE l.programme = 'temporary'
               AND d.outcome IN ('approved', 'fast_grant', 'help_first')
               AND d.decided_on BETWEEN %s AND %s AND c.region_id LIKE %s""",
            [start, end, like],
        )
    if key in ("expenditure_month", "expenditure_year"):
        first = start if key == "expenditure_month" else date(months[-1].year, 1, 1)
        spent, spent_params = _spent_where(prefix, first, months[-1], cut)
        return (
            f"""SELECT l.household_id FROM payments_payrollline l JOIN payments_payroll p ON p.id = l.payroll_id
               WHERE {spent}""",
            spent_params,
        )
    if key == "verification_reports":
        return (
            """SELECT household_id FROM verification_verificationreport
               WHERE as_of BETWEEN %s AND %s AND created_at < %s AND region_code LIKE %s""",
            [start, end, cut, like],
        )
    if key == "alerts_handled":
        return (
            """SELECT household_id FROM monitoring_alert
               WHERE status = 'resolved' AND resolved_on BETWEEN %s AND %s AND region_id LIKE %s""",
            [start, end, like],
        )
    if key == "applications_received":
        return (
            """SELECT household_id FROM cases_case WHERE kind IN ('application', 'temporary')
               AND opened_on BETWEEN %s AND %s AND region_id LIKE %s AND created_at < %s""",
            [start, end, like, cut],
        )
    if key in ("applications_approved", "applications_refused"):
        outcome = "approved" if key == "applications_approved" else "refused"
        return (
            f"""SELECT c.household_id FROM cases_decision d JOIN cases_case c ON c.id = d.case_id
               WHERE d.outcome = '{outcome}' AND d.decided_on BETWEEN %s AND %s AND c.region_id LIKE %s
               AND c.kind IN ('application', 'temporary')""",
            [start, end, like],
        )
    raise KeyError(key)


def drill_households(actor, region_code: str, month: date, key: str, period: str = "month"):
    """The households behind one figure, within the actor's scope (a QuerySet, to be masked by the page)."""
    _region(actor, region_code)
    if key not in FIGURES or key in NO_DRILL:
        check_in_scope(None, region_code, "统计项")
    sql, params = drill_sql(region_code, month, key, period)
    with connection.cursor() as cur:
        cur.execute(f"SELECT DISTINCT household_id FROM ({sql}) x WHERE household_id IS NOT NULL", params)
        ids = [r[0] for r in cur.fetchall()]
    return scope_filter(actor, Household.objects.filter(pk__in=ids)).select_related("region").order_by("number")


def drill_url(region_code: str, month: date, key: str, period: str = "month") -> str:
    """The address of the households behind one figure."""
    from django.urls import reverse

    return f"{reverse('reports:drill')}?region={region_code}&month={month:%Y-%m}&period={period}&key={key}"


def month_of(text: str) -> date:
    """Parse "YYYY-MM" (a clear Chinese error otherwise)."""
    from doudi.core.errors import DomainError

    try:
        y, m = text.strip().split("-")
        return date(int(y), int(m), 1)
    except (ValueError, AttributeError) as exc:
        raise DomainError(f"月份“{text}”格式不正确，应为 YYYY-MM，例如 2025-06。") from exc
