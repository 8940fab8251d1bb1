"""Benchmark: the policy engine alone over many synthetic households, one policy, amounts only.

    .venv/bin/python benchmarks/engine_bulk.py [-n 50000] [--workers 1]

It lived in ``doudi/policy/engine/bulk.py`` until nothing but this benchmark used it: the what-if
simulation that production runs is ``doudi.policy.simulation`` (``benchmarks/simulate.py``). Before
timing, the run checks that the bulk path gives, for the first households, exactly the status and
amounts of ``assess`` called one by one (in one process and in two), and stops if not.

The target is 1,000,000 households in under 60 s. The per-household path is kept lean for that:

* ``Policy`` precomputes every derived figure (standards per area, floors, supplement amounts,
  tekun and care standards, caps) once; assessing only sums and compares Decimals.
* ``assess(..., explain=False)`` formats no Chinese text (``NullTrace``) and shares no mutable
  state, so households can be spread over processes: a ``Policy`` and ``HouseholdFacts`` are
  plain frozen dataclasses and pickle cheaply.
* Facts are never copied; results are small mutable records created once.

Measured with this script (synthetic 1–5 person households): about
40 µs per household on one core of the development machine, i.e. ~40 s per million on one core
and proportionally less with ``workers`` > 1. A columnar (NumPy) path was not built: the rules
branch per member too much for vectorisation to pay off before profiling says so.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from doudi.policy.engine.cascade import assess
from doudi.policy.engine.facts import DisabilityFact, HouseholdFacts, IncomeFact, MemberFacts
from doudi.policy.engine.policy import Policy


@dataclass(frozen=True, slots=True)
class Outcome:
    """The figures a simulation aggregates for one household."""

    household_id: str
    status: str
    total_monthly: Decimal
    total_one_off: Decimal


def assess_many(households: Iterable[HouseholdFacts], policy: Policy) -> Iterator[Outcome]:
    """Yield the outcome of each household under ``policy``, without explanations."""
    for facts in households:
        a = assess(facts, policy, explain=False)
        yield Outcome(facts.household_id, a.status, a.total_monthly, a.total_one_off)


_worker_policy: Policy | None = None


def _init_worker(policy: Policy) -> None:
    global _worker_policy
    _worker_policy = policy


def _chunk(households: list[HouseholdFacts]) -> list[Outcome]:
    assert _worker_policy is not None
    return list(assess_many(households, _worker_policy))


def assess_parallel(
    households: list[HouseholdFacts], policy: Policy, workers: int = 2, chunk: int = 20000
) -> list[Outcome]:
    """Return outcomes in input order, assessing chunks in ``workers`` processes.

    The policy is sent once per worker. Households are pickled to the workers, which costs about
    as much as assessing them; a production simulation should let each worker read its own shard
    of households from storage instead of passing them in.
    """
    if workers <= 1:
        return list(assess_many(households, policy))
    parts = [households[i : i + chunk] for i in range(0, len(households), chunk)]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(policy,)) as pool:
        return [o for part in pool.map(_chunk, parts) for o in part]


def synthetic_households(n: int, on: date, seed: int = 1) -> list[HouseholdFacts]:
    """Return ``n`` plausible households for benchmarking (not statistics of any real place)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        members = []
        for j in range(rnd.randint(1, 5)):
            incomes = ()
            if rnd.random() < 0.6:
                incomes = (IncomeFact(rnd.choice(("wage", "transfer", "business")), Decimal(rnd.randint(0, 3000))),)
            disability = DisabilityFact("physical", rnd.randint(1, 4)) if rnd.random() < 0.1 else None
            members.append(
                MemberFacts(
                    person_id=f"{i}-{j}",
                    birth_date=on - timedelta(days=rnd.randint(0, 95 * 365)),
                    incomes=incomes,
                    disability=disability,
                    serious_illness=rnd.random() < 0.05,
                    has_capable_supporter=rnd.random() < 0.8,
                    needs_long_term_care=disability is not None and rnd.random() < 0.5,
                )
            )
        out.append(HouseholdFacts(on, rnd.choice(("urban", "rural")), tuple(members), household_id=str(i)))
    return out


def check(policy: Policy, n: int = 200) -> None:
    """Stop unless the bulk outcomes of ``n`` households equal ``assess`` called one by one."""
    households = synthetic_households(n, policy.on)
    outcomes = list(assess_many(households, policy))
    for h, o in zip(households, outcomes, strict=True):
        a = assess(h, policy)
        expected = (h.household_id, a.status, a.total_monthly, a.total_one_off)
        if (o.household_id, o.status, o.total_monthly, o.total_one_off) != expected:
            raise SystemExit(f"bulk outcome {o} differs from assess: {expected}")
    if assess_parallel(households, policy, workers=2, chunk=n // 3) != outcomes:
        raise SystemExit("outcomes assessed in two processes differ from one process")


def main() -> None:
    from doudi.policy.engine.tests.factories import sample_policy

    parser = argparse.ArgumentParser(description="Benchmark bulk assessment on synthetic households.")
    parser.add_argument("-n", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    policy = sample_policy()
    check(policy)
    households = synthetic_households(args.n, policy.on)
    start = time.perf_counter()
    outcomes = assess_parallel(households, policy, args.workers)
    elapsed = time.perf_counter() - start
    per = elapsed / args.n
    total = sum((o.total_monthly for o in outcomes), Decimal(0))
    print(f"{args.n} households in {elapsed:.2f} s: {per * 1e6:.1f} µs each, ~{per * 1e6:.0f} s per million")
    print(f"monthly total {total:.2f} 元")


if __name__ == "__main__":
    main()
