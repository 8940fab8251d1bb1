"""``simulate(actor, request)``: check who may simulate what, then extract, assess twice and aggregate.

The actor may simulate only within the subtree of their own region and needs the ``assess``
capability; ``actor=None`` is the command line run by the server's operator, who sees every
region. A run reads the registry and the policy versions and writes nothing: no
``AssessmentRecord``, no audit row, and drafts stay drafts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
from django.db.models.functions import Substr
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, region_in_scope
from doudi.core.errors import DomainError, NotFound
from doudi.policy.models import PolicyVersion
from doudi.policy.selectors import version_get
from doudi.policy.simulation import extract
from doudi.policy.simulation.assess import Outcome, PolicyMap, assess_all, unaffected_area
from doudi.policy.simulation.errors import SimulationErrorCode
from doudi.policy.simulation.scenario import Policies, Scenario, drafts_of, parse_overrides
from doudi.policy.simulation.summary import Summary, changed_households, summarise
from doudi.regions.models import Region, pad_code, prefix_of
from doudi.registry.models import Household

PARALLEL_FROM = 20_000  # households: below this a run stays in one process (forking costs more)


@dataclass(frozen=True)
class SimulationRequest:
    """What to simulate: a region (2–12 digits), a date, and the scenario (drafts and/or overrides)."""

    region_code: str
    on: date
    draft_ids: tuple[int, ...] = ()
    overrides: tuple[str, ...] = ()
    start: date | None = None
    by_village: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "region_code": self.region_code,
            "on": self.on.isoformat(),
            "draft_ids": list(self.draft_ids),
            "overrides": list(self.overrides),
            "start": self.start.isoformat() if self.start else None,
            "by_village": self.by_village,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SimulationRequest:
        return cls(
            region_code=data["region_code"],
            on=date.fromisoformat(data["on"]),
            draft_ids=tuple(data.get("draft_ids") or ()),
            overrides=tuple(data.get("overrides") or ()),
            start=date.fromisoformat(data["start"]) if data.get("start") else None,
            by_village=bool(data.get("by_village")),
        )


@dataclass
class Prepared:
    """A checked request: the region, its code prefix, the scenario and the households to assess."""

    region: Region
    prefix: str
    scenario: Scenario
    ids: np.ndarray
    known_at: datetime
    policies: PolicyMap
    warnings: list[str]


@dataclass
class SimulationResult:
    region: Region
    scenario: Scenario
    summary: Summary
    outcome: Outcome
    changed: pa.Table
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": prefix_of(self.region.code), "name": self.region.full_name},
            "scenario": self.scenario.to_dict(),
            **self.summary.to_dict(),
            "changed_households": self.changed.num_rows,
            "warnings": self.warnings,
        }


def prepare(actor, request: SimulationRequest) -> Prepared:
    """Check the actor, region, drafts and overrides; return what the run needs.

    Raise ``PermissionDenied`` without the ``assess`` capability, ``NotFound`` for a region (or
    draft) outside the actor's scope, and ``DomainError`` naming a bad override.
    """
    if actor is not None:
        check_capability(actor, Capability.ASSESS, "您的角色无权进行救助模拟测算。")
    code = pad_code(str(request.region_code).strip())
    region = Region.objects.filter(code=code).first() if code.isdigit() and len(code) == 12 else None
    if region is None:
        raise DomainError(
            SimulationErrorCode.INVALID_REGION, f"地区代码“{request.region_code}”不存在。", {"field": "region"}
        )
    if actor is not None and not region_in_scope(actor, region.code):
        raise NotFound("地区")
    versions = []
    for version_id in request.draft_ids:
        if actor is not None:
            versions.append(version_get(actor=actor, version_id=version_id))
        else:
            version = PolicyVersion.objects.select_related("region").filter(pk=version_id).first()
            if version is None:
                raise NotFound("政策版本")
            versions.append(version)
    scenario = Scenario(
        on=request.on,
        drafts=drafts_of(versions, region.code),
        overrides=parse_overrides(request.overrides),
        start=request.start,
    )
    Policies(scenario).check(region.code)
    prefix = prefix_of(region.code)
    policies, warnings = policy_map(prefix, scenario)
    return Prepared(region, prefix, scenario, extract.household_ids(prefix), timezone.now(), policies, warnings)


def policy_map(prefix: str, scenario: Scenario) -> tuple[PolicyMap, list[str]]:
    """Return both policies of every county with households under ``prefix``, and warnings for those without.

    Raise ``DomainError`` when the scenario is invalid in a county whose published policy is valid.
    """
    counties = (
        Household.objects.filter(region__code__startswith=prefix, status="active")
        .annotate(county=Substr("region_id", 1, 6))
        .order_by()  # the model's default ordering would make DISTINCT return every household
        .values_list("county", flat=True)
        .distinct()
    )
    policies = Policies(scenario)
    out: PolicyMap = {}
    warnings = []
    for county in sorted(set(counties)):
        try:
            pair = policies.pair(county)
        except DomainError as exc:
            if exc.code != SimulationErrorCode.NO_POLICY:
                raise
            warnings.append(f"{exc.message}该县的家庭未参与测算。")
            continue
        if pair.same:
            out[int(county)] = (pair.baseline, None, -1)
        else:
            out[int(county)] = (pair.baseline, pair.scenario, unaffected_area(pair.baseline, pair.scenario))
    return out, warnings


def chunk_bounds(count: int, size: int) -> list[tuple[int, int]]:
    """Return (start, stop) positions of chunks of ``size`` households."""
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def timed_chunks(prepared: Prepared, timings: dict[str, float], size: int) -> Iterator[extract.Chunk]:
    """Yield the chunks of the region, adding the time spent reading them to ``timings["extract"]``."""
    ids = prepared.ids
    for start, stop in chunk_bounds(len(ids), size):
        part = ids[start:stop]
        began = time.perf_counter()
        chunk = extract.read_chunk(
            prepared.prefix, prepared.scenario.on, prepared.known_at, int(part[0]), int(part[-1])
        )
        timings["extract"] = timings.get("extract", 0.0) + time.perf_counter() - began
        yield chunk


def simulate(
    actor,
    request: SimulationRequest,
    *,
    processes: int | None = None,
    chunk_size: int = 250_000,
    batch_size: int = 5_000,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Run a simulation and return its summary, per-household outcome and changed-household list.

    ``processes`` defaults to 2 for regions of ``PARALLEL_FROM`` households or more, else 1.
    ``progress(done, total)`` is called as batches finish. See ``prepare`` for the errors.
    """
    timings: dict[str, float] = {}
    began = time.perf_counter()
    prepared = prepare(actor, request)
    timings["prepare"] = time.perf_counter() - began
    total = len(prepared.ids)
    if processes is None:
        processes = 2 if total >= PARALLEL_FROM else 1
    began = time.perf_counter()
    outcome = assess_all(
        timed_chunks(prepared, timings, chunk_size),
        prepared.scenario.on,
        prepared.policies,
        processes=processes,
        batch_size=batch_size,
        progress=(lambda done: progress(done, total)) if progress else None,
    )
    timings["extract_and_assess"] = time.perf_counter() - began
    began = time.perf_counter()
    summary = summarise(outcome, by_village=request.by_village)
    changed = changed_households(outcome)
    timings["aggregate"] = time.perf_counter() - began
    return SimulationResult(prepared.region, prepared.scenario, summary, outcome, changed, prepared.warnings, timings)
