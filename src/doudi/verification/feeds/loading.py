"""Loading a department file into a batch: read, map columns, check every row, keep the good rows as Parquet.

The steps, each over the whole file at once:

1. The file is copied to a temporary file while its SHA-256 is computed. The same file (same checksum)
   already current for the same department, period and region returns that batch unchanged.
2. It is read into a table of text columns: CSV (UTF-8, UTF-8 with BOM or GBK/GB18030 — detected,
   never guessed: a file that is not valid UTF-8 is read as GB18030, so GBK text never turns into
   mojibake), XLSX (first worksheet) or Parquet. The headers are mapped to the canonical columns by
   their Chinese header, their English code, or the bureau's own names (``FeedMapping``). A missing
   required column refuses the whole file, naming the columns found that were not recognised.
3. ID numbers are checked with the registry's vectorised check (``registry.imports.checks``); the
   other columns are parsed and checked in one DuckDB query (dates, months, amounts, integers, yes/no,
   required cells, ranges), which also lists each problem with row, column, value and a Chinese reason.
4. The rows' people are looked up in the registry (by ID number, in chunks): a person registered
   outside the batch's region is set aside; a registered person's rows carry their household's
   village code (``region_code``), so a township sees only its own people's rows.
5. The good rows are written by DuckDB as one Parquet file; the batch, its set-aside rows and the
   superseding of the earlier batch are written in one transaction (the file is removed if it fails).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from doudi.core.errors import DomainError
from doudi.regions.models import Region, pad_code, prefix_of
from doudi.verification.feeds import schemas as S
from doudi.verification.feeds.storage import absolute_path, relative_path
from doudi.verification.models import BatchStatus, FeedBatch, FeedMapping, FeedRowError

MAX_STORED_ERRORS = 100_000
PARQUET_MAGIC = b"PAR1"
XLSX_MAGIC = b"PK\x03\x04"
PERIOD_RE = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")


class FeedErrorCode(StrEnum):
    FILE_INVALID = "feed_file_invalid"
    COLUMNS = "feed_columns"
    DEPARTMENT = "feed_department"
    PERIOD = "feed_period"
    REGION = "feed_region"


def _error(code: FeedErrorCode, message: str, field: str = "file") -> DomainError:
    return DomainError(code, message, {"field": field})


@dataclass
class LoadResult:
    batch: FeedBatch
    unchanged: bool = False  # the same file was already the current batch
    superseded: FeedBatch | None = None
    ignored_headers: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)  # seconds by phase (benchmarks)

    @property
    def message(self) -> str:
        b = self.batch
        if self.unchanged:
            return f"该文件此前已上传（第{b.pk}批），数据未变化。"
        text = f"已导入第{b.pk}批：共 {b.row_count:,} 行，有效 {b.good_count:,} 行，问题行 {b.bad_count:,} 行。"
        if self.superseded:
            text += f"同期原第{self.superseded.pk}批已被替代。"
        if self.ignored_headers:
            text += "未识别的列已忽略：" + "、".join(self.ignored_headers) + "。"
        return text


# --- checks on the request ---------------------------------------------------------------------------


def check_department(department: str) -> S.FeedSchema:
    if department not in S.SCHEMAS:
        known = "、".join(f"{s.code}（{s.label}）" for s in S.SCHEMAS.values())
        raise _error(FeedErrorCode.DEPARTMENT, f"数据类型“{department}”不存在。可选：{known}", "department")
    return S.SCHEMAS[department]


def check_period(period: str) -> str:
    period = (period or "").strip()
    if not PERIOD_RE.match(period):
        raise _error(FeedErrorCode.PERIOD, f"所属期“{period}”格式不对：应为年-月，如 2026-03。", "period")
    return period


def batch_region(actor, region_code: str | None) -> Region:
    """Return the region of the batch: the given code (inside the actor's region) or the actor's own."""
    from doudi.accounts.scope import region_in_scope

    if region_code:
        code = pad_code(region_code.strip())
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise _error(FeedErrorCode.REGION, f"地区代码“{region_code}”不存在。", "region")
        if actor is not None and not region_in_scope(actor, region.code):
            raise _error(FeedErrorCode.REGION, f"地区“{region.name}”不在您的管辖范围内。", "region")
        return region
    if actor is None or not getattr(actor, "region_id", None):
        raise _error(FeedErrorCode.REGION, "请指定数据所属地区（--region）。", "region")
    return actor.region


# --- reading -------------------------------------------------------------------------------------------


def _spool(source, suffix: str) -> tuple[Path, str]:
    """Copy ``source`` (path, bytes or binary file) to a temporary file; return (path, sha256)."""
    digest = hashlib.sha256()
    handle = tempfile.NamedTemporaryFile(prefix="feed-", suffix=suffix, delete=False)  # noqa: SIM115
    with handle:
        if isinstance(source, bytes | bytearray):
            stream: BinaryIO = io.BytesIO(source)
        elif isinstance(source, str | Path):
            stream = open(source, "rb")  # noqa: SIM115
        else:
            stream = source
            if hasattr(stream, "seek"):
                stream.seek(0)
        try:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
                handle.write(chunk)
        finally:
            if isinstance(source, str | Path):
                stream.close()
    return Path(handle.name), digest.hexdigest()


def detect_kind(name: str, head: bytes) -> str:
    lowered = name.lower()
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if lowered.endswith((".xlsx", ".xlsm")):
        raise _error(
            FeedErrorCode.FILE_INVALID, f"文件“{name}”已损坏或不是完整的 XLSX 文件：请用 Excel 重新保存后上传。"
        )
    if lowered.endswith(".parquet"):
        raise _error(FeedErrorCode.FILE_INVALID, f"文件“{name}”已损坏或不是 Parquet 文件。")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(FeedErrorCode.FILE_INVALID, "不支持 Excel 97-2003（.xls）格式：请另存为 .xlsx 或 CSV 后上传。")
    if lowered.endswith((".csv", ".txt")) or not lowered.rpartition(".")[1]:
        if b"\x00" in head[:4096]:
            raise _error(FeedErrorCode.FILE_INVALID, f"文件“{name}”不是文本格式的 CSV 文件（UTF-16 请另存为 UTF-8）。")
        return "csv"
    raise _error(FeedErrorCode.FILE_INVALID, f"文件类型不支持：“{name}”。请上传 CSV、XLSX 或 Parquet 文件。")


@dataclass
class RawTable:
    headers: list[str]
    columns: list[pa.Array]  # text, one per header
    row_numbers: np.ndarray
    encoding: str = ""


def _empty_file() -> DomainError:
    return _error(FeedErrorCode.FILE_INVALID, "文件为空：没有表头或数据行。")


def read_csv(path: Path) -> RawTable:
    from doudi.registry.imports.parsing import UTF8_BOM_LABEL, detect_encoding

    with open(path, "rb") as stream:
        try:
            label, start, nonblank = detect_encoding(stream)
        except DomainError as exc:
            raise _error(FeedErrorCode.FILE_INVALID, exc.message) from None
    if not nonblank:
        raise _empty_file()
    codec = "utf-8" if label.startswith("UTF-8") else "gb18030"
    with open(path, "rb") as stream:
        stream.seek(start)
        first = stream.read(1 << 16).decode(codec, errors="ignore")
    header_line = next(csv.reader(io.StringIO(first.split("\n", 1)[0].rstrip("\r"))), [])
    if not header_line:
        raise _empty_file()
    names = [f"c{i}" for i in range(len(header_line))]
    skipped: list[int] = []

    def on_invalid(row) -> str:
        skipped.append(row.number or 0)  # a row of the wrong width: reported as a bad row
        return "skip"

    read_options = pacsv.ReadOptions(
        column_names=names,
        skip_rows=1,
        encoding="utf8" if codec == "utf-8" else "gb18030",
        use_threads=False,
        skip_rows_after_names=0,
    )
    if label == UTF8_BOM_LABEL:
        read_options.encoding = "utf8"  # Arrow drops the UTF-8 byte-order mark itself
    try:
        table = pacsv.read_csv(
            path,
            read_options=read_options,
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _error(FeedErrorCode.FILE_INVALID, f"CSV 文件无法读取：{str(exc)[:120]}") from None
    # Line numbers of the rows read: every line from 2 on, less the lines skipped above; blank lines dropped.
    total = table.num_rows + len(skipped)
    lines = np.arange(2, 2 + total, dtype=np.int64)
    if skipped:
        keep_lines = np.ones(total, dtype=bool)
        keep_lines[np.array([n - 2 for n in skipped if 2 <= n < 2 + total], dtype=np.int64)] = False
        lines = lines[keep_lines]
    columns = [table.column(n).combine_chunks() for n in names]
    # A blank row is blank in its first column: the other columns are looked at only for those rows.
    candidates = (
        np.flatnonzero(pc.equal(pc.utf8_trim_whitespace(columns[0]), "").to_numpy(zero_copy_only=False))
        if columns[0] is not None and len(columns[0])
        else np.zeros(0, dtype=np.int64)
    )
    blank = np.zeros(table.num_rows, dtype=bool)
    if len(candidates):
        still = np.ones(len(candidates), dtype=bool)
        taken = pa.array(candidates)
        for column in columns[1:]:
            still &= pc.equal(pc.utf8_trim_whitespace(column.take(taken)), "").to_numpy(zero_copy_only=False)
        blank[candidates[still]] = True
    if blank.any():
        keep = pa.array(~blank)
        columns = [c.filter(keep) for c in columns]
        lines = lines[: table.num_rows][~blank]
    raw = RawTable(header_line, columns, lines[: len(columns[0])], label)
    raw.wrong_width = sorted(n for n in skipped if n)  # type: ignore[attr-defined]
    return raw


def read_xlsx(path: Path) -> RawTable:
    from openpyxl import load_workbook

    from doudi.registry.imports.parsing import _cell_text, check_xlsx_archive

    broken = "无法读取 XLSX 文件：文件已损坏、不完整或不是 Excel 工作簿，请用 Excel 重新保存后上传。"
    with open(path, "rb") as stream:
        try:
            check_xlsx_archive(stream)
        except DomainError as exc:
            raise _error(FeedErrorCode.FILE_INVALID, exc.message) from None
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True, keep_links=False)
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [_cell_text(v).strip() for v in next(rows, ())]
            while header and not header[-1]:
                header.pop()
            if not header:
                raise _empty_file()
            width = len(header)
            cells: list[list[str]] = [[] for _ in range(width)]
            numbers: list[int] = []
            for line, row in enumerate(rows, start=2):  # reading a worksheet is row by row by nature
                texts = [_cell_text(v) for v in row[:width]]
                if not any(t.strip() for t in texts):
                    continue
                texts += [""] * (width - len(texts))
                for i, t in enumerate(texts):
                    cells[i].append(t)
                numbers.append(line)
            workbook.close()
        except DomainError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise _error(FeedErrorCode.FILE_INVALID, broken) from exc
    return RawTable(header, [pa.array(c, pa.string()) for c in cells], np.array(numbers, dtype=np.int64), "")


def read_parquet(path: Path) -> RawTable:
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        raise _error(FeedErrorCode.FILE_INVALID, "无法读取 Parquet 文件：文件已损坏或不完整。") from exc
    columns = []
    for column in table.columns:
        column = column.combine_chunks()
        if pa.types.is_timestamp(column.type):
            column = pc.cast(column, pa.date32())
        columns.append(pc.fill_null(pc.cast(column, pa.string()), ""))
    # A Parquet file has no header line: row N is the N-th record.
    return RawTable(list(table.column_names), columns, np.arange(1, table.num_rows + 1, dtype=np.int64), "")


# --- headers --------------------------------------------------------------------------------------------


def normalize_header(value: str) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).replace("\ufeff", "")
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"[（(]必填[)）]|\*", "", text)
    return text.lower()


def mapping_for(region: Region, department: str) -> dict[str, str]:
    """The bureau's column names (partner header → canonical code), the nearest region's mapping winning."""
    code = region.code
    prefix = prefix_of(code)
    chain = [pad_code(code[:n]) for n in (2, 4, 6, 9, 12) if n <= len(prefix)]
    found = {m.region_id: m.columns for m in FeedMapping.objects.filter(department=department, region_id__in=chain)}
    merged: dict[str, str] = {}
    for c in chain:
        merged.update(found.get(c, {}))
    return merged


def map_headers(schema: S.FeedSchema, headers: list[str], mapping: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Return {canonical code: position} and the headers left unrecognised; refuse missing or doubled columns."""
    lookup: dict[str, str] = {}
    for c in schema.columns:
        lookup[normalize_header(c.header)] = c.code
        lookup[normalize_header(c.code)] = c.code
    for partner, code in mapping.items():
        if code in schema.column_codes:
            lookup[normalize_header(partner)] = code
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, h in enumerate(headers):
        key = normalize_header(h)
        if not key:
            continue
        code = lookup.get(key)
        if code is None:
            unknown.append(str(h).strip())
            continue
        if code in positions:
            raise _error(
                FeedErrorCode.COLUMNS,
                f"第1行（表头）：第 {positions[code] + 1} 列和第 {i + 1} 列"
                f"都对应“{schema.column(code).header}”，请只保留一列。",
            )
        positions[code] = i
    missing = [schema.column(c).header for c in schema.required_codes if c not in positions]
    if missing:
        message = f"第1行（表头）：缺少必填列“{'”、“'.join(missing)}”（{schema.label}）。"
        if unknown:
            message += f"文件中无法识别的列：“{'”、“'.join(unknown[:10])}”"
            message += "——如为本单位的列名，请在“列名对照”中对应到标准列名后重新上传"
            if not positions:
                message += "；如列名显示为乱码，请检查文件编码（支持 UTF-8 和 GBK）或是否选错了数据类型"
            message += "。"
        raise _error(FeedErrorCode.COLUMNS, message)
    return positions, unknown


# --- the checks -----------------------------------------------------------------------------------------

_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"]
_MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y%m", "%Y.%m", "%Y年%m月", *_DATE_FORMATS]
_TRUE = ("是", "y", "yes", "true", "1", "有", "√")
_FALSE = ("否", "n", "no", "false", "0", "无", "×")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values) -> str:
    return "[" + ", ".join(_sql_str(v) for v in values) + "]"


def _column_sql(col: S.Column) -> tuple[str, str]:
    """Return (parsed value expression, error expression) over the text column ``col.code``."""
    v = f"NULLIF(TRIM({col.code}), '')"
    required = f"WHEN {v} IS NULL THEN '不能为空'" if col.required else f"WHEN {v} IS NULL THEN NULL"
    t = col.type
    if t in (S.TEXT, S.CODE, S.ID):
        parsed = v if t != S.ID else f"UPPER({v})"
        return parsed, f"CASE {required} ELSE NULL END"
    if t in (S.DATE, S.MONTH):
        fmts = _DATE_FORMATS if t == S.DATE else _MONTH_FORMATS
        text = f"regexp_replace({v}, ' 00:00:00$', '')"
        parsed = f"CAST(TRY_STRPTIME({text}, {_sql_list(fmts)}) AS DATE)"
        if t == S.MONTH:
            parsed = f"CAST(date_trunc('month', {parsed}) AS DATE)"
        example = "2026-03-01 这样的年月日" if t == S.DATE else "2026-03 这样的年月"
        what = "日期" if t == S.DATE else "年月"
        bad = f"'“' || {v} || '”不是有效的{what}（应为 {example}）'"
        err = f"CASE {required} WHEN {parsed} IS NULL THEN {bad} ELSE NULL END"
        return parsed, err
    if t in (S.AMOUNT, S.DECIMAL, S.INT):
        clean = f"regexp_replace({v}, '[,，¥￥元\\s]', '', 'g')"
        if t == S.INT:
            shape = f"regexp_full_match({clean}, '-?[0-9]+(\\.0+)?')"
            parsed = f"CASE WHEN {shape} THEN TRY_CAST(split_part({clean}, '.', 1) AS BIGINT) END"
            what = "整数"
        else:
            dbl = f"TRY_CAST({clean} AS DOUBLE)"
            shape = (
                f"(regexp_full_match({clean}, '-?[0-9]+(\\.[0-9]{{1,2}})?') "
                f"OR (regexp_full_match({clean}, '-?[0-9]+\\.[0-9]+') AND abs({dbl} - round({dbl}, 2)) < 1e-6))"
            )
            parsed = f"CASE WHEN {shape} THEN TRY_CAST(round({dbl}, 2) AS DECIMAL(14,2)) END"
            what = "金额（元，最多两位小数）" if t == S.AMOUNT else "数值（最多两位小数）"
        checks = [required, f"WHEN {parsed} IS NULL THEN '“' || {v} || '”不是有效的{what}'"]
        if col.minimum is not None:
            checks.append(f"WHEN {parsed} < {col.minimum} THEN '“' || {v} || '”小于下限 {col.minimum:g}'")
        else:
            checks.append(f"WHEN {parsed} < 0 THEN '“' || {v} || '”不能为负数'")
        if col.maximum is not None:
            checks.append(f"WHEN {parsed} > {col.maximum} THEN '“' || {v} || '”超过上限 {col.maximum:g}'")
        return parsed, f"CASE {' '.join(checks)} ELSE NULL END"
    if t == S.BOOL:
        low = f"lower({v})"
        parsed = f"CASE WHEN {low} IN {tuple(_TRUE)} THEN TRUE WHEN {low} IN {tuple(_FALSE)} THEN FALSE END"
        err = f"CASE {required} WHEN {parsed} IS NULL THEN '“' || {v} || '”应填 是 或 否' ELSE NULL END"
        return parsed, err
    raise ValueError(t)  # pragma: no cover


def _id_errors(ids: pa.Array, today: date) -> pa.Array:
    """Return, per row, the registry's message for an invalid ID number (or null): the registry's own check.

    Each distinct ID number is checked once (a feed names the same person on many rows).
    """
    from doudi.registry.imports.checks import Errors, check_id_numbers

    encoded = pc.dictionary_encode(pc.utf8_upper(pc.utf8_trim_whitespace(ids)))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary
    errors = Errors()
    check_id_numbers(distinct, errors, today=today)
    messages: list[str | None] = [None] * len(distinct)
    for index, found in errors.by_row.items():
        message = found[0][1]
        messages[index] = message.split("：", 1)[1] if message.startswith("公民身份号码：") else message
    return pa.array(messages, pa.string()).take(encoded.indices)


# --- the whole load -------------------------------------------------------------------------------------


def load_feed(
    actor,
    source,
    *,
    file_name: str,
    department: str,
    period: str,
    region_code: str | None = None,
    channel: str = "web",
    today: date | None = None,
) -> LoadResult:
    """Load one department file as a batch; raise ``DomainError`` (nothing written) for a file that cannot be read."""
    schema = check_department(department)
    period = check_period(period)
    region = batch_region(actor, region_code)
    today = today or timezone.localdate()
    suffix = Path(file_name).suffix[:10]
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    spooled, checksum = _spool(source, suffix)
    timings["spool"] = time.perf_counter() - clock
    try:
        same = FeedBatch.objects.filter(
            department=department, period=period, region=region, checksum=checksum, status=BatchStatus.CURRENT
        ).first()
        if same is not None:
            return LoadResult(same, unchanged=True)
        with open(spooled, "rb") as handle:
            head = handle.read(8)
        if not head:
            raise _empty_file()
        kind = detect_kind(file_name, head)
        clock = time.perf_counter()
        raw = {"csv": read_csv, "xlsx": read_xlsx, "parquet": read_parquet}[kind](spooled)
        timings["read"] = time.perf_counter() - clock
        mapping = mapping_for(region, department)
        positions, unknown = map_headers(schema, raw.headers, mapping)
        return _check_and_store(
            actor, schema, raw, positions, unknown, region=region, period=period, file_name=file_name,
            kind=kind, checksum=checksum, mapping=mapping, channel=channel, today=today, timings=timings,
        )  # fmt: skip
    finally:
        spooled.unlink(missing_ok=True)


def _registry_people(ids: pa.Array) -> pa.Table:
    """(id_number, person_id, person_region) of the registered people among ``ids``, in bulk, no ORM objects.

    On PostgreSQL the ID numbers go in with one ``COPY … FROM STDIN`` into a temporary table and the
    matches come back with one ``COPY … TO STDOUT`` (a join in the database); elsewhere (SQLite) plain
    ``IN`` queries of 5,000 placeholders.
    """
    from django.db import connection

    from doudi.policy.simulation.extract import _read_postgresql
    from doudi.registry.models import Household, Person

    person, household = Person._meta.db_table, Household._meta.db_table
    columns = f"SELECT p.id_number, p.id, COALESCE(h.region_id, p.hukou_region_id, '') FROM {person} p "
    columns += f"LEFT JOIN {household} h ON h.id = p.household_id "
    spec = (("id_number", "text"), ("person_id", "int"), ("person_region", "text"))
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        pacsv.write_csv(pa.table({"id_number": ids}), buffer, pacsv.WriteOptions(include_header=False))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS feed_ids")  # a second load inside one outer transaction
            cursor.execute("CREATE TEMPORARY TABLE feed_ids (id_number text) ON COMMIT DROP")
            with cursor.cursor.copy("COPY feed_ids (id_number) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
            cursor.execute("ANALYZE feed_ids")
            return _read_postgresql(columns + "JOIN feed_ids f ON f.id_number = p.id_number", [], spec)
    found: list[tuple] = []
    values = ids.to_pylist()
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5_000):
            chunk = values[start : start + 5_000]
            cursor.execute(columns + f"WHERE p.id_number IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.extend(cursor.fetchall())
    return pa.table(
        {
            "id_number": pa.array([r[0] for r in found], pa.string()),
            "person_id": pa.array([r[1] for r in found], pa.int64()),
            "person_region": pa.array([r[2] or "" for r in found], pa.string()),
        }
    )


def _check_and_store(
    actor,
    schema,
    raw: RawTable,
    positions,
    unknown,
    *,
    region,
    period,
    file_name,
    kind,
    checksum,
    mapping,
    channel,
    today,
    timings: dict[str, float] | None = None,
) -> LoadResult:
    timings = {} if timings is None else timings
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    n = len(raw.row_numbers)
    wrong_width = list(getattr(raw, "wrong_width", []))
    data: dict[str, pa.Array] = {"row_number": pa.array(raw.row_numbers, pa.int64())}
    for col in schema.columns:
        if col.code in positions:
            data[col.code] = raw.columns[positions[col.code]]
        else:
            data[col.code] = pa.nulls(n, pa.string())
    id_cols = [c.code for c in schema.columns if c.type == S.ID]
    for code in id_cols:
        present = pc.fill_null(data[code], "")
        errors = _id_errors(present, today)
        if not schema.column(code).required:  # an optional ID number may be blank
            errors = pc.if_else(pc.equal(pc.utf8_trim_whitespace(present), ""), pa.nulls(n, pa.string()), errors)
        data[f"{code}__id_error"] = errors
    lap("id_numbers")
    con = duckdb.connect()
    try:
        con.register("raw_in", pa.table(data))
        selects = ["row_number"]
        errors_sql = []
        for col in schema.columns:
            parsed, err = _column_sql(col)
            if col.type == S.ID:
                err = f"COALESCE({col.code}__id_error, {err})"
            selects.append(f"{parsed} AS {col.code}")
            selects.append(f"{err} AS {col.code}__err")
            selects.append(f"{col.code} AS {col.code}__raw")
            errors_sql.append(
                f"SELECT row_number, {_sql_str(col.header)} AS col, left({col.code}__raw, 200) AS value, "
                f"{col.code}__err AS reason FROM parsed WHERE {col.code}__err IS NOT NULL"
            )
        con.execute(f"CREATE TEMP TABLE parsed AS SELECT {', '.join(selects)} FROM raw_in")
        lap("parse")
        con.execute(f"CREATE TEMP TABLE errs AS {' UNION ALL '.join(errors_sql)}")
        lap("errors")
        for line in wrong_width:
            con.execute(
                "INSERT INTO errs VALUES (?, '', '', ?)", [line, f"该行的列数与表头（{len(raw.headers)} 列）不一致"]
            )
        ids = con.sql(
            "SELECT DISTINCT id_number FROM parsed WHERE row_number NOT IN (SELECT row_number FROM errs)"
        ).to_arrow_table()
        con.register("people", _registry_people(ids.column("id_number").combine_chunks()))
        lap("registry")
        regions = Region.objects.filter(code__in=_outside_codes(con, region)).values_list("code", "name")
        con.register("region_names", pa.table({"code": [c for c, _ in regions], "name": [nm for _, nm in regions]}))
        prefix = prefix_of(region.code)
        con.execute(
            f"""
            INSERT INTO errs
            SELECT p.row_number, '公民身份号码', p.id_number,
                   '该人员登记在' || COALESCE(rn.name, '其他地区') || '（' || pe.person_region || '），'
                   || '不在本批数据的地区（{region.name}）范围内，已剔除'
            FROM parsed p JOIN people pe USING (id_number)
            LEFT JOIN region_names rn ON rn.code = pe.person_region
            WHERE pe.person_region <> '' AND NOT starts_with(pe.person_region, {_sql_str(prefix)})
              AND p.row_number NOT IN (SELECT row_number FROM errs)
            """
        )
        bad_rows = con.execute("SELECT count(DISTINCT row_number) FROM errs").fetchone()[0]
        err_rows = con.execute(
            "SELECT row_number, col, COALESCE(value, ''), reason FROM errs ORDER BY row_number, col LIMIT ?",
            [MAX_STORED_ERRORS],
        ).fetchall()
        lap("scope")
        with transaction.atomic():
            old = (
                FeedBatch.objects.select_for_update()
                .filter(department=schema.code, period=period, region=region, status=BatchStatus.CURRENT)
                .first()
            )
            if old is not None:
                if old.checksum == checksum:  # loaded meanwhile by another upload of the same file
                    return LoadResult(old, unchanged=True)
                old.status = BatchStatus.SUPERSEDED
                old.superseded_at = timezone.now()
                old.save(update_fields=["status", "superseded_at"])
            batch = FeedBatch.objects.create(
                department=schema.code,
                period=period,
                region=region,
                file_name=file_name[:255],
                file_format=kind,
                encoding=raw.encoding,
                checksum=checksum,
                row_count=n + len(wrong_width),
                good_count=n + len(wrong_width) - bad_rows,
                bad_count=bad_rows,
                mapping=mapping,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
                channel=channel,
            )
            FeedRowError.objects.bulk_create(
                [
                    FeedRowError(batch=batch, row_number=r, column=c[:64], value=(v or "")[:200], reason=m[:300])
                    for r, c, v, m in err_rows
                ]
                + [
                    FeedRowError(batch=batch, row_number=1, column=h[:64], reason="无法识别的列，已忽略")
                    for h in unknown
                ],
                batch_size=5000,
            )
            rel = relative_path(schema.code, period, batch.pk)
            target = absolute_path(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".tmp")
            casts = ", ".join(f"CAST(p.{c.code} AS {S.DUCKDB_TYPES[c.type]}) AS {c.code}" for c in schema.columns)
            con.execute(
                f"""
                COPY (
                    SELECT {casts}, CAST({batch.pk} AS BIGINT) AS batch_id, p.row_number,
                           pe.person_id, COALESCE(NULLIF(pe.person_region, ''), {_sql_str(region.code)}) AS region_code
                    FROM parsed p LEFT JOIN people pe USING (id_number)
                    WHERE p.row_number NOT IN (SELECT row_number FROM errs)
                    ORDER BY p.row_number
                ) TO {_sql_str(str(temporary))} (FORMAT parquet)
                """
            )
            lap("parquet")
            os.replace(temporary, target)
            try:
                batch.parquet_path = rel
                batch.save(update_fields=["parquet_path"])
                if old is not None:
                    old.superseded_by = batch
                    old.save(update_fields=["superseded_by"])
                _audit_load(actor, batch)
            except Exception:
                target.unlink(missing_ok=True)
                raise
        lap("commit")
        return LoadResult(batch, superseded=old, ignored_headers=tuple(unknown), timings=timings)
    finally:
        con.close()


def _outside_codes(con, region: Region) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT person_region FROM people WHERE person_region <> '' AND NOT starts_with(person_region, ?)",
            [prefix_of(region.code)],
        ).fetchall()
    ]


def _audit_load(actor, batch: FeedBatch) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action="feed_load",
        target=batch,
        household_id=None,
        region_code=batch.region_id,
        changes={"rows": batch.row_count, "good": batch.good_count, "bad": batch.bad_count},
        label=str(batch),
    )
