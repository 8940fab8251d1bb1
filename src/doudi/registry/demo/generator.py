"""Generate a synthetic county (or province) of assistance applicants, column by column.

Pure numpy/pyarrow, no Django import: ``generate`` returns Arrow tables whose column names are the
database columns of the registry tables, with 0-based local ids (``id``, ``household_id``,
``person_id``) that the loader shifts onto the ids it reserved. Everything is drawn from one
``numpy.random.Generator`` seeded with ``seed`` in a fixed order, so the same seed, villages and
reference date give byte-identical tables (see ``DemoData.fingerprint``).

What is modelled, roughly as seen among 低保/特困 applicants of a Hunan county:
- household types: single elderly, single adults, elderly couples, couples, couples with children,
  single parents, three generations, grandparents raising grandchildren (about 2.5 persons);
- ID numbers on the county's code (a few persons, mostly spouses, on another county of the province),
  birth date, sequence parity = gender, ISO 7064 check digit (rules.md §11.1);
- names by surname frequency and generation, phones, bank cards (Luhn check digit);
- evidence: incomes by category incl. the items not counted (rules.md §1.5), assets (§1.6),
  disabilities (card number = ID + category digit + grade digit), illnesses, labour capacity,
  self-care assessments (§2.4) and schooling.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from doudi.registry.demo import names as words

# Ages, registration and evidence dates are drawn relative to this day, not "today", so that a seed
# always gives the same data; pass ``as_of`` to move the demo in time.
DEFAULT_AS_OF = date(2026, 6, 30)

_EPOCH = np.datetime64("1970-01-01", "D")
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
_SHANGHAI_OFFSET = 8 * 3600
_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int32)

# Roles inside a household, in the order members are listed.
HEAD, SPOUSE, PARENT, CHILD, GRANDCHILD = range(5)
RELATIONS = ("head", "spouse", "parent", "child", "grandchild")

# Household types: probabilities (rural, urban), head age (min, mode, max), P(head male), P(spouse).
_TYPES = (
    # name                       rural urban  head age        male  spouse
    ("single_elderly", 0.20, 0.18, (60, 70, 96), 0.38, 0.0),
    ("single_adult", 0.10, 0.14, (22, 48, 60), 0.60, 0.0),
    ("elderly_couple", 0.14, 0.12, (60, 69, 92), 0.88, 1.0),
    ("couple", 0.06, 0.07, (35, 52, 60), 0.88, 1.0),
    ("couple_children", 0.22, 0.25, (26, 40, 56), 0.88, 1.0),
    ("single_parent", 0.08, 0.11, (26, 40, 56), 0.25, 0.0),
    ("three_generations", 0.14, 0.09, (30, 45, 58), 0.85, 0.85),
    ("grandparents_grandchildren", 0.06, 0.04, (55, 66, 82), 0.70, 0.6),
)
_KIDS_P = {4: (0.55, 0.37, 0.08), 5: (0.62, 0.30, 0.08), 6: (0.55, 0.37, 0.08)}

INCOME_CATEGORIES = (
    "wages", "business", "property", "transfer", "other", "preferential_pension", "family_planning",
    "scholarship", "heroism_award", "assistance", "basic_pension", "disability_subsidy", "local_exempt",
)  # fmt: skip
INCOME_NOTES = ("", "务工收入", "种养殖", "个体经营", "房屋出租", "企业职工基本养老金", "子女赡养费", "抚养费")
DISABILITY_CATEGORIES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
_DISABILITY_P = (0.12, 0.14, 0.02, 0.42, 0.09, 0.11, 0.10)
SCHOOL_STAGES = ("preschool", "primary", "junior", "senior", "vocational", "college", "undergraduate", "postgraduate")
# Self-care items in the order they are usually lost (bathing first, eating last).
SELF_CARE_ITEMS = ("unable_bathe", "unable_dress", "unable_walk", "unable_toilet", "unable_transfer", "unable_eat")


@dataclass(frozen=True)
class VillageSet:
    """The villages to spread households over, with what the generator needs to know of each.

    ``address_codes`` is the 6-digit ID address code of persons registered there (the county's
    code, or a known code when the county's current code is newer than the ID code list);
    ``migrant_codes`` are the other counties of the province (marriage and labour migrants);
    ``start_seq`` is the last household sequence number already used in each village.
    """

    codes: list[str]
    names: list[str]
    urban: list[bool]
    township_names: list[str]
    county_names: list[str]
    address_codes: list[str]
    migrant_codes: list[str]
    start_seq: list[int] = field(default_factory=list)


@dataclass
class DemoData:
    households: pa.Table
    persons: pa.Table
    memberships: pa.Table
    evidence: dict[str, pa.Table]  # keyed by Evidence.kind()

    def tables(self) -> list[tuple[str, pa.Table]]:
        """Return (name, table) in the order they must be written (parents first)."""
        return [
            ("household", self.households),
            ("person", self.persons),
            ("membership", self.memberships),
            *self.evidence.items(),
        ]

    def row_count(self) -> int:
        return sum(t.num_rows for _n, t in self.tables())

    def fingerprint(self) -> str:
        """Return a SHA-256 over every table's Arrow IPC bytes: equal data, equal fingerprint."""
        digest = hashlib.sha256()
        for name, table in self.tables():
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            digest.update(name.encode())
            digest.update(sink.getvalue().to_pybytes())
        return digest.hexdigest()


# --------------------------------------------------------------------------------------------------
# Vectorised string building
# --------------------------------------------------------------------------------------------------


def _ascii_digits(values: np.ndarray, width: int) -> np.ndarray:
    """Return the zero-padded decimal digits of ``values`` as an (n, width) uint8 ASCII matrix."""
    # Arrow's integer formatting is an order of magnitude faster than numpy's int64 division.
    text = pc.utf8_lpad(pc.cast(pa.array(values, pa.int64()), pa.string()), width, "0")
    return np.frombuffer(text.buffers()[2], dtype=np.uint8, count=len(values) * width).reshape(-1, width)


def _fixed_strings(matrix: np.ndarray) -> pa.StringArray:
    """Turn an (n, w) uint8 ASCII matrix into an Arrow string array without a Python loop."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


def _take(strings, indices: np.ndarray) -> pa.Array:
    return pa.array(list(strings), pa.string()).take(pa.array(indices, pa.int64()))


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _int_strings(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, pa.int64()), pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), pa.date32())


def _weighted(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cumulative / cumulative[-1], rng.random(size), side="right").clip(0, len(weights) - 1)


def _lognormal(rng: np.random.Generator, median, sigma: float, size: int, low: float, high: float) -> np.ndarray:
    return np.clip(np.exp(np.log(median) + sigma * rng.standard_normal(size)), low, high)


def id_check_digits(bodies: np.ndarray) -> np.ndarray:
    """Return the (n, 18) ASCII matrix of ID numbers for 17-digit integer ``bodies``."""
    digits = _ascii_digits(bodies, 17)
    check = _ID_CHECK[((digits - 48).astype(np.int32) @ _ID_WEIGHTS.astype(np.int32)) % 11]
    return np.hstack([digits, check[:, None]])


def _luhn_numbers(rng: np.random.Generator, bins: np.ndarray) -> pa.Array:
    """Return 19-digit bank card numbers: 6-digit BIN, 12 random digits, Luhn check digit."""
    n = len(bins)
    payload = np.hstack([_ascii_digits(bins, 6), _ascii_digits(rng.integers(0, 10**12, n), 12)])
    digits = (payload - 48).astype(np.int32)
    # Double every other digit, starting next to the check digit; a doubled digit over 9 loses 9.
    doubled = np.arange(17, -1, -1) % 2 == 0
    total = digits[:, ~doubled].sum(axis=1) + _LUHN_DOUBLE[digits[:, doubled]].sum(axis=1)
    check = ((10 - total % 10) % 10 + 48).astype(np.uint8)
    return _fixed_strings(np.hstack([payload, check[:, None]]))


# --------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, villages: VillageSet, *, seed: int, as_of: date, taken_ids: np.ndarray | None):
        if not villages.codes:
            raise ValueError("no villages")
        self.rng = np.random.default_rng(seed)
        self.v = villages
        self.as_of = int((np.datetime64(as_of, "D") - _EPOCH).astype(np.int64))
        self.taken = np.unique(np.asarray(taken_ids if taken_ids is not None else [], dtype=np.int64))
        self.village_names = [_short_village_name(n) for n in villages.names]

    # ---- households and persons ------------------------------------------------------------------

    def households(self, n: int) -> None:
        rng, v = self.rng, self.v
        vill = np.sort(rng.integers(0, len(v.codes), n))
        start = np.asarray(v.start_seq or [0] * len(v.codes), dtype=np.int64)
        seq = np.arange(n) - np.searchsorted(vill, vill, side="left") + 1 + start[vill]
        if n and seq.max() > 99999:
            raise ValueError("more than 99999 households in one village")
        urban = np.asarray(v.urban, dtype=bool)[vill]
        probs = np.array([[t[1], t[2]] for t in _TYPES])
        kind = np.where(
            urban,
            _weighted(rng, probs[:, 1], n),
            _weighted(rng, probs[:, 0], n),
        )
        left, mode, right = (np.array([t[3][i] for t in _TYPES], dtype=np.float64)[kind] for i in range(3))
        head_age = np.floor(rng.triangular(left, mode, right + 1 - 1e-9)).astype(np.int64)
        head_male = rng.random(n) < np.array([t[4] for t in _TYPES])[kind]
        counts = np.zeros((n, 5), dtype=np.int64)
        counts[:, HEAD] = 1
        counts[:, SPOUSE] = rng.random(n) < np.array([t[5] for t in _TYPES])[kind]
        for k, p in _KIDS_P.items():
            mask = kind == k
            counts[mask, CHILD] = _weighted(rng, p, int(mask.sum())) + 1
        mask = kind == 6
        counts[mask, PARENT] = _weighted(rng, (0.55, 0.45), int(mask.sum())) + 1
        mask = kind == 7
        counts[mask, GRANDCHILD] = _weighted(rng, (0.55, 0.35, 0.10), int(mask.sum())) + 1

        self.n, self.vill, self.seq, self.urban, self.kind = n, vill, seq, urban, kind
        self.head_age, self.head_male, self.counts = head_age, head_male, counts
        self.size = counts.sum(axis=1)
        self.head_pos = np.cumsum(self.size) - self.size

    def persons(self) -> None:
        rng, n, counts = self.rng, self.n, self.counts
        flat = counts.ravel()
        p = int(flat.sum())
        role = np.repeat(np.tile(np.arange(5), n), flat)
        hh = np.repeat(np.arange(n), self.size)
        k = np.arange(p) - np.repeat(np.cumsum(flat) - flat, flat)
        ha, hm = self.head_age[hh], self.head_male[hh]

        age = ha.copy()
        gap = np.rint(rng.normal(2.5, 3.0, p)).astype(np.int64)
        age = np.where(role == SPOUSE, np.where(hm, ha - gap, ha + gap), age)
        age = np.where(role == PARENT, ha + rng.integers(23, 33, p) + (k == 0) * 2, age)
        first_gap = rng.integers(22, 35, n)[hh]
        child_age = ha - first_gap - k * rng.integers(2, 5, p)
        child_age = np.where(child_age < 0, rng.integers(0, 3, p), child_age)
        age = np.where(role == CHILD, child_age, age)
        age = np.where(role == GRANDCHILD, rng.integers(1, 17, p), age)
        age = np.clip(age, 0, 99)
        age = np.where((role == SPOUSE) | (role == PARENT), np.maximum(age, 20), age)

        coin = rng.random(p)
        two_parents = counts[hh, PARENT] == 2
        male = np.select(
            [role == HEAD, role == SPOUSE, role == PARENT],
            [hm, ~hm, np.where(two_parents, k == 0, coin < 0.4)],
            coin < 0.515,
        )
        birth = self.as_of - age * 365 - age // 4 - rng.integers(0, 365, p)

        self.p, self.role, self.hh, self.k, self.male, self.birth = p, role, hh, k, male, birth
        self.age = ((self.as_of - birth) / 365.2425).astype(np.int64)
        self.pv = self.vill[hh]  # each person's village index
        self.purban = self.urban[hh]

        reg = self.as_of - rng.integers(60, 365 * 11, n)
        reg = np.maximum(reg, birth[self.head_pos] + 18 * 366)
        self.reg = np.minimum(reg, self.as_of - 1)
        self.member_from = np.maximum(self.reg[hh], birth)

    def names(self) -> pa.Array:
        rng, p, hh, role = self.rng, self.p, self.hh, self.role
        surnames = [s for s, _w in words.SURNAMES]
        weights = [w for _s, w in words.SURNAMES]
        own = _weighted(rng, weights, p)
        head_sn = own[self.head_pos][hh]
        spouse_pos = self.head_pos + 1
        has_spouse = self.counts[:, SPOUSE] == 1
        spouse_sn = np.where(has_spouse, own[np.minimum(spouse_pos, p - 1)], own[self.head_pos])
        family = np.where(self.head_male | ~has_spouse, own[self.head_pos], spouse_sn)[hh]
        coin = rng.random(p)
        surname = own.copy()
        surname[role == HEAD] = head_sn[role == HEAD]
        is_child = role == CHILD
        surname[is_child] = np.where(coin[is_child] < 0.95, family[is_child], spouse_sn[hh][is_child])
        father = (role == PARENT) & self.male
        surname[father] = head_sn[father]
        grandchild = role == GRANDCHILD
        surname[grandchild] = np.where(coin[grandchild] < 0.75, family[grandchild], own[grandchild])

        lists = (words.MALE_OLD, words.FEMALE_OLD, words.MALE_YOUNG, words.FEMALE_YOUNG)
        chars = "".join(lists)
        offsets = np.cumsum([0] + [len(s) for s in lists])[:-1]
        lengths = np.array([len(s) for s in lists])
        young = self.birth >= int((np.datetime64("1975-01-01", "D") - _EPOCH).astype(np.int64))
        which = young * 2 + ~self.male
        c1 = offsets[which] + (rng.random(p) * lengths[which]).astype(np.int64)
        c2 = offsets[which] + (rng.random(p) * lengths[which]).astype(np.int64)
        two = rng.random(p) < np.where(young, 0.8, 0.7)
        char_array = list(chars)
        return _join(_take(surnames, surname), _take(char_array, c1), pc.if_else(two, _take(char_array, c2), ""))

    def id_numbers(self) -> tuple[pa.Array, np.ndarray]:
        """Return the ID numbers and each person's 6-digit address code (as int)."""
        rng, p, role = self.rng, self.p, self.role
        native = np.array([int(c) for c in self.v.address_codes], dtype=np.int64)[self.pv]
        migrant_codes = np.array(sorted({int(c) for c in self.v.migrant_codes}), dtype=np.int64)
        addr = native.copy()
        self.migrant = np.zeros(p, dtype=bool)
        if len(migrant_codes):
            share = np.array([0.04, 0.15, 0.03, 0.01, 0.01])[role]
            self.migrant = rng.random(p) < share
            pick = rng.integers(0, len(migrant_codes), p)
            other = migrant_codes[pick]
            other = np.where(other == native, migrant_codes[(pick + 1) % len(migrant_codes)], other)
            self.migrant &= other != native
            addr = np.where(self.migrant, other, native)

        born = self.birth.astype("datetime64[D]")
        year = born.astype("datetime64[Y]").astype(np.int64) + 1970
        month = born.astype("datetime64[M]").astype(np.int64) % 12 + 1
        day = (born - born.astype("datetime64[M]")).astype(np.int64) + 1
        ymd = year * 10000 + month * 100 + day

        # The sequence code is unique per (address code, birth date, gender): rank persons within that
        # group from a random starting point; odd sequence = male (rules.md §11.1).
        order = np.lexsort((self.male, ymd, addr))
        keys = np.stack([addr[order], ymd[order], self.male[order]])
        new_group = np.ones(p, dtype=bool)
        new_group[1:] = (keys[:, 1:] != keys[:, :-1]).any(axis=0)
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(p), 0))
        rank = np.arange(p) - group_start
        if p and rank.max() >= 500:
            raise ValueError("more than 500 persons share an address code, birth date and gender")
        offset = rng.integers(0, 500, p)[order][group_start]
        half = np.empty(p, dtype=np.int64)
        half[order] = (offset + rank) % 500
        bodies = addr * 10**11 + ymd * 1000 + half * 2 + self.male
        bodies = self._avoid_taken(bodies, addr * 10**11 + ymd * 1000, half)
        self.addr = addr
        return _fixed_strings(id_check_digits(bodies)), addr

    def _avoid_taken(self, bodies: np.ndarray, prefix: np.ndarray, half: np.ndarray) -> np.ndarray:
        """Move sequence codes off numbers already in the database (and off each other)."""
        if not len(self.taken):
            return bodies
        for _ in range(500):
            bad = np.isin(bodies, self.taken)
            _values, first = np.unique(bodies, return_index=True)
            duplicate = np.ones(len(bodies), dtype=bool)
            duplicate[first] = False
            bad |= duplicate
            if not bad.any():
                return bodies
            half = np.where(bad, (half + 1) % 500, half)
            bodies = prefix + half * 2 + self.male
        raise ValueError("no free ID sequence code left")

    def stamps(self, days: np.ndarray) -> pa.Array:
        """Return office-hours timestamps (Asia/Shanghai) 0–14 days after ``days``, not after as_of."""
        rng = self.rng
        n = len(days)
        day = np.minimum(days + rng.integers(0, 15, n), self.as_of)
        seconds = day * 86400 + rng.integers(9 * 3600, 18 * 3600, n) - _SHANGHAI_OFFSET
        return pa.array(seconds * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC"))

    def build_people(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        rng, v, n, p = self.rng, self.v, self.n, self.p
        name = self.names()
        ids, _addr = self.id_numbers()
        self.ids = ids

        village_names = pa.array(self.village_names, pa.string())
        vname = village_names.take(pa.array(self.vill))
        rural_address = _join(
            vname, _int_strings(rng.integers(1, 16, n)), "组", _int_strings(rng.integers(1, 120, n)), "号"
        )
        floor_room = rng.integers(1, 8, n) * 100 + rng.integers(1, 5, n)
        urban_address = _join(
            vname, _int_strings(rng.integers(1, 31, n)), "栋", _int_strings(rng.integers(1, 5, n)), "单元",
            _int_strings(floor_room), "号",
        )  # fmt: skip
        address = pc.if_else(self.urban, urban_address, rural_address)
        area = pc.if_else(self.urban, "urban", "rural")
        village_codes = np.array([int(c) for c in v.codes], dtype=np.int64)
        number = _fixed_strings(_ascii_digits(village_codes[self.vill] * 100000 + self.seq, 17))
        created = self.stamps(self.reg)
        households = pa.table(
            {
                "id": pa.array(np.arange(n), pa.int64()),
                "number": number,
                "region_id": _fixed_strings(_ascii_digits(village_codes[self.vill], 12)),
                "area_type": area,
                "address": address,
                "head_name": name.take(pa.array(self.head_pos)),
                "member_count": pa.array(self.size, pa.int16()),
                "status": pa.repeat(pa.scalar("active"), n),
                "note": pa.repeat(pa.scalar(DEMO_NOTE), n),
                "version": pa.repeat(pa.scalar(1, pa.int32()), n),
                "created_at": created,
                "updated_at": created,
                "created_by_id": pa.nulls(n, pa.int64()),
            }
        )

        # Hukou: migrants' registration stays in their home county half of the time.
        hukou_away = self.migrant & (rng.random(p) < 0.5)
        hukou_code = np.where(hukou_away, self.addr * 10**6, village_codes[self.pv])
        hukou_type = pc.if_else(
            hukou_away,
            pc.if_else(rng.random(p) < 0.75, "rural", "urban"),
            pc.if_else(self.purban, "urban", "rural"),
        )
        age = self.age
        phone_p = np.select([age >= 76, age >= 18, age >= 14], [0.45, 0.9, 0.5], 0.0)
        has_phone = rng.random(p) < phone_p
        prefixes = np.array(words.PHONE_PREFIXES, dtype=np.int64)[rng.integers(0, len(words.PHONE_PREFIXES), p)]
        phone = _fixed_strings(_ascii_digits(prefixes * 10**8 + rng.integers(0, 10**8, p), 11))
        bank_p = np.select([self.role == HEAD, self.role == SPOUSE, age >= 18], [0.8, 0.35, 0.15], 0.0)
        has_bank = rng.random(p) < bank_p
        bank = _weighted(rng, [b[2] for b in words.BANKS], p)
        account = _luhn_numbers(rng, np.array([b[1] for b in words.BANKS], dtype=np.int64)[bank])
        person_created = self.stamps(self.member_from)
        persons = pa.table(
            {
                "id": pa.array(np.arange(p), pa.int64()),
                "id_number": ids,
                "name": name,
                "gender": pc.if_else(self.male, "M", "F"),
                "birth_date": _dates(self.birth),
                "household_id": pa.array(self.hh, pa.int64()),
                "relation": _take(RELATIONS, self.role),
                "hukou_region_id": _fixed_strings(_ascii_digits(hukou_code, 12)),
                "hukou_type": hukou_type,
                "residence_address": address.take(pa.array(self.hh)),
                "phone": pc.if_else(has_phone, phone, ""),
                "bank_name": pc.if_else(has_bank, _take([b[0] for b in words.BANKS], bank), ""),
                "bank_account": pc.if_else(has_bank, account, ""),
                "death_date": pa.nulls(p, pa.date32()),
                "version": pa.repeat(pa.scalar(1, pa.int32()), p),
                "created_at": person_created,
                "updated_at": person_created,
            }
        )
        memberships = pa.table(
            {
                "id": pa.array(np.arange(p), pa.int64()),
                "household_id": pa.array(self.hh, pa.int64()),
                "person_id": pa.array(np.arange(p), pa.int64()),
                "relation": persons["relation"],
                "valid_from": _dates(self.member_from),
                "valid_to": pa.nulls(p, pa.date32()),
                "recorded_at": person_created,
                "closed_at": pa.nulls(p, pa.timestamp("us", tz="UTC")),
                "reason": pa.repeat(pa.scalar(""), p),
            }
        )
        return households, persons, memberships

    # ---- evidence ------------------------------------------------------------------------------

    def _evidence(self, person: np.ndarray, valid_from: np.ndarray | None = None, **columns) -> pa.Table:
        rng = self.rng
        m = len(person)
        if valid_from is None:
            valid_from = self.as_of - rng.integers(30, 730, m)
        valid_from = np.maximum(valid_from, self.member_from[person])
        recorded = self.stamps(valid_from)
        order = pa.array(np.argsort(person, kind="stable"))
        table = {
            "id": pa.array(np.arange(m), pa.int64()),
            "person_id": pa.array(person, pa.int64()).take(order),
            "valid_from": _dates(valid_from).take(order),
            "valid_to": pa.nulls(m, pa.date32()),
            "source": pa.repeat(pa.scalar("import"), m),
            "note": pa.repeat(pa.scalar(""), m),
            "recorded_at": recorded.take(order),
            "recorded_by_id": pa.nulls(m, pa.int64()),
            "superseded_at": pa.nulls(m, pa.timestamp("us", tz="UTC")),
            "superseded_by_id": pa.nulls(m, pa.int64()),
        }
        for key, values in columns.items():
            array = values if isinstance(values, pa.Array) else pa.array(values)
            table[key] = array.take(order)
        return pa.table(table)

    def build_evidence(self) -> dict[str, pa.Table]:
        rng, p, age = self.rng, self.p, self.age
        persons = np.arange(p)

        # Disability
        dis_p = np.select([age < 18, age < 60], [0.03, 0.07], 0.13)
        disabled = rng.random(p) < dis_p
        dis_person = persons[disabled]
        category = _weighted(rng, _DISABILITY_P, len(dis_person))
        grade = _weighted(rng, (0.12, 0.28, 0.30, 0.30), len(dis_person)) + 1
        self.grade = np.zeros(p, dtype=np.int64)
        self.grade[dis_person] = grade
        card = _join(self.ids.take(pa.array(dis_person)), _int_strings(category + 1), _int_strings(grade))
        disability = self._evidence(
            dis_person,
            category=_take(DISABILITY_CATEGORIES, category),
            grade=pa.array(grade, pa.int16()),
            card_number=card,
        )

        # Illness
        ill = rng.random(p) < np.select([age < 18, age < 60], [0.02, 0.07], 0.20)
        ill_person = persons[ill]
        m = len(ill_person)
        child_only = np.array(["儿童" in d for d, _s, _w in words.ILLNESSES])
        adult_w = [0.0 if c else w for (_d, _s, w), c in zip(words.ILLNESSES, child_only, strict=True)]
        child_w = [w if (c or d in ("白血病", "癫痫", "血友病")) else 0.0 for (d, _s, w), c in
                   zip(words.ILLNESSES, child_only, strict=True)]  # fmt: skip
        which = np.where(age[ill_person] < 18, _weighted(rng, child_w, m), _weighted(rng, adult_w, m))
        serious = np.array([s for _d, s, _w in words.ILLNESSES])[which]
        self_paid = np.where(
            serious, _lognormal(rng, 800, 0.7, m, 50, 20000), _lognormal(rng, 120, 0.6, m, 10, 2000)
        ).round(2)
        self.serious = np.zeros(p, dtype=bool)
        self.serious[ill_person] = serious
        self.ill = ill
        illness = self._evidence(
            ill_person,
            diagnosis=_take([d for d, _s, _w in words.ILLNESSES], which),
            serious=pa.array(serious),
            monthly_self_paid=pa.array(self_paid),
        )

        # Labour capacity of everyone 16 and over.
        r = rng.random(p)
        none = (age >= 65) | ((self.grade >= 1) & (self.grade <= 2)) | (self.serious & (r < 0.5))
        partial = ~none & (
            ((age >= 60) & (age < 65)) | (self.grade >= 3) | self.serious | (self.ill & (r < 0.25)) | (r > 0.94)
        )
        self.capacity = np.where(none, 2, np.where(partial, 1, 0))
        adult = age >= 16
        labour = self._evidence(persons[adult], level=_take(("full", "partial", "none"), self.capacity[adult]))

        # Self-care assessments of the old and the severely disabled.
        sc_p = np.select(
            [age >= 70, (age >= 60) & (self.grade >= 1) & (self.grade <= 2), (age >= 16) & (self.grade == 1)],
            [0.35, 0.8, 0.5],
            0.0,
        )
        sc_person = persons[rng.random(p) < sc_p]
        m = len(sc_person)
        very_old = age[sc_person] >= 85
        unable = np.where(
            very_old,
            _weighted(rng, (0.2, 0.15, 0.12, 0.12, 0.13, 0.14, 0.14), m),
            _weighted(rng, (0.40, 0.16, 0.11, 0.09, 0.08, 0.08, 0.08), m),
        )
        selfcare = self._evidence(
            sc_person, **{item: pa.array(unable > rank) for rank, item in enumerate(SELF_CARE_ITEMS)}
        )

        schooling = self._schooling(persons)
        income = self._incomes(persons)
        asset = self._assets()
        supporters = self._supporters(persons)  # last: the draws above stay those of earlier demos
        return {
            "income": income,
            "asset": asset,
            "disability": disability,
            "illness": illness,
            "labourcapacity": labour,
            "selfcare": selfcare,
            "schooling": schooling,
            "legalsupporter": supporters,
        }

    def _supporters(self, persons: np.ndarray) -> pa.Table:
        """The legal supporters (法定义务人) of those who live alone and cannot work, as the township found
        them (特困's third condition, §2.2): none for some, none able to support for others (with the
        reason), a capable son or daughter for the rest."""
        rng = self.rng
        who = persons[(self.size[self.hh] == 1) & (self.capacity == 2)]
        r = rng.random(len(who))
        situation = np.where(r < 0.35, 0, np.where(r < 0.65, 1, 2))
        reasons = words.SUPPORTER_REASONS
        basis = np.where(
            situation == 1,
            np.array(reasons, dtype=object)[rng.integers(0, len(reasons), len(who))],
            np.where(situation == 0, "无配偶、无子女", "子女在外务工，有赡养能力"),
        )
        return self._evidence(
            who,
            situation=_take(("none", "incapable", "capable"), situation),
            basis=pa.array(basis.tolist(), pa.string()),
        )

    def _schooling(self, persons: np.ndarray) -> pa.Table:
        rng, p, age = self.rng, self.p, self.age
        r = rng.random(p)
        stage = np.full(p, -1)
        stage[(age >= 3) & (age <= 5) & (r < 0.85)] = 0
        stage[(age >= 6) & (age <= 11)] = 1
        stage[(age >= 12) & (age <= 14)] = 2
        stage[(age >= 15) & (age <= 17) & (r < 0.55)] = 3
        stage[(age >= 15) & (age <= 17) & (r >= 0.55) & (r < 0.9)] = 4
        stage[(age >= 18) & (age <= 20) & (r < 0.2)] = 5
        stage[(age >= 18) & (age <= 21) & (r >= 0.2) & (r < 0.4)] = 6
        stage[(age >= 22) & (age <= 24) & (r < 0.03)] = 7
        enrolled = stage >= 0
        who = persons[enrolled]
        st = stage[enrolled]
        self.stage = stage
        township = pa.array([_short_township(t) for t in self.v.township_names], pa.string())
        county = pa.array(self.v.county_names, pa.string())
        vidx = pa.array(self.pv[who])
        tw, co = township.take(vidx), county.take(vidx)
        m = len(who)
        pick = rng.integers(0, 100, m)
        institution = pc.case_when(
            pc.make_struct(*(pa.array(st == i) for i in range(7))),
            _join(tw, "中心幼儿园"),
            _join(tw, "中心小学"),
            _join(tw, "中学"),
            _join(co, pc.if_else(pick < 60, "第一中学", "第二中学")),
            _join(co, "职业中专"),
            _take(words.COLLEGES, pick % len(words.COLLEGES)),
            _take(words.UNIVERSITIES, pick % len(words.UNIVERSITIES)),
            _take(words.GRADUATE_SCHOOLS, pick % len(words.GRADUATE_SCHOOLS)),
        )
        school_year = date.fromordinal(date(1970, 1, 1).toordinal() + self.as_of)
        start_year = school_year.year if school_year.month >= 9 else school_year.year - 1
        start = int((np.datetime64(date(start_year, 9, 1), "D") - _EPOCH).astype(np.int64))
        return self._evidence(
            who,
            np.full(m, start),
            stage=_take(SCHOOL_STAGES, st),
            institution=institution,
            full_time=pa.array(~((st == 4) & (rng.random(m) < 0.05))),
        )

    def _incomes(self, persons: np.ndarray) -> pa.Table:
        rng, p, age, cap = self.rng, self.p, self.age, self.capacity
        urban = self.purban
        parts: list[tuple[np.ndarray, int, np.ndarray, int]] = []

        def add(mask: np.ndarray, category: str, amounts, note: int = 0) -> None:
            amounts = np.broadcast_to(np.asarray(amounts, dtype=np.float64), (p,))[mask]
            parts.append((persons[mask], INCOME_CATEGORIES.index(category), np.round(amounts, 2), note))

        def r():
            return rng.random(p)

        wage = _lognormal(rng, np.where(urban, 2000, 1500), 0.45, p, 300, 9000) * np.where(cap == 1, 0.55, 1.0)
        wages = (
            ((age >= 18) & (age < 60) & (cap == 0) & (r() < 0.62))
            | ((age >= 18) & (age < 65) & (cap == 1) & (r() < 0.25))
            | ((age >= 60) & (age < 70) & (cap < 2) & (r() < 0.08))
        )
        add(wages, "wages", np.round(wage), 1)
        farm = ~urban & (age >= 25) & (age <= 72) & (cap < 2) & ~wages & (r() < 0.33)
        add(farm, "business", np.round(_lognormal(rng, 400, 0.7, p, 50, 5000)), 2)
        shop = urban & (age >= 25) & (age <= 65) & (cap < 2) & ~wages & (r() < 0.07)
        add(shop, "business", np.round(_lognormal(rng, 1500, 0.6, p, 200, 8000)), 3)
        add((age >= 18) & (r() < 0.015), "property", np.round(_lognormal(rng, 300, 0.6, p, 50, 3000)), 4)
        pension = urban & (age >= 60) & (r() < 0.38)
        add(pension, "transfer", _lognormal(rng, 2600, 0.25, p, 1200, 6000), 5)
        add((age >= 60) & ~pension & (r() < 0.25), "transfer", np.round(_lognormal(rng, 300, 0.5, p, 50, 2000)), 6)
        single_parent_child = (self.kind[self.hh] == 5) & (self.role == CHILD) & (age < 18)
        add(single_parent_child & (r() < 0.3), "transfer", np.round(_lognormal(rng, 500, 0.4, p, 100, 2000)), 7)
        add((age >= 60) & ~pension & (r() < 0.93), "basic_pension", rng.integers(153, 261, p))
        add((self.grade > 0) & (r() < 0.85), "disability_subsidy", rng.integers(70, 171, p))
        heads = self.role == HEAD
        per_capita = rng.uniform(260, 520, p)
        add(heads & (r() < 0.28), "assistance", np.round(per_capita * self.size[self.hh]))
        add(~urban & (age >= 60) & (r() < 0.07), "family_planning", np.array([80, 100, 120])[rng.integers(0, 3, p)])
        add((age >= 60) & (r() < 0.006), "preferential_pension", np.round(_lognormal(rng, 1200, 0.4, p, 300, 5000)))
        add((self.stage >= 3) & (r() < 0.08), "scholarship", np.array([100, 167, 250, 333])[rng.integers(0, 4, p)])
        add((age >= 18) & (r() < 0.0003), "heroism_award", rng.integers(500, 3000, p))
        add((age >= 18) & (r() < 0.01), "local_exempt", rng.integers(50, 300, p))
        add((age >= 18) & (r() < 0.02), "other", np.round(_lognormal(rng, 200, 0.6, p, 20, 3000)))

        person = np.concatenate([x[0] for x in parts])
        category = np.concatenate([np.full(len(x[0]), x[1]) for x in parts])
        amount = np.concatenate([x[2] for x in parts])
        note = np.concatenate([np.full(len(x[0]), x[3]) for x in parts])
        table = self._evidence(
            person,
            category=_take(INCOME_CATEGORIES, category),
            monthly_amount=pa.array(amount, pa.float64()),
        )
        order = pa.array(np.argsort(person, kind="stable"))
        return table.set_column(table.schema.get_field_index("note"), "note", _take(INCOME_NOTES, note).take(order))

    def _assets(self) -> pa.Table:
        rng, n = self.rng, self.n
        urban = self.urban
        head = self.head_pos
        has_disabled = np.zeros(n, dtype=bool)
        has_disabled[self.hh[self.grade > 0]] = True
        person, kind, value, quantity, area, exempt, description = [], [], [], [], [], [], []

        def add(mask, owner, kind_name, values, areas=None, exempts=None, descriptions=None):
            m = int(mask.sum())
            person.append(owner[mask])
            kind.append(pa.repeat(pa.scalar(kind_name), m))
            value.append(np.round(np.asarray(values, dtype=np.float64)[mask], 2))
            quantity.append(np.ones(m, dtype=np.int16))
            area.append(
                pa.array(np.asarray(areas)[mask], pa.float64()) if areas is not None else pa.nulls(m, pa.float64())
            )
            exempt.append(np.asarray(exempts)[mask] if exempts is not None else np.zeros(m, dtype=bool))
            description.append(
                descriptions.filter(pa.array(mask)) if descriptions is not None else pa.repeat(pa.scalar(""), m)
            )

        def r():
            return rng.random(n)

        add(
            r() < np.where(urban, 0.7, 0.62),
            head,
            "deposit",
            _lognormal(rng, np.where(urban, 9000, 5000), 1.1, n, 50, 400000),
        )
        spouses = self.counts[:, SPOUSE] == 1
        add(
            spouses & (r() < 0.15),
            np.minimum(head + 1, self.p - 1),
            "deposit",
            _lognormal(rng, 3000, 1.0, n, 50, 100000),
        )
        rural_area = rng.uniform(80, 220, n).round(1)
        urban_area = rng.uniform(40, 110, n).round(1)
        house_area = np.where(urban, urban_area, rural_area)
        house_value = np.round(house_area * np.where(urban, rng.uniform(2500, 5000, n), rng.uniform(300, 1000, n)), -2)
        rural_kind = _take(("自建房（砖混）", "自建房（砖木）", "自建房（土木）"), _weighted(rng, (0.6, 0.3, 0.1), n))
        urban_kind = _take(("商品房", "房改房", "安置房"), _weighted(rng, (0.5, 0.3, 0.2), n))
        house_kind = pc.if_else(urban, urban_kind, rural_kind)
        add(r() < np.where(urban, 0.45, 0.82), head, "real_estate", house_value, house_area, None, house_kind)
        add(
            r() < 0.03,
            head,
            "real_estate",
            np.round(house_value * 0.6, -2),
            np.round(house_area * 0.7, 1),
            None,
            house_kind,
        )
        vehicle = _weighted(rng, [v[4] for v in words.VEHICLES], n)
        vehicle = np.where((vehicle == 3) & ~has_disabled, 0, vehicle)
        low = np.array([v[2] for v in words.VEHICLES])[vehicle]
        high = np.array([v[3] for v in words.VEHICLES])[vehicle]
        add(
            r() < np.where(urban, 0.10, 0.14), head, "vehicle", np.round(rng.uniform(low, high), -2), None,
            np.array([v[1] for v in words.VEHICLES])[vehicle], _take([v[0] for v in words.VEHICLES], vehicle),
        )  # fmt: skip
        add(r() < 0.05, head, "insurance", np.round(rng.uniform(2000, 30000, n), -2))
        add(r() < 0.012, head, "securities", np.round(rng.uniform(3000, 60000, n), 2))
        add(r() < 0.008, head, "business_share", np.round(rng.uniform(10000, 150000, n), -3))
        other = _take(words.OTHER_ASSETS, rng.integers(0, len(words.OTHER_ASSETS), n))
        add(r() < 0.03, head, "other", np.round(rng.uniform(2000, 20000, n), -2), None, None, other)

        owners = np.concatenate(person)
        return self._evidence(
            owners,
            kind_of_asset=pa.concat_arrays(kind),
            value=pa.array(np.concatenate(value)),
            quantity=pa.array(np.concatenate(quantity), pa.int16()),
            area_sqm=pa.concat_arrays(area),
            exempt=pa.array(np.concatenate(exempt)),
            description=pa.concat_arrays(description),
        )


def _short_village_name(name: str) -> str:
    """Return 立新村 for 立新村委会, 韩家汊社区 for 韩家汊社区居委会."""
    for suffix, replacement in (("村民委员会", "村"), ("村委会", "村"), ("居民委员会", ""), ("居委会", "")):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + replacement
    return name


def _short_township(name: str) -> str:
    for suffix in ("街道办事处", "街道"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


DEMO_NOTE = "演示数据"


def generate(
    villages: VillageSet,
    *,
    households: int,
    seed: int,
    as_of: date = DEFAULT_AS_OF,
    taken_ids: np.ndarray | None = None,
) -> DemoData:
    """Return ``households`` synthetic households spread over ``villages``.

    ``taken_ids`` lists the 17-digit bodies (as int) of ID numbers already in the database, which the
    generated numbers avoid. Raises ``ValueError`` when the villages cannot hold that many households.
    """
    gen = _Generator(villages, seed=seed, as_of=as_of, taken_ids=taken_ids)
    gen.households(households)
    gen.persons()
    households_t, persons_t, memberships_t = gen.build_people()
    evidence = gen.build_evidence()
    return DemoData(households=households_t, persons=persons_t, memberships=memberships_t, evidence=evidence)
