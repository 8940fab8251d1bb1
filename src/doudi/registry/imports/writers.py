"""The writes of a commit, set-based: households, persons, memberships, changed persons and audit rows.

Called inside the commit's one transaction (see ``services.apply_import``). New rows are built as
Arrow columns and loaded with COPY on PostgreSQL (``bulk.load``); primary keys are reserved first,
so persons can point at their new households and memberships and audit rows at their new persons
without reading anything back. The audit rows say what a form would have said (``create_household``,
``add_member``, ``update_person``) with identifiers masked, as ``doudi.audit.services`` does.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.audit.services import diff_fields, snapshot
from doudi.regions.models import Region
from doudi.registry.imports import bulk
from doudi.registry.imports.checks import PERSON_FIELD, Rows
from doudi.registry.imports.plan import Plan
from doudi.registry.models import Household, Membership, Person, Relation

RELATION_LABELS = {value: str(label) for value, label in Relation.choices}
_CHUNK = 5000


def mask_array(values: pa.Array, head: int, tail: int) -> pa.Array:
    """Mask like ``doudi.core.masking``: keep ``head`` leading and ``tail`` trailing characters."""
    length = pc.utf8_length(values)
    hidden = pc.max_element_wise(pc.subtract(length, head + tail), 0)
    stars = pc.binary_repeat(bulk.constant("*", len(values)), hidden)
    kept = bulk.concat(pc.utf8_slice_codeunits(values, 0, head), stars, pc.utf8_slice_codeunits(values, -tail))
    return pc.if_else(pc.greater(length, head + tail), kept, pc.binary_repeat(bulk.constant("*", len(values)), length))


def mask_ids(values: pa.Array) -> pa.Array:
    return mask_array(values, 3, 4)


def mask_phones(values: pa.Array) -> pa.Array:
    return mask_array(values, 3, 4)


def mask_accounts(values: pa.Array) -> pa.Array:
    return mask_array(values, 0, 4) if len(values) else values


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _lock(plan: Plan) -> None:
    """Lock the existing households that change, and the villages that get new households, in key order."""
    touched = plan.touched_households
    for start in range(0, len(touched), _CHUNK):
        list(
            Household.objects.select_for_update()
            .filter(pk__in=touched[start : start + _CHUNK])
            .order_by("pk")
            .values_list("pk")
        )
    regions = sorted({h.region_code for h in plan.new_households})
    # NO KEY: another transaction may still check a foreign key to these villages meanwhile.
    list(Region.objects.select_for_update(no_key=True).filter(code__in=regions).order_by("code").values_list("code"))


def _household_numbers(plan: Plan) -> list[str]:
    """Number new households after the highest number of each village, as ``do_create_household`` does."""
    regions = sorted({h.region_code for h in plan.new_households})
    last: dict[str, int] = {}
    for start in range(0, len(regions), _CHUNK):
        qs = (
            Household.objects.filter(region_id__in=regions[start : start + _CHUNK])
            .values("region_id")
            .annotate(m=Max("number"))
        )
        for row in qs:
            tail = (row["m"] or "")[12:]
            last[row["region_id"]] = int(tail) if tail.isdigit() else 0
    numbers = []
    for household in plan.new_households:
        last[household.region_code] = last.get(household.region_code, 0) + 1
        numbers.append(f"{household.region_code}{last[household.region_code]:05d}")
    return numbers


def write_plan(rows: Rows, plan: Plan, *, actor, reason: str) -> dict:
    """Carry out ``plan`` in the current transaction; return the counts of what was written."""
    now = timezone.now()
    stamp = bulk.timestamp(now)
    today = timezone.localdate()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    _lock(plan)

    # Households.
    # Village by village (numbering stays in file order within a village): the indexes on number and
    # region then grow at their right edge instead of at 200 places at once.
    plan.new_households.sort(key=lambda h: (h.region_code, int(h.rows[0])))
    new = plan.new_households
    household_ids = bulk.allocate_ids(Household, len(new))
    numbers = _household_numbers(plan)
    region_of_household = [h.region_code for h in new]
    head_names = [h.head_name for h in new]
    addresses = pa.array([h.address for h in new], pa.string())
    if new:
        bulk.load(
            Household._meta.db_table,
            pa.table(
                {
                    "id": pa.array(household_ids),
                    "number": pa.array(numbers, pa.string()),
                    "region_id": pa.array(region_of_household, pa.string()),
                    "area_type": pa.array([h.area_type for h in new], pa.string()),
                    "address": addresses,
                    "head_name": pa.array(head_names, pa.string()),
                    "member_count": pa.array([len(h.rows) for h in new], pa.int64()),
                    "status": bulk.constant("active", len(new)),
                    "note": bulk.constant("", len(new)),
                    "version": bulk.constant(1, len(new), pa.int64()),
                    "created_at": bulk.constant(stamp, len(new)),
                    "updated_at": bulk.constant(stamp, len(new)),
                    "created_by_id": bulk.constant(actor_id, len(new), pa.int64()),
                }
            ),
        )

    # Persons and their memberships.
    target = plan.household_ids.copy()
    region_of_row = np.array(rows.pylist("region_code"), dtype=object) if rows.n else np.zeros(0, dtype=object)
    new_index = np.full(rows.n, -1, dtype=np.int64)
    for k, (household, household_id) in enumerate(zip(new, household_ids, strict=True)):
        target[household.rows] = household_id
        new_index[household.rows] = k
    created = np.flatnonzero(plan.actions == "create")
    created = created[np.argsort(target[created], kind="stable")]  # household by household, like the ids
    count = len(created)
    person_ids = bulk.allocate_ids(Person, count)
    take = pa.array(created, pa.int64())
    column = {key: rows.columns[key].take(take) for key in rows.columns}
    person_household = pa.array(target[created], pa.int64())
    if count:
        hukou = column["hukou_region_code"]
        bulk.load(
            Person._meta.db_table,
            pa.table(
                {
                    "id": pa.array(person_ids),
                    "id_number": column["id_number"],
                    "name": column["name"],
                    "gender": column["gender"],
                    "birth_date": column["birth_date"],
                    "household_id": person_household,
                    "relation": column["relation"],
                    "hukou_region_id": pc.if_else(pc.equal(hukou, ""), pa.scalar(None, pa.string()), hukou),
                    "hukou_type": column["hukou_type"],
                    "residence_address": column["address"],
                    "phone": column["phone"],
                    "bank_name": column["bank_name"],
                    "bank_account": column["bank_account"],
                    "death_date": pa.nulls(count, pa.date32()),
                    "version": bulk.constant(1, count, pa.int64()),
                    "created_at": bulk.constant(stamp, count),
                    "updated_at": bulk.constant(stamp, count),
                }
            ),
        )
        bulk.load(
            Membership._meta.db_table,
            pa.table(
                {
                    "household_id": person_household,
                    "person_id": pa.array(person_ids),
                    "relation": column["relation"],
                    "valid_from": bulk.constant(today, count, pa.date32()),
                    "valid_to": pa.nulls(count, pa.date32()),
                    "recorded_at": bulk.constant(stamp, count),
                    "closed_at": pa.nulls(count, pa.string()),
                    "reason": bulk.constant(reason[:100], count),
                }
            ),
        )

    # Persons already registered whose row says something new.
    updated_events = _update_persons(rows, plan, stamp, reason, actor_id)
    # Registered persons without a household who join one (迁入), new or existing.
    joined_count = _join_persons(rows, plan, target, actor=actor, today=today, reason=reason)
    _refresh_households(plan.touched_households, stamp)

    # Audit rows, one per change as a form would write them.
    relation_labels = pc.take(
        pa.array(list(RELATION_LABELS.values()), pa.string()),
        pc.index_in(column["relation"], value_set=pa.array(list(RELATION_LABELS), pa.string())),
    )
    member_labels = bulk.concat(column["name"], "（", relation_labels, "）")
    events = []
    if new:
        # One event per new household, naming its members; identifiers are on the person records.
        in_new = new_index[created] >= 0
        grouped = (
            pa.table(
                {"household": pa.array(new_index[created][in_new]), "member": member_labels.filter(pa.array(in_new))}
            )
            .group_by("household", use_threads=False)
            .aggregate([("member", "list")])
            .sort_by("household")
        )
        members = pc.binary_join(grouped.column("member_list"), "、")
        events.append(
            _events(
                stamp=stamp,
                actor_id=actor_id,
                action="create_household",
                target_type="household",
                target_ids=household_ids,
                labels=bulk.concat(pa.array(head_names, pa.string()), "户（", pa.array(numbers, pa.string()), "）"),
                household_ids=pa.array(household_ids),
                regions=pa.array(region_of_household, pa.string()),
                changes=bulk.concat(
                    f'{{"number": {{"label": "{_label(Household, "number")}", "old": null, "new": "',
                    pa.array(numbers, pa.string()),
                    f'"}}, "region": {{"label": "{_label(Household, "region")}", "old": null, "new": "',
                    pa.array(region_of_household, pa.string()),
                    f'"}}, "address": {{"label": "{_label(Household, "address")}", "old": null, "new": ',
                    bulk.json_text(addresses),
                    '}, "members": {"label": "成员", "old": null, "new": ',
                    bulk.json_text(members.combine_chunks() if isinstance(members, pa.ChunkedArray) else members),
                    "}}",
                ),
                reason=reason,
            )
        )
    joined = np.flatnonzero(new_index[created] < 0)
    if len(joined):
        # Persons added to households already registered: one event each, as ``do_add_member`` writes.
        pick = pa.array(joined)
        events.append(
            _events(
                stamp=stamp,
                actor_id=actor_id,
                action="add_member",
                target_type="person",
                target_ids=person_ids[joined],
                labels=member_labels.take(pick),
                household_ids=person_household.take(pick),
                regions=pa.array(region_of_row[created][joined], pa.string()),
                changes=bulk.concat(
                    f'{{"name": {{"label": "{_label(Person, "name")}", "old": null, "new": ',
                    bulk.json_text(column["name"].take(pick)),
                    f'}}, "id_number": {{"label": "{_label(Person, "id_number")}", "old": "", "new": "',
                    mask_ids(column["id_number"].take(pick)),
                    f'"}}, "relation": {{"label": "{_label(Person, "relation")}", "old": "", "new": "',
                    relation_labels.take(pick),
                    f'"}}, "phone": {{"label": "{_label(Person, "phone")}", "old": "", "new": "',
                    mask_phones(column["phone"].take(pick)),
                    f'"}}, "bank_account": {{"label": "{_label(Person, "bank_account")}", "old": "", "new": "',
                    mask_accounts(column["bank_account"].take(pick)),
                    '"}}',
                ),
                reason=reason,
            )
        )
    if updated_events:
        events.append(updated_events)
    for table in events:
        bulk.load(AuditEvent._meta.db_table, table)
    return {
        "households_created": len(new),
        "households_changed": len(plan.touched_households),
        "persons_created": count,
        "persons_updated": len(plan.changes),
        "persons_unchanged": plan.count("unchanged"),
        "persons_joined": joined_count,
        "audit_events": sum(t.num_rows for t in events) + joined_count,
    }


def _join_persons(rows: Rows, plan: Plan, target: np.ndarray, *, actor, today, reason: str) -> int:
    """Take the rows' registered persons who belong to no household into their household (迁入).

    The same steps as ``registry.moves.do_join_household``: a new membership from today (earlier
    ones stay), the ``join_household`` audit row, and a change flagged on the households whose
    enrolments the move touches. Joins are the odd person, so this goes person by person.
    """
    from doudi.registry.moves import _households_paying, flag_change_cases, join_person

    joins = np.flatnonzero(plan.actions == "join")
    if not len(joins):
        return 0
    relations = rows.pylist("relation")
    persons = Person.objects.select_for_update().in_bulk([int(plan.person_ids[i]) for i in joins])
    households = Household.objects.in_bulk([int(target[i]) for i in joins])
    for i in joins:
        person = persons[int(plan.person_ids[i])]
        household = households[int(target[i])]
        # The head of a new household is checked by the plan; ``join_person`` refuses a second head.
        join_person(actor, household, person, relation=relations[i], joined_on=today, reason=reason[:100])
        note = f"{person.name} 迁入 {household.number}：{reason}"
        if int(target[i]) in plan.households:  # an existing household: its open cases and enrolments
            flag_change_cases(
                actor, [household], persons=[person], change_kind="new_member", occurred_on=today, note=note
            )
        paying = _households_paying(person, besides=household)
        if paying:
            flag_change_cases(actor, paying, persons=[person], change_kind="member_left", occurred_on=today, note=note)
    return len(joins)


def _events(*, stamp, actor_id, action, target_type, target_ids, labels, household_ids, regions, changes, reason):
    n = len(target_ids)
    return pa.table(
        {
            "at": bulk.constant(stamp, n),
            "actor_id": bulk.constant(actor_id, n, pa.int64()),
            "action": bulk.constant(action, n),
            "target_type": bulk.constant(target_type, n),
            "target_id": pc.cast(pa.array(target_ids), pa.string()),
            "target_label": pc.utf8_slice_codeunits(labels, 0, 120),
            "household_id": household_ids,
            "region_code": regions,
            "changes": changes,
            "reason": bulk.constant(reason[:200], n),
        }
    )


_UPDATE_COLUMNS = (
    "name",
    "relation",
    "hukou_region_id",
    "hukou_type",
    "residence_address",
    "phone",
    "bank_name",
    "bank_account",
)


def _update_persons(rows: Rows, plan: Plan, stamp: str, reason: str, actor_id: int | None) -> pa.Table | None:
    """Apply the changed fields of registered persons (one UPDATE … FROM a temporary table); return audit rows."""
    if not plan.changes:
        return None
    by_id = {p.id: p for p in plan.persons.values()}
    region_of_row = rows.pylist("region_code")
    updates, events = [], []
    for i, changes in sorted(plan.changes.items()):
        existing = by_id[int(plan.person_ids[i])]
        person = Person(
            pk=existing.id,
            name=existing.name,
            relation=existing.relation,
            hukou_region_id=existing.hukou_region_code or None,
            hukou_type=existing.hukou_type,
            residence_address=existing.address,
            phone=existing.phone,
            bank_name=existing.bank_name,
            bank_account=existing.bank_account,
        )
        before = snapshot(person, (*_UPDATE_COLUMNS[:2], "hukou_region", *_UPDATE_COLUMNS[3:]))
        for key, (_old, value) in changes.items():
            setattr(person, PERSON_FIELD.get(key, key), value or None if key == "hukou_region_code" else value)
        fields = (
            "name",
            "relation",
            "hukou_region",
            "hukou_type",
            "residence_address",
            "phone",
            "bank_name",
            "bank_account",
        )
        diff = diff_fields(person, before, fields)
        updates.append(tuple(getattr(person, c) for c in ("pk", *_UPDATE_COLUMNS)))
        events.append(
            (existing.id, person.name, existing.household_id, region_of_row[i], json.dumps(diff, ensure_ascii=False))
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_person_update")
        cursor.execute(
            "CREATE TEMPORARY TABLE import_person_update (id bigint PRIMARY KEY, name varchar(50), "
            "relation varchar(16), hukou_region_id varchar(12), hukou_type varchar(8), "
            "residence_address varchar(200), phone varchar(20), "
            "bank_name varchar(60), bank_account varchar(32))"
        )
        columns = list(zip(*updates, strict=True))
        bulk.load(
            "import_person_update",
            pa.table({name: pa.array(values) for name, values in zip(("id", *_UPDATE_COLUMNS), columns, strict=True)}),
        )
        assignments = ", ".join(f"{c} = u.{c}" for c in _UPDATE_COLUMNS)
        cursor.execute(
            f"UPDATE {Person._meta.db_table} SET {assignments}, version = version + 1, updated_at = %s "
            f"FROM import_person_update AS u WHERE {Person._meta.db_table}.id = u.id",
            [stamp],
        )
        cursor.execute("DROP TABLE import_person_update")
    ids, names, households, regions, changes = (list(c) for c in zip(*events, strict=True))
    return pa.table(
        {
            "at": bulk.constant(stamp, len(ids)),
            "actor_id": bulk.constant(actor_id, len(ids), pa.int64()),
            "action": bulk.constant("update_person", len(ids)),
            "target_type": bulk.constant("person", len(ids)),
            "target_id": pa.array([str(i) for i in ids], pa.string()),
            "target_label": pa.array([n[:120] for n in names], pa.string()),
            "household_id": pa.array(households, pa.int64()),
            "region_code": pa.array(regions, pa.string()),
            "changes": pa.array(changes, pa.string()),
            "reason": bulk.constant(reason[:200], len(ids)),
        }
    )


def _refresh_households(household_ids: list[int], stamp: str) -> None:
    """Recount members and re-read the head's name of existing households that changed, and bump their version."""
    table, persons = Household._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(household_ids), _CHUNK):
            chunk = household_ids[start : start + _CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET "
                f"member_count = (SELECT COUNT(*) FROM {persons} p WHERE p.household_id = {table}.id), "
                f"head_name = COALESCE((SELECT MIN(p.name) FROM {persons} p "
                f"WHERE p.household_id = {table}.id AND p.relation = 'head'), ''), "
                f"version = version + 1, updated_at = %s WHERE id IN ({marks})",
                [stamp, *chunk],
            )
