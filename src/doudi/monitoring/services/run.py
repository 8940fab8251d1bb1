"""Run every enabled rule for a region on a date and persist what changed, in bulk.

1. Extract the registry and enrolments of the region's subtree to Parquet (``extract``), write the
   policy parameters of each county (``params``), list the current feed batches' Parquet files.
2. Find the signals with DuckDB (default) or Spark (``engine``), group them into alerts
   (``engine.collapse``).
3. Compare with the alerts already stored (by fingerprint, in DuckDB): new ones are inserted in one
   statement (``COPY`` into a temporary table and ``INSERT … SELECT … ON CONFLICT DO NOTHING`` on
   PostgreSQL; ``bulk_create`` elsewhere); open alerts of a rule that ran with all its feeds and no
   longer signals are closed as cleared; the rest are unchanged. Running again changes nothing.
"""

from __future__ import annotations

import io
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
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
        clock = time.perf_counter()
        engines.prepare(con)
        spark = engine == "spark"
        signals = engines.run_spark(tables, session=spark_session) if spark else engines.signals_duckdb(con)
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


def _insert(new: pa.Table) -> None:
    """Insert the new alerts in bulk; a fingerprint stored meanwhile is skipped (the unique constraint)."""
    if new.num_rows == 0:
        return
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        pacsv.write_csv(new.select(list(ALERT_COLUMNS)), buffer, pacsv.WriteOptions(include_header=False))
        table = Alert._meta.db_table
        columns = ", ".join(ALERT_COLUMNS)
        extra = "findings, outcome, outcome_reason, version, created_at"
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS monitoring_new_alerts")  # a second run in the same transaction
            cursor.execute(
                f"CREATE TEMPORARY TABLE monitoring_new_alerts ON COMMIT DROP AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY monitoring_new_alerts ({columns}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
            cursor.execute(
                f"INSERT INTO {table} ({columns}, {extra}) "
                f"SELECT {columns}, '', '', '', 1, now() FROM monitoring_new_alerts "
                f"ON CONFLICT (fingerprint) DO NOTHING"
            )
        return
    rows = new.select(list(ALERT_COLUMNS)).to_pylist()
    Alert.objects.bulk_create(
        [Alert(**{**row, "evidence": _json(row["evidence"])}) for row in rows], batch_size=2000, ignore_conflicts=True
    )


def _json(text: str):
    import json

    return json.loads(text)


@transaction.atomic(durable=True)
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
    counts opened, closed (open alerts whose signal disappeared) and unchanged, overall and by rule.
    """
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
            con.register("alerts", alerts)
            con.register("existing", _existing(prefix))
            new = con.sql(
                f"""
                SELECT a.rule, a.alert_class, a.severity, a.fingerprint, a.fact, a.summary, a.household_id,
                       a.person_id, a.region_code AS region_id, a.township_code AS township_id, a.evidence,
                       a.event_date, a.detected_on, a.due_on, a.due_provisional, 'open' AS status, {run.pk} AS run_id
                FROM alerts a ANTI JOIN existing e ON e.fingerprint = a.fingerprint
                """
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
    _insert(new)
    cleared_ids = cleared.column("id").to_pylist()
    for start in range(0, len(cleared_ids), 5000):
        Alert.objects.filter(pk__in=cleared_ids[start : start + 5000], status=AlertStatus.OPEN).update(
            status=AlertStatus.CLEARED, cleared_on=on
        )
    by_rule: dict[str, dict[str, int]] = {r.code: {"opened": 0, "closed": 0, "unchanged": 0} for r in RULES}
    for rule in new.column("rule").to_pylist():
        by_rule[rule]["opened"] += 1
    for rule in cleared.column("rule").to_pylist():
        by_rule[rule]["closed"] += 1
    for rule, count in unchanged:
        by_rule[rule]["unchanged"] += count
    TIMINGS["persist"] = time.perf_counter() - clock
    run.opened = new.num_rows
    run.closed = len(cleared_ids)
    run.unchanged = sum(c for _, c in unchanged)
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
