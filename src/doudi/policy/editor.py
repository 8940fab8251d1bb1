"""The policy draft as a form: one row per parameter, grouped by programme (no ORM here).

County staff see each parameter with its Chinese label and unit, the value in force, and enter
a new value with its start date. Ratios are entered and shown as percentages. Saving changes
only the parameters whose fields changed; an unchanged form gives back the same document.
Lists, bands and age tiers stay in the TOML view (advanced).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from doudi.core.labels import money, parameter_value, yes_no
from doudi.policy.engine import Policy, PolicyError
from doudi.policy.engine.documents import ParamEntry, PolicyDocument, load_document, monthly_unit, parse_entry
from doudi.policy.engine.parameters import PROGRAMME_LABELS, SPECS, ParamSpec
from doudi.policy.engine.toml_writer import document_to_toml

FORM_KINDS = frozenset({"amount", "ratio", "multiple", "int", "bool", "choice"})
HUNDRED = Decimal(100)


@dataclass
class Row:
    spec: ParamSpec
    unit: str
    current: str
    source: str
    own: str  # this draft's entries, as a worker reads them
    value: str  # the field values (initial or submitted)
    start: str
    per_year: bool
    editable: bool
    choices: list[tuple[str, str]] = field(default_factory=list)
    error: str = ""

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def yearly_allowed(self) -> bool:
        return monthly_unit(self.spec)


def unit_of(spec: ParamSpec) -> str:
    """Return the unit a person types in: percentages for ratios."""
    return "%" if spec.kind == "ratio" else spec.unit


def entry_zh(spec: ParamSpec, e: ParamEntry) -> str:
    """Return one dated entry as a worker reads it (``5,400.00 元/年 2024-01-01 起``)."""
    if e.off:
        text = f"不设（{e.reason}）"
    elif e.per == "year":
        text = f"{money(e.published)} 元/年（{money(e.value)} 元/月）"
    else:
        text = parameter_value(spec, e.value)
    return f"{text}，{e.period_zh()}" + (f"；{e.note}" if e.note else "")


def _field_text(spec: ParamSpec, e: ParamEntry | None) -> tuple[str, str, bool]:
    if e is None or e.off:
        return "", "", False
    start = e.valid_from.isoformat() if e.valid_from else ""
    if e.per == "year":
        return format(e.published, "f"), start, True
    v = e.value
    if spec.kind == "ratio":
        return format((v * HUNDRED).normalize(), "f"), start, False
    if isinstance(v, bool):
        return ("true" if v else "false"), start, False
    if isinstance(v, Decimal):
        return format(v, "f"), start, False
    return str(v), start, False


def _choices(spec: ParamSpec) -> list[tuple[str, str]]:
    if spec.kind == "bool":
        return [("", "（沿用上级/默认）"), ("true", yes_no(True)), ("false", yes_no(False))]
    if spec.kind == "choice":
        labels = spec.choice_labels or {}
        return [("", "（沿用上级/默认）")] + [(c, labels.get(c) or parameter_value(spec, c)) for c in spec.choices]
    return []


def rows(doc: PolicyDocument, in_force: Policy | None, data: Mapping[str, Any] | None = None) -> list[dict]:
    """Return the form rows grouped by programme: ``[{"label", "rows": [Row...]}]``."""
    groups: dict[str, dict] = {}
    for spec in SPECS:
        entries = doc.params.get(spec.key, ())
        value, start, per_year = _field_text(spec, entries[-1] if entries else None)
        if data is not None:
            value = str(data.get(f"v__{spec.key}", value)).strip()
            start = str(data.get(f"f__{spec.key}", start)).strip()
            per_year = bool(data.get(f"y__{spec.key}")) if f"v__{spec.key}" in data else per_year
        current = parameter_value(spec, in_force[spec.key]) if in_force is not None else ""
        group = groups.setdefault(spec.programme, {"label": PROGRAMME_LABELS.get(spec.programme), "rows": []})
        group["rows"].append(
            Row(
                spec=spec,
                unit=unit_of(spec),
                current=current,
                source=in_force.sources.get(spec.key, "默认值") if in_force is not None else "",
                own="；".join(entry_zh(spec, e) for e in entries),
                value=value,
                start=start,
                per_year=per_year,
                editable=spec.kind in FORM_KINDS and not any(e.off or e.note for e in entries[-1:]),
                choices=_choices(spec),
            )
        )
    return list(groups.values())


def _parse_value(spec: ParamSpec, text: str, per_year: bool) -> Any:
    if spec.kind == "bool":
        return text == "true"
    if spec.kind == "choice":
        return text
    if spec.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise PolicyError([f'"{text}" 不是整数']) from None
    try:
        number = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise PolicyError([f'"{text}" 不是有效数值']) from None
    if spec.kind == "ratio" and not per_year:
        return number / HUNDRED
    return number


def apply(doc: PolicyDocument, data: Mapping[str, Any]) -> tuple[str | None, dict[str, str], list[str]]:
    """Return the new TOML (``None`` when nothing changed), errors by parameter key, other errors."""
    params = dict(doc.params)
    errors: dict[str, str] = {}
    changed = False
    for group in rows(doc, None):
        for row in group["rows"]:
            if not row.editable or f"v__{row.key}" not in data:
                continue
            spec = row.spec
            value = str(data.get(f"v__{spec.key}", "")).strip()
            start_text = str(data.get(f"f__{spec.key}", "")).strip()
            per_year = bool(data.get(f"y__{spec.key}")) and monthly_unit(spec)
            if (value, start_text, per_year) == (row.value, row.start, row.per_year):
                continue
            changed = True
            if not value:
                params.pop(spec.key, None)
                continue
            try:
                start = date.fromisoformat(start_text) if start_text else None
            except ValueError:
                errors[spec.key] = f"开始日期“{start_text}”应为 YYYY-MM-DD"
                continue
            try:
                item: dict[str, Any] = {"value": _parse_value(spec, value, per_year)}
                if per_year:
                    item["per"] = "year"
                if start:
                    item["from"] = start
                new = parse_entry(spec, item, doc.effective)
            except PolicyError as exc:
                errors[spec.key] = exc.message
                continue
            kept = []
            if start is not None:
                for e in params.get(spec.key, ()):
                    if e.valid_from is not None and e.valid_from >= start:
                        continue  # replaced by the new value
                    if e.valid_from is None and start is None:
                        continue
                    if e.valid_to is None or e.valid_to >= start:
                        e = dataclasses.replace(e, valid_to=start - timedelta(days=1))
                    kept.append(e)
            params[spec.key] = (*kept, new)
    if errors:
        return None, errors, []
    if not changed:
        return None, {}, []
    text = document_to_toml(dataclasses.replace(doc, params=params))
    try:
        load_document(text)
    except PolicyError as exc:
        by_key, other = split_problems(exc.problems)
        return None, by_key, other
    return text, {}, []


def split_problems(problems: list[str]) -> tuple[dict[str, str], list[str]]:
    """Return the problems that name a parameter by its key, and the rest."""
    by_key: dict[str, str] = {}
    other = []
    for p in problems:
        for spec in SPECS:
            if f"参数 {spec.key}（" in p:
                by_key[spec.key] = (by_key.get(spec.key, "") + " " + p).strip()
                break
        else:
            other.append(p)
    return by_key, other


def diff(draft: PolicyDocument, in_force: PolicyDocument | None) -> list[dict[str, str]]:
    """Return the parameters whose dated values differ between the draft and the version in force."""
    before = in_force.params if in_force is not None else {}
    out = []
    for spec in SPECS:
        a, b = before.get(spec.key, ()), draft.params.get(spec.key, ())
        if a != b:
            out.append(
                {
                    "label": spec.label,
                    "programme": PROGRAMME_LABELS.get(spec.programme, ""),
                    "before": "；".join(entry_zh(spec, e) for e in a) or "（未设置，沿用上级或默认）",
                    "after": "；".join(entry_zh(spec, e) for e in b) or "（未设置，沿用上级或默认）",
                }
            )
    return out
