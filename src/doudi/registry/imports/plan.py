"""Household checks and the import plan: which rows create, update or leave persons, in which household.

Rows are grouped by 户编号. A group whose key is an existing household number adds to that household;
any other key is a new household, unless its persons are already registered together in one
household of the same village, in which case the group is that household again (this is what makes
importing the same file twice change nothing). A person registered in any other household, or in
none, is refused naming the file's row and, when the actor may see it, the existing household's
number and region (outside the actor's scope, only that the person is registered elsewhere). Every
household must end up with exactly one head. A group with any bad row is not imported at all, so no
household is ever half-written.

Everything that reads the database is a bulk query over the distinct values of the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection

from doudi.accounts.scope import region_in_scope
from doudi.core.masking import mask_id_number
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE
from doudi.registry.imports.checks import OPTIONAL_UPDATABLE, UPDATABLE, Rows
from doudi.registry.models import Household, HouseholdStatus, Person

_CHUNK = 5000
_LISTED = 5


class ExistingPerson(NamedTuple):
    id: int
    id_number: str
    household_id: int | None
    name: str
    relation: str
    hukou_region_code: str
    hukou_type: str
    address: str
    phone: str
    bank_name: str
    bank_account: str
    version: int
    death_date: object = None


class ExistingHousehold(NamedTuple):
    id: int
    number: str
    region_code: str
    region_name: str
    head_name: str
    status: str
    version: int


@dataclass
class NewHousehold:
    key: str
    region_code: str
    area_type: str
    address: str
    head_name: str
    rows: np.ndarray  # record indices of its members


@dataclass
class Plan:
    """What a commit will do; ``actions[i]`` is "create", "update", "unchanged", "join" or "" (not imported).

    "join" is a registered person who belongs to no household (who left one): the row takes them
    into the group's household through the 迁入 path (``registry.moves``), keeping their record,
    evidence and membership history; ``changes`` holds what the row says anew about them.
    """

    actions: np.ndarray
    person_ids: np.ndarray  # existing person per row, 0 if none
    household_ids: np.ndarray  # existing household per row, 0 for a new household
    new_households: list[NewHousehold] = field(default_factory=list)
    changes: dict[int, dict[str, tuple]] = field(default_factory=dict)  # row -> {field: (old, new)}
    persons: dict[str, ExistingPerson] = field(default_factory=dict)
    households: dict[int, ExistingHousehold] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return int(np.count_nonzero(self.actions == action))

    @property
    def touched_households(self) -> list[int]:
        """Existing households that gain or change members, in primary-key order (the lock order)."""
        busy = (self.actions == "create") | (self.actions == "update") | (self.actions == "join")
        return sorted({int(h) for h in np.unique(self.household_ids[busy]) if h})

    def summary(self) -> dict:
        return {
            "households_new": len(self.new_households),
            "households_changed": len(self.touched_households),
            "persons_new": self.count("create"),
            "persons_updated": self.count("update"),
            "persons_unchanged": self.count("unchanged"),
            "persons_joined": self.count("join"),
        }


# --- bulk reads ---------------------------------------------------------------------------------------


def fetch_persons(id_numbers: list[str]) -> dict[str, ExistingPerson]:
    """Return the persons already registered under any of ``id_numbers`` (one query, or a few on SQLite)."""
    if not id_numbers:
        return {}
    sql = (
        "SELECT id, id_number, household_id, name, relation, COALESCE(hukou_region_id, ''), hukou_type, "
        f"residence_address, phone, bank_name, bank_account, version, death_date FROM {Person._meta.db_table} WHERE"
    )
    return {row[1]: ExistingPerson(*row) for row in _select_in(sql, "id_number", id_numbers)}


def _select_in(sql: str, column: str, values) -> list[tuple]:
    """Run ``sql`` (ending in a WHERE clause) for rows whose ``column`` is one of ``values``, in bulk.

    PostgreSQL takes the values as one array parameter; SQLite in chunks of placeholders.
    """
    values = sorted(values)
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One text parameter split by the server: the driver's array of 100,000 values costs a second.
            if all(type(v) is int for v in values):
                cursor.execute(
                    f"{sql} {column} = ANY(string_to_array(%s, ',')::bigint[])", [",".join(map(str, values))]
                )
                return cursor.fetchall()
            if all(isinstance(v, str) and v and "," not in v for v in values):
                cursor.execute(f"{sql} {column} = ANY(string_to_array(%s, ','))", [",".join(values)])
                return cursor.fetchall()
            cursor.execute(f"{sql} {column} = ANY(%s)", [values])
            return cursor.fetchall()
        found = []
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            cursor.execute(f"{sql} {column} IN ({','.join(['%s'] * len(chunk))})", chunk)
            found.extend(cursor.fetchall())
        return found


_HOUSEHOLD_SQL = (
    f"SELECT h.id, h.number, h.region_id, r.full_name, h.head_name, h.status, h.version "
    f"FROM {Household._meta.db_table} h JOIN regions_region r ON r.code = h.region_id WHERE"
)


def _households(*, ids=(), numbers=()) -> dict[int, ExistingHousehold]:
    rows = _select_in(_HOUSEHOLD_SQL, "h.id", ids) if ids else _select_in(_HOUSEHOLD_SQL, "h.number", numbers)
    return {row[0]: ExistingHousehold(*row) for row in rows}


def _heads(household_ids) -> dict[int, list[tuple[str, str]]]:
    """Return {household id: [(id number, name)]} of the current heads."""
    heads: dict[int, list[tuple[str, str]]] = {}
    sql = f"SELECT household_id, id_number, name FROM {Person._meta.db_table} WHERE relation = 'head' AND"
    for household_id, id_number, name in _select_in(sql, "household_id", household_ids):
        heads.setdefault(household_id, []).append((id_number, name))
    return heads


# --- messages -----------------------------------------------------------------------------------------


def _place(household: ExistingHousehold) -> str:
    return f"{household.region_name} 的家庭 {household.number}（户主 {household.head_name or '未登记'}）"


def _registered_elsewhere(actor, id_number: str, person: ExistingPerson, households) -> str:
    """Explain why a registered person cannot be imported here; name the place only inside the actor's scope."""
    household = households.get(person.household_id) if person.household_id else None
    region = household.region_code if household else person.hukou_region_code
    if not region_in_scope(actor, region) or (person.household_id and household is None):
        return REGISTERED_OUTSIDE_SCOPE
    if household is None:  # only a deceased person without a household is refused (the living join: "join")
        return f"公民身份号码：{id_number} 的人员（{person.name}）已登记死亡，不能登记到家庭。"
    return f"公民身份号码：{id_number} 已登记在 {_place(household)}，同一人只能属于一个在册家庭；请先在原家庭办理迁出。"


def _rows_text(row_numbers) -> str:
    listed = "、".join(str(int(r)) for r in list(row_numbers)[:_LISTED])
    return f"第 {listed} 行" + (" 等" if len(row_numbers) > _LISTED else "")


# --- the plan -----------------------------------------------------------------------------------------


def _group_rows(g: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(g, kind="stable")
    bounds = np.searchsorted(g[order], np.arange(groups + 1))
    return order, bounds


def plan_households(rows: Rows, actor) -> Plan:
    """Resolve every group of rows to a new or existing household, add household errors, and plan the writes."""
    n = rows.n
    errors = rows.errors
    numbers = rows.row_numbers
    keys = pc.dictionary_encode(rows.columns["household_key"])
    g = keys.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    key_values = keys.dictionary.to_pylist()
    groups = len(key_values)
    relation = rows.columns["relation"].to_numpy(zero_copy_only=False)
    is_head = relation == "head"
    region_codes = rows.pylist("region_code")
    region_index = pc.dictionary_encode(rows.columns["region_code"]).indices.to_numpy(zero_copy_only=False)

    # Persons already registered under the file's (valid) ID numbers, and their households.
    ids_array = rows.columns["id_number"]
    lookup_ids = ids_array.filter(pa.array(rows.id_ok)) if rows.id_ok is not None else ids_array
    persons = fetch_persons(pc.unique(lookup_ids).to_pylist())
    matched = np.zeros(n, dtype=bool)
    if persons:
        matched = pc.is_in(ids_array, value_set=pa.array(list(persons), pa.string())).to_numpy(zero_copy_only=False)
        if rows.id_ok is not None:
            matched &= rows.id_ok
    number_like = np.array([len(k) == 17 and k.isdigit() for k in key_values], dtype=bool)
    by_number = {
        h.number: h
        for h in _households(numbers=[k for k, f in zip(key_values, number_like, strict=True) if f]).values()
    }
    households = _households(ids={p.household_id for p in persons.values() if p.household_id})
    households.update({h.id: h for h in by_number.values()})

    # The reference row of a group (its first head, else its first row) fixes the village and address.
    first = np.full(groups, n, dtype=np.int64)
    np.minimum.at(first, g, np.arange(n))
    first_head = np.full(groups, n, dtype=np.int64)
    np.minimum.at(first_head, g[is_head], np.flatnonzero(is_head))
    ref = np.where(first_head < n, first_head, first)
    for i in np.flatnonzero(region_index != region_index[ref[g]]):
        r = ref[g[i]]
        errors.add(
            i,
            "region_code",
            f"村/社区区划代码：填写为 {region_codes[i]}，与同户第 {numbers[r]} 行的 {region_codes[r]} 不一致；"
            "同一户只能在一个村/社区。",
        )

    heads = np.bincount(g, weights=is_head, minlength=groups).astype(np.int64)
    complex_group = number_like | (np.bincount(g, weights=matched, minlength=groups) > 0)
    order, bounds = _group_rows(g, groups)

    actions = np.full(n, "create", dtype=object)
    person_ids = np.zeros(n, dtype=np.int64)
    household_ids = np.zeros(n, dtype=np.int64)
    plan = Plan(actions=actions, person_ids=person_ids, household_ids=household_ids, persons=persons)
    plan.households = households

    # New households whose persons are all new: only the number of heads needs checking.
    for gi in np.flatnonzero(~complex_group & (heads != 1)):
        members = order[bounds[gi] : bounds[gi + 1]]
        _refuse_heads(errors, members, is_head, numbers, f"户编号 {key_values[gi]} 的家庭")

    target_of_group = np.zeros(groups, dtype=np.int64)
    ids = rows.pylist("id_number") if complex_group.any() else []
    existing_heads = _heads(households) if complex_group.any() else {}
    updatable = {key: rows.pylist(key) for key in UPDATABLE} if complex_group.any() else {}
    for gi in np.flatnonzero(complex_group):
        members = order[bounds[gi] : bounds[gi + 1]]
        key = key_values[gi]
        region = region_codes[ref[gi]]
        target = by_number.get(key)
        if number_like[gi] and (
            target is None or not region_in_scope(actor, target.region_code) or target.status != HouseholdStatus.ACTIVE
        ):
            for i in members:
                errors.add(i, "household_key", f"户编号：“{key}”不存在、已注销或不在您的管辖范围内。")
            continue
        if target is not None and target.region_code != region:
            for i in members:
                errors.add(
                    i,
                    "region_code",
                    f"村/社区区划代码：填写为 {region_codes[i]}，但户编号 {key} 的家庭登记在 {target.region_name}。",
                )
            continue
        if target is None:
            target = _household_of_group(members, matched, is_head, ids, persons, households)
            if target is not None and not (
                target.region_code == region
                and region_in_scope(actor, target.region_code)
                and target.status == HouseholdStatus.ACTIVE
            ):
                target = None
        for i in members:
            if not matched[i]:
                continue
            person = persons[ids[i]]
            if person.household_id is None and person.death_date is None:
                # Left a household (marriage, moving in with a relative): 迁入 into this group's household.
                person_ids[i] = person.id
                actions[i] = "join"
                changes = _changes(updatable, i, person)
                if changes:
                    plan.changes[int(i)] = changes
            elif person.household_id is None or target is None or person.household_id != target.id:
                errors.add(i, "id_number", _registered_elsewhere(actor, ids[i], person, households))
            else:
                person_ids[i] = person.id
                changes = _changes(updatable, i, person)
                if changes:
                    plan.changes[int(i)] = changes
                    actions[i] = "update"
                else:
                    actions[i] = "unchanged"
        if target is None:
            if heads[gi] != 1:
                _refuse_heads(errors, members, is_head, numbers, f"户编号 {key} 的家庭")
            continue
        target_of_group[gi] = target.id
        household_ids[members] = target.id
        in_file = {ids[i] for i in members}
        kept_heads = [h for h in existing_heads.get(target.id, []) if h[0] not in in_file]
        if len(kept_heads) + heads[gi] != 1:
            _refuse_heads(errors, members, is_head, numbers, f"家庭 {target.number} ", kept_heads=kept_heads)

    # A household with any bad row is not imported at all: say so on each of its other rows.
    bad = errors.mask(n)
    bad_groups = np.flatnonzero(np.bincount(g, weights=bad, minlength=groups) > 0)
    for gi in bad_groups:
        members = order[bounds[gi] : bounds[gi + 1]]
        bad_rows = [numbers[i] for i in members if bad[i]]
        for i in members:
            if not bad[i]:
                errors.add(
                    i, "household_key", f"户编号：同户（{key_values[gi]}）{_rows_text(bad_rows)}有错误，整户暂不导入。"
                )
    bad = errors.mask(n)
    actions[bad] = ""
    person_ids[bad] = 0
    household_ids[bad] = 0
    for i in [i for i in plan.changes if bad[i]]:
        del plan.changes[i]

    good_new = np.flatnonzero(~complex_group | (target_of_group == 0))
    good_new = good_new[np.bincount(g, weights=bad, minlength=groups)[good_new] == 0]
    names = rows.pylist("name")
    addresses = rows.pylist("address")
    for gi in good_new:
        r = ref[gi]
        region = region_codes[r]
        plan.new_households.append(
            NewHousehold(
                key=key_values[gi],
                region_code=region,
                area_type=rows.regions.get(region, ("", ""))[1] or "rural",
                address=addresses[r],
                head_name=names[r],
                rows=order[bounds[gi] : bounds[gi + 1]],
            )
        )
    return plan


def _household_of_group(members, matched, is_head, ids, persons, households) -> ExistingHousehold | None:
    """Return the household the group's registered persons live in: the head's, else the most common."""
    found = [persons[ids[i]].household_id for i in members if matched[i] and persons[ids[i]].household_id]
    if not found:
        return None
    head_households = [persons[ids[i]].household_id for i in members if matched[i] and is_head[i]]
    chosen = next((h for h in head_households if h), None) or Counter(found).most_common(1)[0][0]
    return households.get(chosen)


def _refuse_heads(errors, members, is_head, numbers, label: str, *, kept_heads=()) -> None:
    """Explain why a household would not have exactly one head; ``kept_heads`` are registered heads that stay."""
    head_rows = [i for i in members if is_head[i]]
    if not head_rows and not kept_heads:
        errors.add(
            members[0],
            "relation",
            f"与户主关系：{label}没有户主（{_rows_text([numbers[i] for i in members])}），每户须有且只有一位户主。",
        )
    elif kept_heads:
        names = "、".join(f"{name}（{mask_id_number(id_number)}）" for id_number, name in kept_heads)
        for i in head_rows:
            errors.add(i, "relation", f"与户主关系：{label}已有户主 {names}，不能再登记“户主”。")
    else:
        listed = _rows_text([numbers[i] for i in head_rows])
        for i in head_rows:
            errors.add(
                i, "relation", f"与户主关系：{label}有 {len(head_rows)} 位户主（{listed}），每户只能有一位户主。"
            )


def _changes(values: dict[str, list], i: int, person: ExistingPerson) -> dict[str, tuple]:
    """Return {field: (old, new)} where the row differs from the registered person; empty optional cells don't count."""
    changes = {}
    for key in UPDATABLE:
        new = values[key][i]
        if key in OPTIONAL_UPDATABLE and not new:
            continue
        old = getattr(person, key)
        if old != new:
            changes[key] = (old, new)
    return changes
