"""Policy documents: one region's dated parameters, read from TOML (or the same shape in JSON).

A document is what a bureau publishes: "from 2025-01-01 the urban dibao standard is 740 元". It
holds only the parameters that region sets; ``policy.resolve`` layers province → prefecture →
county documents and picks the values in force on a date. The format is described in
``docs/policy-format.md``. TOML was chosen because it is read by the standard library
(``tomllib``), has real dates, allows comments beside each figure for its source, and is easy
for a bureau's staff to edit; JSON with the same structure is accepted for the database layer.
"""

from __future__ import annotations

import difflib
import itertools
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .errors import PolicyError
from .money import ONE, ZERO, to_decimal
from .parameters import PROGRAMME_LABELS, REQUIRED, SPEC_BY_KEY, ParamSpec

LEVEL_LABELS = {"province": "省级", "prefecture": "设区的市级", "county": "县级"}
FAR_PAST = date(1900, 1, 1)
FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class Band:
    """One 档 of banded payment: per-capita income below ``below`` × standard pays ``pay`` × standard."""

    below: Decimal
    pay: Decimal


@dataclass(frozen=True, slots=True)
class AgeTier:
    """One age band of the longevity allowance; ``max_age`` is exclusive, ``None`` means open-ended."""

    min_age: int
    max_age: int | None
    amount: Decimal
    means_test: bool = False


@dataclass(frozen=True, slots=True)
class ParamEntry:
    """A value with its validity; both ends are inclusive dates, ``None`` meaning unbounded."""

    value: Any
    valid_from: date | None = None
    valid_to: date | None = None
    note: str = ""
    per: str = "month"  # "year": ``value`` is the published yearly figure ÷ 12
    published: Any = None  # the figure as published (per year), kept for display and round trips
    off: bool = False  # a threshold the region explicitly does not apply (value None)
    reason: str = ""  # why it is switched off, shown in the explanation

    @property
    def published_zh(self) -> str:
        """Return the published figure when it differs from the monthly one (``5,400 元/年``)."""
        if self.per != "year" or self.published is None:
            return ""
        return f"{self.published:,} 元/年"

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def period_zh(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "不限"
        end = self.valid_to.isoformat() if self.valid_to else "不限"
        return f"{start} 至 {end}"


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """The parameters one region publishes, each with dated entries."""

    region_code: str
    region_name: str
    level: str
    title: str
    source: str
    params: Mapping[str, tuple[ParamEntry, ...]]
    effective: date | None = None  # 施行日期: the start of every entry that gives no ``from``

    @property
    def title_zh(self) -> str:
        return self.title or f"{self.region_name}救助政策参数"

    def entry_on(self, key: str, on: date) -> ParamEntry | None:
        for entry in self.params.get(key, ()):
            if entry.covers(on):
                return entry
        return None


class _Invalid(Exception):
    pass


def describe(spec: ParamSpec) -> str:
    """Return how a parameter is named in messages: key and Chinese label."""
    return f"参数 {spec.key}（{spec.label}）"


# ---------------------------------------------------------------- value conversion by kind


def _decimal(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except ValueError:
        raise _Invalid(f'"{value}" 不是有效数值') from None


def _amount(value: Any) -> Decimal:
    d = _decimal(value)
    if d < ZERO:
        raise _Invalid(f"金额不能为负数（{value}）")
    return d


def _ratio(value: Any) -> Decimal:
    d = _decimal(value)
    if not ZERO <= d <= ONE:
        raise _Invalid(f"比例须在 0 到 1 之间（{value}）")
    return d


def _multiple(value: Any) -> Decimal:
    d = _decimal(value)
    if d <= ZERO:
        raise _Invalid(f"倍数须大于 0（{value}）")
    return d


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid(f'"{value}" 不是非负整数')
    return value


def _list(value: Any) -> list:
    if not isinstance(value, list | tuple):
        raise _Invalid("应为列表")
    return list(value)


def _table(value: Any, allowed: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"{where}应为表（{{...}}）")
    unknown = set(value) - allowed
    if unknown:
        raise _Invalid(f"{where}有未知字段 {', '.join(sorted(unknown))}")
    return value


def _bands(value: Any) -> tuple[Band, ...]:
    bands = []
    for i, raw in enumerate(_list(value), 1):
        t = _table(raw, {"below", "pay"}, f"第 {i} 档")
        if "below" not in t or "pay" not in t:
            raise _Invalid(f"第 {i} 档须有 below 和 pay")
        below, pay = _ratio(t["below"]), _ratio(t["pay"])
        if below <= ZERO:
            raise _Invalid(f"第 {i} 档的 below 须大于 0")
        bands.append(Band(below, pay))
    if not bands:
        raise _Invalid("至少需要一档")
    for i in range(1, len(bands)):
        if bands[i].below <= bands[i - 1].below:
            raise _Invalid(f"第 {i + 1} 档的 below 须大于上一档")
        if bands[i].pay > bands[i - 1].pay:
            raise _Invalid(f"第 {i + 1} 档的发放比例高于上一档：收入越高发得越多")
    if bands[-1].below != ONE:
        raise _Invalid("最后一档的 below 必须为 1（即覆盖到低保标准）")
    return tuple(bands)


def _age_tiers(value: Any) -> tuple[AgeTier, ...]:
    tiers = []
    for i, raw in enumerate(_list(value), 1):
        t = _table(raw, {"min_age", "max_age", "amount", "means_test"}, f"第 {i} 档")
        if "min_age" not in t or "amount" not in t:
            raise _Invalid(f"第 {i} 档须有 min_age 和 amount")
        max_age = _int(t["max_age"]) if t.get("max_age") is not None else None
        means = t.get("means_test", False)
        if not isinstance(means, bool):
            raise _Invalid(f"第 {i} 档的 means_test 应为 true 或 false")
        tier = AgeTier(_int(t["min_age"]), max_age, _amount(t["amount"]), means)
        if tier.max_age is not None and tier.max_age <= tier.min_age:
            raise _Invalid(f"第 {i} 档的 max_age 须大于 min_age")
        tiers.append(tier)
    if not tiers:
        raise _Invalid("至少需要一档")
    for i in range(1, len(tiers)):
        prev = tiers[i - 1]
        if prev.max_age is None or tiers[i].min_age < prev.max_age:
            raise _Invalid(f"第 {i} 档与第 {i + 1} 档年龄重叠（须按年龄递增排列且不重叠）")
    return tuple(tiers)


def convert_value(spec: ParamSpec, value: Any) -> Any:
    """Return ``value`` converted to the parameter's Python type; raise ``_Invalid`` in Chinese."""
    kind = spec.kind
    if kind == "amount":
        return _amount(value)
    if kind == "ratio":
        return _ratio(value)
    if kind == "multiple":
        return _multiple(value)
    if kind == "int":
        return _int(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise _Invalid(f'应为 true 或 false，而不是 "{value}"')
        return value
    if kind == "choice":
        text = str(value) if isinstance(value, str | int | Decimal) and not isinstance(value, bool) else None
        if text not in spec.choices:
            raise _Invalid(f'不认识的取值 "{value}"，可选：{"、".join(spec.choices)}')
        return text
    if kind == "categories":
        items = _list(value)
        bad = [v for v in items if v not in spec.choices]
        if bad:
            raise _Invalid(f"不认识的类别 {'、'.join(map(str, bad))}，可选：{'、'.join(spec.choices)}")
        if len(set(items)) != len(items):
            raise _Invalid("类别重复")
        return tuple(items)
    if kind == "ratios":
        return tuple(_ratio(v) for v in _list(value))
    if kind in ("amounts", "numbers"):
        items = tuple(_amount(v) for v in _list(value))
        if spec.length is not None and len(items) != spec.length:
            raise _Invalid(f"应有 {spec.length} 项，实际 {len(items)} 项")
        return items
    if kind == "bands":
        return _bands(value)
    if kind == "age_tiers":
        return _age_tiers(value)
    raise AssertionError(kind)  # pragma: no cover - the catalogue only uses the kinds above


def default_value(spec: ParamSpec) -> Any:
    """Return the converted default of an optional parameter (``None`` when it has none)."""
    if spec.default is REQUIRED or spec.default is None:
        return None
    return convert_value(spec, list(spec.default) if isinstance(spec.default, tuple) else spec.default)


# ---------------------------------------------------------------- reading documents


def _as_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _Invalid(f'"{value}" 不是有效日期（应为 YYYY-MM-DD）')


ENTRY_FIELDS = frozenset({"value", "from", "to", "note", "per", "off", "reason"})


def _is_entry(x: Any) -> bool:
    return isinstance(x, Mapping) and ("value" in x or "off" in x) and set(x) <= ENTRY_FIELDS


def _is_dated_list(raw: Any) -> bool:
    return (
        isinstance(raw, list)
        and bool(raw)
        and all(isinstance(x, Mapping) and ("value" in x or "off" in x) for x in raw)
    )


def monthly_unit(spec: ParamSpec) -> bool:
    """Return whether a parameter is an amount per month (so it may be entered per year)."""
    return spec.kind == "amount" and "月" in spec.unit


def _entry(spec: ParamSpec, item: Mapping[str, Any], effective: date | None) -> ParamEntry:
    start = _as_date(item["from"]) if item.get("from") is not None else effective
    end = _as_date(item["to"]) if item.get("to") is not None else None
    note = item.get("note", "")
    if not isinstance(note, str):
        raise _Invalid("note（说明）应为文字")
    if "off" in item:
        if item["off"] is not True or "value" in item or "per" in item:
            raise _Invalid('关闭某项条件写作 { off = true, reason = "理由" }，不再填写 value')
        if spec.default is not None:
            raise _Invalid("该参数不能关闭（只有“不设则不检查”的条件可以关闭）")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise _Invalid("关闭时须写明理由 reason")
        return ParamEntry(None, start, end, note, off=True, reason=reason.strip())
    if "reason" in item:
        raise _Invalid("reason 只用于 off = true")
    per = item.get("per", "month")
    if per not in ("month", "year"):
        raise _Invalid(f'per 应为 "year"（按年公布）或 "month"，而不是 "{per}"')
    if per == "year":
        if not monthly_unit(spec):
            raise _Invalid(f"该参数的单位是 {spec.unit or '无'}，不能按年填写")
        published = _amount(item["value"])
        return ParamEntry(published / 12, start, end, note, per="year", published=published)
    return ParamEntry(convert_value(spec, item["value"]), start, end, note)


def _flatten(raw: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    """Turn nested tables into dotted keys, stopping at known parameters."""
    for key, value in raw.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if dotted in SPEC_BY_KEY:
            out[dotted] = value
        elif isinstance(value, Mapping):
            _flatten(value, dotted, out)
        else:
            out[dotted] = value


def _header(raw: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    head = raw.get("document")
    if not isinstance(head, Mapping):
        problems.append("文件缺少 [document] 表（region_code、region_name、level）")
        return {"region_code": "", "region_name": "", "level": "", "title": "", "source": "", "effective": None}
    code = str(head.get("region_code", ""))
    if not re.fullmatch(r"\d{6}", code):
        problems.append(f'document.region_code（行政区划代码）: "{code}" 不是 6 位数字')
    level = head.get("level")
    if level not in LEVEL_LABELS:
        problems.append(f'document.level（层级）: "{level}" 应为 province、prefecture 或 county')
    name = head.get("region_name")
    if not isinstance(name, str) or not name.strip():
        problems.append("document.region_name（行政区划名称）: 必填")
    unknown = set(head) - {"region_code", "region_name", "level", "title", "source", "effective"}
    if unknown:
        problems.append(f"document: 未知字段 {', '.join(sorted(unknown))}")
    effective = None
    if head.get("effective") is not None:
        try:
            effective = _as_date(head["effective"])
        except _Invalid as exc:
            problems.append(f"document.effective（施行日期）: {exc}")
    return {
        "effective": effective,
        "region_code": code,
        "region_name": str(name or ""),
        "level": str(level or ""),
        "title": str(head.get("title", "")),
        "source": str(head.get("source", "")),
    }


def _entries(spec: ParamSpec, raw: Any, problems: list[str], effective: date | None = None) -> tuple[ParamEntry, ...]:
    if _is_dated_list(raw):
        items = raw
    elif _is_entry(raw) and spec.kind not in ("bands", "age_tiers"):
        items = [raw]
    else:
        items = [{"value": raw}]
    entries = []
    for i, item in enumerate(items, 1):
        where = describe(spec) + (f" 第 {i} 个时段" if len(items) > 1 or "from" in item else "")
        unknown = set(item) - ENTRY_FIELDS
        if unknown:
            problems.append(f"{where}: 未知字段 {', '.join(sorted(unknown))}")
            continue
        try:
            entry = _entry(spec, item, effective)
        except _Invalid as exc:
            problems.append(f"{where}: {exc}")
            continue
        start, end = entry.valid_from, entry.valid_to
        if start and end and end < start:
            problems.append(f"{where}: 结束日期 {end} 早于开始日期 {start}")
            continue
        entries.append(entry)
    entries.sort(key=lambda e: e.valid_from or FAR_PAST)
    for a, b in itertools.pairwise(entries):
        if (a.valid_to or FAR_FUTURE) >= (b.valid_from or FAR_PAST):
            problems.append(f"{describe(spec)}: 时段 {a.period_zh()} 与 {b.period_zh()} 重叠")
    return tuple(entries)


def check_document(raw: Mapping[str, Any]) -> tuple[list[str], PolicyDocument | None]:
    """Return the problems found in a parsed document and, when there are none, the document."""
    from .consistency import document_consistency

    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return ["文件内容应为表"], None
    head = _header(raw, problems)
    flat: dict[str, Any] = {}
    _flatten({k: v for k, v in raw.items() if k != "document"}, "", flat)
    params: dict[str, tuple[ParamEntry, ...]] = {}
    for key, value in flat.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            hint = difflib.get_close_matches(key, SPEC_BY_KEY, n=1)
            section = key.split(".", 1)[0]
            where = "" if section in PROGRAMME_LABELS else f"（未知部分 [{section}]）"
            problems.append(f"未知参数 {key}{where}" + (f"，是否为 {hint[0]}？" if hint else ""))
            continue
        params[key] = _entries(spec, value, problems, head["effective"])
    split = [k for k in ("dibao.standard_urban", "dibao.standard_rural") if k in params]
    if "dibao.standard" in params and split:
        problems.append(
            f"{describe(SPEC_BY_KEY['dibao.standard'])}: 城乡统一标准只填这一项，"
            f"不要再填 {'、'.join(split)}；城乡标准不同时删去 dibao.standard，分别填写城市和农村标准"
        )
    if not problems:
        problems.extend(document_consistency(params))
    if problems:
        return problems, None
    return [], PolicyDocument(params=params, **head)


def validate_document(raw: Mapping[str, Any] | PolicyDocument) -> list[str]:
    """Return every problem in a document (empty when it is valid), each naming the parameter.

    Accepts the parsed mapping (from TOML or JSON). A ``PolicyDocument`` has already passed, so
    it yields no problems. Completeness (required parameters) is checked by ``resolve``, because
    a county document rightly sets only what differs from its province.
    """
    if isinstance(raw, PolicyDocument):
        return []
    return check_document(raw)[0]


def document_from_mapping(raw: Mapping[str, Any]) -> PolicyDocument:
    """Return the document for a parsed mapping; raise ``PolicyError`` listing every problem."""
    problems, doc = check_document(raw)
    if doc is None:
        raise PolicyError(problems)
    return doc


def load_document(text: str, fmt: str = "toml") -> PolicyDocument:
    """Parse a TOML (default) or JSON document; raise ``PolicyError`` on syntax or content errors.

    Floats in the file are read as Decimals, so ``740.5`` means exactly 740.50 元.
    """
    try:
        if fmt == "toml":
            raw = tomllib.loads(text, parse_float=Decimal)
        elif fmt == "json":
            raw = json.loads(text, parse_float=Decimal)
        else:
            raise ValueError(fmt)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise PolicyError([f"文件格式错误：{exc}"]) from None
    return document_from_mapping(raw)


def document_to_dict(doc: PolicyDocument) -> dict[str, Any]:
    """Return the document as JSON-ready data (dates as ISO strings, amounts as strings)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, Band):
            return {"below": str(value.below), "pay": str(value.pay)}
        if isinstance(value, AgeTier):
            out = {"min_age": value.min_age, "amount": str(value.amount), "means_test": value.means_test}
            if value.max_age is not None:
                out["max_age"] = value.max_age
            return out
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        return value

    data: dict[str, Any] = {
        "document": {
            "region_code": doc.region_code,
            "region_name": doc.region_name,
            "level": doc.level,
            "title": doc.title,
            "source": doc.source,
        }
    }
    if doc.effective:
        data["document"]["effective"] = doc.effective.isoformat()
    for key, entries in doc.params.items():
        rows = []
        for e in entries:
            row: dict[str, Any] = entry_to_dict(e, plain)
            if e.valid_from and e.valid_from != doc.effective:
                row["from"] = e.valid_from.isoformat()
            if e.valid_to:
                row["to"] = e.valid_to.isoformat()
            rows.append(row)
        node = data
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = rows
    return data


def entry_to_dict(e: ParamEntry, plain: Any = str) -> dict[str, Any]:
    """Return an entry's value part as written in a document (per year, switched off, note)."""
    if e.off:
        row: dict[str, Any] = {"off": True, "reason": e.reason}
    elif e.per == "year":
        row = {"value": plain(e.published), "per": "year"}
    else:
        row = {"value": plain(e.value)}
    if e.note:
        row["note"] = e.note
    return row


def change_dates(params: Mapping[str, tuple[ParamEntry, ...]]) -> list[date]:
    """Return every date on which some parameter starts or stops being in force."""
    dates = {FAR_PAST}
    for entries in params.values():
        for e in entries:
            if e.valid_from:
                dates.add(e.valid_from)
            if e.valid_to and e.valid_to < FAR_FUTURE:
                dates.add(e.valid_to + timedelta(days=1))
    return sorted(dates)


def parse_entry(spec: ParamSpec, item: Mapping[str, Any], effective: date | None = None) -> ParamEntry:
    """Return one entry written as in a document (``{value, from, per, ...}``); raise ``PolicyError``."""
    unknown = set(item) - ENTRY_FIELDS
    if unknown:
        raise PolicyError([f"未知字段 {', '.join(sorted(unknown))}"])
    try:
        return _entry(spec, item, effective)
    except _Invalid as exc:
        raise PolicyError([str(exc)]) from None
