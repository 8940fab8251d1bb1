"""Aggregate an ``Outcome``: who enters, leaves or changes, and what it costs, by programme and region.

A household *enters* when its tier (``Assessment.status``: 特困/低保/低保边缘/刚性支出困难) goes from
none to some tier, *leaves* in the opposite case, and *changes* when it stays in assistance (or
out of it) but its tier or total monthly amount differs; otherwise it is unchanged. For each
programme the same words apply to that programme's eligibility and amount. Money is summed in
integer fen (exact) and shown in 元 with two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.policy.engine.parameters import HOUSEHOLD_STATUS_LABELS
from doudi.policy.simulation.assess import NOT_ASSESSED, PROGRAMMES, STATUSES, Outcome
from doudi.policy.simulation.extract import household_labels
from doudi.regions.models import Region

CATEGORIES = ("enter", "leave", "change", "unchanged")
CATEGORY_LABELS = {"enter": "新进入", "leave": "退出", "change": "金额或层级变化", "unchanged": "不变"}
STATUS_LABELS = {"none": "无", **HOUSEHOLD_STATUS_LABELS}
ENTER, LEAVE, CHANGE, UNCHANGED = range(4)


def yuan(fen: int) -> str:
    """Return fen as 元 with two decimals, exactly (``-1234`` → ``"-12.34"``)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_column(fen: np.ndarray) -> list[str]:
    """Return ``yuan`` of every value of an integer array, formatted by pyarrow (decimal128, scale 2)."""
    fen = np.asarray(fen, dtype=np.int64)
    words = np.empty(2 * len(fen), dtype="<i8")  # each decimal128 is two little-endian 64-bit words
    words[0::2] = fen
    words[1::2] = np.where(fen < 0, -1, 0)
    decimals = pa.Array.from_buffers(pa.decimal128(38, 2), len(fen), [None, pa.py_buffer(words)])
    return decimals.cast(pa.string()).to_pylist()


def classify(outcome: Outcome) -> np.ndarray:
    """Return the category (ENTER, LEAVE, CHANGE, UNCHANGED) of each assessed household (-1 if not assessed)."""
    before, after = outcome.status
    was, now = before > 0, after > 0
    category = np.full(len(outcome), UNCHANGED, np.int8)
    category[(before != after) | (outcome.total[0] != outcome.total[1])] = CHANGE
    category[~was & now] = ENTER
    category[was & ~now] = LEAVE
    category[before == NOT_ASSESSED] = -1
    return category


def _sum_by(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size, np.int64)
    np.add.at(out, keys, values)
    return out


@dataclass
class Summary:
    """The figures of one run, JSON-ready through ``to_dict``."""

    households: int = 0
    not_assessed: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    cost_before: int = 0
    cost_after: int = 0
    transitions: list[dict[str, Any]] = field(default_factory=list)
    programmes: list[dict[str, Any]] = field(default_factory=list)
    regions: list[dict[str, Any]] = field(default_factory=list)
    region_level: str = "township"

    @property
    def cost_difference(self) -> int:
        return self.cost_after - self.cost_before

    def to_dict(self) -> dict[str, Any]:
        return {
            "households": self.households,
            "not_assessed": self.not_assessed,
            "counts": self.counts,
            "monthly_cost": {
                "before": yuan(self.cost_before),
                "after": yuan(self.cost_after),
                "difference": yuan(self.cost_difference),
            },
            "transitions": self.transitions,
            "programmes": self.programmes,
            "region_level": self.region_level,
            "regions": self.regions,
        }


def summarise(outcome: Outcome, *, by_village: bool = False) -> Summary:
    """Return the counts and monthly costs of ``outcome`` overall, per programme and per township (or village)."""
    category = classify(outcome)
    assessed = category >= 0
    o = outcome.take(np.flatnonzero(assessed)) if not assessed.all() else outcome
    category = category[assessed]
    s = Summary(households=int(assessed.sum()), not_assessed=int((~assessed).sum()))
    s.counts = {name: int((category == i).sum()) for i, name in enumerate(CATEGORIES)}
    s.cost_before, s.cost_after = int(o.total[0].sum()), int(o.total[1].sum())

    pairs = o.status[0].astype(np.int64) * len(STATUSES) + o.status[1]
    for code, count in zip(*np.unique(pairs, return_counts=True), strict=True):
        b, a = divmod(int(code), len(STATUSES))
        if b != a:
            s.transitions.append(
                {
                    "before": STATUSES[b],
                    "after": STATUSES[a],
                    "before_label": STATUS_LABELS[STATUSES[b]],
                    "after_label": STATUS_LABELS[STATUSES[a]],
                    "households": int(count),
                }
            )
    s.transitions.sort(key=lambda t: -t["households"])

    e0, e1 = o.eligible
    a0, a1 = o.amount
    for j, programme in enumerate(PROGRAMMES):
        before, after = int(a0[:, j].sum()), int(a1[:, j].sum())
        row = {
            "programme": programme,
            "label": PROGRAMME_LABELS[programme],
            "households_before": int(e0[:, j].sum()),
            "households_after": int(e1[:, j].sum()),
            "enter": int((~e0[:, j] & e1[:, j]).sum()),
            "leave": int((e0[:, j] & ~e1[:, j]).sum()),
            "change": int((e0[:, j] & e1[:, j] & (a0[:, j] != a1[:, j])).sum()),
            "cost_before": yuan(before),
            "cost_after": yuan(after),
            "difference": yuan(after - before),
        }
        if row["households_before"] or row["households_after"]:
            s.programmes.append(row)

    s.region_level = "village" if by_village else "township"
    keys = o.region if by_village else o.region // 1000
    codes, inverse = np.unique(keys, return_inverse=True)
    size = len(codes)
    counts = [np.bincount(inverse[category == i], minlength=size) for i in range(len(CATEGORIES))]
    before, after = _sum_by(inverse, o.total[0], size), _sum_by(inverse, o.total[1], size)
    padded = [str(int(c)).ljust(12, "0") for c in codes]
    names = dict(Region.objects.filter(code__in=padded).values_list("code", "name"))
    for k, code in enumerate(padded):
        s.regions.append(
            {
                "code": code[:12] if by_village else code[:9],
                "name": names.get(code, code),
                "households": int(sum(c[k] for c in counts)),
                **{name: int(counts[i][k]) for i, name in enumerate(CATEGORIES)},
                "cost_before": yuan(before[k]),
                "cost_after": yuan(after[k]),
                "difference": yuan(after[k] - before[k]),
            }
        )
    return s


CHANGED_COLUMNS = (
    ("number", "户编号"),
    ("village_code", "村/社区代码"),
    ("village", "村/社区"),
    ("head_name", "户主姓名"),
    ("category", "变化"),
    ("status_before", "原认定层级"),
    ("status_after", "模拟认定层级"),
    ("amount_before", "原月救助金（元）"),
    ("amount_after", "模拟月救助金（元）"),
    ("difference", "差额（元）"),
    ("programmes", "变化项目"),
)


def changed_households(outcome: Outcome) -> pa.Table:
    """Return the changed households (no ID numbers) with number, village, head, status and amounts."""
    category = classify(outcome)
    index = np.flatnonzero((category >= 0) & (category != UNCHANGED))
    o = outcome.take(index)
    ids = o.hh.tolist()
    labels = household_labels(ids)
    at = np.clip(np.searchsorted(labels["hh"], o.hh), 0, max(len(labels["hh"]) - 1, 0))
    found = labels["hh"][at] == o.hh if len(labels["hh"]) else np.zeros(len(ids), bool)

    def label(name: str) -> list[str]:
        return np.where(found, labels[name][at], "").tolist() if len(labels["hh"]) else [""] * len(ids)

    villages_codes = label("village")
    villages = dict(Region.objects.filter(code__in=set(villages_codes)).values_list("code", "name"))
    a0, a1 = o.amount
    parts: list[list[str]] = [[] for _ in ids]
    changed = (o.eligible[0] != o.eligible[1]) | (a0 != a1)
    for j, programme in enumerate(PROGRAMMES):
        name = PROGRAMME_LABELS[programme]
        rows = np.flatnonzero(changed[:, j])
        befores, afters = yuan_column(a0[rows, j]), yuan_column(a1[rows, j])
        for i, before, after in zip(rows.tolist(), befores, afters, strict=True):
            parts[i].append(f"{name} {before}→{after}")
    category_labels = [CATEGORY_LABELS[c] for c in CATEGORIES]
    status_labels = [STATUS_LABELS[s] for s in STATUSES]
    columns = {
        "household_id": ids,
        "number": label("number"),
        "village_code": villages_codes,
        "village": [villages.get(code, "") for code in villages_codes],
        "head_name": label("head"),
        "category": [category_labels[c] for c in category[index].tolist()],
        "status_before": [status_labels[s] for s in o.status[0].tolist()],
        "status_after": [status_labels[s] for s in o.status[1].tolist()],
        "amount_before": yuan_column(o.total[0]),
        "amount_after": yuan_column(o.total[1]),
        "difference": yuan_column(o.total[1] - o.total[0]),
        "programmes": ["；".join(p) for p in parts],
    }
    schema = pa.schema([("household_id", pa.int64())] + [(name, pa.string()) for name, _ in CHANGED_COLUMNS])
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
