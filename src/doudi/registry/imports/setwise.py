"""The commit of an evidence or roster batch as a few ``INSERT … SELECT`` statements (PostgreSQL).

``caseload.write_evidence`` builds one model instance per row and COPYs them; on PostgreSQL the
same rows are written here straight from the staged rows (``ImportRow.data``, jsonb) without
bringing them into Python: per kind of evidence, one statement selects the batch's new rows,
leaves out those whose fact the registry already holds (an anti-join on the person, the dates and
every value field: importing the same file twice writes nothing, whatever the county holds), inserts
the evidence rows in row order and their audit rows (one per row, as the row-wise path writes).

A roster batch is written here when none of its persons or households has a live enrolment (a
county's first load; otherwise ``caseload.write_roster`` decides row by row what is new, unchanged
or refused): the enrolments with their covered members, their first amount history row (迁移导入),
the households' periodic review tasks and one audit row per enrolment, in one statement; the bank
accounts that differ, the age checks, the payment warnings and the list of amounts that differ from
the engine's (``roster_review``) are the row-wise path's own functions, given only what concerns them.

A county's first load is the case this is for: nothing in the county can collide, the anti-join
finds nothing to compare, and no row is read back into Python but the new enrolments' keys. Both
paths write the same rows (``tests/test_setwise.py`` runs both on one file and compares them).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.registry.imports.caseload_columns import EVIDENCE_TYPE_LABELS, HOUSEHOLD_PROGRAMMES
from doudi.registry.imports.models import ImportBatch, ImportRow, RowStatus
from doudi.registry.models import Household, Person
from doudi.registry.models.evidence import EVIDENCE_MODELS


def available() -> bool:
    """Tell whether the set-based commit can run on this database (PostgreSQL's jsonb and data-modifying CTEs)."""
    return connection.vendor == "postgresql"


def _cast(field, expression: str) -> str:
    return f"({expression})::{field.db_type(connection)}"


def _columns(model, given: dict[str, str], params: dict) -> tuple[str, str]:
    """Return the column list and the SELECT list of an INSERT into ``model``.

    ``given`` maps field names to SQL expressions; every other field gets what a new model instance
    would hold (its default, the time for ``auto_now``/``auto_now_add``), as a parameter added to
    ``params``.
    """
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.name in given:
            expression = given[f.name]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expression = "%(now)s::timestamptz"
        else:
            default = f.get_default()
            if default is None:
                expression = "NULL"
            else:
                key = f"default_{model._meta.model_name}_{f.name}"
                params[key] = f.get_db_prep_value(default, connection)
                expression = _cast(f, f"%({key})s")
        columns.append(f'"{f.column}"')
        values.append(expression)
    return ", ".join(columns), ", ".join(values)


def _evidence_statement(kind: str) -> tuple[str, list[str]]:
    """Return the statement writing one kind's new rows and their audit rows, and its parameter names."""
    model = EVIDENCE_MODELS[kind]
    table = model._meta.db_table
    params: list[str] = []
    columns: list[str] = []
    values: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        name = f.name
        if name == "person":
            expression = "s.person_id"
        elif name in ("valid_from", "valid_to"):
            expression = f"s.{name}"
        elif name == "source":
            expression = "'import'"
        elif name == "note":
            expression = "s.note"
        elif name == "recorded_by":
            expression = "%(actor)s::bigint"
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expression = "%(now)s::timestamptz"
        elif name in model.value_fields:
            expression = _cast(f, f"s.v ->> '{name}'")
            default = f.get_default()
            if default is not None:
                params.append(f"default_{name}")
                expression = f"COALESCE({expression}, %(default_{name})s)"
        else:  # superseded_at, superseded_by …: what a new row starts with
            default = f.get_default()
            if default is None:
                expression = "NULL"
            else:
                params.append(f"default_{name}")
                expression = _cast(f, f"%(default_{name})s")
        columns.append(f'"{f.column}"')
        values.append(expression)
    same = " AND ".join(
        f"e.{model._meta.get_field(n).column} IS NOT DISTINCT FROM "
        f"{_cast(model._meta.get_field(n), f's.v ->> {chr(39)}{n}{chr(39)}')}"
        for n in model.value_fields
    )
    key = ", ".join(["s.person_id", "s.valid_from", "s.valid_to", *(f"s.v ->> '{n}'" for n in model.value_fields)])
    sql = f"""
WITH s AS (
    SELECT r.row_number, (r.data ->> 'person_id')::bigint AS person_id,
           (r.data ->> 'valid_from')::date AS valid_from, (r.data ->> 'valid_to')::date AS valid_to,
           left(COALESCE(NULLIF(r.data ->> 'note', ''), %(reason)s), 200) AS note, r.data -> 'values' AS v
    FROM {ImportRow._meta.db_table} r
    WHERE r.batch_id = %(batch)s AND r.status = '{RowStatus.VALID.value}' AND r.action = 'create'
      AND r.data ->> 'kind' = %(kind)s
), fresh AS (
    SELECT DISTINCT ON ({key}) s.* FROM s
    WHERE NOT EXISTS (
        SELECT 1 FROM {table} e
        WHERE e.person_id = s.person_id AND e.superseded_at IS NULL AND e.valid_from = s.valid_from
          AND e.valid_to IS NOT DISTINCT FROM s.valid_to{" AND " + same if same else ""}
    )
    ORDER BY {key}, s.row_number
), written AS (
    INSERT INTO {table} ({", ".join(columns)})
    SELECT {", ".join(values)} FROM fresh s ORDER BY s.row_number
    RETURNING id, person_id
), audited AS (
    INSERT INTO {AuditEvent._meta.db_table}
        (at, actor_id, action, target_type, target_id, target_label, household_id, region_code, changes, reason)
    SELECT %(now)s::timestamptz, %(actor)s::bigint, %(action)s, %(target_type)s, w.id::text,
           left(p.name || '·' || %(kind_label)s, 120), p.household_id,
           COALESCE(NULLIF(h.region_id, ''), NULLIF(p.hukou_region_id, ''), ''), '{{}}'::jsonb, left(%(reason)s, 200)
    FROM written w
    JOIN {Person._meta.db_table} p ON p.id = w.person_id
    LEFT JOIN {Household._meta.db_table} h ON h.id = p.household_id
    ORDER BY w.id
    RETURNING 1
)
SELECT count(*) FROM audited
"""
    return sql, params


def write_evidence(batch: ImportBatch, actor, reason: str) -> dict:
    """Write the batch's new evidence rows and their audit rows; return what ``caseload.write_evidence`` returns."""
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT data ->> 'kind' FROM {ImportRow._meta.db_table} "
            "WHERE batch_id = %s AND status = %s AND action = 'create'",
            [batch.pk, RowStatus.VALID.value],
        )
        kinds = sorted(k for (k,) in cursor.fetchall() if k in EVIDENCE_MODELS)
        written: dict[str, int] = {}
        for kind in kinds:
            model = EVIDENCE_MODELS[kind]
            sql, names = _evidence_statement(kind)
            params = {
                "batch": batch.pk,
                "kind": kind,
                "reason": reason,
                "actor": actor_id,
                "now": now,
                "action": f"record_{kind}",
                "target_type": model._meta.model_name,
                "kind_label": str(model.kind_label),
            }
            for name in names:
                field = model._meta.get_field(name.removeprefix("default_"))
                params[name] = field.get_db_prep_value(field.get_default(), connection)
            cursor.execute(sql, params)
            count = cursor.fetchone()[0]
            if count:
                written[EVIDENCE_TYPE_LABELS[kind]] = count
    return {"evidence_created": sum(written.values()), "evidence_by_kind": written}


# --- roster -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    """A new enrolment as ``roster_review`` reads it (no model instance is built for it)."""

    pk: int
    household_id: int
    person_id: int
    region_id: str
    programme: str
    monthly_amount: Decimal


_STAGED_ROSTER = f"""
    SELECT r.row_number, (r.data ->> 'person_id')::bigint AS person_id,
           (r.data ->> 'household_id')::bigint AS household_id, r.data ->> 'region' AS region_id,
           r.data ->> 'programme' AS programme, left(r.data ->> 'tier', 40) AS tier,
           (r.data ->> 'amount')::numeric AS amount, (r.data ->> 'start_month')::date AS start_month,
           (r.data ->> 'next_review')::date AS next_review, r.data ->> 'bank_name' AS bank_name,
           r.data ->> 'bank_account' AS bank_account, left(r.data ->> 'account_holder', 50) AS account_holder
    FROM {ImportRow._meta.db_table} r
    WHERE r.batch_id = %(batch)s AND r.status = '{RowStatus.VALID.value}' AND r.action = 'create'
"""


def roster_may_collide(batch: ImportBatch) -> bool:
    """Tell whether a roster batch's persons or households hold a live enrolment, or rows were staged unchanged.

    Only then must the commit compare rows with what the registry holds (``caseload.write_roster``).
    """
    from doudi.cases.models import Enrolment, EnrolmentStatus

    staged = f"""
        SELECT (r.data ->> 'person_id')::bigint AS person_id, (r.data ->> 'household_id')::bigint AS household_id
        FROM {ImportRow._meta.db_table} r WHERE r.batch_id = %(batch)s AND r.status = '{RowStatus.VALID.value}'
    """
    enrolment = Enrolment._meta.db_table
    sql = f"""
        SELECT EXISTS (
            SELECT 1 FROM {ImportRow._meta.db_table}
            WHERE batch_id = %(batch)s AND status = '{RowStatus.VALID.value}' AND action <> 'create'
        ) OR EXISTS (
            SELECT 1 FROM ({staged}) s JOIN {enrolment} e ON e.person_id = s.person_id WHERE e.status <> %(ended)s
        ) OR EXISTS (
            SELECT 1 FROM ({staged}) s JOIN {enrolment} e ON e.household_id = s.household_id WHERE e.status <> %(ended)s
        )
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"batch": batch.pk, "ended": EnrolmentStatus.ENDED.value})
        return bool(cursor.fetchone()[0])


def write_roster(batch: ImportBatch, actor, reason: str, timings: dict | None = None) -> tuple[dict, None]:
    """Enrol a roster batch's rows that cannot collide with live enrolments (``roster_may_collide`` is false).

    Returns what ``caseload.write_roster`` returns (no row can have gone stale: nothing to compare);
    ``timings`` receives the seconds of each step.
    """
    timings = {} if timings is None else timings
    step = time.perf_counter()
    from doudi.cases.models import Enrolment, EnrolmentChange, ReviewKind, ReviewTask, TaskStatus
    from doudi.cases.services.enrolment import AGE_CHECKED, age_check_due, schedule_age_check
    from doudi.policy.engine.explain import PROGRAMME_LABELS
    from doudi.registry.imports import caseload
    from doudi.registry.imports.roster_review import record_discrepancies

    actor_id = actor.pk if getattr(actor, "pk", None) else None
    params: dict = {
        "batch": batch.pk,
        "now": timezone.now(),
        "actor": actor_id,
        "reason": reason,
        "household_programmes": sorted(HOUSEHOLD_PROGRAMMES),
        "labels": json.dumps(PROGRAMME_LABELS, ensure_ascii=False),
    }
    person = Person._meta.db_table
    covered = (
        "CASE WHEN s.programme = ANY(%(household_programmes)s) THEN COALESCE("
        f"(SELECT jsonb_agg(m.id ORDER BY m.id) FROM {person} m"
        " WHERE m.household_id = s.household_id AND m.death_date IS NULL), '[]'::jsonb)"
        " ELSE jsonb_build_array(s.person_id) END"
    )
    enrolment_columns, enrolment_values = _columns(
        Enrolment,
        {
            "household": "s.household_id",
            "person": "s.person_id",
            "region": "s.region_id",
            "programme": "s.programme",
            "tier": "s.tier",
            "status": "'active'",
            "start_month": "s.start_month",
            "monthly_amount": "s.amount",
            "covered": covered,
            "account_holder": "s.account_holder",
        },
        params,
    )
    change_columns, change_values = _columns(
        EnrolmentChange,
        {
            "enrolment": "w.id",
            "effective_month": "w.start_month",
            "monthly_amount": "w.monthly_amount",
            "status": "'active'",
            "reason": "left(%(reason)s, 300)",
            "created_by": "%(actor)s::bigint",
        },
        params,
    )
    label = "COALESCE(%(labels)s::jsonb ->> w.programme, w.programme)"
    changes = (
        "jsonb_build_object("
        f"'programme', jsonb_build_object('label', '项目', 'old', NULL, 'new', {label}), "
        "'monthly_amount', jsonb_build_object('label', '月金额', 'old', NULL, "
        "'new', to_char(w.monthly_amount, 'FM999,999,999,990.00')), "
        "'start_month', jsonb_build_object('label', '起始月份', 'old', NULL, 'new', to_char(w.start_month, 'YYYY-MM')))"
    )
    sql = f"""
WITH s AS ({_STAGED_ROSTER}), written AS (
    INSERT INTO {Enrolment._meta.db_table} ({enrolment_columns})
    SELECT {enrolment_values} FROM s ORDER BY s.row_number
    RETURNING id, household_id, person_id, region_id, programme, monthly_amount, start_month
), changed AS (
    INSERT INTO {EnrolmentChange._meta.db_table} ({change_columns})
    SELECT {change_values} FROM written w ORDER BY w.id
    RETURNING 1
), audited AS (
    INSERT INTO {AuditEvent._meta.db_table}
        (at, actor_id, action, target_type, target_id, target_label, household_id, region_code, changes, reason)
    SELECT %(now)s::timestamptz, %(actor)s::bigint, 'migrate_enrolment', 'enrolment', w.id::text,
           left(COALESCE(p.name, '') || ' ' || {label}, 120), w.household_id, w.region_id, {changes},
           left(%(reason)s, 200)
    FROM written w LEFT JOIN {person} p ON p.id = w.person_id
    ORDER BY w.id
    RETURNING 1
)
SELECT w.id, w.household_id, w.person_id, w.region_id, w.programme, w.monthly_amount,
       (SELECT count(*) FROM changed), (SELECT count(*) FROM audited)
FROM written w ORDER BY w.id
"""
    review_columns, review_values = _columns(
        ReviewTask,
        {
            "kind": f"'{ReviewKind.PERIODIC.value}'",
            "household": "s.household_id",
            "region": "s.region_id",
            "due_on": "s.next_review",
        },
        params,
    )
    # The household's next periodic review, as the roster says (its earliest date), unless one is open.
    reviews = f"""
WITH s AS ({_STAGED_ROSTER}), due AS (
    SELECT DISTINCT ON (s.household_id) s.* FROM s
    WHERE s.next_review IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM {ReviewTask._meta.db_table} t
        WHERE t.household_id = s.household_id AND t.kind = '{ReviewKind.PERIODIC.value}'
          AND t.status = '{TaskStatus.OPEN.value}'
    )
    ORDER BY s.household_id, s.next_review, s.row_number
), created AS (
    INSERT INTO {ReviewTask._meta.db_table} ({review_columns})
    SELECT {review_values} FROM due s ORDER BY s.household_id
    RETURNING 1
)
SELECT count(*) FROM created
"""
    # The roster's bank account is the one paid today: the persons whose registered one differs.
    banks = f"""
SELECT b.person_id, b.bank_name, b.bank_account FROM (
    SELECT DISTINCT ON (s.person_id) s.person_id, s.bank_name, s.bank_account FROM ({_STAGED_ROSTER}) s
    WHERE s.bank_account <> '' ORDER BY s.person_id, s.row_number DESC
) b JOIN {person} p ON p.id = b.person_id
WHERE p.bank_account IS DISTINCT FROM b.bank_account OR p.bank_name IS DISTINCT FROM b.bank_name
"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
        timings["enrolments"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute(reviews, params)
        tasks = cursor.fetchone()[0]
        timings["review_tasks"] = time.perf_counter() - step
        step = time.perf_counter()
        cursor.execute(banks, params)
        bank = {pid: (name, account) for pid, name, account in cursor.fetchall()}
    enrolments = [Enrolled(*row[:6]) for row in fetched]
    bank_changed = caseload._update_banks(bank, actor_id, reason)
    aged = [e.pk for e in enrolments if e.programme in AGE_CHECKED]
    if aged:
        for e in Enrolment.objects.filter(pk__in=aged).select_related("person").order_by("pk"):
            due_on = age_check_due(e.person, e.start_month)
            if due_on is not None:
                schedule_age_check(e, due_on=due_on)
    timings["banks_and_age_checks"] = time.perf_counter() - step
    step = time.perf_counter()
    caseload._refresh_payment_warnings(sorted({e.household_id for e in enrolments}))
    timings["payment_warnings"] = time.perf_counter() - step
    step = time.perf_counter()
    found = record_discrepancies(batch, enrolments)
    timings["engine_comparison"] = time.perf_counter() - step
    return {
        "enrolments_created": len(enrolments),
        "enrolments_unchanged": 0,
        "review_tasks_created": tasks,
        "bank_accounts_updated": bank_changed,
        "discrepancies": found["listed"],
        "not_assessed": found["not_assessed"],
    }, None


__all__ = ["available", "roster_may_collide", "write_evidence", "write_roster"]
