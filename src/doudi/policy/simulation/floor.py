"""The floor a simulation is measured against: gap payment only, vectorised over the extracted columns.

Per household: counted monthly income (incomes whose category the dibao rules do not exempt),
members on the date, and the area's standard; the payment is ``standard × members − income``
when positive (the 差额 formula of rules.md §1.7 without floors, supplements, deductions, property
or any other programme). It needs no Python per household, so it is the least a re-assessment over
the same data could cost; it is not a policy result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from doudi.policy.engine import Policy
from doudi.policy.simulation.extract import Chunk
from doudi.policy.simulation.facts import INCOMES


@dataclass(frozen=True)
class Standards:
    """Monthly standards in fen per county (6-digit code), urban and rural, and the counted income codes."""

    counties: np.ndarray  # int64, sorted
    fen: np.ndarray  # int64 [counties, 2]: urban, rural
    counted: np.ndarray  # bool per income code (last entry: unknown code)

    @classmethod
    def of(cls, policies: dict[int, Policy]) -> Standards:
        counties = np.array(sorted(policies), dtype=np.int64)
        fen = np.array(
            [[int(policies[c].areas[a].dibao_standard * 100) for a in ("urban", "rural")] for c in counties],
            dtype=np.int64,
        ).reshape(len(counties), 2)
        exempt = next(iter(policies.values())).dibao_exempt if policies else frozenset()
        counted = np.array([category not in exempt for category in INCOMES], dtype=bool)
        return cls(counties, fen, counted)


def gap_payment(chunk: Chunk, standards: Standards) -> np.ndarray:
    """Return the gap payment in fen of each household of the chunk (0 where none or no standard)."""
    households = chunk.households
    ids = households["hh"]
    n = len(ids)
    size = np.bincount(np.searchsorted(ids, chunk.tables["members"]["hh"]), minlength=n)
    income_rows = chunk.tables["income"]
    counted = standards.counted[income_rows["category"]]
    income = np.bincount(
        np.searchsorted(ids, income_rows["hh"][counted]), weights=income_rows["fen"][counted], minlength=n
    ).astype(np.int64)
    county = households["region"] // 1_000_000
    index = np.clip(np.searchsorted(standards.counties, county), 0, max(len(standards.counties) - 1, 0))
    known = (standards.counties[index] == county) if len(standards.counties) else np.zeros(n, bool)
    area = np.where(households["area"] == 0, 0, 1)
    standard = standards.fen[index, area] if len(standards.counties) else np.zeros(n, np.int64)
    gap = standard * size - income
    return np.where(known & (size > 0) & (gap > 0), gap, 0)
