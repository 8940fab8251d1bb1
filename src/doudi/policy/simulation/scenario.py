"""The scenario of a simulation: a draft version and/or parameter overrides, and both policies per county.

Overrides are ``key=value`` texts (``dibao.standard_urban=760``) with an optional start date. They
are applied by copying the most local document of each county's chain and giving the parameter a
new dated entry from that date (earlier entries are cut the day before), then re-reading the copy
through the engine's own document validation, so a bad key or value is refused with the engine's
Chinese message naming the parameter. Nothing is saved: the copies live only for the run.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from doudi.core.errors import DomainError
from doudi.policy.engine import Policy, PolicyDocument, PolicyError, resolve
from doudi.policy.engine.documents import document_from_mapping, document_to_dict
from doudi.policy.engine.parameters import SPEC_BY_KEY, ParamSpec
from doudi.policy.models import PolicyVersion, VersionStatus
from doudi.policy.selectors import current_versions, document_of
from doudi.policy.simulation.errors import SimulationErrorCode
from doudi.regions.models import pad_code, prefix_of

LIST_KINDS = ("categories", "ratios", "amounts", "numbers")


@dataclass(frozen=True)
class Override:
    """One parameter set to a value for the simulation; ``value`` is as a document would hold it."""

    key: str
    value: Any
    text: str

    @property
    def spec(self) -> ParamSpec:
        return SPEC_BY_KEY[self.key]

    @property
    def label(self) -> str:
        """The parameter's Chinese name, as the run page and the downloads describe the scenario."""
        return self.spec.label


def _value_of(spec: ParamSpec, text: str) -> Any:
    """Return the document value written as ``text``: JSON when it parses, else a list or a string.

    A yes/no parameter is written 是 or 否 on the page (true/false still parse as JSON).
    """
    if spec.kind == "bool" and text in ("是", "否"):
        return text == "是"
    try:
        value = json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, InvalidOperation):
        value = text
    if spec.kind in LIST_KINDS and not isinstance(value, list):
        value = [v.strip() for v in text.replace("，", ",").split(",") if v.strip()]
        if spec.kind != "categories":
            value = [_number(v) for v in value]
    return value


def _number(text: str) -> Any:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def parse_overrides(items: Iterable[str]) -> tuple[Override, ...]:
    """Return the overrides written as ``key=value``; raise ``DomainError`` naming a bad key.

    Values are checked when applied (``apply_overrides``), by the engine's document validation.
    """
    out: dict[str, Override] = {}
    for raw in items:
        raw = raw.strip()
        if not raw:
            continue
        key, sep, text = raw.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            raise DomainError(
                SimulationErrorCode.INVALID_OVERRIDE,
                f"模拟参数“{raw}”格式有误：应写作 参数名=取值，例如 dibao.standard_urban=760。",
                {"field": "overrides"},
            )
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            hint = difflib.get_close_matches(key, SPEC_BY_KEY, n=1)
            raise DomainError(
                SimulationErrorCode.INVALID_OVERRIDE,
                f"模拟参数有误：未知参数 {key}"
                + (f"，是否为 {hint[0]}（{SPEC_BY_KEY[hint[0]].label}）？" if hint else "。"),
                {"field": "overrides", "key": key},
            )
        if key in out:
            raise DomainError(
                SimulationErrorCode.INVALID_OVERRIDE,
                f"模拟参数有误：参数 {key}（{spec.label}）设置了两次。",
                {"field": "overrides", "key": key},
            )
        out[key] = Override(key, _value_of(spec, text), text)
    return tuple(out.values())


def _rows_from(entries, start: date | None, value: Any) -> list[dict[str, Any]]:
    """Return the document rows of a parameter whose value becomes ``value`` from ``start`` (always if None)."""
    if start is None:
        return [{"value": value}]
    before = start - timedelta(days=1)
    rows: list[dict[str, Any]] = []
    for row in entries:
        begins = date.fromisoformat(row["from"]) if "from" in row else None
        if begins is not None and begins >= start:
            continue
        ends = date.fromisoformat(row["to"]) if "to" in row else None
        if ends is None or ends >= start:
            row = {**row, "to": before.isoformat()}
        rows.append(row)
    rows.append({"value": value, "from": start.isoformat()})
    return rows


def apply_overrides(doc: PolicyDocument, overrides: Sequence[Override], start: date | None) -> PolicyDocument:
    """Return a copy of ``doc`` in which each override is in force from ``start`` (always if None).

    Raise ``DomainError`` with the engine's message (naming the parameter) when a value is invalid.
    """
    if not overrides:
        return doc
    data = document_to_dict(doc)
    for o in overrides:
        node = data
        parts = o.key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = _rows_from(node.get(parts[-1], []), start, o.value)
    data["document"]["title"] = f"{doc.title}（模拟）"
    try:
        return document_from_mapping(data)
    except PolicyError as exc:
        raise DomainError(
            SimulationErrorCode.INVALID_OVERRIDE, f"模拟参数有误：{exc.message}", {**exc.extra, "field": "overrides"}
        ) from exc


@dataclass(frozen=True)
class Scenario:
    """What to compare with the published policy on ``on``."""

    on: date
    drafts: dict[str, PolicyVersion] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    start: date | None = None

    def describe(self) -> str:
        """Return the scenario in one Chinese sentence."""
        parts = [f"{v.region.name} 第 {v.number} 版草稿" for v in self.drafts.values()]
        when = f"自 {self.start:%Y-%m-%d} 起" if self.start else ""
        parts += [f"{when}{o.label} = {o.text}" for o in self.overrides]
        return "；".join(parts) or "（与现行政策相同）"

    def to_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "drafts": [{"id": v.pk, "region": v.region_id[:6], "number": v.number} for v in self.drafts.values()],
            "overrides": {o.key: o.text for o in self.overrides},
            "from": self.start.isoformat() if self.start else None,
            "description": self.describe(),
        }


def drafts_of(versions: Iterable[PolicyVersion], region_code: str) -> dict[str, PolicyVersion]:
    """Return the drafts keyed by region; raise ``DomainError`` for a non-draft or one that cannot apply.

    A draft applies when its region is the simulated region, above it, or below it (a county draft
    in a city-wide run changes that county only).
    """
    out: dict[str, PolicyVersion] = {}
    prefix = prefix_of(region_code)
    for v in versions:
        if v.status != VersionStatus.DRAFT:
            raise DomainError(
                SimulationErrorCode.NOT_A_DRAFT,
                f"政策版本 {v.pk}（{v.region.name} 第 {v.number} 版）是{v.get_status_display()}版本，不是草稿。",
                {"field": "draft"},
            )
        own = prefix_of(v.region_id)
        if not (prefix.startswith(own) or own.startswith(prefix)):
            raise DomainError(
                SimulationErrorCode.DRAFT_NOT_APPLICABLE,
                f"草稿（{v.region.name} 第 {v.number} 版）不适用于所选地区："
                "制定地区既不是所选地区的上级，也不在其范围内。",
                {"field": "draft"},
            )
        out[v.region_id] = v
    return out


@dataclass
class PolicyPair:
    """Both policies of one county; ``same`` when the scenario changes nothing there."""

    county: str
    baseline: Policy
    scenario: Policy
    baseline_versions: list[PolicyVersion]
    scenario_versions: list[PolicyVersion]

    @property
    def same(self) -> bool:
        return self.baseline.values == self.scenario.values


class Policies:
    """Resolve and cache both policies per county for one scenario."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self._modified: dict[tuple[int, str], PolicyDocument] = {}

    def _documents(self, versions: list[PolicyVersion]) -> list[PolicyDocument]:
        docs = [document_of(v) for v in versions]
        if self.scenario.overrides and docs:
            last = versions[-1]
            key = (last.pk, last.updated_at.isoformat() if last.updated_at else "")
            if key not in self._modified:
                self._modified[key] = apply_overrides(docs[-1], self.scenario.overrides, self.scenario.start)
            docs[-1] = self._modified[key]
        return docs

    def check(self, region_code: str) -> None:
        """Validate the overrides on the region's most local document (before any data is read)."""
        versions = current_versions(pad_code(region_code), drafts=self.scenario.drafts)
        if versions:
            self._documents(versions)

    def pair(self, county: str) -> PolicyPair:
        """Return both policies of a county (6 or 12 digits).

        Raise ``DomainError`` (``NO_POLICY``) when the published policy is missing or incomplete
        there, and (``INVALID_SCENARIO``) when only the scenario is.
        """
        code = pad_code(county[:6])
        on = self.scenario.on
        published = current_versions(code)
        if not published:
            raise DomainError(SimulationErrorCode.NO_POLICY, f"地区 {county[:6]} 及其上级没有已发布的政策参数。")
        try:
            baseline = resolve([document_of(v) for v in published], on)
        except PolicyError as exc:
            raise DomainError(
                SimulationErrorCode.NO_POLICY,
                f"地区 {county[:6]} 在 {on:%Y-%m-%d} 适用的现行政策参数不完整：{exc.message}",
            ) from exc
        versions = current_versions(code, drafts=self.scenario.drafts)
        try:
            scenario = resolve(self._documents(versions), on)
        except PolicyError as exc:
            name = versions[-1].region.name if versions else county[:6]
            raise DomainError(
                SimulationErrorCode.INVALID_SCENARIO,
                f"按模拟方案，{name} 在 {on:%Y-%m-%d} 适用的参数有误：{exc.message}",
                {**exc.extra, "field": "overrides"},
            ) from exc
        return PolicyPair(code, baseline, scenario, published, versions)
