"""Checking every row of a file: field by field, then household by household, in bulk.

The per-field rules are those of ``doudi.registry.validation.PersonInput`` and
``doudi.registry.identity.parse_id_number``, so a form and an import refuse the same things.
To check 200,000 rows in well under a second they run in two passes: a vectorised pass over whole
columns (Arrow compute, numpy) that can only err on the side of suspicion, then the shared
Python rule on the few suspicious values, which decides and supplies the very message a form would
show. Checks that need the database (regions, persons already registered, existing households)
are a handful of bulk queries, never one per row.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from doudi.accounts.scope import region_in_scope
from doudi.core.errors import DomainError
from doudi.regions.models import Level, Region, pad_code
from doudi.registry.identity import IdInfo, address_code_known, check_consistent, earliest_birth_date, parse_id_number
from doudi.registry.imports.columns import BY_KEY, COLUMNS, EXAMPLE_ROW
from doudi.registry.imports.parsing import ParsedFile
from doudi.registry.models import Relation
from doudi.registry.validation import (
    AREA_TYPE_BY_LABEL,
    BANK_RE,
    GENDER_BY_LABEL,
    NAME_RE,
    PHONE_RE,
    RELATION_BY_LABEL,
    invalid,
    parse_date,
)

# The cleaned columns, in the order they are staged and read back.
CLEAN_KEYS = (
    "household_key",
    "region_code",
    "address",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "relation",
    "hukou_region_code",
    "hukou_type",
    "phone",
    "bank_name",
    "bank_account",
)
# Fields of an existing person an import may change; an empty optional cell leaves the value as it is.
UPDATABLE = ("name", "relation", "hukou_region_code", "hukou_type", "address", "phone", "bank_name", "bank_account")
OPTIONAL_UPDATABLE = frozenset({"hukou_region_code", "hukou_type", "address", "phone", "bank_name", "bank_account"})
PERSON_FIELD = {"address": "residence_address", "hukou_region_code": "hukou_region_id"}

_ID_WEIGHTS = np.array((7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), dtype=np.int64)
_CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)
_DATE_RE = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"
_MAX_LISTED = 5
# The form's name rule in RE2 syntax (Arrow's regex engine spells \uXXXX as \x{XXXX}).
_NAME_RE2 = re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", NAME_RE.pattern)

# The CSV template's example row, by column key: a file that still holds it is refused on that row.
EXAMPLE = {c.key: value for c, value in zip(COLUMNS, EXAMPLE_ROW, strict=True)}


# What one row may carry, whatever the file holds: a hostile file (one ID number on 40,000 rows, a
# cell of a megabyte quoted in a message) must not turn a few MB of input into GB of staged errors.
MAX_ERRORS_PER_ROW = 20
MAX_MESSAGE_CHARS = 300


class Errors:
    """Row errors by record index: ``[(column header, message)]``, each message naming the field and reason.

    Each row keeps at most ``MAX_ERRORS_PER_ROW`` messages of at most ``MAX_MESSAGE_CHARS`` characters.
    """

    def __init__(self) -> None:
        self.by_row: dict[int, list[tuple[str, str]]] = defaultdict(list)

    def add(self, index: int, key_or_header: str, message: str) -> None:
        column = BY_KEY[key_or_header].header if key_or_header in BY_KEY else key_or_header
        found = self.by_row[int(index)]
        if len(found) >= MAX_ERRORS_PER_ROW:
            return
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        found.append((column, message))

    def add_error(self, index: int, key: str, exc: DomainError) -> None:
        self.add(index, key, exc.message)

    def mask(self, n: int) -> np.ndarray:
        bad = np.zeros(n, dtype=bool)
        if self.by_row:
            bad[np.fromiter(self.by_row.keys(), dtype=np.int64)] = True
        return bad

    def as_json(self, index: int) -> str:
        return _errors_json(tuple(self.by_row.get(index, ())))

    def __len__(self) -> int:
        return len(self.by_row)


@lru_cache(maxsize=4096)
def _errors_json(found: tuple[tuple[str, str], ...]) -> str:
    """Return a row's errors as JSON; rows with the same errors (a number repeated 40,000 times) share one string."""
    return json.dumps([{"column": c, "message": m} for c, m in found], ensure_ascii=False)


@dataclass
class Rows:
    """Cleaned rows as columns (``CLEAN_KEYS``), their spreadsheet row numbers and their errors."""

    columns: dict[str, pa.Array]
    row_numbers: np.ndarray
    errors: Errors = field(default_factory=Errors)
    # Region facts for the codes that occur: {code: (full_name, area_type)}
    regions: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Rows whose ID number is valid (None: all of them, as for rows read back from staging).
    id_ok: np.ndarray | None = None

    @property
    def n(self) -> int:
        return len(self.row_numbers)

    def pylist(self, key: str) -> list:
        cache = self.__dict__.setdefault("_pylists", {})
        if key not in cache:
            cache[key] = self.columns[key].to_pylist()
        return cache[key]


def _np(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)


def _text(array: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(array)


def _flagged(ok: pa.Array | np.ndarray, nonempty: pa.Array | np.ndarray | None = None) -> np.ndarray:
    """Return the indices where a value is present (if ``nonempty`` given) and not known to be fine."""
    ok_np = ok if isinstance(ok, np.ndarray) else _np(ok)
    bad = ~ok_np.astype(bool)
    if nonempty is not None:
        bad &= nonempty if isinstance(nonempty, np.ndarray) else _np(nonempty).astype(bool)
    return np.flatnonzero(bad)


def _nonempty(array: pa.Array) -> np.ndarray:
    return _np(pc.not_equal(array, "")).astype(bool)


def _check_length(rows_errors: Errors, array: pa.Array, key: str) -> None:
    limit = BY_KEY[key].max_length
    for i in np.flatnonzero(_np(pc.greater(pc.utf8_length(array), limit))):
        rows_errors.add(i, key, f"{BY_KEY[key].header}：不能超过 {limit} 个字符。")


# --- ID numbers ------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _address_known(code: int, year: int) -> bool:
    return address_code_known(f"{code:06d}", year)


def _id_matrix(ids: pa.Array) -> np.ndarray:
    """Return an (n, 18) uint8 view of ID numbers known to be 18 ASCII characters each."""
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    offsets = np.frombuffer(ids.buffers()[1], dtype=np.int32)[ids.offset : ids.offset + len(ids) + 1]
    data = np.frombuffer(ids.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, 18)


def check_id_numbers(ids: pa.Array, errors: Errors, *, today: date) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate normalised ID numbers; return (ok mask, gender "M"/"F" array, birth date array)."""
    n = len(ids)
    shape_ok = _np(pc.match_substring_regex(ids, pattern=r"^[0-9]{17}[0-9X]$")).astype(bool)
    ok = np.zeros(n, dtype=bool)
    genders = np.full(n, "", dtype=object)
    births = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    idx = np.flatnonzero(shape_ok)
    if len(idx):
        matrix = _id_matrix(ids.filter(pa.array(shape_ok)))
        digits = matrix[:, :17].astype(np.int64) - 48
        checksum_ok = _CHECK_CHARS[(digits @ _ID_WEIGHTS) % 11] == matrix[:, 17]
        year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        month = digits[:, 10] * 10 + digits[:, 11]
        day = digits[:, 12] * 10 + digits[:, 13]
        plausible = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (year >= 1)
        safe_month = np.where(plausible, month, 1)
        safe_day = np.where(plausible, day, 1)
        birth = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + (safe_month - 1)
        birth = birth.astype("datetime64[D]") + (safe_day - 1)
        day_of_month = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
        date_ok = plausible & (day_of_month == day) & (birth <= np.datetime64(today, "D"))
        date_ok &= birth >= np.datetime64(earliest_birth_date(today), "D")  # older: the form's rule explains
        address = digits[:, 0] * 100000 + digits[:, 1] * 10000 + digits[:, 2] * 1000
        address += digits[:, 3] * 100 + digits[:, 4] * 10 + digits[:, 5]
        pairs, inverse = np.unique(address * 10000 + year, return_inverse=True)
        known = np.fromiter((_address_known(int(p // 10000), int(p % 10000)) for p in pairs), bool, len(pairs))
        good = checksum_ok & date_ok & known[inverse.ravel()]
        ok[idx] = good
        genders[idx] = np.where(digits[:, 16] % 2 == 1, "M", "F")
        births[idx] = np.where(good, birth, np.datetime64("NaT"))
    # Everything not known to be fine goes through the form's own rule, which decides and explains.
    values = None
    for i in np.flatnonzero(~ok):
        if values is None:
            values = ids.to_pylist()
        value = values[i]
        if not value:
            errors.add(i, "id_number", "公民身份号码：不能为空。")
            continue
        try:
            info = parse_id_number(value, today=today)
        except DomainError as exc:
            errors.add_error(i, "id_number", exc)
            continue
        ok[i], genders[i], births[i] = True, info.gender, np.datetime64(info.birth_date, "D")
    return ok, genders, births


# --- the field pass -----------------------------------------------------------------------------------


def _lookup_labels(array: pa.Array, mapping) -> tuple[pa.Array, np.ndarray]:
    """Map each distinct value once: return (mapped values, ok mask) with ``mapping(value) -> str | None``."""
    encoded = pc.dictionary_encode(array)
    uniques = encoded.dictionary.to_pylist()
    mapped = [mapping(u) for u in uniques]
    ok_u = np.array([m is not None for m in mapped], dtype=bool)
    indices = _np(encoded.indices).astype(np.int64)
    values = pa.array([m or "" for m in mapped], pa.string()).take(pa.array(indices))
    return values, ok_u[indices] if len(indices) else np.zeros(0, dtype=bool)


def _region_facts(codes: list[str]) -> dict[str, tuple[str, int, str]]:
    """Return {12-digit code: (full name, level, area type)} for the codes that exist."""
    facts = {}
    wanted = sorted({c for c in codes if c})
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        for code, full_name, level, area_type in Region.objects.filter(code__in=chunk).values_list(
            "code", "full_name", "level", "area_type"
        ):
            facts[code] = (full_name, level, area_type)
    return facts


def check_regions(rows: Rows, actor) -> None:
    """Refuse unknown village codes and villages outside the actor's subtree (distinct codes, one query)."""
    codes = rows.columns["region_code"]
    encoded = pc.dictionary_encode(codes)
    uniques = encoded.dictionary.to_pylist()
    facts = _region_facts([u for u in uniques if u.isdigit() and len(u) == 12])
    messages: list[str | None] = []
    for code in uniques:
        fact = facts.get(code) if code.isdigit() and len(code) == 12 else None
        if not code:
            messages.append("村/社区区划代码：不能为空。")
        elif fact is None and code.isdigit() and len(code) == 12:
            messages.append(f"村/社区区划代码：行政区划代码 {code} 不存在。")
        elif fact is not None and fact[1] != Level.VILLAGE:  # a township or county, stored padded to 12 digits
            messages.append(f"村/社区区划代码：{code} 是乡镇或更高一级区划的代码，请填写村/社区的 12 位代码。")
        elif fact is None or fact[1] != Level.VILLAGE:
            messages.append(f"村/社区区划代码：“{code}”不是有效的村/社区区划代码（应为 12 位）。")
        elif not region_in_scope(actor, code):
            messages.append(f"村/社区区划代码：“{code}”（{fact[0]}）不在您的管辖范围内。")
        else:
            messages.append(None)
            rows.regions[code] = (fact[0], fact[2])
    bad_u = np.array([m is not None for m in messages], dtype=bool)
    if bad_u.any():
        indices = _np(encoded.indices).astype(np.int64)
        for i in np.flatnonzero(bad_u[indices]):
            rows.errors.add(i, "region_code", messages[indices[i]])


def check_fields(parsed: ParsedFile, actor, *, today: date | None = None) -> Rows:
    """Clean and check every field of every row; return the cleaned columns with the errors found."""
    today = today or date.today()
    table = parsed.table
    errors = Errors()
    for index, cell_errors in parsed.cell_errors.items():
        for column, message in cell_errors:
            errors.add(index, column, f"{column}：{message}")
    col = {key: _text(table.column(key).combine_chunks()) for key in table.column_names}

    key = col["household_key"]
    for i in np.flatnonzero(~_nonempty(key)):
        errors.add(i, "household_key", "户编号：不能为空。")
    _check_length(errors, key, "household_key")
    _check_length(errors, col["address"], "address")
    _check_length(errors, col["bank_name"], "bank_name")

    # 姓名: PersonInput strips and matches NAME_RE.
    name = col["name"]
    name_ok = pc.match_substring_regex(name, pattern=_NAME_RE2)
    name_values = None
    for i in _flagged(name_ok):
        name_values = name_values or name.to_pylist()
        value = name_values[i]
        if not value:
            errors.add(i, "name", "姓名：不能为空。")
        elif not NAME_RE.match(value):
            errors.add(i, "name", f"姓名：“{value}”含有不允许的字符。")

    # 公民身份号码, then 性别 and 出生日期, which must agree with it.
    ids = pc.utf8_upper(pc.replace_substring(col["id_number"], pattern=" ", replacement=""))
    id_ok, genders, births = check_id_numbers(ids, errors, today=today)
    example = pc.and_(pc.equal(ids, EXAMPLE["id_number"]), pc.equal(name, EXAMPLE["name"]))  # the template's row
    for i in np.flatnonzero(_np(pc.fill_null(example, False))):
        errors.add(i, "id_number", "公民身份号码：这一行是模板中的示例（张三），请删除后再上传。")

    def gender_of(label: str) -> str | None:
        value = GENDER_BY_LABEL.get(label, label)
        return value if value in ("M", "F", "") else None

    typed_gender, gender_ok = _lookup_labels(col["gender"], gender_of)
    typed_gender_np = _np(typed_gender).astype(object)
    gender_values = col["gender"].to_pylist() if not gender_ok.all() else None
    for i in np.flatnonzero(~gender_ok):
        errors.add(i, "gender", f"性别：“{gender_values[i]}”应为 男 或 女。")

    birth_text = pc.replace_substring_regex(col["birth_date"], pattern=_DATE_RE, replacement=r"\1-\2-\3")
    birth_values = birth_text.to_pylist() if _nonempty(birth_text).any() else None
    mismatch = np.flatnonzero(id_ok & gender_ok & (typed_gender_np != "") & (typed_gender_np != genders))
    for i in mismatch:
        _consistency(errors, i, genders[i], births[i], gender=typed_gender_np[i], birth=None)
    if birth_values is not None:
        for i in np.flatnonzero(_nonempty(birth_text)):
            text = birth_values[i]
            parts = text.split("-")
            if len(parts) == 3 and all(p.isdigit() for p in parts):
                text = f"{parts[0]}-{int(parts[1]):02d}-{int(parts[2]):02d}"
            try:
                typed = parse_date(text, "出生日期", "birth_date")
            except DomainError:
                errors.add(
                    i, "birth_date", f"出生日期：“{col['birth_date'][i].as_py()}”不是有效日期（格式 YYYY-MM-DD）。"
                )
                continue
            if id_ok[i] and typed != births[i].item():
                _consistency(errors, i, genders[i], births[i], gender=None, birth=typed)

    # 与户主关系: a label (户主) or a code (head).
    relation, relation_ok = _lookup_labels(
        col["relation"], lambda v: r if (r := RELATION_BY_LABEL.get(v, v)) in Relation.values else None
    )
    relation_values = None
    allowed = "、".join(str(label) for _, label in Relation.choices)
    for i in np.flatnonzero(~relation_ok):
        relation_values = relation_values or col["relation"].to_pylist()
        value = relation_values[i]
        if not value:
            errors.add(i, "relation", "与户主关系：不能为空。")
        else:
            errors.add(
                i, "relation", invalid("与户主关系", f"“{value}”不是有效值（可选：{allowed}）", "relation").message
            )

    # 户籍性质: optional, 城镇 or 农村.
    hukou_type, hukou_type_ok = _lookup_labels(
        col["hukou_type"],
        lambda v: "" if not v else (t if (t := AREA_TYPE_BY_LABEL.get(v, v)) in ("urban", "rural") else None),
    )
    hukou_type_values = col["hukou_type"].to_pylist() if not hukou_type_ok.all() else None
    for i in np.flatnonzero(~hukou_type_ok):
        errors.add(
            i, "hukou_type", invalid("户籍性质", f"“{hukou_type_values[i]}”应为 城镇 或 农村", "hukou_type").message
        )

    # 手机号 and 银行账号: the form's regular expressions, vectorised first, then decided in Python.
    phone = col["phone"]
    phone_values = None
    for i in _flagged(
        pc.match_substring_regex(phone, pattern=r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"), _nonempty(phone)
    ):
        phone_values = phone_values or phone.to_pylist()
        if not PHONE_RE.match(phone_values[i]):
            errors.add(
                i, "phone", invalid("手机号", f"“{phone_values[i]}”不是有效的手机或固定电话号码", "phone").message
            )
    account = pc.replace_substring(col["bank_account"], pattern=" ", replacement="")
    account_present = _nonempty(account)
    account_values = None
    for i in _flagged(pc.match_substring_regex(account, pattern=r"^[0-9]{12,30}$"), account_present):
        account_values = account_values or account.to_pylist()
        if not BANK_RE.match(account_values[i]):
            errors.add(i, "bank_account", invalid("银行账号", "应为 12 至 30 位数字", "bank_account").message)
    for i in np.flatnonzero(account_present & ~_nonempty(col["bank_name"])):
        errors.add(i, "bank_name", invalid("开户银行", "填写了银行账号时不能为空", "bank_name").message)

    # 户籍地区划代码: optional; any level; 6-, 9- or 12-digit codes are padded to 12.
    hukou_code_raw = col["hukou_region_code"]
    hukou_code, _ = _lookup_labels(hukou_code_raw, lambda v: pad_code(v) if v.isdigit() and len(v) <= 12 else v)
    present = _nonempty(hukou_code)
    if present.any():
        uniques = pc.unique(hukou_code.filter(pa.array(present))).to_pylist()
        known = set(_region_facts([u for u in uniques if u.isdigit() and len(u) == 12]))
        unknown = set(uniques) - known
        if unknown:
            raw_values = hukou_code_raw.to_pylist()
            for i in np.flatnonzero(_np(pc.is_in(hukou_code, value_set=pa.array(sorted(unknown), pa.string())))):
                errors.add(
                    i,
                    "hukou_region_code",
                    invalid("户籍地区划代码", f"“{raw_values[i]}”不是有效的区划代码", "hukou_region_code").message,
                )

    rows = Rows(
        columns={
            "household_key": key,
            "region_code": col["region_code"],
            "address": col["address"],
            "name": name,
            "id_number": ids,
            "gender": pa.array(genders, pa.string()),
            "birth_date": pa.array(births),
            "relation": relation,
            "hukou_region_code": hukou_code,
            "hukou_type": hukou_type,
            "phone": phone,
            "bank_name": col["bank_name"],
            "bank_account": account,
        },
        row_numbers=parsed.row_numbers,
        errors=errors,
        id_ok=id_ok,
    )
    check_regions(rows, actor)
    check_duplicates_in_file(rows, id_ok)
    return rows


def _consistency(errors: Errors, i, derived_gender: str, derived_birth, *, gender=None, birth=None) -> None:
    """Refuse a typed gender or birth date that contradicts the ID number, with the form's own message."""
    info = IdInfo(id_number="", birth_date=derived_birth.item(), gender=derived_gender, address_code="")
    try:
        check_consistent(info, gender=gender, birth_date=birth)
    except DomainError as exc:
        errors.add(i, exc.extra.get("field", "id_number"), exc.message)


def check_duplicates_in_file(rows: Rows, id_ok: np.ndarray) -> None:
    """Refuse an ID number that occurs twice in the file, naming one other row, its household and the count.

    Each row names the first other occurrence and how many other rows there are ("与第 12 行（…）等
    40,000 行重复"), never the list: the message stays one line however often a number repeats.
    """
    ids = rows.columns["id_number"]
    valid_ids = pc.if_else(pa.array(id_ok), ids, pa.scalar(None, pa.string()))
    encoded = pc.dictionary_encode(valid_ids)
    if len(encoded.dictionary) == 0:
        return
    indices = _np(encoded.indices.fill_null(-1)).astype(np.int64)
    counts = np.bincount(indices[indices >= 0], minlength=len(encoded.dictionary))
    dup_rows = np.flatnonzero((indices >= 0) & (counts[np.maximum(indices, 0)] > 1))
    if not len(dup_rows):
        return
    groups = indices[dup_rows]
    # The first and second occurrence of each repeated number (rows are in file order).
    size = len(encoded.dictionary)
    first = np.full(size, rows.n, dtype=np.int64)
    np.minimum.at(first, groups, dup_rows)
    later = dup_rows[dup_rows != first[groups]]
    second = np.full(size, rows.n, dtype=np.int64)
    np.minimum.at(second, indices[later], later)
    keys, regions, numbers = rows.pylist("household_key"), rows.pylist("region_code"), rows.row_numbers
    id_values = encoded.dictionary.to_pylist()
    described: dict[int, str] = {}

    def describe(j: int, others: int) -> str:
        if j not in described:
            village = rows.regions.get(regions[j], (regions[j],))[0]
            described[j] = f"第 {numbers[j]} 行（户编号 {keys[j][:40]}，村/社区 {village}）"
        more = f"等 {others:,} 行" if others > 1 else ""
        return described[j] + more

    messages: dict[tuple[int, int], str] = {}  # one string per (number, row named), however many rows share it
    for i, g in zip(dup_rows.tolist(), groups.tolist(), strict=True):
        other = int(second[g]) if i == first[g] else int(first[g])
        message = messages.get((g, other))
        if message is None:
            message = messages[g, other] = (
                f"公民身份号码：{id_values[g]} 在文件中重复出现，与{describe(other, int(counts[g]) - 1)}重复；"
                "同一人只能登记在一个家庭。"
            )
        rows.errors.add(i, "id_number", message)
