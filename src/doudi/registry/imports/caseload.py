"""Bringing a county's existing caseload in: the evidence file and the roster of current beneficiaries.

Both go through the same batch as the household import (``services``): the file is parsed with its
own columns (``caseload_columns``), every row is checked and staged with its errors and cleaned
values (``ImportRow.data``), and a commit writes every valid row in one transaction or nothing.

- Evidence rows name a registered person by ID number (and name, as a guard against a typo); each
  becomes a dated evidence row of its kind with source 批量导入. A row identical to evidence the
  person already has is "unchanged", so importing the same file twice changes nothing.
- Roster rows become an ``Enrolment`` and its first ``EnrolmentChange`` with the reason 迁移导入
  (no case: no workflow is pretended). A person already enrolled in the programme is reported, not
  enrolled twice; a row identical to that enrolment is "unchanged". The next review date becomes the
  household's periodic ``ReviewTask``. After the writes, each household is assessed by the policy
  engine and every roster amount that differs from the computed one is listed (``RosterDiscrepancy``)
  and kept as it stands.

Reads of the registry are bulk queries over the file's distinct ID numbers.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils import timezone

from doudi.accounts.scope import region_in_scope
from doudi.core.masking import mask_id_number
from doudi.registry.imports import bulk
from doudi.registry.imports.caseload_columns import (
    EVIDENCE,
    EVIDENCE_TYPE_LABELS,
    EVIDENCE_TYPES,
    EXAMPLE_ID,
    EXAMPLE_NAME,
    HOUSEHOLD_PROGRAMMES,
    ROSTER,
    ROSTER_ALIASES,
    ROSTER_PROGRAMMES,
    SELF_CARE_ITEMS,
)
from doudi.registry.imports.checks import Errors, Rows, check_id_numbers
from doudi.registry.imports.columns import ColumnSet
from doudi.registry.imports.models import ImportBatch, ImportKind, ImportRow, RowStatus
from doudi.registry.imports.parsing import ParsedFile
from doudi.registry.imports.plan import _select_in
from doudi.registry.models import Household, Person
from doudi.registry.models.evidence import (
    EVIDENCE_MODELS,
    AssetKind,
    CareSettingKind,
    ChildBenefitChoiceKind,
    DisabilityCategory,
    ExclusionReason,
    ExpenseCategory,
    IncomeCategory,
    LabourCapacityLevel,
    OtherBenefitKind,
    ParentRole,
    ParentSituationKind,
    SchoolStage,
    SupporterSituation,
)
from doudi.registry.validation import BANK_RE

_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(?:[-/.](\d{1,2})日?)?$")
_MAX_AMOUNT = Decimal("100000000")
_YES = {
    "是": True,
    "有": True,
    "需要": True,
    "Y": True,
    "1": True,
    "否": False,
    "无": False,
    "不需要": False,
    "N": False,
}
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一级": 1, "二级": 2, "三级": 3, "四级": 4, "1级": 1, "2级": 2}
_GRADES.update({"3级": 3, "4级": 4, "一": 1, "二": 2, "三": 3, "四": 4})
_PARENTS = {"父亲": "father", "父": "father", "母亲": "mother", "母": "mother"}
_PARENTS.update({value: value for value, _ in ParentRole.choices})

MIGRATED = "迁移导入"
_CHRONIC = {"慢特病长期服药", "慢特病", "长期服药", "慢性病长期服药"}


def _choices(choices) -> dict[str, str]:
    """Map each label and each code of a Django choices class to its code."""
    mapping = {str(label): value for value, label in choices.choices}
    mapping.update({value: value for value, _ in choices.choices})
    return mapping


_CATEGORY = {
    "income": ("category", _choices(IncomeCategory), "收入类别"),
    "asset": ("kind_of_asset", _choices(AssetKind), "财产类别"),
    "disability": ("category", _choices(DisabilityCategory), "残疾类别"),
    "labourcapacity": ("level", _choices(LabourCapacityLevel), "劳动能力"),
    "schooling": ("stage", _choices(SchoolStage), "就读阶段"),
    "rigidexpense": ("category", _choices(ExpenseCategory), "支出类别"),
    "parentsituation": ("situation", _choices(ParentSituationKind), "父/母情形"),
    "legalsupporter": ("situation", _choices(SupporterSituation), "法定义务人情况"),
    "caresetting": ("setting", _choices(CareSettingKind), "供养方式"),
    "exclusion": ("reason", _choices(ExclusionReason), "不计入家庭成员的情形"),
    "otherbenefit": ("benefit", _choices(OtherBenefitKind), "其他部门待遇"),
    "childbenefitchoice": ("choice", _choices(ChildBenefitChoiceKind), "儿童保障选择"),
}
_CATEGORY["disability"][1].update({k.replace("残疾", ""): v for k, v in list(_CATEGORY["disability"][1].items())})
_CATEGORY["rigidexpense"][1]["医疗支出"] = "medical"
_AMOUNT = {
    "income": "monthly_amount",
    "asset": "value",
    "illness": "monthly_self_paid",
    "rigidexpense": "amount_12m",
    "disability": "monthly_costs",
    "otherbenefit": "monthly_amount",
}
_AMOUNT_REQUIRED = {"income", "rigidexpense"}
_FLAG = {"asset": ("exempt", False), "illness": ("serious", False), "schooling": ("full_time", True)}
_FLAG["careneed"] = ("needs_long_term_care", True)
_TEXT = {
    "asset": "description",
    "illness": "diagnosis",
    "schooling": "institution",
    "rigidexpense": "description",
    "parentsituation": "parent_name",
    "careneed": "assessed_by",
    "legalsupporter": "basis",
    "caresetting": "institution",
    "exclusion": "detail",
    "jobrefusal": "offer",
    "childbenefitchoice": "guardian",
}


def spec_for(kind: str) -> ColumnSet | None:
    """Return the columns of a kind of file (None: the household file of ``columns``)."""
    return {ImportKind.EVIDENCE: EVIDENCE, ImportKind.ROSTER: ROSTER}.get(kind)


_INT_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)


def copy_create(model, objects: list, *, ids: bool = True) -> list:
    """Insert unsaved model instances with one COPY (``bulk.load``), like ``bulk_create`` but set-based.

    With ``ids`` the primary keys are reserved first (``bulk.allocate_ids``) and set on the objects,
    so rows that point at them can be built without reading anything back. Runs in the caller's
    transaction: a failure anywhere rolls every row back.
    """
    if not objects:
        return objects
    n = len(objects)
    now = timezone.now()
    stamp = bulk.timestamp(now)
    if ids:
        for obj, pk in zip(objects, bulk.allocate_ids(model, n), strict=True):
            obj.pk = int(pk)
    columns = {}
    for f in model._meta.concrete_fields:
        if f.primary_key and not ids:
            continue
        internal = f.target_field.get_internal_type() if f.is_relation else f.get_internal_type()
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objects:
                setattr(obj, f.attname, now)
            columns[f.column] = bulk.constant(stamp, n)
            continue
        values = [getattr(obj, f.attname) for obj in objects]
        if internal == "JSONField":
            array = pa.array([json.dumps(v, ensure_ascii=False) for v in values], pa.string())
        elif internal == "DateTimeField":
            array = pa.array([None if v is None else bulk.timestamp(v) for v in values], pa.string())
        elif internal == "DateField":
            array = pa.array(values, pa.date32())
        elif internal == "BooleanField":
            array = pa.array(values, pa.bool_())
        elif internal in _INT_TYPES:
            array = pa.array(values, pa.int64())
        else:  # text, decimals (as their exact text)
            array = pa.array([None if v is None else str(v) for v in values], pa.string())
        columns[f.column] = array
    bulk.load(model._meta.db_table, pa.table(columns))
    return objects


# --- shared -------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """Rows of an evidence or roster file after checking: errors, planned action and cleaned values."""

    spec: ColumnSet
    row_numbers: np.ndarray
    errors: Errors
    actions: list[str]
    data: list[dict]
    summary: dict = field(default_factory=dict)
    # The cleaned values as JSON text, when checked column-wise (``check_evidence``); else ``data`` is used.
    data_json: np.ndarray | None = None

    def add(self, i: int, key: str, message: str) -> None:
        self.errors.add(i, self.spec.by_key[key].header, message)

    @property
    def n(self) -> int:
        return len(self.row_numbers)


def _cells(parsed: ParsedFile, spec: ColumnSet) -> list[dict[str, str]]:
    table = parsed.table
    columns = {key: pc.utf8_trim_whitespace(table.column(key).combine_chunks()).to_pylist() for key in spec.keys}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _parse_day(text: str) -> date | None:
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _date_cell(checked: Checked, i: int, key: str, text: str, *, required: bool) -> date | None:
    header = checked.spec.by_key[key].header
    if not text:
        if required:
            checked.add(i, key, f"{header}：不能为空。")
        return None
    day = _parse_day(text)
    if day is None:
        checked.add(i, key, f"{header}：“{text}”不是有效日期（格式 YYYY-MM-DD）。")
    return day


def _amount_cell(checked: Checked, i: int, key: str, text: str, label: str = "") -> Decimal | None:
    header = label or checked.spec.by_key[key].header
    try:
        amount = Decimal(text.replace(",", "").replace("，", "").replace("元", ""))
    except InvalidOperation:
        checked.add(i, key, f"{header}：“{text}”不是有效金额。")
        return None
    if not amount.is_finite():
        checked.add(i, key, f"{header}：“{text}”不是有效金额。")
        return None
    if amount < 0:
        checked.add(i, key, f"{header}：不能为负数（{text}）。")
        return None
    if amount >= _MAX_AMOUNT:
        checked.add(i, key, f"{header}：{text} 超出合理范围。")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        checked.add(i, key, f"{header}：最多保留两位小数（{text}）。")
        return None
    return amount.quantize(Decimal("0.01"))


class Found:
    """A registered person as an import sees it."""

    __slots__ = ("birth_date", "death_date", "household_id", "household_number", "id", "name", "region", "status")

    def __init__(self, row):
        (
            self.id,
            self.name,
            self.household_id,
            self.household_number,
            self.region,
            self.birth_date,
            self.death_date,
            self.status,
        ) = row


def _persons(id_numbers) -> dict[str, Found]:
    sql = (
        f"SELECT p.id_number, p.id, p.name, p.household_id, COALESCE(h.number, ''), "
        f"COALESCE(h.region_id, p.hukou_region_id, ''), p.birth_date, p.death_date, COALESCE(h.status, '') "
        f"FROM {Person._meta.db_table} p LEFT JOIN {Household._meta.db_table} h ON h.id = p.household_id WHERE"
    )
    found = {}
    for row in _select_in(sql, "p.id_number", set(id_numbers)):
        values = list(row[1:])
        values[5] = _as_date(values[5])
        values[6] = _as_date(values[6])
        found[row[0]] = Found(values)
    return found


def _as_date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _check_persons(checked: Checked, cells, actor, *, today: date, need_household: bool) -> list[Found | None]:
    """Check each row's ID number and name against the registry; return the person of each good row."""
    ids = pa.array([c["id_number"].replace(" ", "").upper() for c in cells], pa.string())
    ok, _genders, _births = check_id_numbers(ids, checked.errors, today=today)
    id_values = ids.to_pylist()
    persons = _persons([v for v, good in zip(id_values, ok, strict=True) if good])
    return [
        _person_of_row(checked, i, cell, number, bool(ok[i]), persons.get(number), actor, need_household)
        for i, (cell, number) in enumerate(zip(cells, id_values, strict=True))
    ]


def _person_of_row(
    checked: Checked, i: int, cell: dict, number: str, ok: bool, person: Found | None, actor, need_household: bool
) -> Found | None:
    """Check one row's person (``person``: the one registered under the row's ID number); return it if good."""
    cell["id_number"] = number
    if number == EXAMPLE_ID and cell["name"] == EXAMPLE_NAME:
        checked.add(i, "id_number", f"公民身份号码：这一行是模板中的示例（{EXAMPLE_NAME}），请删除后再上传。")
        return None
    if not ok:
        return None
    if person is None:
        checked.add(i, "id_number", f"公民身份号码：{number} 没有人员登记记录，请先通过“家庭与人员”导入或登记该人员。")
        return None
    if not region_in_scope(actor, person.region):
        checked.add(i, "id_number", f"公民身份号码：{mask_id_number(number)} 登记的人员不在您的管辖范围内。")
        return None
    if not cell["name"]:
        checked.add(i, "name", "姓名：不能为空。")
        return None
    if cell["name"] != person.name:
        checked.add(i, "name", f"姓名：“{cell['name'][:50]}”与该公民身份号码登记的姓名不一致，请核对。")
        return None
    if need_household:
        if person.death_date is not None:
            checked.add(i, "id_number", f"公民身份号码：该人员已于 {person.death_date:%Y-%m-%d} 登记死亡。")
            return None
        if person.household_id is None or person.status != "active":
            checked.add(i, "id_number", "公民身份号码：该人员目前不属于任何在册家庭，请先导入家庭或办理迁入。")
            return None
    return person


def stage(batch: ImportBatch, parsed: ParsedFile, checked: Checked) -> tuple[int, int]:
    """Write every row with its errors, planned action and cleaned values; return (valid, invalid).

    The rows go in as columns (``bulk.load``: one COPY on PostgreSQL), the cells as JSON arrays built
    column-wise; only the cleaned values and the errors are serialised row by row.
    """
    n = checked.n
    bad = checked.errors.mask(n)
    errors = np.full(n, "[]", dtype=object)
    for i in checked.errors.by_row:
        errors[i] = checked.errors.as_json(i)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    if checked.data_json is not None:
        data = np.where(bad, "{}", checked.data_json)
    else:
        data = np.full(n, "{}", dtype=object)
        for i in np.flatnonzero(~bad):
            data[i] = dumps(checked.data[i])
    table = parsed.table
    quoted = [bulk.json_text(pc.cast(table.column(key).combine_chunks(), pa.string())) for key in checked.spec.keys]
    raw = bulk.concat("[", pc.binary_join_element_wise(*quoted, ", "), "]")
    id_number = pc.fill_null(pc.cast(table.column("id_number").combine_chunks(), pa.string()), "None")
    name = pc.fill_null(pc.cast(table.column("name").combine_chunks(), pa.string()), "None")
    actions = np.array(checked.actions, dtype=object)
    columns = {
        "batch_id": bulk.constant(batch.pk, n, pa.int64()),
        "row_number": pa.array(checked.row_numbers, pa.int64()),
        "status": pa.array(np.where(bad, RowStatus.INVALID.value, RowStatus.VALID.value).astype(object)),
        "action": pa.array(np.where(bad, "", actions).astype(object), pa.string()),
        "raw": raw,
        "errors": pa.array(errors, pa.string()),
        "id_number": pc.utf8_slice_codeunits(id_number, 0, 18),
        "name": pc.utf8_slice_codeunits(name, 0, 50),
        "data": pa.array(data, pa.string()),
    }
    # The household file's columns, empty for evidence and roster rows (as a row object leaves them).
    for f in ImportRow._meta.concrete_fields:
        if f.column not in columns and not f.primary_key and f.column != "batch_id":
            columns[f.column] = bulk.constant(
                f.get_default(), n, pa.date32() if f.get_internal_type() == "DateField" else None
            )
    bulk.load(ImportRow._meta.db_table, pa.table(columns))
    invalid = int(bad.sum())
    return n - invalid, invalid


def load_staged(batch: ImportBatch) -> tuple[np.ndarray, list[str], list[dict]]:
    """Return (row numbers, actions, cleaned values) of the batch's valid rows, in row order."""
    rows = list(
        ImportRow.objects.filter(batch=batch, status=RowStatus.VALID)
        .order_by("row_number")
        .values_list("row_number", "action", "data")
    )
    numbers = np.array([r[0] for r in rows], dtype=np.int64)
    return numbers, [r[1] for r in rows], [r[2] if isinstance(r[2], dict) else json.loads(r[2]) for r in rows]


# --- evidence -----------------------------------------------------------------------------------------


def _flag(checked: Checked, i: int, text: str, default: bool) -> bool | None:
    if not text:
        return default
    value = _YES.get(text.upper() if text.isascii() else text)
    if value is None:
        checked.add(i, "flag", f"是否：“{text}”应为 是 或 否。")
    return value


def _evidence_values(checked: Checked, i: int, kind: str, cell: dict) -> dict | None:
    """Return the value fields of one evidence row as text (as stored in ``data``), or None if bad."""
    before = len(checked.errors.by_row.get(i, ()))
    values: dict[str, str | bool | int] = {}
    if kind in _CATEGORY:
        field_name, mapping, label = _CATEGORY[kind]
        text = cell["category"]
        if not text:
            checked.add(i, "category", f"类别：{EVIDENCE_TYPE_LABELS[kind]}须填写{label}。")
        elif text not in mapping:
            allowed = "、".join(k for k, v in mapping.items() if k != v)
            checked.add(i, "category", f"类别：“{text[:30]}”不是有效的{label}（可选：{allowed}）。")
        else:
            values[field_name] = mapping[text]
    if kind in _AMOUNT:
        text = cell["amount"]
        if not text:
            if kind in _AMOUNT_REQUIRED:
                checked.add(i, "amount", f"金额：{EVIDENCE_TYPE_LABELS[kind]}须填写金额。")
            else:
                values[_AMOUNT[kind]] = "0.00"
        else:
            amount = _amount_cell(checked, i, "amount", text)
            if amount is not None:
                values[_AMOUNT[kind]] = str(amount)
    if kind in _FLAG:
        field_name, default = _FLAG[kind]
        flag = _flag(checked, i, cell["flag"], default)
        if flag is not None:
            values[field_name] = flag
    if kind in _TEXT:
        text = cell["text"]
        limit = 50 if kind == "parentsituation" else 100
        if kind == "illness" and not text:
            checked.add(i, "text", "名称/说明：疾病须填写疾病名称。")
        elif kind == "jobrefusal" and not text:
            checked.add(i, "text", "名称/说明：拒绝就业须填写介绍的岗位或培训。")
        elif kind == "legalsupporter" and not text and values.get("situation") == SupporterSituation.INCAPABLE:
            checked.add(i, "text", "名称/说明：法定义务人无履行能力时须写明认定依据。")
        elif kind == "caresetting" and not text and values.get("setting") == CareSettingKind.INSTITUTION:
            checked.add(i, "text", "名称/说明：集中供养须填写供养服务机构名称。")
        elif len(text) > limit:
            checked.add(i, "text", f"名称/说明：不能超过 {limit} 个字符。")
        else:
            values[_TEXT[kind]] = text
    if kind == "asset":
        quantity = cell["quantity"] or "1"
        if not quantity.isdigit() or not 1 <= int(quantity) <= 32767:
            checked.add(i, "quantity", f"数量：“{quantity}”应为正整数。")
        else:
            values["quantity"] = int(quantity)
        if cell["area"]:
            area = _amount_cell(checked, i, "area", cell["area"], "面积")
            if area is not None:
                values["area_sqm"] = str(area)
    if kind == "disability":
        grade = _GRADES.get(cell["grade"])
        if not cell["grade"]:
            checked.add(i, "grade", "残疾等级：残疾须填写等级（1 至 4）。")
        elif grade is None:
            checked.add(i, "grade", f"残疾等级：“{cell['grade'][:10]}”不在 1 至 4 级之间。")
        else:
            values["grade"] = grade
        if len(cell["card_number"]) > 24:
            checked.add(i, "card_number", "残疾人证号：不能超过 24 个字符。")
        values["card_number"] = cell["card_number"]
    if kind == "illness":
        chronic = cell["category"]
        if chronic and chronic not in _CHRONIC:
            checked.add(i, "category", f"类别：疾病的类别只能填“慢特病长期服药”或留空（“{chronic[:20]}”）。")
        values["chronic_medication"] = bool(chronic)
    if kind == "selfcare":
        items = [t for t in re.split(r"[、,，;；\s]+", cell["unable"]) if t]
        unknown = [t for t in items if t not in SELF_CARE_ITEMS]
        if unknown:
            checked.add(
                i,
                "unable",
                f"不能自理项目：“{'、'.join(unknown)[:30]}”不是评估项目（可选：吃饭、穿衣、上下床、如厕、室内行走、洗澡）。",
            )
        for name in set(SELF_CARE_ITEMS.values()):
            values[name] = False
        for item in items:
            if item in SELF_CARE_ITEMS:
                values[SELF_CARE_ITEMS[item]] = True
    if kind == "parentsituation":
        parent = _PARENTS.get(cell["parent"])
        if parent is None:
            checked.add(i, "parent", f"父/母：“{cell['parent'][:10]}”应为 父亲 或 母亲。")
        else:
            values["parent"] = parent
    return values if len(checked.errors.by_row.get(i, ())) == before else None


def _evidence_key(person_id: int, kind: str, valid_from: str, valid_to: str | None, values: dict) -> tuple:
    model = EVIDENCE_MODELS[kind]
    return (
        person_id,
        kind,
        valid_from,
        valid_to or "",
        tuple(_norm(values.get(name)) for name in model.value_fields),
    )


def _norm(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | float):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    text = str(value)
    try:
        if "." in text:
            return str(Decimal(text).quantize(Decimal("0.01")))
    except InvalidOperation:
        pass
    return text


def _existing_evidence(person_ids: set[int], kinds: set[str]) -> set[tuple]:
    """Return the keys (``_evidence_key``) of the current evidence of these persons and kinds.

    One query per kind (the ids as one array on PostgreSQL), read as plain rows: a county's first
    load asks this of every person it has just registered.
    """
    keys: set[tuple] = set()
    for kind in kinds:
        model = EVIDENCE_MODELS[kind]
        fields = [model._meta.get_field(name) for name in model.value_fields]
        decimals = [f.get_internal_type() == "DecimalField" for f in fields]
        sql = (
            f"SELECT person_id, valid_from, valid_to, {', '.join(f.column for f in fields)} "
            f"FROM {model._meta.db_table} WHERE superseded_at IS NULL AND"
        )
        for row in _select_in(sql, "person_id", person_ids):
            values = {
                f.name: (None if v is None else Decimal(str(v))) if dec else v
                for f, dec, v in zip(fields, decimals, row[3:], strict=True)
            }
            valid_to = _as_date(row[2])
            keys.add(
                _evidence_key(
                    row[0], kind, _as_date(row[1]).isoformat(), valid_to.isoformat() if valid_to else None, values
                )
            )
    return keys


def _evidence_kind(text: str) -> str | None:
    return EVIDENCE_TYPES.get(text) or (text if text in EVIDENCE_MODELS else None)


def _evidence_row(checked: Checked, i: int, cell: dict, person: Found | None, today: date) -> dict | None:
    """Check one evidence row's own cells (its person already checked); return its cleaned values if good."""
    kind = _evidence_kind(cell["evidence_type"])
    if kind is None:
        text = cell["evidence_type"]
        checked.add(
            i,
            "evidence_type",
            f"证据类型：“{text[:20]}”不是有效值（可选：{'、'.join(EVIDENCE_TYPES)}）。"
            if text
            else "证据类型：不能为空。",
        )
        return None
    valid_from = _date_cell(checked, i, "valid_from", cell["valid_from"], required=True)
    valid_to = _date_cell(checked, i, "valid_to", cell["valid_to"], required=False)
    if valid_from and valid_from > today:
        checked.add(i, "valid_from", f"生效日期：{valid_from:%Y-%m-%d} 晚于今天，尚未发生的情况不能登记。")
    if valid_from and person and person.birth_date and valid_from < person.birth_date and kind != "parentsituation":
        checked.add(
            i, "valid_from", f"生效日期：{valid_from:%Y-%m-%d} 早于该人员的出生日期 {person.birth_date:%Y-%m-%d}。"
        )
    if valid_from and valid_to and valid_to <= valid_from:
        checked.add(i, "valid_to", "失效日期：应晚于生效日期。")
    if len(cell["note"]) > 200:
        checked.add(i, "note", "备注：不能超过 200 个字符。")
    values = _evidence_values(checked, i, kind, cell)
    if values is None or person is None or i in checked.errors.by_row:
        return None
    return {
        "person_id": person.id,
        "kind": kind,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "values": values,
        "note": cell["note"],
    }


_SEP = "\x1f"


def _key_text(person_id, kind: str, valid_from: str, valid_to: str | None, values_key: str) -> str:
    """Return an evidence row's identity (``_evidence_key``) as one text, for column-wise comparison."""
    return _SEP.join((str(person_id), kind, valid_from, valid_to or "", values_key))


def _values_key(kind: str, values: dict) -> str:
    return _SEP.join(_norm(values.get(name)) for name in EVIDENCE_MODELS[kind].value_fields)


def _may_exist(person_ids: set[int], kinds: set[str]) -> bool:
    """Tell whether any current evidence of ``kinds`` may belong to ``person_ids`` (false: none can).

    Each kind's highest person id is one index read: when it is below the lowest of ``person_ids``
    (persons registered after the last evidence of that kind, as in a county's first load), no row
    of those persons can exist and nothing needs comparing.
    """
    if not person_ids:
        return False
    lowest = min(person_ids)
    with connection.cursor() as cursor:
        for kind in kinds:
            cursor.execute(f"SELECT MAX(person_id) FROM {EVIDENCE_MODELS[kind]._meta.db_table}")
            highest = cursor.fetchone()[0]
            if highest is not None and highest >= lowest:
                return True
    return False


def check_evidence_rowwise(parsed: ParsedFile, actor, *, today: date | None = None) -> Checked:
    """Check an evidence file row by row: the reference ``check_evidence`` is held equal to (tests)."""
    today = today or timezone.localdate()
    cells = _cells(parsed, EVIDENCE)
    n = len(cells)
    checked = Checked(EVIDENCE, parsed.row_numbers, Errors(), [""] * n, [{} for _ in range(n)])
    for index, found in parsed.cell_errors.items():
        for column, message in found:
            checked.errors.add(index, column, f"{column}：{message}")
    persons = _check_persons(checked, cells, actor, today=today, need_household=False)
    keys = np.full(n, None, dtype=object)
    kinds = np.full(n, None, dtype=object)
    for i, cell in enumerate(cells):
        data = _evidence_row(checked, i, cell, persons[i], today)
        if data is not None:
            checked.data[i] = data
            kinds[i] = data["kind"]
            keys[i] = _key_text(
                data["person_id"],
                data["kind"],
                data["valid_from"],
                data["valid_to"],
                _values_key(data["kind"], data["values"]),
            )
    _plan_evidence(checked, keys, kinds)
    return checked


def check_evidence(parsed: ParsedFile, actor, *, today: date | None = None) -> Checked:
    """Check every row of an evidence file; return its errors, planned actions and cleaned values.

    Column-wise: the ID numbers as one array (``check_id_numbers``), the registered persons in one
    query, and every other check once per distinct value (a file of 300,000 rows holds a few hundred
    dates, categories and amounts), its result spread back over the rows. A row any of whose cells
    is not plainly good goes through the row-wise checks (``_person_of_row``, ``_evidence_row``), so
    every message is the one ``check_evidence_rowwise`` gives (held equal by the tests).
    """
    today = today or timezone.localdate()
    table = parsed.table
    n = table.num_rows
    checked = Checked(EVIDENCE, parsed.row_numbers, Errors(), [""] * n, [{} for _ in range(n)])
    for index, found in parsed.cell_errors.items():
        for column, message in found:
            checked.errors.add(index, column, f"{column}：{message}")
    col = {key: pc.utf8_trim_whitespace(table.column(key).combine_chunks()) for key in EVIDENCE.keys}
    ids = pa.array([v.replace(" ", "").upper() for v in col["id_number"].to_pylist()], pa.string())
    ok, _genders, _births = check_id_numbers(ids, checked.errors, today=today)
    # The registered persons, as columns aligned with the rows (null where none).
    good_ids = pc.unique(ids.filter(pa.array(ok)))
    found = _person_rows(good_ids.to_pylist())
    registered = pa.array([r[0] for r in found], pa.string())
    at = pc.index_in(ids, value_set=registered)
    person = {
        name: pc.take(pa.array([r[k] for r in found], type_), at)
        for k, (name, type_) in enumerate(
            [
                ("id_number", pa.string()),
                ("id", pa.int64()),
                ("name", pa.string()),
                ("household_id", pa.int64()),
                ("household_number", pa.string()),
                ("region", pa.string()),
                ("birth_date", pa.date32()),
                ("death_date", pa.date32()),
                ("status", pa.string()),
            ]
        )
    }
    in_scope = _mapped(person["region"], lambda code: region_in_scope(actor, code), pa.bool_())
    example = pc.and_(pc.equal(ids, EXAMPLE_ID), pc.equal(col["name"], EXAMPLE_NAME))
    plain = pc.and_kleene(pa.array(ok), pc.is_valid(at))
    plain = pc.and_kleene(plain, pc.fill_null(in_scope, False))
    plain = pc.and_kleene(plain, pc.and_(pc.not_equal(col["name"], ""), pc.equal(col["name"], person["name"])))
    plain = pc.and_kleene(plain, pc.invert(example))
    # The row's own cells: kind, dates, note, and the kind's values checked once per distinct combination.
    kind = _mapped(col["evidence_type"], _evidence_kind, pa.string())
    valid_from = _mapped(col["valid_from"], _parse_day, pa.date32())
    valid_to = _mapped(col["valid_to"], _parse_day, pa.date32())
    has_to = pc.not_equal(col["valid_to"], "")
    plain = pc.and_kleene(plain, pc.is_valid(kind))
    plain = pc.and_kleene(plain, pc.is_valid(valid_from))
    plain = pc.and_kleene(plain, pc.or_(pc.invert(has_to), pc.is_valid(valid_to)))
    plain = pc.and_kleene(plain, pc.less_equal(valid_from, pa.scalar(today, pa.date32())))
    born_before = pc.or_kleene(pc.is_null(person["birth_date"]), pc.greater_equal(valid_from, person["birth_date"]))
    plain = pc.and_kleene(plain, pc.or_kleene(born_before, pc.equal(kind, "parentsituation")))
    plain = pc.and_kleene(plain, pc.or_kleene(pc.is_null(valid_to), pc.greater(valid_to, valid_from)))
    plain = pc.and_kleene(plain, pc.less_equal(pc.utf8_length(col["note"]), 200))
    value_keys = ("category", "amount", "flag", "text", "quantity", "area", "grade", "card_number", "unable", "parent")
    combo = pc.binary_join_element_wise(pc.fill_null(kind, ""), *(col[k] for k in value_keys), _SEP)
    combos = pc.unique(combo)
    combo_at = pc.index_in(combo, value_set=combos)
    values_json, values_key = [], []
    for text in combos.to_pylist():
        parts = text.split(_SEP)
        if len(parts) != len(value_keys) + 1:  # a cell holding the separator: checked row by row
            values_json.append(None)
            values_key.append(None)
            continue
        combo_kind, cells = parts[0], dict(zip(value_keys, parts[1:], strict=True))
        scratch = Checked(EVIDENCE, np.zeros(1, np.int64), Errors(), [""], [{}])
        values = _evidence_values(scratch, 0, combo_kind, cells) if combo_kind else None
        good = values is not None and not scratch.errors.by_row
        values_json.append(json.dumps(values, ensure_ascii=False) if good else None)
        values_key.append(_values_key(combo_kind, values) if good else None)
    row_values_json = pc.take(pa.array(values_json, pa.string()), combo_at)
    row_values_key = pc.take(pa.array(values_key, pa.string()), combo_at)
    plain = pc.and_kleene(plain, pc.is_valid(row_values_json))
    plain = pc.fill_null(plain, False).to_numpy(zero_copy_only=False)
    if checked.errors.by_row:
        plain[np.fromiter(checked.errors.by_row.keys(), dtype=np.int64)] = False
    # Rows plainly good: their cleaned values and identity, built as text column-wise.
    mask = pa.array(plain)
    person_id = pc.cast(person["id"], pa.string())
    from_text = pc.cast(valid_from, pa.string())
    to_text = pc.cast(valid_to, pa.string())
    data_json = bulk.concat(
        '{"person_id": ',
        person_id,
        ', "kind": "',
        kind,
        '", "valid_from": "',
        from_text,
        '", "valid_to": ',
        pc.if_else(pc.is_valid(valid_to), bulk.concat('"', pc.fill_null(to_text, ""), '"'), "null"),
        ', "values": ',
        row_values_json,
        ', "note": ',
        bulk.json_text(col["note"]),
        "}",
    )
    key = pc.binary_join_element_wise(person_id, kind, from_text, pc.fill_null(to_text, ""), row_values_key, _SEP)
    data_json = pc.if_else(mask, data_json, pa.scalar(None, pa.string())).to_numpy(zero_copy_only=False)
    keys = pc.if_else(mask, key, pa.scalar(None, pa.string())).to_numpy(zero_copy_only=False)
    kinds = pc.if_else(mask, kind, pa.scalar(None, pa.string())).to_numpy(zero_copy_only=False)
    # Every other row: the row-wise checks, which name each problem.
    rest = np.flatnonzero(~plain)
    if len(rest):
        taken = pa.array(rest)
        cells = {k: col[k].take(taken).to_pylist() for k in EVIDENCE.keys}
        numbers = ids.take(taken).to_pylist()
        persons = _persons([v for v, i in zip(numbers, rest, strict=True) if ok[i]])
        for j, i in enumerate(rest):
            cell = {k: cells[k][j] for k in EVIDENCE.keys}
            found_person = _person_of_row(
                checked, int(i), cell, numbers[j], bool(ok[i]), persons.get(numbers[j]), actor, False
            )
            data = _evidence_row(checked, int(i), cell, found_person, today)
            if data is not None:
                checked.data[i] = data
                data_json[i] = json.dumps(data, ensure_ascii=False)
                kinds[i] = data["kind"]
                keys[i] = _key_text(
                    data["person_id"],
                    data["kind"],
                    data["valid_from"],
                    data["valid_to"],
                    _values_key(data["kind"], data["values"]),
                )
    checked.data_json = data_json
    _plan_evidence(checked, keys, kinds)
    return checked


def _mapped(array: pa.Array, function, type_: pa.DataType) -> pa.Array:
    """Apply ``function`` to each distinct value of ``array`` once; return its results row by row."""
    distinct = pc.unique(array)
    results = pa.array([None if v is None else function(v) for v in distinct.to_pylist()], type_)
    return pc.take(results, pc.index_in(array, value_set=distinct))


def _person_rows(id_numbers: list[str]) -> list[tuple]:
    """Return (ID number, id, name, household, household number, region, birth, death, status) rows."""
    return [
        (number, f.id, f.name, f.household_id, f.household_number, f.region, f.birth_date, f.death_date, f.status)
        for number, f in _persons(id_numbers).items()
    ]


def _plan_evidence(checked: Checked, keys: np.ndarray, kinds: np.ndarray) -> None:
    """Refuse a row repeating an earlier one of the file; mark each good row new or already recorded."""
    good = np.flatnonzero(np.array([k is not None for k in keys], dtype=bool)) if len(keys) else np.zeros(0, int)
    good_keys = pa.array(keys[good].tolist(), pa.string())
    distinct = pc.unique(good_keys)
    group = pc.index_in(good_keys, value_set=distinct).to_numpy(zero_copy_only=False)
    _groups, first = np.unique(group, return_index=True)
    first_of = good[first][group]  # the row where each good row's fact first occurs
    repeated = first_of != good
    for i, f in zip(good[repeated], first_of[repeated], strict=True):
        checked.add(int(i), "evidence_type", f"证据类型：与第 {checked.row_numbers[f]} 行内容完全相同。")
    kept = good[~repeated]
    person_ids = {int(k.split(_SEP, 1)[0]) for k in keys[kept]}
    kinds_found = set(kinds[kept])
    # A county's first load: no evidence of these kinds points at these persons or later ones; nothing to read.
    existing = _existing_evidence(person_ids, kinds_found) if _may_exist(person_ids, kinds_found) else set()
    known = pa.array([_key_text(k[0], k[1], k[2], k[3], _SEP.join(k[4])) for k in existing], pa.string())
    unchanged = pc.is_in(pa.array(keys[kept].tolist(), pa.string()), value_set=known).to_numpy(zero_copy_only=False)
    actions = np.full(len(keys), "", dtype=object)
    actions[kept] = np.where(unchanged, "unchanged", "create")
    checked.actions = actions.tolist()
    created = kinds[kept][~unchanged]
    counts = (
        {k: int(c) for k, c in zip(*np.unique(created.astype(str), return_counts=True), strict=True)}
        if len(created)
        else {}
    )
    checked.summary = {
        "evidence_new": len(created),
        "evidence_unchanged": int(unchanged.sum()),
        "evidence_by_kind": {EVIDENCE_TYPE_LABELS[k]: v for k, v in sorted(counts.items())},
    }


def write_evidence(batch: ImportBatch, actor, reason: str) -> dict:
    """Write the batch's new evidence rows (skipping any the registry has meanwhile); return counts."""
    from doudi.audit.models import AuditEvent

    _numbers, actions, data = load_staged(batch)
    wanted = [d for a, d in zip(actions, data, strict=True) if a == "create"]
    existing = _existing_evidence({d["person_id"] for d in wanted}, {d["kind"] for d in wanted})
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    by_kind: dict[str, list] = defaultdict(list)
    seen = set()
    for d in wanted:
        key = _evidence_key(d["person_id"], d["kind"], d["valid_from"], d["valid_to"], d["values"])
        if key in existing or key in seen:
            continue
        seen.add(key)
        model = EVIDENCE_MODELS[d["kind"]]
        by_kind[d["kind"]].append(
            model(
                person_id=d["person_id"],
                valid_from=date.fromisoformat(d["valid_from"]),
                valid_to=date.fromisoformat(d["valid_to"]) if d["valid_to"] else None,
                source="import",
                note=(d.get("note") or reason)[:200],
                recorded_by_id=actor_id,
                **{
                    k: (Decimal(v) if isinstance(v, str) and _is_decimal_field(model, k) else v)
                    for k, v in d["values"].items()
                },
            )
        )
    persons = {
        p["id"]: p
        for p in Person.objects.filter(pk__in={d["person_id"] for d in wanted}).values(
            "id", "name", "household_id", "household__region_id", "hukou_region_id"
        )
    }
    now = timezone.now()
    events = []
    written: dict[str, int] = {}
    for kind, objects in by_kind.items():
        model = EVIDENCE_MODELS[kind]
        created = copy_create(model, objects)
        written[EVIDENCE_TYPE_LABELS[kind]] = len(created)
        for obj in created:
            person = persons[obj.person_id]
            events.append(
                AuditEvent(
                    at=now,
                    actor_id=actor_id,
                    action=f"record_{kind}",
                    target_type=model._meta.model_name,
                    target_id=str(obj.pk) if obj.pk else "",
                    target_label=f"{person['name']}·{model.kind_label}"[:120],
                    household_id=person["household_id"],
                    region_code=person["household__region_id"] or person["hukou_region_id"] or "",
                    changes={},
                    reason=reason[:200],
                )
            )
    copy_create(AuditEvent, events, ids=False)
    return {"evidence_created": sum(written.values()), "evidence_by_kind": written}


def _is_decimal_field(model, name: str) -> bool:
    return model._meta.get_field(name).get_internal_type() == "DecimalField"


# --- roster -------------------------------------------------------------------------------------------


def _programme(text: str) -> str | None:
    text = text.replace(" ", "")
    return (
        ROSTER_PROGRAMMES.get(text)
        or ROSTER_ALIASES.get(text)
        or (text if text in ROSTER_PROGRAMMES.values() else None)
    )


def _month_cell(checked: Checked, i: int, text: str) -> date | None:
    if not text:
        checked.add(i, "start_month", "起始月份：不能为空。")
        return None
    match = _MONTH_RE.match(text)
    if match and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    checked.add(i, "start_month", f"起始月份：“{text[:20]}”不是有效月份（格式 YYYY-MM，如 2024-03）。")
    return None


def _live_enrolments(person_ids: set[int], household_ids: set[int]) -> list[tuple]:
    """Return (id, person, household, programme, amount, start month) of live enrolments of these people/homes."""
    from doudi.cases.models import Enrolment

    found = []
    for field_name, ids in (("person_id__in", sorted(person_ids)), ("household_id__in", sorted(household_ids))):
        for start in range(0, len(ids), 5000):
            found.extend(
                Enrolment.objects.filter(**{field_name: ids[start : start + 5000]})
                .exclude(status="ended")
                .values_list("id", "person_id", "household_id", "programme", "monthly_amount", "start_month")
            )
    return list(set(found))


def _label(programme: str) -> str:
    from doudi.policy.engine.explain import PROGRAMME_LABELS

    return PROGRAMME_LABELS.get(programme, programme)


def check_roster(parsed: ParsedFile, actor, *, today: date | None = None) -> Checked:
    today = today or timezone.localdate()
    cells = _cells(parsed, ROSTER)
    n = len(cells)
    checked = Checked(ROSTER, parsed.row_numbers, Errors(), [""] * n, [{} for _ in range(n)])
    for index, found in parsed.cell_errors.items():
        for column, message in found:
            checked.errors.add(index, column, f"{column}：{message}")
    persons = _check_persons(checked, cells, actor, today=today, need_household=True)
    next_month = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    for i, cell in enumerate(cells):
        programme = _programme(cell["programme"])
        if programme is None:
            text = cell["programme"]
            checked.add(
                i,
                "programme",
                f"救助项目：“{text[:30]}”不是可导入的按月救助项目（可选：{'、'.join(ROSTER_PROGRAMMES)}）。"
                if text
                else "救助项目：不能为空。",
            )
        person = persons[i]
        if cell["household_number"] and person and cell["household_number"] != person.household_number:
            checked.add(
                i,
                "household_number",
                f"户编号：填写为 {cell['household_number'][:20]}，但该人员登记在家庭 {person.household_number}。",
            )
        if len(cell["tier"]) > 40:
            checked.add(i, "tier", "档次/类别：不能超过 40 个字符。")
        amount = None
        if not cell["monthly_amount"]:
            checked.add(i, "monthly_amount", "月金额：不能为空。")
        else:
            amount = _amount_cell(checked, i, "monthly_amount", cell["monthly_amount"])
            if amount is not None and amount == 0:
                checked.add(i, "monthly_amount", "月金额：应大于 0。")
                amount = None
        start = _month_cell(checked, i, cell["start_month"])
        if start and start > next_month:
            checked.add(i, "start_month", f"起始月份：{start:%Y-%m} 晚于下月，名册只能导入正在发放的对象。")
        if start and person and person.birth_date and start < person.birth_date.replace(day=1):
            checked.add(i, "start_month", f"起始月份：{start:%Y-%m} 早于该人员的出生月份。")
        review = _date_cell(checked, i, "next_review", cell["next_review"], required=False)
        if review and start and review < start:
            checked.add(i, "next_review", "下次复核日期：不能早于起始月份。")
        account = cell["bank_account"].replace(" ", "")
        if account and not BANK_RE.match(account):
            checked.add(i, "bank_account", "银行账号：应为 12 至 30 位数字。")
        if account and not cell["bank_name"]:
            checked.add(i, "bank_name", "开户银行：填写了银行账号时不能为空。")
        if len(cell["bank_name"]) > 60:
            checked.add(i, "bank_name", "开户银行：不能超过 60 个字符。")
        if len(cell["account_holder"]) > 50:
            checked.add(i, "account_holder", "账户户名：不能超过 50 个字符。")
        if i in checked.errors.by_row or person is None or programme is None:
            continue
        checked.data[i] = {
            "person_id": person.id,
            "household_id": person.household_id,
            "region": person.region,
            "programme": programme,
            "tier": cell["tier"],
            "amount": str(amount),
            "start_month": start.isoformat(),
            "next_review": review.isoformat() if review else None,
            "bank_name": cell["bank_name"],
            "bank_account": account,
            "account_holder": cell["account_holder"],
        }
    _plan_roster(checked, [d if d else None for d in checked.data])
    return checked


def _plan_roster(checked: Checked, data: list[dict | None], *, key: str = "id_number") -> list[int]:
    """Decide create / unchanged per row against the file and live enrolments; return rows refused here."""
    refused = []
    first_person: dict[tuple, int] = {}
    first_household: dict[tuple, int] = {}
    for i, d in enumerate(data):
        if not d:
            continue
        pk = (d["person_id"], d["programme"])
        if pk in first_person:
            checked.add(i, "programme", f"救助项目：与第 {checked.row_numbers[first_person[pk]]} 行是同一人同一项目。")
            data[i] = None
            refused.append(i)
            continue
        first_person[pk] = i
        if d["programme"] in HOUSEHOLD_PROGRAMMES:
            hk = (d["household_id"], d["programme"])
            if hk in first_household:
                checked.add(
                    i,
                    "programme",
                    f"救助项目：{_label(d['programme'])}按户保障，同户已在第 "
                    f"{checked.row_numbers[first_household[hk]]} 行登记领取人。",
                )
                data[i] = None
                refused.append(i)
                continue
            first_household[hk] = i
    live = _live_enrolments({d["person_id"] for d in data if d}, {d["household_id"] for d in data if d})
    by_person = {(e[1], e[3]): e for e in live}
    by_household = {(e[2], e[3]): e for e in live if e[3] in HOUSEHOLD_PROGRAMMES}
    for i, d in enumerate(data):
        if not d:
            continue
        same = by_person.get((d["person_id"], d["programme"]))
        if same is None and d["programme"] in HOUSEHOLD_PROGRAMMES:
            same = by_household.get((d["household_id"], d["programme"]))
        if same is None:
            checked.actions[i] = "create"
            continue
        if (
            same[1] == d["person_id"]
            and Decimal(str(same[4])) == Decimal(d["amount"])
            and _as_date(same[5]).isoformat() == d["start_month"]
        ):
            checked.actions[i] = "unchanged"
            continue
        who = "该人员" if same[1] == d["person_id"] else "该家庭（另一成员）"
        checked.add(
            i,
            key,
            f"公民身份号码：{who}已在保（{_label(d['programme'])}，月金额 {Decimal(str(same[4])):,.2f} 元，"
            f"起始 {_as_date(same[5]):%Y-%m}），未重复导入；如需调整请办理变更。",
        )
        checked.actions[i] = ""
        refused.append(i)
    checked.summary = {
        "enrolments_new": checked.actions.count("create"),
        "enrolments_unchanged": checked.actions.count("unchanged"),
    }
    return refused


def write_roster(batch: ImportBatch, actor, reason: str) -> tuple[dict, Rows | None]:
    """Enrol the batch's new roster rows; return (counts, None) or (None-ish, stale rows) when some no longer hold."""
    from doudi.audit.models import AuditEvent
    from doudi.cases.models import Enrolment, EnrolmentChange, ReviewKind, ReviewTask, TaskStatus
    from doudi.cases.services.enrolment import AGE_CHECKED, age_check_due, schedule_age_check

    numbers, actions, data = load_staged(batch)
    checked = Checked(ROSTER, numbers, Errors(), list(actions), list(data))
    _plan_roster(checked, [dict(d) for d in data])
    if len(checked.errors):
        return {}, Rows(columns={}, row_numbers=numbers, errors=checked.errors)
    new = [d for a, d in zip(checked.actions, data, strict=True) if a == "create"]
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    # Who is counted: a household programme covers the household's members, a personal one its person.
    households = sorted({d["household_id"] for d in new})
    members: dict[int, list[int]] = defaultdict(list)
    for start in range(0, len(households), 5000):
        for pid, hid in (
            Person.objects.filter(household_id__in=households[start : start + 5000], death_date__isnull=True)
            .order_by("id")
            .values_list("id", "household_id")
        ):
            members[hid].append(pid)
    enrolments = [
        Enrolment(
            household_id=d["household_id"],
            person_id=d["person_id"],
            region_id=d["region"],
            programme=d["programme"],
            tier=d["tier"][:40],
            status="active",
            start_month=date.fromisoformat(d["start_month"]),
            monthly_amount=Decimal(d["amount"]),
            covered=members[d["household_id"]] if d["programme"] in HOUSEHOLD_PROGRAMMES else [d["person_id"]],
            account_holder=d["account_holder"][:50],
        )
        for d in new
    ]
    enrolments = copy_create(Enrolment, enrolments)
    copy_create(
        EnrolmentChange,
        [
            EnrolmentChange(
                enrolment=e,
                effective_month=e.start_month,
                monthly_amount=e.monthly_amount,
                status="active",
                reason=reason[:300],
                created_by_id=actor_id,
            )
            for e in enrolments
        ],
        ids=False,
    )
    # Bank accounts: the roster's is the account paid today.
    bank = {d["person_id"]: (d["bank_name"], d["bank_account"]) for d in new if d["bank_account"]}
    bank_changed = _update_banks(bank, actor_id, reason)
    # Review tasks: the household's next periodic review, as the roster says.
    reviews: dict[int, tuple[date, str]] = {}
    for d in new:
        if d["next_review"]:
            due = date.fromisoformat(d["next_review"])
            if d["household_id"] not in reviews or due < reviews[d["household_id"]][0]:
                reviews[d["household_id"]] = (due, d["region"])
    open_reviews = set()
    ids = sorted(reviews)
    for start in range(0, len(ids), 5000):
        open_reviews.update(
            ReviewTask.objects.filter(
                household_id__in=ids[start : start + 5000], kind=ReviewKind.PERIODIC, status=TaskStatus.OPEN
            ).values_list("household_id", flat=True)
        )
    tasks = [
        ReviewTask(kind=ReviewKind.PERIODIC, household_id=h, region_id=region, due_on=due)
        for h, (due, region) in sorted(reviews.items())
        if h not in open_reviews
    ]
    copy_create(ReviewTask, tasks, ids=False)
    # Children's and tekun support checked at 18, as for an enrolment from a case.
    aged = [e for e in enrolments if e.programme in AGE_CHECKED]
    if aged:
        people = Person.objects.in_bulk([e.person_id for e in aged])
        for e in aged:
            e.person = people[e.person_id]
            due_on = age_check_due(e.person, e.start_month)
            if due_on is not None:
                schedule_age_check(e, due_on=due_on)
    _refresh_payment_warnings(households)
    now = timezone.now()
    names = dict(Person.objects.filter(pk__in=[e.person_id for e in enrolments]).values_list("id", "name"))
    copy_create(
        AuditEvent,
        [
            AuditEvent(
                at=now,
                actor_id=actor_id,
                action="migrate_enrolment",
                target_type="enrolment",
                target_id=str(e.pk),
                target_label=f"{names.get(e.person_id, '')} {_label(e.programme)}"[:120],
                household_id=e.household_id,
                region_code=e.region_id,
                changes={
                    "programme": {"label": "项目", "old": None, "new": _label(e.programme)},
                    "monthly_amount": {"label": "月金额", "old": None, "new": f"{e.monthly_amount:,.2f}"},
                    "start_month": {"label": "起始月份", "old": None, "new": f"{e.start_month:%Y-%m}"},
                },
                reason=reason[:200],
            )
            for e in enrolments
        ],
        ids=False,
    )
    from doudi.registry.imports.roster_review import record_discrepancies

    found = record_discrepancies(batch, enrolments)
    return {
        "enrolments_created": len(enrolments),
        "enrolments_unchanged": checked.actions.count("unchanged"),
        "review_tasks_created": len(tasks),
        "bank_accounts_updated": bank_changed,
        "discrepancies": found["listed"],
        "not_assessed": found["not_assessed"],
    }, None


def _refresh_payment_warnings(household_ids: list[int]) -> None:
    try:
        from doudi.cases.services.payment_checks import refresh_payment_warnings
    except ImportError:  # pragma: no cover - the payment checks arrive with the enrolment warnings
        return
    # One statement on PostgreSQL (the ids as one array); SQLite's statements take a bounded number of parameters.
    step = len(household_ids) if connection.vendor == "postgresql" else 5000
    for start in range(0, len(household_ids), max(step, 1)):
        refresh_payment_warnings(household_ids=household_ids[start : start + step])


def _update_banks(bank: dict[int, tuple[str, str]], actor_id, reason: str) -> int:
    """Set the roster's bank account on persons whose registered one differs; audit each change (masked)."""
    from doudi.audit.models import AuditEvent
    from doudi.core.masking import mask_bank_account

    if not bank:
        return 0
    changed = []
    ids = sorted(bank)
    for start in range(0, len(ids), 5000):
        for person in Person.objects.filter(pk__in=ids[start : start + 5000]).select_related("household"):
            name, account = bank[person.pk]
            if person.bank_account == account and person.bank_name == name:
                continue
            changed.append((person, person.bank_name, person.bank_account))
            person.bank_name, person.bank_account = name, account
    now = timezone.now()
    Person.objects.bulk_update([c[0] for c in changed], ["bank_name", "bank_account"], batch_size=2000)
    if changed:
        Person.objects.filter(pk__in=[c[0].pk for c in changed]).update(updated_at=now)
    copy_create(
        AuditEvent,
        [
            AuditEvent(
                at=now,
                actor_id=actor_id,
                action="update_person",
                target_type="person",
                target_id=str(p.pk),
                target_label=p.name[:120],
                household_id=p.household_id,
                region_code=p.region_code,
                changes={
                    "bank_name": {"label": "开户银行", "old": old_name, "new": p.bank_name},
                    "bank_account": {
                        "label": "银行账号",
                        "old": mask_bank_account(old_account) if old_account else "",
                        "new": mask_bank_account(p.bank_account),
                    },
                },
                reason=reason[:200],
            )
            for p, old_name, old_account in changed
        ],
        ids=False,
    )
    return len(changed)


__all__ = ["MIGRATED", "bulk", "check_evidence", "check_roster", "spec_for", "stage", "write_evidence", "write_roster"]
