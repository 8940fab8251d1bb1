"""The commit of an evidence batch as a few ``INSERT … SELECT`` statements (PostgreSQL).

``caseload.write_evidence`` builds one model instance per row and COPYs them; on PostgreSQL the
same rows are written here straight from the staged rows (``ImportRow.data``, jsonb) without
bringing them into Python: per kind of evidence, one statement selects the batch's new rows,
leaves out those whose fact the registry already holds (an anti-join on the person, the dates and
every value field: importing the same file twice writes nothing, whatever the county holds), inserts
the evidence rows in row order and their audit rows (one per row, as the row-wise path writes).

A county's first load is the case this is for: nothing in the county can collide, the anti-join
finds nothing to compare, and no row is read back into Python. Both paths write the same rows
(``tests/test_setwise.py`` runs both on one file and compares them).
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.registry.imports.caseload_columns import EVIDENCE_TYPE_LABELS
from doudi.registry.imports.models import ImportBatch, ImportRow, RowStatus
from doudi.registry.models import Household, Person
from doudi.registry.models.evidence import EVIDENCE_MODELS


def available() -> bool:
    """Tell whether the set-based commit can run on this database (PostgreSQL's jsonb and data-modifying CTEs)."""
    return connection.vendor == "postgresql"


def _cast(field, expression: str) -> str:
    return f"({expression})::{field.db_type(connection)}"


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


__all__ = ["available", "write_evidence"]
