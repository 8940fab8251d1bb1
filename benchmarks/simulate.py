"""Benchmark: what-if simulation of 1,000,000 households on PostgreSQL, beside a vectorised floor.

    .venv/bin/python benchmarks/simulate.py [--database doudi_sim_bench] [--setup] [--households 1000000]
                                            [--province 43] [--processes 2] [--profile] [--write-docs]

``--setup`` (re)creates the database: migrate, regions with the villages of the province, the
sample policies, then ``generate_demo --province`` (COPY). Every county with households gets a
published county document (the 沅江市 sample with the county's code) so that each household has a
complete policy. The scenario raises the urban dibao standard 740 → 760 from 2025-07-01 (and the
urban tekun standard with it, as the 1.3 × rule requires) and assesses on 2025-08-01.

Timed, in one run and over the same data:

1. extraction — the set-based SQL of every chunk into numpy columns;
2. the floor — gap payment only (``simulation.floor``), numpy, baseline and scenario standards;
3. facts — building engine ``HouseholdFacts`` from the columns (one process, first 100,000);
4. assessment — facts + baseline and scenario ``assess(explain=False)`` in ``--processes`` workers;
5. aggregation — counts, costs by programme and township, the changed-household list;
6. end to end — ``simulate()`` as the command and the page run it (prepare, then chunk by chunk:
   read, assess in the workers; then aggregate), which is the figure the 60-second target applies to.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import secrets
import sys
import time
from datetime import date
from pathlib import Path

from common import manage

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
ON, START = date(2025, 8, 1), date(2025, 7, 1)
OVERRIDES = ("dibao.standard_urban=760", "extreme_poverty.basic_living_urban=988")
HEADING = "## Policy simulation"


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores (nproc), {cpu}, {mem / 2**20:.0f} GiB RAM, Python {platform.python_version()}"


def setup(args, url: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    manage("migrate", "--no-input", "-v0", url=url)
    manage("load_regions", "--villages", args.province, url=url)
    manage("load_policies", url=url)
    manage(
        "generate_demo", "--households", str(args.households), "--province", args.province, "--seed", "2025", url=url
    )


def county_policies(province: str) -> int:
    """Publish the 沅江市 sample as the county document of every county with households and none of its own."""
    from django.db.models.functions import Substr

    from doudi.policy.models import PolicyVersion, VersionStatus
    from doudi.policy.services import load_policy_file
    from doudi.regions.models import Region, pad_code
    from doudi.registry.models import Household

    sample = PolicyVersion.objects.get(region_id="430981000000", status=VersionStatus.PUBLISHED).content
    counties = set(
        Household.objects.filter(region__code__startswith=province)
        .annotate(c=Substr("region_id", 1, 6))
        .values_list("c", flat=True)
        .order_by()
        .distinct()
    )
    have = {c[:6] for c in PolicyVersion.objects.filter(status="published").values_list("region_id", flat=True)}
    names = dict(Region.objects.filter(code__in=[pad_code(c) for c in counties]).values_list("code", "name"))
    created = 0
    for county in sorted(counties - have):
        content = re.sub(r'region_code = "\d{6}"', f'region_code = "{county}"', sample, count=1)
        content = re.sub(r'region_name = "[^"]*"', f'region_name = "{names[pad_code(county)]}"', content, count=1)
        load_policy_file(content, reason="基准测试：沿用沅江市示例参数")
        created += 1
    return created


def main() -> None:
    # settings.py refuses to start without a secret key outside the demo: a benchmark's sessions and
    # its subprocesses (manage.py, gunicorn) share one random key for the run.
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="doudi_sim_bench")
    parser.add_argument("--setup", action="store_true", help="create the database and generate the households")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--province", default="43")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=250_000)
    parser.add_argument("--profile", action="store_true", help="cProfile one batch of 20,000 households")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="end-to-end runs (best and median are reported)")
    parser.add_argument("--write-docs", action="store_true", help=f"write the figures under '{HEADING}'")
    args = parser.parse_args()
    url = f"{PG}/{args.database}"
    if args.setup:
        setup(args, url)

    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import numpy as np
    from django.db import connection

    from doudi.policy.simulation.assess import _without_cyclic_gc, assess_all, assess_batch
    from doudi.policy.simulation.facts import build_facts
    from doudi.policy.simulation.floor import Standards, gap_payment
    from doudi.policy.simulation.runner import SimulationRequest, prepare, simulate, timed_chunks
    from doudi.policy.simulation.summary import changed_households, summarise

    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    created = county_policies(args.province)
    request = SimulationRequest(args.province, ON, overrides=OVERRIDES, start=START)
    load_before = os.getloadavg()

    t = time.perf_counter()
    prepared = prepare(None, request)
    t_prepare = time.perf_counter() - t
    n = len(prepared.ids)

    timings: dict[str, float] = {}
    chunks = list(timed_chunks(prepared, timings, args.chunk_size))
    t_extract = timings["extract"]
    members = sum(len(c.tables["members"]["hh"]) for c in chunks)
    evidence = sum(len(c.tables[k]["hh"]) for c in chunks for k in c.tables if k not in ("households", "members"))

    baseline = {county: entry[0] for county, entry in prepared.policies.items()}
    scenario = {county: entry[1] or entry[0] for county, entry in prepared.policies.items()}
    t = time.perf_counter()
    floors = []
    for policies in (baseline, scenario):
        standards = Standards.of(policies)
        pays = np.concatenate([gap_payment(c, standards) for c in chunks])
        floors.append((int((pays > 0).sum()), int(pays.sum())))
    t_floor = time.perf_counter() - t

    sample = chunks[0].slice(0, min(100_000, len(chunks[0])))
    with _without_cyclic_gc():  # as in the workers
        t = time.perf_counter()
        build_facts(sample, ON)
        t_facts = time.perf_counter() - t
    per_facts = t_facts / max(len(sample), 1)

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        assess_batch(chunks[0].slice(0, 20_000), ON, prepared.policies)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)

    twice = 0  # households assessed under both policies (the others' area is untouched by the scenario)
    for chunk in chunks:
        county = (chunk.households["region"] // 1_000_000).tolist()
        for c, area in zip(county, chunk.households["area"].tolist(), strict=True):
            entry = prepared.policies.get(c)
            twice += entry is not None and entry[1] is not None and area != entry[2]
    cpu = os.times()
    t = time.perf_counter()
    outcome = assess_all(chunks, ON, prepared.policies, processes=args.processes)
    t_assess = time.perf_counter() - t
    workers_cpu = os.times().children_user - cpu.children_user

    t = time.perf_counter()
    summary = summarise(outcome)
    changed = changed_households(outcome)
    t_aggregate = time.perf_counter() - t
    del chunks

    t_end = None
    ends: list[tuple[float, float]] = []  # (seconds, load average before)
    if not args.skip_end_to_end:
        for _ in range(max(args.repeat, 1)):
            load = os.getloadavg()[0]
            t = time.perf_counter()
            result = simulate(None, request, processes=args.processes, chunk_size=args.chunk_size)
            ends.append((time.perf_counter() - t, load))
            assert result.outcome.equals(outcome), "end-to-end run differs from the phased run"
            del result
        t_end = min(e for e, _ in ends)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    say(f"{HEADING}\n")
    say("`benchmarks/simulate.py` — what-if simulation (`doudi simulate`, the simulation page) over every active")
    say(
        f"household of province {args.province} on PostgreSQL, beside the vectorised gap-payment floor, "
        "in the same run.\n"
    )
    say(
        f"- Machine: {machine()}; PostgreSQL {server} (default settings); load average before the run "
        f"{load_before[0]:.2f} (other engineers' jobs share the machine)."
    )
    say(
        f"- Data: `generate_demo --province {args.province}`: {n:,} active households, {members:,} members on "
        f"{ON}, {evidence:,} evidence rows valid that day; every county given a published county document "
        f"(the 沅江市 sample{'; ' + str(created) + ' created this run' if created else ''})."
    )
    say(
        f"- Scenario: `{' '.join('--set ' + o for o in OVERRIDES)} --from {START}`, assessed on {ON}; "
        f"{args.processes} worker processes (fork), chunks of {args.chunk_size:,} households, batches of 5,000.\n"
    )
    say("| phase | seconds | per household |")
    say("|---|---:|---:|")

    def row(label: str, seconds: float, count: int = n) -> None:
        say(f"| {label} | {seconds:.1f} | {seconds / max(count, 1) * 1e6:.1f} µs |")

    row("prepare (scope, household ids, both policies per county)", t_prepare)
    row("extraction: set-based SQL → numpy columns (COPY + pyarrow)", t_extract)
    row("**floor**: gap payment only, numpy, baseline + scenario", t_floor)
    say(
        f"| facts: columns → `HouseholdFacts`, 1 process ({len(sample):,} sampled) | {per_facts * n:.1f} "
        f"(extrapolated) | {per_facts * 1e6:.1f} µs |"
    )
    row(f"assessment: facts + baseline + scenario `assess`, {args.processes} processes", t_assess)
    row("aggregation: counts, costs by programme and township, changed list", t_aggregate)
    row("**phases total** (extraction + assessment + aggregation)", t_extract + t_assess + t_aggregate)
    if t_end is not None:
        row(f"**end to end** `simulate()`, best of {len(ends)} (prepare, read and assess by chunk, aggregate)", t_end)
        median = sorted(e for e, _ in ends)[len(ends) // 2]
        row(f"end to end, median of {len(ends)}", median)
    say("")
    (b_n, b_fen), (s_n, s_fen) = floors
    say(
        f"Results: {summary.counts['enter']:,} households enter, {summary.counts['leave']:,} leave, "
        f"{summary.counts['change']:,} change amount or tier, {summary.counts['unchanged']:,} unchanged; "
        f"monthly cost {summary.cost_before / 100:,.2f} → {summary.cost_after / 100:,.2f} 元 "
        f"({summary.cost_difference / 100:+,.2f}); {changed.num_rows:,} households in the downloadable list. "
        f"The floor pays {b_n:,} → {s_n:,} households {b_fen / 100:,.2f} → {s_fen / 100:,.2f} 元 a month "
        f"({(s_fen - b_fen) / 100:+,.2f}). Peak memory of the main process {rss:,.0f} MiB."
    )
    verdict = t_end if t_end is not None else t_extract + t_assess + t_aggregate
    say(
        f"\nTarget (whole re-assessment of 1,000,000 households < 60 s): {'met' if verdict < 60 else 'MISSED'} "
        f"({verdict:.1f} s); the full rules cost {verdict / max(t_floor, 1e-9):,.0f}× the floor. "
        + ("End-to-end runs: " + ", ".join(f"{e:.1f} s (load {load:.1f})" for e, load in ends) + ". " if ends else "")
        + f"Load average after the run {os.getloadavg()[0]:.2f}."
    )
    assessments = n + twice
    say(
        f"\nWhere the time goes: the workers used {workers_cpu:.1f} CPU-seconds for {assessments:,} engine "
        f"assessments ({n - twice:,} households were assessed once: the scenario changes only urban parameters, "
        f"and the engine reads those only through `Policy.areas` — `simulation.assess.unaffected_area`, guarded "
        f"by a test), i.e. {workers_cpu / max(assessments, 1) * 1e6:.1f} µs per assessment including facts "
        "building and result packing. The rules engine itself (`assess(explain=False)`, ~20 µs a household on "
        "this machine) is the bulk of it; the floor is fast because it is one formula over arrays. Profiling "
        "(cProfile, `--profile`) found the cyclic garbage collector costing as much as the batch itself while "
        "~10⁵ fresh frozen dataclasses are alive, so it is paused during a batch (nothing there forms cycles); "
        "and a frozen dataclass's `__init__` setting ~20 fields through `object.__setattr__`, so facts are built "
        "through the slot descriptors (half the cost, same objects). Reading the next chunk while the workers "
        "assess the current one was measured slower on two cores (the reader and the database server take CPU "
        "from the workers) and was dropped. Figures vary by ±30 % between runs on this shared machine."
    )
    if args.write_docs:
        write_docs("\n".join(lines))


def write_docs(section: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (or append it), leaving the others alone."""
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = text.find(HEADING + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + section.rstrip() + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
