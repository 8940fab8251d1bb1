"""Integrity checks before approval: one set-based query per check over the payroll's lines.

Each check returns the lines it concerns, grouped under a stable subject (a person, a household,
an account), and ``run_checks`` turns them into ``PayrollFinding`` rows: a finding seen before keeps
its explanation, a finding no longer triggered becomes resolved, a new one is open. A payroll is
approved only when no finding is open (each is resolved, or explained by the maker).

The checks (``FindingCheck``):

- ``deceased``: a line for a month after the month of the person's death: the registry's death date,
  or a public-security death alert (monitoring rule ``death``) that a worker confirmed, or that is
  still open (the payment waits until a worker settles it). A dismissed alert does not count.
- ``double_payment``: a person with two payable enrolments of the programme (generation paid the
  older one), or a household paid twice for a household programme (低保 is paid to one payee).
- ``exclusive_programmes``: the person is also paid, that month, by a programme the policy's
  overlap rules exclude (``EXCLUSIVE``, from the engine's §5/§2/§6 rules).
- ``no_account`` / ``holder_not_member``: no account; an account registered to someone outside
  the household, or a payee no longer a member of the household paid.
- ``shared_account``: one account on lines of two or more households.
- ``amount_range``: a month's amount not above 0 or above the ceiling (policy
  ``general.payroll_amount_ceiling_multiple`` × the higher dibao standard × persons covered).
- ``worker_relative``: the household has a close-relative declaration (近亲属备案) of a worker.
- ``change_tolerance``: the month's amount differs from last month's by more than
  ``general.payroll_change_tolerance`` of last month's.

Lines taken out of the payroll (status ``cancelled``: held, 暂停发放) are left out of every check.

How a finding is handled (``services.approval.do_handle_finding``), by the maker, while a draft:

- **已说明（照常发放）** (``explained``): the line is paid as it stands, with the reason — only where paying
  as usual can be right after verification: ``amount_range``, ``change_tolerance``, ``worker_relative``,
  ``shared_account``, ``holder_not_member`` (e.g. a guardian's account) and ``double_payment`` (the
  extra enrolment is not paid; it is stopped outside the payroll).
- **暂停发放** (hold): the finding's lines are cancelled (taken out of this payroll and its totals) and
  the finding is resolved with the reason. A cancelled line holds no month, so a later payroll pays
  the month as arrears (补发) while the enrolment is payable (and not for months after a registered death).
- **已解决** (``resolved``): dealt with outside the payroll (the record corrected, the payroll regenerated);
  a finding still found when the checks run again is open again.

``NOT_EXPLAINABLE`` lists the kinds where paying as usual is never right, with what to do instead:
``no_account`` (nothing can be transferred: register the account and regenerate, or hold),
``deceased`` (no payment after the month of death: hold, or correct the death record / settle the
death alert as 无需处理 and run the checks again) and ``exclusive_programmes`` (the policy forbids both:
stop one enrolment and regenerate, or hold). An older 已说明 of these kinds is open again at the next run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from doudi.cases.models import Case, Enrolment, RelativeDeclaration
from doudi.cases.services.common import add_months
from doudi.core.labels import money, programme_label
from doudi.payments.models import FindingCheck, FindingStatus, Payroll, PayrollFinding, PayrollLine

L = PayrollLine._meta.db_table
E = Enrolment._meta.db_table
PERSON = "registry_person"

# Programmes that cannot be paid to the same person in the same month (policy engine: §2 特困 persons
# are not counted in dibao and get neither disability subsidy (§5); orphans get no living subsidy
# (§5, §6); a 渐退 household is no longer in dibao; near-dibao is for households outside dibao).
EXCLUSIVE: dict[str, frozenset[str]] = {
    "extreme_poverty": frozenset(
        {"dibao", "single_person_dibao", "phase_out", "disability_living_subsidy", "disability_care_subsidy"}
    ),
    "dibao": frozenset({"extreme_poverty", "single_person_dibao", "phase_out", "near_dibao"}),
    "single_person_dibao": frozenset({"extreme_poverty", "dibao", "phase_out"}),
    "phase_out": frozenset({"extreme_poverty", "dibao", "single_person_dibao"}),
    "near_dibao": frozenset({"dibao"}),
    "disability_living_subsidy": frozenset({"extreme_poverty", "orphan"}),
    "disability_care_subsidy": frozenset({"extreme_poverty"}),
    "orphan": frozenset({"de_facto_orphan", "disability_living_subsidy"}),
    "de_facto_orphan": frozenset({"orphan"}),
}
HOUSEHOLD_PROGRAMMES = frozenset({"dibao", "phase_out", "near_dibao"})
DEFAULT_TOLERANCE = Decimal("0.3")

# Finding kinds that 已说明（照常发放） cannot settle, with what the maker is told to do instead.
NOT_EXPLAINABLE: dict[str, str] = {
    FindingCheck.NO_ACCOUNT: (
        "没有银行账号的明细无法照常发放：请登记银行账号（一卡通）后重新生成名册，"
        "或选择“暂停发放”，本月待账号登记后在以后的名册中补发。"
    ),
    FindingCheck.DECEASED: (
        "领取人死亡次月起不得发放，不能照常发放：请选择“暂停发放”；如死亡信息有误，"
        "请更正死亡登记或将死亡预警核查为“无需处理”后重新核查。"
    ),
    FindingCheck.EXCLUSIVE_PROGRAMMES: (
        "按政策两个项目不能同时享受，不能照常发放：请停发其中一项保障后重新生成名册，或选择“暂停发放”。"
    ),
}
DEFAULT_CEILING_MULTIPLE = Decimal("3")


@dataclass
class Hit:
    check: str
    subject: str
    person_id: int | None
    household_id: int | None
    detail: str
    lines: list[int] = field(default_factory=list)
    alert_id: int | None = None  # the death alert behind a ``deceased`` hit


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _group(check: str, rows, subject_of, detail_of) -> list[Hit]:
    """Group (line_id, person_id, household_id, *extra) rows into one hit per subject."""
    hits: dict[str, Hit] = {}
    for row in rows:
        key = subject_of(row)
        hit = hits.get(key)
        if hit is None:
            hit = hits[key] = Hit(check, key, row[1], row[2], detail_of(row))
        if row[0] is not None and row[0] not in hit.lines:
            hit.lines.append(row[0])
    return list(hits.values())


def check_deceased(p: Payroll) -> list[Hit]:
    """Lines after a death: the registry's death date, or a death alert confirmed or still open.

    One finding per person, naming the registry's date and the alert (with a link on the page);
    lines are those after the registry's date or the alert's date (an alert without a date: all).
    """
    from doudi.monitoring.models import Alert, AlertStatus, Outcome

    registry = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name, pr.death_date
            FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND pr.death_date IS NOT NULL
              AND l.month_covered > pr.death_date
            ORDER BY l.id""",
        [p.pk],
    )
    alerts = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name, a.id, a.status, a.event_date
            FROM {Alert._meta.db_table} a
            JOIN {L} l ON l.person_id = a.person_id AND l.payroll_id = %s AND l.status <> 'cancelled'
            JOIN {PERSON} pr ON pr.id = l.person_id
            WHERE a.rule = 'death' AND (a.status = %s OR (a.status = %s AND a.outcome = %s))
              AND (a.event_date IS NULL OR l.month_covered > a.event_date)
            ORDER BY l.id, a.id""",
        [p.pk, AlertStatus.OPEN, AlertStatus.RESOLVED, Outcome.CONFIRM_DEATH],
    )
    hits: dict[int, Hit] = {}
    said: dict[int, list[str]] = defaultdict(list)

    def hit(row) -> Hit:
        found = hits.get(row[1])
        if found is None:
            found = hits[row[1]] = Hit(FindingCheck.DECEASED, f"person:{row[1]}", row[1], row[2], "")
        if row[0] not in found.lines:
            found.lines.append(row[0])
        return found

    for row in registry:
        hit(row)
        text = f"户籍登记已于 {_day(row[4])} 死亡"
        if text not in said[row[1]]:
            said[row[1]].append(text)
    for row in alerts:
        found = hit(row)
        if found.alert_id is None:
            found.alert_id = row[4]
            when = f"死亡日期 {_day(row[6])}" if row[6] else "未载明死亡日期"
            state = "已核实确认死亡" if row[5] == AlertStatus.RESOLVED else "待核查，核查处理前暂停发放"
            said[row[1]].append(f"公安死亡登记预警（{when}）{state}")
    names = {row[1]: row[3] for row in (*registry, *alerts)}
    for person_id, found in hits.items():
        found.lines.sort()
        found.detail = f"{names[person_id]}：" + "；".join(said[person_id]) + "，死亡次月起不应发放"
    return list(hits.values())


def check_double_payment(p: Payroll) -> list[Hit]:
    prefix = p.region.prefix + "%"
    rows = _rows(
        f"""SELECT l.id, e.person_id, e.household_id, pr.name, COUNT(*) OVER (PARTITION BY e.person_id)
            FROM {E} e JOIN {PERSON} pr ON pr.id = e.person_id
            LEFT JOIN {L} l ON l.payroll_id = %s AND l.enrolment_id = e.id AND l.kind = 'normal'
             AND l.status <> 'cancelled'
            WHERE e.region_id LIKE %s AND e.programme = %s AND e.start_month <= %s
              AND (e.end_month IS NULL OR e.end_month >= %s)
              AND e.person_id IN (
                SELECT e2.person_id FROM {E} e2 WHERE e2.region_id LIKE %s AND e2.programme = %s
                  AND e2.start_month <= %s AND (e2.end_month IS NULL OR e2.end_month >= %s)
                GROUP BY e2.person_id HAVING COUNT(*) > 1)
            ORDER BY e.person_id, e.id""",
        [p.pk, prefix, p.programme, p.month, p.month, prefix, p.programme, p.month, p.month],
    )
    hits = _group(
        FindingCheck.DOUBLE_PAYMENT,
        rows,
        lambda r: f"person:{r[1]}",
        lambda r: f"{r[3]}在本项目下有 {r[4]} 条保障记录，本月只发放其中一条，请核实并停发多余的记录",
    )
    if p.programme in HOUSEHOLD_PROGRAMMES:
        rows = _rows(
            f"""SELECT l.id, l.person_id, l.household_id, COUNT(*) OVER (PARTITION BY l.household_id)
                FROM {L} l
                WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.kind = 'normal' AND l.household_id IN (
                    SELECT household_id FROM {L}
                    WHERE payroll_id = %s AND kind = 'normal' AND status <> 'cancelled'
                    GROUP BY household_id HAVING COUNT(*) > 1)
                ORDER BY l.id""",
            [p.pk, p.pk],
        )
        hits += _group(
            FindingCheck.DOUBLE_PAYMENT,
            rows,
            lambda r: f"household:{r[2]}",
            lambda r: f"同一家庭本月有 {r[3]} 人领取{programme_label(p.programme)}，应只由一人代表家庭领取",
        )
    return hits


def check_exclusive(p: Payroll) -> list[Hit]:
    others = sorted(EXCLUSIVE.get(p.programme, ()))
    if not others:
        return []
    marks = ", ".join(["%s"] * len(others))
    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name, e2.programme
            FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id
            JOIN {E} e2 ON e2.person_id = l.person_id AND e2.programme IN ({marks})
             AND e2.start_month <= l.month_covered AND (e2.end_month IS NULL OR e2.end_month >= l.month_covered)
             AND e2.status NOT IN ('ended', 'suspended')
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.kind = 'normal' ORDER BY l.id, e2.programme""",
        [*others, p.pk],
    )
    return _group(
        FindingCheck.EXCLUSIVE_PROGRAMMES,
        rows,
        lambda r: f"person:{r[1]}",
        lambda r: f"{r[3]}同时享受{programme_label(r[4])}，按政策两者不能同时享受",
    )


def check_accounts(p: Payroll) -> list[Hit]:
    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.bank_account = '' ORDER BY l.id""",
        [p.pk],
    )
    hits = _group(
        FindingCheck.NO_ACCOUNT, rows, lambda r: f"person:{r[1]}", lambda r: f"{r[3]}没有登记银行账号（一卡通）"
    )
    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name, other.name
            FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id
            LEFT JOIN {PERSON} other ON other.bank_account = l.bank_account AND other.id <> l.person_id
             AND (other.household_id IS NULL OR other.household_id <> l.household_id)
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.bank_account <> ''
              AND (other.id IS NOT NULL OR pr.household_id IS NULL OR pr.household_id <> l.household_id)
            ORDER BY l.id""",
        [p.pk],
    )
    hits += _group(
        FindingCheck.HOLDER_NOT_MEMBER,
        rows,
        lambda r: f"person:{r[1]}",
        lambda r: f"{r[3]}的账户登记在家庭以外的{r[4]}名下" if r[4] else f"{r[3]}已不是该家庭成员，账户户名与家庭不符",
    )
    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, l.bank_account
            FROM {L} l
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.bank_account IN (
                SELECT bank_account FROM {L}
                WHERE payroll_id = %s AND bank_account <> '' AND status <> 'cancelled'
                GROUP BY bank_account HAVING COUNT(DISTINCT household_id) > 1)
            ORDER BY l.id""",
        [p.pk, p.pk],
    )
    households: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        households[row[3]].add(row[2])
    hits += _group(
        FindingCheck.SHARED_ACCOUNT,
        rows,
        lambda r: f"account:{r[3]}",
        lambda r: f"同一银行账户（尾号 {r[3][-4:]}）用于 {len(households[r[3]])} 个不同家庭",
    )
    return hits


def _policy_values(p: Payroll) -> tuple[Decimal, Decimal, Decimal | None]:
    """Return (tolerance, ceiling multiple, higher dibao standard or None) of the county's policy."""
    from doudi.core.errors import DomainError
    from doudi.policy.selectors import policy_for

    try:
        policy = policy_for(p.region_id, p.month).policy
    except DomainError:
        return DEFAULT_TOLERANCE, DEFAULT_CEILING_MULTIPLE, None

    def get(key, default):
        try:
            value = policy[key]
        except KeyError:
            return default
        return default if value is None else Decimal(str(value))

    standards = [get("dibao.standard_urban", None), get("dibao.standard_rural", None)]
    standards = [s for s in standards if s is not None]
    return (
        get("general.payroll_change_tolerance", DEFAULT_TOLERANCE),
        get("general.payroll_amount_ceiling_multiple", DEFAULT_CEILING_MULTIPLE),
        max(standards) if standards else None,
    )


def check_amount_range(p: Payroll, ceiling_multiple: Decimal, standard: Decimal | None) -> list[Hit]:
    size = "jsonb_array_length(e.covered)" if connection.vendor == "postgresql" else "json_array_length(e.covered)"
    cap = (ceiling_multiple * standard) if standard is not None else None
    above = f"OR l.amount > %s * (CASE WHEN {size} > 1 THEN {size} ELSE 1 END)" if cap is not None else ""
    sql = f"""SELECT l.id, l.person_id, l.household_id, pr.name, l.amount, {size}
              FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id JOIN {E} e ON e.id = l.enrolment_id
              WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.kind = 'normal' AND (l.amount <= 0 {above})
              ORDER BY l.id"""
    params = [p.pk] + ([cap] if cap is not None else [])
    rows = _rows(sql, params)
    return _group(
        FindingCheck.AMOUNT_RANGE,
        rows,
        lambda r: f"person:{r[1]}",
        lambda r: (
            f"{r[3]}本月 {money(r[4])} 元，超出政策允许的范围"
            + (f"（每人每月上限 {money(cap)} 元）" if cap is not None else "")
        ),
    )


def check_relatives(p: Payroll) -> list[Hit]:
    """Households related to a worker: the case's 近亲属备案, and the county's 经办人员名单 (a member who is a
    listed worker in post during the month, or whose ID number is a listed worker's declared close relative)."""
    from doudi.monitoring.models import StaffMember

    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, d.staff_name, d.staff_position, d.relation
            FROM {L} l JOIN {Case._meta.db_table} c ON c.household_id = l.household_id
            JOIN {RelativeDeclaration._meta.db_table} d ON d.case_id = c.id
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' ORDER BY l.id, d.id""",
        [p.pk],
    )
    declared = _group(
        FindingCheck.WORKER_RELATIVE,
        rows,
        lambda r: f"household:{r[2]}",
        lambda r: f"该家庭是{r[4]}{r[3]}的{r[5]}（近亲属备案），须确认已按规定核查",
    )
    S = StaffMember._meta.db_table
    month_end = add_months(p.month, 1)
    listed = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, COALESCE(w.name, s.name), COALESCE(w.post, s.post),
                   s.relation, m.name
            FROM {L} l JOIN {PERSON} m ON m.household_id = l.household_id
            JOIN {S} s ON s.id_number = m.id_number
            LEFT JOIN {S} w ON w.id = s.relative_of_id
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND s.region_id LIKE %s
              AND (COALESCE(w.start_on, s.start_on) IS NULL OR COALESCE(w.start_on, s.start_on) < %s)
              AND (COALESCE(w.end_on, s.end_on) IS NULL OR COALESCE(w.end_on, s.end_on) >= %s)
            ORDER BY l.id, s.id""",
        [p.pk, p.region_id[:6] + "%", month_end, p.month],
    )
    known = {h.subject for h in declared}

    def listed_detail(r) -> str:
        if r[5]:
            return f"家庭成员{r[6]}是{r[4]}{r[3]}的{r[5]}（经办人员名单），须确认已按规定核查"
        return f"家庭成员{r[6]}是{r[4]}（经办人员名单），须确认已按规定核查"

    listed = [r for r in listed if f"household:{r[2]}" not in known]  # a declared household is named once
    return declared + _group(FindingCheck.WORKER_RELATIVE, listed, lambda r: f"household:{r[2]}", listed_detail)


def check_change(p: Payroll, tolerance: Decimal) -> list[Hit]:
    last = add_months(p.month, -1)
    rows = _rows(
        f"""SELECT l.id, l.person_id, l.household_id, pr.name, prev.amount, l.amount
            FROM {L} l JOIN {PERSON} pr ON pr.id = l.person_id
            JOIN (
                SELECT person_id, SUM(amount) AS amount FROM {L}
                WHERE programme = %s AND month_covered = %s AND status NOT IN ('failed', 'cancelled')
                  AND kind IN ('normal', 'reissue') GROUP BY person_id
            ) prev ON prev.person_id = l.person_id
            WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.kind = 'normal' AND prev.amount > 0
              AND ABS(l.amount - prev.amount) > %s * prev.amount
            ORDER BY l.id""",
        [p.programme, last, p.pk, tolerance],
    )
    return _group(
        FindingCheck.CHANGE_TOLERANCE,
        rows,
        lambda r: f"person:{r[1]}",
        lambda r: f"{r[3]}本月 {money(r[5])} 元，上月 {money(r[4])} 元，变动超过 {int(tolerance * 100)}%",
    )


def _day(value) -> str:
    return str(value)[:10]


def find_all(p: Payroll) -> list[Hit]:
    tolerance, ceiling, standard = _policy_values(p)
    return [
        *check_deceased(p),
        *check_double_payment(p),
        *check_exclusive(p),
        *check_accounts(p),
        *check_amount_range(p, ceiling, standard),
        *check_relatives(p),
        *check_change(p, tolerance),
    ]


@transaction.atomic
def run_checks(payroll: Payroll) -> list[PayrollFinding]:
    """Run every check and bring the payroll's findings up to date; return the open ones."""
    hits = find_all(payroll)
    existing = {(f.check_code, f.subject): f for f in PayrollFinding.objects.filter(payroll=payroll)}
    seen = set()
    new, changed = [], []
    now = timezone.now()
    for hit in hits:
        key = (hit.check, hit.subject)
        if key in seen:  # the same subject found twice by one check: merge the lines
            f = existing.get(key) or next(x for x in new if (x.check_code, x.subject) == key)
            f.lines = sorted(set(f.lines) | set(hit.lines))
            f.alert_id = f.alert_id or hit.alert_id
            continue
        seen.add(key)
        f = existing.get(key)
        if f is None:
            new.append(
                PayrollFinding(
                    payroll=payroll,
                    check_code=hit.check,
                    subject=hit.subject[:80],
                    person_id=hit.person_id,
                    household_id=hit.household_id,
                    lines=sorted(hit.lines),
                    detail=hit.detail[:300],
                    alert_id=hit.alert_id,
                )
            )
            continue
        f.lines, f.detail, f.alert_id = sorted(hit.lines), hit.detail[:300], hit.alert_id
        if f.status == FindingStatus.RESOLVED or (
            f.status == FindingStatus.EXPLAINED and f.check_code in NOT_EXPLAINABLE
        ):
            f.status, f.explanation, f.handled_by, f.handled_at = FindingStatus.OPEN, "", None, None
        changed.append(f)
    gone = [f for key, f in existing.items() if key not in seen and f.status != FindingStatus.RESOLVED]
    for f in gone:
        f.status, f.handled_at, f.handled_by = FindingStatus.RESOLVED, now, None
        f.explanation = "重新核查后已不再出现"
    PayrollFinding.objects.bulk_create(new)
    fields = ["lines", "detail", "alert", "status", "explanation", "handled_by", "handled_at"]
    PayrollFinding.objects.bulk_update(changed + gone, fields)
    payroll.checks_run_at = now
    Payroll.objects.filter(pk=payroll.pk).update(checks_run_at=now)
    return list(PayrollFinding.objects.filter(payroll=payroll, status=FindingStatus.OPEN))


def summary(payroll: Payroll) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for status in PayrollFinding.objects.filter(payroll=payroll).values_list("status", flat=True):
        out[status] += 1
    return dict(out)
