"""Assess batches of households under the baseline and the scenario into compact arrays.

A batch (``extract.Chunk``) is turned into facts once and assessed twice with ``explain=False``;
where the scenario resolves to the same values as the baseline for a county, or changes only the
other area's (urban/rural) parameters (``unaffected_area``), the baseline result is reused.
Results are kept as integer fen in numpy arrays (``Outcome``): household id, village code, status,
total monthly and, per programme, eligibility and amount, before and after.

``assess_all`` runs the batches in the calling process or in worker processes started with
``fork`` (the policies are inherited, only the columns of each batch and the result arrays cross
the process boundary). Both give identical arrays.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from doudi.policy.engine import Policy, assess
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.policy.engine.parameters import SPEC_BY_KEY
from doudi.policy.simulation.extract import VOCABULARIES, Chunk
from doudi.policy.simulation.facts import build_facts

PROGRAMMES: tuple[str, ...] = tuple(PROGRAMME_LABELS)
PROGRAMME_INDEX = {p: i for i, p in enumerate(PROGRAMMES)}
STATUSES: tuple[str, ...] = ("none", "extreme_poverty", "dibao", "near_dibao", "rigid_expense")
STATUS_INDEX = {s: i for i, s in enumerate(STATUSES)}
NOT_ASSESSED = -1  # status of a household whose county has no usable published policy

# county code (6 digits, as int) → (baseline, scenario or None when the scenario changes nothing there,
# code of the area the scenario cannot change or -1)
PolicyMap = dict[int, tuple[Policy, Policy | None, int]]

AREAS = VOCABULARIES["area"]
AREA_KEYS = {area: frozenset(k for k in SPEC_BY_KEY if k.endswith(f"_{area}")) for area in AREAS}
# Policy fields other than ``values`` that assessments read; ``sources``, ``on`` and names are not read.
_DERIVED = (
    "rounding",
    "tekun_care_home",
    "tekun_care_institution",
    "property_rules",
    "dibao_exempt",
    "tekun_exempt",
    "de_facto_orphan_amount",
)


def unaffected_area(baseline: Policy, scenario: Policy) -> int:
    """Return the code of the area (urban 0, rural 1) whose households the scenario cannot change, else -1.

    The engine reads urban/rural parameters only through ``Policy.areas[facts.area_type]`` (they
    are folded into ``AreaFigures`` by ``Policy.build``; ``test_assess.py`` checks the engine
    source for any other read). So when the two policies differ only in one area's parameters and
    figures, households of the other area get the same result under both and are assessed once.
    """
    differing = {k for k, v in baseline.values.items() if scenario.values.get(k) != v}
    if any(getattr(baseline, f) != getattr(scenario, f) for f in _DERIVED):
        return -1
    for code, area in enumerate(AREAS):
        others = set().union(*(AREA_KEYS[a] for a in AREAS if a != area))
        if differing <= others and baseline.areas[area] == scenario.areas[area]:
            return code
    return -1


@dataclass
class Outcome:
    """Per-household results of a run; index 0 of the first axis is the baseline, 1 the scenario."""

    hh: np.ndarray  # int64 [n]
    region: np.ndarray  # int64 [n], the 12-digit village code
    status: np.ndarray  # int8 [2, n], index into STATUSES or NOT_ASSESSED
    total: np.ndarray  # int64 [2, n], fen
    amount: np.ndarray  # int64 [2, n, len(PROGRAMMES)], fen
    eligible: np.ndarray  # bool [2, n, len(PROGRAMMES)]

    def __len__(self) -> int:
        return len(self.hh)

    @classmethod
    def empty(cls) -> Outcome:
        return cls.concat([])

    @classmethod
    def concat(cls, parts: list[Outcome]) -> Outcome:
        p = len(PROGRAMMES)
        if not parts:
            return cls(
                np.zeros(0, np.int64),
                np.zeros(0, np.int64),
                np.zeros((2, 0), np.int8),
                np.zeros((2, 0), np.int64),
                np.zeros((2, 0, p), np.int64),
                np.zeros((2, 0, p), bool),
            )
        out = cls(
            np.concatenate([o.hh for o in parts]),
            np.concatenate([o.region for o in parts]),
            np.concatenate([o.status for o in parts], axis=1),
            np.concatenate([o.total for o in parts], axis=1),
            np.concatenate([o.amount for o in parts], axis=1),
            np.concatenate([o.eligible for o in parts], axis=1),
        )
        order = np.argsort(out.hh, kind="stable")
        if not np.array_equal(order, np.arange(len(order))):
            out = out.take(order)
        return out

    def take(self, index: np.ndarray) -> Outcome:
        return Outcome(
            self.hh[index],
            self.region[index],
            self.status[:, index],
            self.total[:, index],
            self.amount[:, index],
            self.eligible[:, index],
        )

    def equals(self, other: Outcome) -> bool:
        return all(np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _fen(amount: Decimal) -> int:
    """Return an amount in fen; payable amounts are already rounded to 0.01 元 or coarser."""
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


_FEN: dict[Decimal, int] = {}


@contextmanager
def _without_cyclic_gc():
    """Pause the cycle collector: facts and results hold no cycles (reference counting frees them),
    and collecting while a batch keeps ~10⁵ new objects alive costs about as much as the batch itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def assess_batch(batch: Chunk, on: date, policies: PolicyMap) -> Outcome:
    """Return the outcome of every household of the batch under both policies of its county."""
    with _without_cyclic_gc():
        return _assess_batch(batch, on, policies)


def _assess_batch(batch: Chunk, on: date, policies: PolicyMap) -> Outcome:
    households = batch.households
    region = households["region"]
    facts = build_facts(batch, on)
    n, p = len(facts), len(PROGRAMMES)
    status = np.full((2, n), NOT_ASSESSED, np.int8)
    total = np.zeros((2, n), np.int64)
    rows: list[int] = []  # flat index (side * n + household) * p + programme of each eligible result
    values: list[int] = []
    fen_of, fen_cache = _fen, _FEN
    index, status_index = PROGRAMME_INDEX, STATUS_INDEX
    counties = (region // 1_000_000).tolist()
    areas = households["area"].tolist()
    for i, (f, county, area) in enumerate(zip(facts, counties, areas, strict=True)):
        entry = policies.get(county)
        if entry is None:
            continue
        baseline, scenario, same_area = entry
        before = assess(f, baseline, on=on, explain=False)
        after = before if scenario is None or area == same_area else assess(f, scenario, on=on, explain=False)
        for side, result in ((0, before), (1, after)):
            status[side, i] = status_index[result.status]
            base = (side * n + i) * p
            sum_fen = 0
            for r in result.programmes:
                if r.eligible:
                    amount = r.monthly_amount
                    fen = fen_cache.get(amount)
                    if fen is None:
                        fen = fen_cache[amount] = fen_of(amount)
                    rows.append(base + index[r.programme])
                    values.append(fen)
                    sum_fen += fen
            total[side, i] = sum_fen
    amount = np.zeros(2 * n * p, np.int64)
    eligible = np.zeros(2 * n * p, bool)
    if rows:
        flat = np.asarray(rows, np.int64)
        np.add.at(amount, flat, np.asarray(values, np.int64))
        eligible[flat] = True
    return Outcome(
        households["hh"].copy(),
        region.copy(),
        status,
        total,
        amount.reshape(2, n, p),
        eligible.reshape(2, n, p),
    )


# ---------------------------------------------------------------- running in worker processes

_WORKER: dict = {}


def _init_worker(on: date, policies: PolicyMap) -> None:
    # A forked child inherits its parent's signal handlers. In the background worker (run_worker)
    # SIGTERM and SIGINT only set a "stop after this task" flag, so a child keeping that handler
    # would ignore the SIGTERM of Pool.terminate() and the simulation would never return.
    for name in ("SIGTERM", "SIGINT", "SIGQUIT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _WORKER["on"], _WORKER["policies"] = on, policies


def _work(batch: Chunk) -> Outcome:
    return assess_batch(batch, _WORKER["on"], _WORKER["policies"])


def assess_all(
    chunks: Iterable[Chunk],
    on: date,
    policies: PolicyMap,
    *,
    processes: int = 2,
    batch_size: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Return the outcome of every household of ``chunks``, in household-id order.

    With ``processes`` > 1 each chunk's batches run in that many forked worker processes; the
    next chunk is read once they are done. (Reading it meanwhile was measured slower on two
    cores: the reading process and the database server then take CPU from the workers.)
    ``progress`` is called with the number of households done.
    """
    done = 0
    parts: list[Outcome] = []

    def collect(outcome: Outcome) -> None:
        nonlocal done
        parts.append(outcome)
        done += len(outcome)
        if progress is not None:
            progress(done)

    if processes <= 1:
        for chunk in chunks:
            for batch in chunk.batches(batch_size):
                collect(assess_batch(batch, on, policies))
        return Outcome.concat(parts)

    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_init_worker, initargs=(on, policies)) as pool:
        for chunk in chunks:
            for outcome in pool.imap(_work, chunk.batches(batch_size)):
                collect(outcome)
    return Outcome.concat(parts)
