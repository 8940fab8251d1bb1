"""Generating a payroll: a few set-based SQL statements per county, programme and month.

The amount an enrolment pays for a month is that of its latest ``EnrolmentChange`` whose effective
month is not after the month (a phase-out's tapering amounts and a suspension's zero are changes
written month by month), within ``start_month``..``end_month``. Generation writes, in order:

1. **normal** lines for the payroll month: one ``INSERT … SELECT`` over the county's enrolments of
   the programme joined to their latest change (a window function), with the payee's bank account
   as a snapshot. A person with two payable enrolments of the programme is paid once (the older
   enrolment); the double-payment check lists the other.
2. **reissue** lines: failed lines of the county and programme that were not re-issued, once the
   account works: corrected (the person's account is now another, non-empty one) or restored (the
   bank's flag on that payroll's failure was cleared as 账户已恢复 and the account is still the one).
3. **arrears** (补发) lines: for enrolments with a change recorded after the county's first payroll
   of the programme (a late decision, a retroactive correction) or with a month held (暂停发放: a
   cancelled line, e.g. no account yet), each earlier month from that first
   payroll on where what is owed exceeds what was paid (never a month after a registered death) — one
   line per month covered; a whole month
   never paid has ``basis=""``, a top-up after an upward correction ``basis="change:<id>"``.
4. **adjustment** lines: recoveries being offset (``Recovery.status="offsetting"``) take up to their
   outstanding amount from the household's normal line, as a negative line.

Months paid more than owed (a retroactive exit, a correction down) become ``Recovery`` entries.
Everything runs in one transaction; regenerating a draft deletes its lines first, so the same data
give the same lines (same enrolments, months, kinds, amounts and accounts) — idempotent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.cases.models import Enrolment, EnrolmentChange
from doudi.cases.services.common import add_months, month_start
from doudi.core.errors import NotFound
from doudi.core.labels import money
from doudi.payments.bankfiles.models import AccountFlag
from doudi.payments.errors import PaymentError, PaymentErrorCode, locked
from doudi.payments.models import (
    LOCKED_STATUSES,
    LineKind,
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollStatus,
    Recovery,
    RecoveryReason,
    RecoveryStatus,
)
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.regions.models import Level, Region

E = Enrolment._meta.db_table
C = EnrolmentChange._meta.db_table
L = PayrollLine._meta.db_table
P = Payroll._meta.db_table
R = Recovery._meta.db_table
FLAG = AccountFlag._meta.db_table
PERSON = "registry_person"

LINE_COLUMNS = (
    "payroll_id, enrolment_id, person_id, household_id, region_id, programme, month_covered, kind, basis, "
    "amount, bank_name, bank_account, account_holder, status, failure_reason, reissue_of_id, recovery_id, note, "
    "updated_at"
)
# A line counts as paying its month unless cancelled, an offset, or failed and already re-issued.
COUNTS_AS_PAID = (
    "l.status <> 'cancelled' AND l.recovery_id IS NULL AND NOT (l.status = 'failed' AND EXISTS "
    f"(SELECT 1 FROM {L} r WHERE r.reissue_of_id = l.id))"
)
NOT_PROGRAMMES = frozenset({"temporary"})  # one-off payments are not on the monthly payroll


def county_prefix(county: Region) -> str:
    return county.prefix + "%"


def _now_param():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def insert_normal_lines(payroll_id: int, prefix: str, programme: str, month: date) -> int:
    """Step 1: one INSERT … SELECT; returns the number of rows written.

    The latest change of each enrolment is found by an anti-join (no later change not after the
    month) rather than a window function: PostgreSQL estimates a window's ``rn = 1`` filter at one
    row and may then nest loops over a million enrolments; the anti-joins plan as hash joins. A
    person with two payable enrolments of the programme is paid by the older (``e3``).
    """
    payable = "{a}.start_month <= %s AND ({a}.end_month IS NULL OR {a}.end_month >= %s)"
    sql = f"""
        INSERT INTO {L} ({LINE_COLUMNS})
        SELECT %s, e.id, e.person_id, e.household_id, e.region_id, e.programme, %s, 'normal', '', c.monthly_amount,
               p.bank_name, p.bank_account, p.name, 'planned', '', NULL, NULL, '', %s
        FROM {E} e
        JOIN {C} c ON c.enrolment_id = e.id AND c.effective_month <= %s
        JOIN {PERSON} p ON p.id = e.person_id
        WHERE e.region_id LIKE %s AND e.programme = %s AND {payable.format(a="e")} AND c.monthly_amount > 0
          AND NOT EXISTS (
            SELECT 1 FROM {C} c2 WHERE c2.enrolment_id = c.enrolment_id AND c2.effective_month <= %s
              AND (c2.effective_month > c.effective_month OR (c2.effective_month = c.effective_month AND c2.id > c.id)))
          AND NOT EXISTS (
            SELECT 1 FROM {E} e3 WHERE e3.person_id = e.person_id AND e3.programme = e.programme AND e3.id < e.id
              AND {payable.format(a="e3")})
          AND NOT EXISTS (
            SELECT 1 FROM {L} l WHERE l.person_id = e.person_id AND l.programme = e.programme
              AND l.month_covered = %s AND l.basis = '' AND l.status NOT IN ('failed', 'cancelled'))
    """
    params = [payroll_id, month, _now_param(), month, prefix, programme, month, month, month, month, month, month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_reissue_lines(payroll_id: int, prefix: str, programme: str, month: date) -> int:
    """Step 2: failed lines whose account was corrected or restored since, not yet re-issued, paid again.

    Restored: the flag the return file raised for the person on that payroll was cleared by hand
    (账户已恢复, e.g. unfrozen) and the person's account is still the flagged one. A re-issue line
    points at the failed line (``reissue_of``), so a later payroll, or this one regenerated, never
    pays it twice.
    """
    sql = f"""
        INSERT INTO {L} ({LINE_COLUMNS})
        SELECT %s, f.enrolment_id, f.person_id, f.household_id, f.region_id, f.programme, f.month_covered,
               'reissue', f.basis, f.amount, p.bank_name, p.bank_account, p.name, 'planned', '', f.id, NULL, '', %s
        FROM {L} f
        JOIN {PERSON} p ON p.id = f.person_id
        WHERE f.status = 'failed' AND f.region_id LIKE %s AND f.programme = %s AND f.month_covered <= %s
          AND f.amount > 0 AND p.bank_account <> ''
          AND (p.bank_account <> f.bank_account OR EXISTS (
            SELECT 1 FROM {FLAG} af JOIN {L} fl ON fl.id = af.line_id
            WHERE af.person_id = f.person_id AND fl.payroll_id = f.payroll_id AND af.cleared_at IS NOT NULL
              AND af.bank_account = p.bank_account))
          AND NOT EXISTS (SELECT 1 FROM {L} r WHERE r.reissue_of_id = f.id)
          AND NOT EXISTS (
            SELECT 1 FROM {L} l WHERE l.person_id = f.person_id AND l.programme = f.programme
              AND l.month_covered = f.month_covered AND l.basis = f.basis
              AND l.status NOT IN ('failed', 'cancelled'))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [payroll_id, _now_param(), prefix, programme, month])
        return cursor.rowcount


def _owed_sql(months: list[date]) -> tuple[str, list]:
    """The CTEs ``months``, ``cand`` (enrolments changed since go-live, or with a month held — a
    cancelled line — before the payroll month) and ``owed`` (per month)."""
    values = ", ".join(["(%s)"] * len(months))
    sql = f"""
        months(m) AS (VALUES {values}),
        cand AS (
            SELECT e.id, e.person_id, e.household_id, e.region_id, e.programme, e.start_month, e.end_month
            FROM {E} e
            WHERE e.region_id LIKE %s AND e.programme = %s AND e.start_month < %s
              AND (EXISTS (SELECT 1 FROM {C} ch WHERE ch.enrolment_id = e.id AND ch.created_at >= %s
                            AND ch.effective_month < %s)
                   OR EXISTS (SELECT 1 FROM {L} h WHERE h.enrolment_id = e.id AND h.status = 'cancelled'
                            AND h.month_covered < %s))
        ),
        owed AS (
            SELECT c.id AS enrolment_id, c.person_id, c.household_id, c.region_id, c.programme, mo.m,
                   (SELECT ch.monthly_amount FROM {C} ch WHERE ch.enrolment_id = c.id AND ch.effective_month <= mo.m
                    ORDER BY ch.effective_month DESC, ch.id DESC LIMIT 1) AS amount,
                   (SELECT ch.id FROM {C} ch WHERE ch.enrolment_id = c.id AND ch.effective_month <= mo.m
                    ORDER BY ch.effective_month DESC, ch.id DESC LIMIT 1) AS change_id
            FROM cand c JOIN months mo ON mo.m >= c.start_month AND (c.end_month IS NULL OR mo.m <= c.end_month)
        ),
        paid AS (
            SELECT l.person_id, l.month_covered, SUM(l.amount) AS paid,
                   MAX(CASE WHEN l.basis = '' THEN 1 ELSE 0 END) AS has_principal
            FROM {L} l
            WHERE l.programme = %s AND l.person_id IN (SELECT person_id FROM cand) AND {COUNTS_AS_PAID}
            GROUP BY l.person_id, l.month_covered
        )
    """
    return sql, list(months)


def insert_arrears_lines(payroll_id: int, prefix: str, programme: str, month: date, first_month: date, since) -> int:
    """Step 3: what is owed for months since go-live and not paid, one line per month covered."""
    months = month_range(first_month, add_months(month, -1))
    if not months:
        return 0
    ctes, params = _owed_sql(months)
    params += [prefix, programme, month, since, month, month, programme]
    sql = f"""
        INSERT INTO {L} ({LINE_COLUMNS})
        WITH {ctes},
        due AS (
            SELECT o.*, ROUND(o.amount - COALESCE(pd.paid, 0), 2) AS diff, COALESCE(pd.has_principal, 0) AS hp,
                   ROW_NUMBER() OVER (PARTITION BY o.person_id, o.m ORDER BY o.enrolment_id) AS nth
            FROM owed o LEFT JOIN paid pd ON pd.person_id = o.person_id AND pd.month_covered = o.m
            WHERE o.amount > 0
        )
        SELECT %s, d.enrolment_id, d.person_id, d.household_id, d.region_id, d.programme, d.m, 'arrears',
               CASE WHEN d.hp = 1 THEN 'change:' || d.change_id ELSE '' END, d.diff,
               p.bank_name, p.bank_account, p.name, 'planned', '', NULL, NULL, '', %s
        FROM due d JOIN {PERSON} p ON p.id = d.person_id
        WHERE d.diff > 0.005 AND d.nth = 1 AND (p.death_date IS NULL OR d.m <= p.death_date) AND NOT EXISTS (
            SELECT 1 FROM {L} x WHERE x.person_id = d.person_id AND x.programme = d.programme
              AND x.month_covered = d.m AND x.status NOT IN ('failed', 'cancelled')
              AND x.basis = CASE WHEN d.hp = 1 THEN 'change:' || d.change_id ELSE '' END)
    """
    params += [payroll_id, _now_param()]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def find_overpayments(prefix: str, programme: str, month: date, first_month: date, since) -> list[dict]:
    """Lines of approved payrolls for months (since go-live, before ``month``) paid beyond what is owed.

    Returns the lines concerned (few: retroactive exits and corrections down), one dict per line,
    with ``amount`` the part of it that was not owed.
    """
    months = month_range(first_month, add_months(month, -1))
    if not months:
        return []
    ctes, params = _owed_sql(months)
    params += [prefix, programme, month, since, month, month, programme, first_month, prefix, programme, month]
    locked_list = ", ".join(f"'{s}'" for s in LOCKED_STATUSES)
    sql = f"""
        WITH {ctes},
        over AS (
            SELECT l.person_id, l.month_covered, pd.paid - COALESCE(MAX(o.amount), 0) AS excess
            FROM {L} l JOIN cand c ON c.id = l.enrolment_id
            JOIN paid pd ON pd.person_id = l.person_id AND pd.month_covered = l.month_covered
            LEFT JOIN owed o ON o.enrolment_id = l.enrolment_id AND o.m = l.month_covered
            WHERE l.month_covered >= %s AND {COUNTS_AS_PAID}
            GROUP BY l.person_id, l.month_covered, pd.paid
        )
        SELECT l.id, l.enrolment_id, l.person_id, l.household_id, l.region_id, l.programme, l.month_covered,
               ov.excess
        FROM over ov JOIN {L} l ON l.person_id = ov.person_id AND l.month_covered = ov.month_covered
        JOIN {P} py ON py.id = l.payroll_id
        WHERE ov.excess > 0.005 AND l.region_id LIKE %s AND l.programme = %s AND l.month_covered < %s
          AND py.status IN ({locked_list}) AND l.basis = '' AND {COUNTS_AS_PAID}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out = []
    for line_id, enrolment_id, person_id, household_id, region_id, prog, covered, excess in rows:
        if isinstance(covered, str):
            covered = date.fromisoformat(covered[:10])
        out.append(
            {
                "id": line_id,
                "enrolment_id": enrolment_id,
                "person_id": person_id,
                "household_id": household_id,
                "region_id": region_id,
                "programme": prog,
                "month_covered": covered,
                "amount": Decimal(str(excess)).quantize(Decimal("0.01")),
            }
        )
    return out


def insert_offset_lines(payroll_id: int, programme: str, month: date) -> int:
    """Step 4: recoveries being offset take from the household's first normal line of this payroll."""
    sql = f"""
        INSERT INTO {L} ({LINE_COLUMNS})
        SELECT %s, l.enrolment_id, l.person_id, l.household_id, l.region_id, l.programme, %s, 'adjustment',
               'recovery:' || r.id,
               -(CASE WHEN r.amount - r.recovered_amount < l.amount THEN r.amount - r.recovered_amount
                      ELSE l.amount END),
               l.bank_name, l.bank_account, l.account_holder, 'planned', '', NULL, r.id, '抵扣追缴', %s
        FROM {R} r
        JOIN {L} l ON l.payroll_id = %s AND l.kind = 'normal' AND l.household_id = r.household_id
         AND l.id = (SELECT MIN(l2.id) FROM {L} l2 WHERE l2.payroll_id = %s AND l2.kind = 'normal'
                     AND l2.household_id = r.household_id)
        WHERE r.status = 'offsetting' AND r.programme = %s AND r.amount > r.recovered_amount
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [payroll_id, month, _now_param(), payroll_id, payroll_id, programme])
        return cursor.rowcount


def month_range(first: date, last: date) -> list[date]:
    out = []
    m = first
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


def update_totals(payroll: Payroll) -> None:
    """Write the payroll's counts and sums from its lines (one aggregate query); held (cancelled) lines
    are not paid by this payroll and are left out."""
    agg = (
        PayrollLine.objects.filter(payroll=payroll)
        .exclude(status=LineStatus.CANCELLED)
        .aggregate(
            n=Count("id"),
            persons=Count("person_id", distinct=True),
            households=Count("household_id", distinct=True),
            total=Sum("amount"),
            normal=Sum("amount", filter=Q(kind=LineKind.NORMAL)),
            arrears=Sum("amount", filter=Q(kind=LineKind.ARREARS)),
            reissue=Sum("amount", filter=Q(kind=LineKind.REISSUE)),
            adjustment=Sum("amount", filter=Q(kind=LineKind.ADJUSTMENT)),
        )
    )
    cent = Decimal("0.01")
    payroll.line_count = agg["n"] or 0
    payroll.person_count = agg["persons"] or 0
    payroll.household_count = agg["households"] or 0
    payroll.total_amount = Decimal(agg["total"] or 0).quantize(cent)
    payroll.normal_amount = Decimal(agg["normal"] or 0).quantize(cent)
    payroll.arrears_amount = Decimal(agg["arrears"] or 0).quantize(cent)
    payroll.reissue_amount = Decimal(agg["reissue"] or 0).quantize(cent)
    payroll.adjustment_amount = Decimal(agg["adjustment"] or 0).quantize(cent)


def get_county(region_code: str) -> Region:
    code = (region_code or "").strip().ljust(12, "0")
    county = Region.objects.filter(pk=code).first()
    if county is None:
        raise NotFound("区划")
    if county.level != Level.COUNTY:
        raise PaymentError(PaymentErrorCode.INVALID, f"区划：{county.name}不是县级，发放名册按县（市、区）编制。")
    return county


def parse_month(value) -> date:
    if isinstance(value, date):
        return month_start(value)
    try:
        year, mon = str(value).strip()[:7].split("-")
        return date(int(year), int(mon), 1)
    except (ValueError, TypeError):
        raise PaymentError(PaymentErrorCode.INVALID, f"月份：“{value}”不是 YYYY-MM 格式的月份。") from None


def check_programme(programme: str) -> str:
    if programme not in PROGRAMME_LABELS or programme in NOT_PROGRAMMES:
        raise PaymentError(PaymentErrorCode.INVALID, f"项目：“{programme}”不是按月发放的救助项目。")
    return programme


@transaction.atomic
def generate_payroll(
    actor, *, region_code: str, programme: str, month, expected_version: int | None = None, run_checks: bool = True
) -> Payroll:
    """Generate (or regenerate, while a draft) the payroll of a county, programme and month."""
    check_capability(actor, Capability.MAKE_PAYROLL, "您的角色无权编制发放名册。")
    county = get_county(region_code)
    check_in_scope(actor, county.code, "区划")
    programme = check_programme(programme)
    month = parse_month(month)
    payroll, _created = Payroll.objects.select_for_update().get_or_create(
        region=county, programme=programme, month=month, defaults={"maker": actor}
    )
    if payroll.is_locked:
        raise locked(payroll)
    if payroll.status != PayrollStatus.DRAFT:
        raise PaymentError(PaymentErrorCode.WRONG_STATUS, "发放名册已提交待审批，退回后才能重新生成。")
    if expected_version is not None and payroll.version != expected_version:
        raise PaymentError(PaymentErrorCode.STALE, "发放名册已被他人更新，请刷新后重试。")
    # One DELETE (the ORM's delete would fetch every line to check what points at it: nothing can
    # point at a draft's lines, which were never sent to a bank, failed or offset).
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {L} WHERE payroll_id = %s", [payroll.pk])

    prefix = county_prefix(county)
    first = Payroll.objects.filter(region=county, programme=programme).aggregate(
        m=Min("month"), since=Min("created_at")
    )
    first["since"] = connection.ops.adapt_datetimefield_value(first["since"])
    insert_normal_lines(payroll.pk, prefix, programme, month)
    insert_reissue_lines(payroll.pk, prefix, programme, month)
    if first["m"] < month:
        insert_arrears_lines(payroll.pk, prefix, programme, month, first["m"], first["since"])
        over = find_overpayments(prefix, programme, month, first["m"], first["since"])
        if over:
            _split_by_reason(over)
    insert_offset_lines(payroll.pk, programme, month)

    if connection.vendor == "postgresql":
        # Fresh statistics for the checks that follow: right after a large INSERT the planner still
        # believes the line table nearly empty and would nest loops over every line (ANALYZE samples
        # a fixed number of rows, about a second on a million-line table).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {L}")
    update_totals(payroll)
    payroll.maker = actor
    payroll.generated_at = timezone.now()
    payroll.returned_reason = ""
    payroll.version += 1
    payroll.save()
    if run_checks:
        from doudi.payments.services.checks import run_checks as run

        run(payroll)
    _audit(actor, payroll, "generate_payroll", f"{payroll.line_count} 笔，合计 {money(payroll.total_amount)}")
    return payroll


def _split_by_reason(over: list[dict]) -> None:
    from doudi.payments.services.recovery import record_overpayments
    from doudi.registry.models import Person

    deaths = dict(
        Person.objects.filter(pk__in={r["person_id"] for r in over}, death_date__isnull=False).values_list(
            "pk", "death_date"
        )
    )
    by_death, by_end = [], []
    for row in over:
        died = deaths.get(row["person_id"])
        if died is not None and row["month_covered"] > month_start(died):
            by_death.append(row)
        else:
            by_end.append(row)
    if by_death:
        record_overpayments(by_death, reason=RecoveryReason.DEATH, note="死亡后月份的发放应追回")
    if by_end:
        record_overpayments(by_end, reason=RecoveryReason.ENDED, note="停发或下调后月份多发的金额应追回")


def _audit(actor, payroll: Payroll, action: str, reason: str) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action=action,
        target=payroll,
        household_id=None,
        region_code=payroll.region_id,
        reason=reason,
        label=f"{payroll.region.name} {payroll}",
    )


__all__ = ["LineStatus", "RecoveryStatus", "generate_payroll"]
