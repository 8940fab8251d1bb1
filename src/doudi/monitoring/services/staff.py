"""经办人员名单: a county's civil-affairs and village workers and their declared close relatives.

Kept by the county (``MANAGE_STAFF``) for its own subtree, one at a time through the page's form or
in bulk from a CSV (UTF-8/GBK) or XLSX file in the layout ``STAFF_HEADERS``. A row names a worker
(姓名, 公民身份号码, 职务, 所在地区代码, dates) or, when 所属工作人员身份号码 is filled, one close relative
of that worker (姓名, 公民身份号码, 近亲属关系). Importing is idempotent: a worker is the same record by
(region, ID number), a relative by (worker, ID number); a row that changes nothing writes nothing, and
a row with errors is reported (row, column, reason in Chinese) while the good rows load. Every
change is audited with the ID number masked. A staff list is small (a county's few hundred workers),
so the rows are checked one by one after the ID numbers are checked together; a file is capped at
``MAX_ROWS`` rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, region_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import DomainError
from doudi.core.masking import mask_id_number
from doudi.monitoring.models import StaffMember
from doudi.regions.models import Region, pad_code
from doudi.registry.identity import normalize_id_number, parse_id_number

MAX_ROWS = 20_000
# Header → field, in the template's order; * marks what a worker's row must fill.
STAFF_HEADERS = (
    ("姓名", "name"),
    ("公民身份号码", "id_number"),
    ("职务", "post"),
    ("所在地区代码", "region"),
    ("任职开始日期", "start_on"),
    ("任职结束日期", "end_on"),
    ("近亲属关系", "relation"),
    ("所属工作人员身份号码", "worker_id_number"),
)
RELATIONS = ("配偶", "父母", "子女", "兄弟姐妹", "祖父母", "外祖父母", "孙子女", "外孙子女", "其他近亲属")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


class StaffErrorCode:
    INVALID = "staff_invalid"


def _invalid(label: str, reason: str, field_name: str) -> DomainError:
    return DomainError(StaffErrorCode.INVALID, f"{label}：{reason}。", {"field": field_name})


def parse_day(text: str, label: str, field_name: str) -> date | None:
    """Return the date written as 2026-03-01, 2026/3/1, 20260301 or 2026年3月1日 (None when blank)."""
    text = (text or "").strip().removesuffix(" 00:00:00")
    if not text:
        return None
    m = _DATE.match(text)
    if m:
        y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
        try:
            return date(int(y), int(mo), int(d))
        except ValueError:
            pass
    raise _invalid(label, f"“{text[:20]}”不是有效的日期（应为 2026-03-01 这样的年月日）", field_name)


def _check(actor) -> None:
    check_capability(actor, Capability.MANAGE_STAFF, "您的角色无权维护经办人员名单。")


def _region(actor, code: str) -> Region:
    code = (code or "").strip()
    if not code:
        return actor.region
    if not re.fullmatch(r"\d{6}|\d{9}|\d{12}", code):
        raise _invalid("所在地区代码", f"“{code[:20]}”应为 6、9 或 12 位区划代码", "region")
    region = Region.objects.filter(code=pad_code(code)).first()
    if region is None or not region_in_scope(actor, region.code):
        raise _invalid("所在地区代码", f"“{code}”不存在或不在您的管辖范围内", "region")
    return region


def _fields(name: str, id_number: str, *, today: date) -> tuple[str, str]:
    name = (name or "").strip()
    if not name:
        raise _invalid("姓名", "不能为空", "name")
    if len(name) > 50:
        raise _invalid("姓名", "不能超过 50 个字", "name")
    number = normalize_id_number(id_number or "")
    if not number:
        raise _invalid("公民身份号码", "不能为空", "id_number")
    parse_id_number(number, today=today)
    return name, number


def _audit(actor, staff: StaffMember, action: str, changes: dict) -> None:
    record_event(
        actor,
        action=action,
        target=staff,
        household_id=None,
        region_code=staff.region_id,
        changes={**changes, "id_number": mask_id_number(staff.id_number)},
        label=f"{staff.name}（{staff.post or staff.relation}）",
    )


def _save_worker(actor, region, name, number, post, start_on, end_on) -> tuple[StaffMember, str]:
    """Create or update a worker; return (worker, "created" | "updated" | "unchanged")."""
    staff = StaffMember.objects.filter(region=region, id_number=number, relative_of=None).first()
    values = {"name": name, "post": post, "start_on": start_on, "end_on": end_on}
    if staff is None:
        staff = StaffMember.objects.create(region=region, id_number=number, created_by=actor, **values)
        _audit(actor, staff, "staff_add", {k: str(v or "") for k, v in values.items()})
        return staff, "created"
    changed = {k: [str(getattr(staff, k) or ""), str(v or "")] for k, v in values.items() if getattr(staff, k) != v}
    if not changed:
        return staff, "unchanged"
    for k, v in values.items():
        setattr(staff, k, v)
    staff.save()
    _audit(actor, staff, "staff_change", changed)
    return staff, "updated"


def _save_relative(actor, worker, name, number, relation) -> tuple[StaffMember, str]:
    staff = StaffMember.objects.filter(relative_of=worker, id_number=number).first()
    if staff is None:
        staff = StaffMember.objects.create(
            region=worker.region, relative_of=worker, id_number=number, name=name, relation=relation, created_by=actor
        )
        _audit(actor, staff, "staff_relative_add", {"worker": worker.name, "relation": relation, "name": name})
        return staff, "created"
    if staff.name == name and staff.relation == relation:
        return staff, "unchanged"
    changed = {"name": [staff.name, name], "relation": [staff.relation, relation]}
    staff.name, staff.relation = name, relation
    staff.save()
    _audit(actor, staff, "staff_change", changed)
    return staff, "updated"


def _post_and_dates(post: str, start_on: date | None, end_on: date | None) -> str:
    post = (post or "").strip()
    if not post:
        raise _invalid("职务", "不能为空（如 民政助理员、村委会主任）", "post")
    if len(post) > 60:
        raise _invalid("职务", "不能超过 60 个字", "post")
    if start_on and end_on and end_on < start_on:
        raise _invalid("任职结束日期", "不能早于任职开始日期", "end_on")
    return post


def _relation(relation: str) -> str:
    relation = (relation or "").strip()
    if relation not in RELATIONS:
        raise _invalid("近亲属关系", f"应为 {'、'.join(RELATIONS)} 之一", "relation")
    return relation


@transaction.atomic
def do_add_staff(
    actor,
    *,
    region_code: str,
    name: str,
    id_number: str,
    post: str,
    start_on: date | None = None,
    end_on: date | None = None,
    today: date | None = None,
) -> StaffMember:
    """Add (or update) one worker of the list in the actor's subtree."""
    _check(actor)
    today = today or timezone.localdate()
    name, number = _fields(name, id_number, today=today)
    post = _post_and_dates(post, start_on, end_on)
    region = _region(actor, region_code)
    return _save_worker(actor, region, name, number, post, start_on, end_on)[0]


@transaction.atomic
def do_add_relative(
    actor, worker: StaffMember, *, name: str, id_number: str, relation: str, today: date | None = None
) -> StaffMember:
    """Add (or update) one declared close relative of a listed worker."""
    _check(actor)
    check_in_scope(actor, worker.region_id, "工作人员")
    if worker.relative_of_id is not None:
        raise _invalid("工作人员", "只能为名单中的工作人员登记近亲属", "worker")
    name, number = _fields(name, id_number, today=today or timezone.localdate())
    return _save_relative(actor, worker, name, number, _relation(relation))[0]


@transaction.atomic
def do_end_staff(actor, staff: StaffMember, *, end_on: date) -> StaffMember:
    """Record the end of a worker's post (the rule then stops counting them after that day)."""
    _check(actor)
    check_in_scope(actor, staff.region_id, "工作人员")
    if staff.relative_of_id is not None:
        staff = staff.relative_of
    if staff.start_on and end_on < staff.start_on:
        raise _invalid("任职结束日期", "不能早于任职开始日期", "end_on")
    old = staff.end_on
    staff.end_on = end_on
    staff.save(update_fields=["end_on", "updated_at"])
    _audit(actor, staff, "staff_change", {"end_on": [str(old or ""), str(end_on)]})
    return staff


@dataclass
class StaffImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column, reason)

    @property
    def message(self) -> str:
        text = f"新增 {self.created} 人，更新 {self.updated} 人，未变化 {self.unchanged} 人"
        return text + (f"，问题行 {len({r for r, _, _ in self.errors})} 行（见下表）。" if self.errors else "。")


def _read(source, file_name: str):
    """Return (headers, rows as lists of text, row numbers) of an uploaded CSV or XLSX file."""
    from doudi.verification.feeds import loading

    spooled, _checksum = loading._spool(source, Path(file_name).suffix[:10])
    try:
        with open(spooled, "rb") as handle:
            head = handle.read(8)
        if not head:
            raise _invalid("文件", "文件为空", "file")
        try:
            kind = loading.detect_kind(file_name, head)
            if kind == "parquet":
                raise _invalid("文件", "请上传 CSV 或 XLSX 文件", "file")
            raw = {"csv": loading.read_csv, "xlsx": loading.read_xlsx}[kind](spooled)
        except DomainError as exc:
            raise DomainError(StaffErrorCode.INVALID, exc.message, {"field": "file"}) from None
    finally:
        spooled.unlink(missing_ok=True)
    n = len(raw.row_numbers)
    if n > MAX_ROWS:
        raise _invalid("文件", f"最多 {MAX_ROWS:,} 行，本文件 {n:,} 行", "file")
    columns = [c.to_pylist() for c in raw.columns]
    rows = [[col[i] or "" for col in columns] for i in range(n)]
    return raw.headers, rows, [int(x) for x in raw.row_numbers], getattr(raw, "wrong_width", [])


def do_import_staff(actor, source, *, file_name: str, today: date | None = None) -> StaffImportResult:
    """Import a staff list file; the good rows are saved, each bad row is reported with its reason."""
    from doudi.verification.feeds.loading import normalize_header

    _check(actor)
    today = today or timezone.localdate()
    headers, rows, numbers, wrong_width = _read(source, file_name)
    wanted = {normalize_header(h): key for h, key in STAFF_HEADERS}
    position = {}
    for i, h in enumerate(headers):
        key = wanted.get(normalize_header(h))
        if key and key not in position:
            position[key] = i
    missing = [h for h, key in STAFF_HEADERS[:3] if key not in position]
    if missing:
        raise _invalid("文件", f"缺少列：{'、'.join(missing)}（请使用名单模板）", "file")
    result = StaffImportResult()
    result.errors += [(line, "", f"该行的列数与表头（{len(headers)} 列）不一致") for line in wrong_width]
    header_of = dict((key, h) for h, key in STAFF_HEADERS)

    def cell(row, key: str) -> str:
        i = position.get(key)
        return (row[i] if i is not None and i < len(row) else "").strip()

    # Workers first, then relatives (a relative's worker may come later in the file).
    ordered = sorted(zip(numbers, rows, strict=True), key=lambda nr: bool(cell(nr[1], "worker_id_number")))
    for line, row in ordered:
        try:
            with transaction.atomic():
                outcome = _import_row(actor, row, cell, today)
        except DomainError as exc:
            column = header_of.get(exc.extra.get("field", ""), "")
            result.errors.append((line, column, exc.message))
            continue
        setattr(result, outcome, getattr(result, outcome) + 1)
    result.errors.sort()
    return result


def _import_row(actor, row, cell, today: date) -> str:
    name, number = _fields(cell(row, "name"), cell(row, "id_number"), today=today)
    worker_number = cell(row, "worker_id_number")
    if worker_number:
        worker_number = normalize_id_number(worker_number)
        workers = StaffMember.objects.filter(id_number=worker_number, relative_of=None).select_related("region")
        worker = next((w for w in workers if region_in_scope(actor, w.region_id)), None)
        if worker is None:
            raise _invalid("所属工作人员身份号码", "名单中没有这名工作人员（请先登记工作人员本人）", "worker_id_number")
        return _save_relative(actor, worker, name, number, _relation(cell(row, "relation")))[1]
    start_on = parse_day(cell(row, "start_on"), "任职开始日期", "start_on")
    end_on = parse_day(cell(row, "end_on"), "任职结束日期", "end_on")
    post = _post_and_dates(cell(row, "post"), start_on, end_on)
    region = _region(actor, cell(row, "region"))
    return _save_worker(actor, region, name, number, post, start_on, end_on)[1]


def template_rows() -> list[list[str]]:
    """The import template: the headers and two example rows (a worker and the worker's spouse)."""
    return [
        [h for h, _ in STAFF_HEADERS],
        ["张三", "430981198001010010", "民政助理员", "430981114000", "2020-01-01", "", "", ""],
        ["李四", "430981198203040023", "", "", "", "", "配偶", "430981198001010010"],
    ]


def now_label() -> str:
    return datetime.now().strftime("%Y%m%d")
