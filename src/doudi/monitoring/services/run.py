"""Run every enabled rule for a region on a date and persist what changed, in bulk.

1. Extract the registry and enrolments of the region's subtree to Parquet (``extract``), write the
   policy parameters of each county (``params``), list the current feed batches' Parquet files.
2. Find the signals with DuckDB (default) or Spark (``engine``), group them into alerts
   (``engine.collapse``).
3. Compare with the alerts already stored (by fingerprint, in DuckDB; runs take turns from here to
   the commit, ``_serialise_runs``): new ones are inserted in one statement (``COPY`` straight into
   the alert table on PostgreSQL; ``bulk_create`` elsewhere); open alerts of a rule that ran with all
   its feeds and no longer signals are closed as cleared; the rest are unchanged. Running again
   changes nothing; the run is one transaction.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection, transaction
from django.utils import timezone

from doudi.audit.services import record_event
from doudi.monitoring import engine as engines
from doudi.monitoring.extract import load_registry, registry_extract
from doudi.monitoring.models import Alert, AlertStatus, MonitoringRun
from doudi.monitoring.params import county_params, write_params
from doudi.monitoring.rules import RULES
from doudi.regions.models import Region, pad_code, prefix_of

# Seconds spent in each phase of the last run in this process (read by benchmarks/monitoring.py).
TIMINGS: dict[str, float] = {}


@dataclass
class RunResult:
    run: MonitoringRun | None
    opened: int = 0
    closed: int = 0
    unchanged: int = 0
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    alerts: pa.Table | None = None  # the collapsed alerts of this run (what the engine found)
    timings: dict[str, float] = field(default_factory=dict)  # seconds by phase (benchmarks)


def feed_files(region_code: str) -> dict[str, list[str]]:
    """Return the current batches' Parquet files of every feed for the region."""
    from doudi.verification.feeds.selectors import parquet_files

    return {d: parquet_files(d, region=region_code) for d in engines.FEEDS}


def compute(
    region_code: str,
    on: date,
    directory: Path,
    *,
    engine: str = "duckdb",
    feeds: dict[str, list[str]] | None = None,
    spark_session=None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> tuple[pa.Table, pa.Table, dict[str, list[str]], set[str]]:
    """Return (signals, alerts, tables, rules that may clear) for the region on ``on``; nothing is written.

    With DuckDB the registry is read straight into one in-process database (``con``, a new one when not
    given) where the rules, the grouping into alerts and, in ``do_run_monitoring``, the comparison with
    the stored alerts run one after the other; only the parameters and the feeds are files. With Spark
    the registry is written to Parquet in ``directory`` first (what Spark reads); ``con`` then holds
    views over the same files. ``tables`` lists the files (name → paths) of what is on disk.
    """
    own = con is None
    con = duckdb.connect() if own else con
    try:
        clock = time.perf_counter()
        if engine == "spark":
            extract = registry_extract(region_code, on, directory)
            tables = {name: [path] for name, path in extract.files.items()}
            engines.attach(con, tables)
            counties_found = extract.counties
        elif engine == "duckdb":
            tables = {}
            counties_found = load_registry(con, region_code, on)
        else:
            raise ValueError(engine)
        TIMINGS["extract"] = time.perf_counter() - clock
        directory.mkdir(parents=True, exist_ok=True)
        counties = [c for c in (county_params(code, on) for code in counties_found) if c is not None]
        files = {name: [path] for name, path in write_params(counties, directory).items()}
        given = feed_files(region_code) if feeds is None else feeds
        present = set()
        for department in engines.FEEDS:
            paths = list(given.get(department) or ())
            if paths:
                present.add(department)
            files[f"feed_{department}"] = paths or [engines.empty_feed(department, directory)]
        engines.attach(con, files)
        tables.update(files)
        # A rule reads its feeds' rows first (every feed rule starts ``FROM feed_<code>``): without a current
        # batch it can find nothing, so it is not run at all.
        rules = [r for r in RULES if set(r.feeds) <= present]
        clock = time.perf_counter()
        engines.prepare(con)  # with Spark too: ``con`` counts the monitored population
        if engine == "spark":
            signals = engines.run_spark(tables, rules, session=spark_session)
        else:
            signals = engines.signals_duckdb(con, rules)
        TIMINGS["rules"] = time.perf_counter() - clock
        clock = time.perf_counter()
        alerts = engines.collapse(signals, f"DATE '{on.isoformat()}'", tables["deadlines"][0], con)
        TIMINGS["collapse"] = time.perf_counter() - clock
    finally:
        if own:
            con.close()
    may_clear = {r.code for r in RULES if set(r.feeds) <= present}
    return signals, alerts, tables, may_clear


def _existing(prefix: str) -> pa.Table:
    """The stored alerts of the subtree (id, fingerprint, status, rule, region), read in bulk."""
    from doudi.monitoring.extract import _read

    return _read(
        f"SELECT id, fingerprint, status, rule, region_id FROM {Alert._meta.db_table} WHERE region_id LIKE %s",
        [prefix + "%"],
        (("id", "int"), ("fingerprint", "text"), ("status", "text"), ("rule", "text"), ("region_id", "text")),
    )


ALERT_COLUMNS = (
    "rule",
    "alert_class",
    "severity",
    "fingerprint",
    "fact",
    "summary",
    "household_id",
    "person_id",
    "region_id",
    "township_id",
    "evidence",
    "event_date",
    "detected_on",
    "due_on",
    "due_provisional",
    "status",
    "run_id",
)


# The key of the transaction-level advisory lock that makes runs compare and write one at a time.
RUN_LOCK = 8_0808_0001


def _serialise_runs() -> None:
    """Wait until no other run is comparing or writing (PostgreSQL; SQLite writes one transaction at a time).

    Taken before the stored alerts are read and held to the commit, so what a run compares with is what
    the runs before it committed, and two runs never insert the same alert (the fingerprint's unique
    constraint stays as a guard)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])


def _stored(fingerprints: list[str]) -> set[str]:
    """The fingerprints among ``fingerprints`` already stored, wherever (a household moved out of the subtree)."""
    found: set[str] = set()
    for start in range(0, len(fingerprints), 5000):
        chunk = fingerprints[start : start + 5000]
        found.update(Alert.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
    return found


def _copy(new: pa.Table) -> None:
    """``COPY`` the alerts straight into the alert table (CSV written by Arrow), with the columns Django fills."""
    n = new.num_rows
    rows = new.select(list(ALERT_COLUMNS))
    for name, array in (
        ("findings", pa.array([""] * n, pa.string())),
        ("outcome", pa.array([""] * n, pa.string())),
        ("outcome_reason", pa.array([""] * n, pa.string())),
        ("version", pa.array([1] * n, pa.int64())),
        ("created_at", pa.array([timezone.now()] * n, pa.timestamp("us", tz="UTC"))),
    ):
        rows = rows.append_column(name, array)
    buffer = io.BytesIO()
    pacsv.write_csv(rows, buffer, pacsv.WriteOptions(include_header=False))
    columns = ", ".join(rows.column_names)
    sql = f"COPY {Alert._meta.db_table} ({columns}) FROM STDIN (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(buffer.getvalue())


def _insert(new: pa.Table) -> pa.Table:
    """Insert the new alerts in bulk and return those inserted.

    The comparison left out every alert stored in the subtree, and runs are serialised (``_serialise_runs``),
    so on PostgreSQL the alerts are copied straight into the table; only an alert stored under a region
    outside the subtree (its household moved) breaks the unique fingerprint: the copy is then undone (a
    savepoint) and done again without the alerts already stored.
    """
    if new.num_rows == 0:
        return new
    if connection.vendor == "postgresql":
        import psycopg

        try:
            with transaction.atomic():
                _copy(new)
            return new
        except psycopg.errors.UniqueViolation:
            pass
    stored = _stored(new.column("fingerprint").to_pylist())
    if stored:
        new = new.filter(pc.invert(pc.is_in(new.column("fingerprint"), pa.array(sorted(stored), pa.string()))))
    if connection.vendor == "postgresql":
        _copy(new)
    else:
        rows = new.select(list(ALERT_COLUMNS)).to_pylist()
        alerts = [Alert(**{**row, "evidence": _json(row["evidence"])}) for row in rows]
        Alert.objects.bulk_create(alerts, batch_size=2000)
    return new


def _json(text: str):
    import json

    return json.loads(text)


def do_run_monitoring(
    actor,
    region_code: str,
    *,
    on: date | None = None,
    engine: str = "duckdb",
    feeds: dict[str, list[str]] | None = None,
    spark_session=None,
) -> RunResult:
    """Run every enabled rule for ``region_code``'s subtree on ``on`` (default today) and store the changes.

    ``feeds`` (department → Parquet files) replaces the current batches (tests, benchmarks). Returns the
    counts opened, closed (open alerts whose signal disappeared) and unchanged, overall and by rule. One
    transaction: a run that fails leaves nothing.
    """
    with transaction.atomic(durable=True):
        result = _run(actor, region_code, on, engine, feeds, spark_session)
        clock = time.perf_counter()
    TIMINGS["commit"] = time.perf_counter() - clock  # PostgreSQL checks the new alerts' references here
    result.timings = dict(TIMINGS)
    return result


def _run(actor, region_code: str, on: date | None, engine: str, feeds, spark_session) -> RunResult:
    on = on or timezone.localdate()
    code = pad_code(region_code)
    region = Region.objects.get(code=code)
    prefix = prefix_of(code)
    run = MonitoringRun.objects.create(
        region=region, on=on, engine=engine, started_by=actor if getattr(actor, "pk", None) else None
    )
    with tempfile.TemporaryDirectory(prefix="doudi-monitoring-") as tmp:
        con = duckdb.connect()
        try:
            _signals, alerts, _tables, may_clear = compute(
                code, on, Path(tmp), engine=engine, feeds=feeds, spark_session=spark_session, con=con
            )
            clock = time.perf_counter()
            _serialise_runs()
            con.register("alerts", alerts)
            con.register("existing", _existing(prefix))
            new = con.sql(
                f"""
                SELECT a.rule, a.alert_class, a.severity, a.fingerprint, a.fact, a.summary, a.household_id,
                       a.person_id, a.region_code AS region_id, a.township_code AS township_id, a.evidence,
                       a.event_date, a.detected_on, a.due_on, a.due_provisional, 'open' AS status, {run.pk} AS run_id
                FROM alerts a ANTI JOIN existing e ON e.fingerprint = a.fingerprint
                ORDER BY a.person_id NULLS LAST, a.household_id, a.fingerprint
                """  # in the registry's order: the reference checks then probe its keys in order
            ).to_arrow_table()
            clearable = ", ".join(f"'{c}'" for c in sorted(may_clear)) or "''"
            enabled = " OR ".join(f"(e.rule = '{r.code}' AND p.on_{r.code})" for r in RULES)
            cleared = con.sql(_cleared_sql(clearable, enabled)).to_arrow_table()
            unchanged = con.execute(
                "SELECT a.rule, count(*) FROM alerts a SEMI JOIN existing e ON e.fingerprint = a.fingerprint "
                "GROUP BY a.rule"
            ).fetchall()
            TIMINGS["compare"] = time.perf_counter() - clock
            clock = time.perf_counter()
            run.population = engines.population_of(con)
            TIMINGS["population"] = time.perf_counter() - clock
        finally:
            con.close()
    clock = time.perf_counter()
    candidates = new
    new = _insert(candidates)  # less any alert already stored outside the subtree: that one is unchanged
    cleared_ids = cleared.column("id").to_pylist()
    for start in range(0, len(cleared_ids), 5000):
        Alert.objects.filter(pk__in=cleared_ids[start : start + 5000], status=AlertStatus.OPEN).update(
            status=AlertStatus.CLEARED, cleared_on=on
        )
    by_rule: dict[str, dict[str, int]] = {r.code: {"opened": 0, "closed": 0, "unchanged": 0} for r in RULES}
    opened = Counter(new.column("rule").to_pylist())
    elsewhere = Counter(candidates.column("rule").to_pylist()) - opened
    for rule, count in opened.items():
        by_rule[rule]["opened"] += count
    for rule in cleared.column("rule").to_pylist():
        by_rule[rule]["closed"] += 1
    for rule, count in [*unchanged, *elsewhere.items()]:
        by_rule[rule]["unchanged"] += count
    TIMINGS["persist"] = time.perf_counter() - clock
    run.opened = new.num_rows
    run.closed = len(cleared_ids)
    run.unchanged = sum(c for _, c in unchanged) + elsewhere.total()
    run.by_rule = {k: v for k, v in by_rule.items() if any(v.values())}
    run.finished_at = timezone.now()
    run.save()
    record_event(
        actor,
        action="run_monitoring",
        target=run,
        household_id=None,
        region_code=code,
        changes={"on": on.isoformat(), "opened": run.opened, "closed": run.closed, "unchanged": run.unchanged},
        label=f"{region.name} {on:%Y-%m-%d}",
    )
    return RunResult(
        run=run,
        opened=run.opened,
        closed=run.closed,
        unchanged=run.unchanged,
        by_rule=run.by_rule,
        alerts=alerts,
        timings=dict(TIMINGS),
    )


def _cleared_sql(clearable: str, enabled: str) -> str:
    return f"""
        SELECT e.id, e.rule FROM existing e
        JOIN params p ON p.county_code = substr(e.region_id, 1, 6) || '000000'
        WHERE e.status = 'open' AND e.rule IN ({clearable}) AND ({enabled})
          AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.fingerprint = e.fingerprint)
    """
