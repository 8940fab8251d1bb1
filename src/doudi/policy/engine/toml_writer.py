"""Write a policy document back as TOML, in the layout of the samples (one table per programme).

The form editor saves through this: ``load_document(document_to_toml(doc)) == doc`` for every
document (a test keeps it so). Comments of a hand-written file are not kept, which is why the
editor rewrites the file only when a value changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from .documents import AgeTier, Band, ParamEntry, PolicyDocument
from .parameters import SPEC_BY_KEY

NUMERIC = frozenset({"amount", "ratio", "multiple", "int", "ratios", "amounts", "numbers"})


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _scalar(value: Any, numeric: bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if numeric else _string(text)
    if isinstance(value, Band):
        return f"{{ below = {_scalar(value.below, True)}, pay = {_scalar(value.pay, True)} }}"
    if isinstance(value, AgeTier):
        parts = [f"min_age = {value.min_age}"]
        if value.max_age is not None:
            parts.append(f"max_age = {value.max_age}")
        parts.append(f"amount = {_scalar(value.amount, True)}")
        if value.means_test:
            parts.append("means_test = true")
        return "{ " + ", ".join(parts) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v, numeric) for v in value) + "]"
    return _string(str(value))


def _entry(e: ParamEntry, numeric: bool, effective: date | None) -> str:
    parts = []
    if e.valid_from and e.valid_from != effective:
        parts.append(f"from = {e.valid_from.isoformat()}")
    if e.valid_to:
        parts.append(f"to = {e.valid_to.isoformat()}")
    if e.off:
        parts += ["off = true", f"reason = {_string(e.reason)}"]
    elif e.per == "year":
        parts += [f"value = {_scalar(e.published, True)}", 'per = "year"']
    else:
        parts.append(f"value = {_scalar(e.value, numeric)}")
    if e.note:
        parts.append(f"note = {_string(e.note)}")
    return "{ " + ", ".join(parts) + " }"


def _value(key: str, entries: tuple[ParamEntry, ...], effective: date | None) -> str:
    numeric = SPEC_BY_KEY[key].kind in NUMERIC
    simple = len(entries) == 1 and entries[0].valid_to is None
    e = entries[0] if entries else None
    if simple and not e.off and e.per == "month" and not e.note and e.valid_from in (None, effective):
        return _scalar(e.value, numeric)
    return "[\n" + "".join(f"  {_entry(x, numeric, effective)},\n" for x in entries) + "]"


def document_to_toml(doc: PolicyDocument) -> str:
    """Return the document as TOML text that loads back to an equal document."""
    lines = [
        "[document]",
        f"region_code = {_string(doc.region_code)}",
        f"region_name = {_string(doc.region_name)}",
        f"level = {_string(doc.level)}",
    ]
    if doc.title:
        lines.append(f"title = {_string(doc.title)}")
    if doc.source:
        lines.append(f"source = {_string(doc.source)}")
    if doc.effective:
        lines.append(f"effective = {doc.effective.isoformat()}")
    tables: dict[str, list[str]] = {}
    for key, entries in doc.params.items():
        if not entries:
            continue
        table, name = key.rsplit(".", 1)
        tables.setdefault(table, []).append(f"{name} = {_value(key, entries, doc.effective)}")
    for table, rows in tables.items():
        lines += ["", f"[{table}]", *rows]
    return "\n".join(lines) + "\n"
