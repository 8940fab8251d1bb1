"""Run the rules over a run's tables on DuckDB (in-process, the default) or Spark (local or a cluster).

Both engines read the same Parquet files (the registry extract, the parameters and the current
feed batches), define the same views (``PRELUDE``) and run the same query (``signals_sql``: every
enabled rule, ``UNION ALL``); the signals come back as an Arrow table. ``collapse`` then groups
them into alerts in DuckDB whichever engine found them, so the two engines can only differ in the
signals, and ``tests/test_engines.py`` compares those.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from doudi.monitoring.rules import AMOUNT_LABELS, MEANS_TESTED, RULES, SIGNAL_COLUMNS, Rule, wrapped

FEEDS = (
    "death",
    "hukou_out",
    "employment",
    "pension",
    "unemployment",
    "medical",
    "property",
    "vehicle",
    "business",
    "disability",
    "tax",
    "provident_fund",
    "poverty_watch",
)
_MEANS = ", ".join(f"'{p}'" for p in MEANS_TESTED)

# The monitored kinds an enrolment gives (rules §8), by the programme's family.
ENROLMENT_KINDS = (
    ("dibao", "dibao"),
    ("tekun", "extreme_poverty"),
    ("near_dibao", "near_dibao"),
    ("rigid_expense", "rigid_expense"),
)
_KIND_FLAGS = ", ".join(
    f"MAX(CASE WHEN family = '{family}' THEN 1 ELSE 0 END) AS k_{kind}" for kind, family in ENROLMENT_KINDS
)
_ANY_KIND = " + ".join(f"e.k_{kind}" for kind, _ in ENROLMENT_KINDS)
_WHO_COLUMNS = "person_id, household_id, region_code, county_code"

# Views over the tables, in order; each engine creates them the same way (DuckDB materialises those not in
# ``NOT_MATERIALISED``). Every person of the registry is read once, into ``who``: the person with what the
# rules ask of them (beneficiary, means-tested, monitored, how many enrolments), so the populations the
# rules join (``beneficiaries``, ``means_beneficiaries``, ``monitored_persons``) are filters of one table
# instead of a semi-join each; the medical feed's per-person 12-month totals are computed once, before any
# join, and only the rows of persons over the lowest threshold (or of a long stay) are kept for the rules.
PRELUDE: tuple[tuple[str, str], ...] = (
    ("enrolled_all", "SELECT * FROM enrolled"),
    # Each person's enrolments in one pass: how many, whether one is means-tested, which kinds they give.
    (
        "person_enrolments",
        f"SELECT person_id, COUNT(*) AS enrolments, "
        f"MAX(CASE WHEN programme IN ({_MEANS}) THEN 1 ELSE 0 END) AS means, {_KIND_FLAGS} "
        f"FROM enrolled GROUP BY person_id",
    ),
    (
        "monitored_other",
        # The monitored outside live enrolments; each part names its own kind, so the parts never repeat
        # each other (and never an enrolment's kind): UNION ALL of distinct parts. Exited and refused count
        # only without a live means-tested enrolment (``person_enrolments.means``).
        """
        SELECT DISTINCT f.person_id, 'poverty_watch' AS kind FROM feed_poverty_watch f
        JOIN persons pe ON pe.person_id = f.person_id
        WHERE f.risk_removed IS NULL OR NOT f.risk_removed
        UNION ALL
        SELECT DISTINCT x.person_id, 'exited' AS kind FROM ended x
        JOIN persons pe ON pe.person_id = x.person_id
        JOIN params p ON p.county_code = pe.county_code
        LEFT JOIN person_enrolments e ON e.person_id = x.person_id
        WHERE x.end_month >= p.lookback_from AND COALESCE(e.means, 0) = 0
        UNION ALL
        SELECT DISTINCT pe.person_id, 'refused' AS kind FROM refusals r
        JOIN persons pe ON pe.household_id = r.household_id
        JOIN params p ON p.county_code = pe.county_code
        LEFT JOIN person_enrolments e ON e.person_id = pe.person_id
        WHERE r.decided_on >= p.lookback_from AND COALESCE(e.means, 0) = 0
        UNION ALL
        SELECT DISTINCT w.person_id, 'referred' AS kind FROM referrals w
        JOIN persons pe ON pe.person_id = w.person_id
        """,
    ),
    (
        "who",
        f"""
        SELECT pe.person_id, pe.household_id, pe.region_code, pe.county_code, pe.birth_key, pe.area_type,
               e.person_id IS NOT NULL AS beneficiary, COALESCE(e.means, 0) = 1 AS means_tested,
               (COALESCE({_ANY_KIND}, 0) > 0 OR o.person_id IS NOT NULL) AS monitored,
               COALESCE(e.enrolments, 0) AS enrolments,
               {", ".join(f"COALESCE(e.k_{kind}, 0) AS k_{kind}" for kind, _ in ENROLMENT_KINDS)}
        FROM persons pe
        LEFT JOIN person_enrolments e ON e.person_id = pe.person_id
        LEFT JOIN (SELECT DISTINCT person_id FROM monitored_other) o ON o.person_id = pe.person_id
        """,
    ),
    ("beneficiaries", f"SELECT {_WHO_COLUMNS} FROM who WHERE beneficiary"),
    ("means_beneficiaries", f"SELECT {_WHO_COLUMNS} FROM who WHERE means_tested"),
    ("monitored_persons", f"SELECT {_WHO_COLUMNS} FROM who WHERE monitored"),
    (
        "monitored",
        # One row per monitored person and kind (the population by kind).
        "\nUNION ALL\n".join(
            f"SELECT person_id, region_code, '{kind}' AS kind FROM who WHERE k_{kind} = 1"
            for kind, _ in ENROLMENT_KINDS
        )
        + "\nUNION ALL\nSELECT w.person_id, w.region_code, o.kind FROM monitored_other o "
        "JOIN who w ON w.person_id = o.person_id",
    ),
    (
        # Each person's out-of-pocket total over the 12 months before the run (the window is the run's date,
        # the same in every county), from the feed alone, kept only over the lowest county threshold.
        "medical_totals",
        """
        SELECT f.person_id, CAST(SUM(f.out_of_pocket) AS DECIMAL(18,2)) AS total
        FROM feed_medical f
        WHERE f.settled_on > (SELECT MIN(medical_from) FROM params)
          AND f.settled_on <= (SELECT MAX(on_date) FROM params)
        GROUP BY f.person_id
        HAVING SUM(f.out_of_pocket) > (SELECT MIN(medical_out_of_pocket) FROM params)
        """,
    ),
    (
        # The medical rows the two medical rules can cite, in one more scan of the feed: every row of a person
        # over the lowest threshold, and the stays longer than the shortest limit.
        "medical_rows",
        """
        SELECT f.person_id, f.settled_on, f.visit_type, f.admitted_on, f.hospital_days, f.out_of_pocket,
               f.hospital, f.batch_id, f.row_number
        FROM feed_medical f
        WHERE f.person_id IN (SELECT person_id FROM medical_totals)
           OR f.hospital_days > (SELECT MIN(hospital_days) FROM params)
        """,
    ),
)
# Views, not tables, in DuckDB: a copy of a table already in memory, or a filter of ``who``.
NOT_MATERIALISED = ("enrolled_all", "beneficiaries", "means_beneficiaries", "monitored_persons", "monitored")

SIGNAL_SCHEMA = pa.schema(
    [("rule", pa.string())]
    + [
        (
            name,
            {
                "BIGINT": pa.int64(),
                "STRING": pa.string(),
                "DATE": pa.date32(),
                "DECIMAL(18,2)": pa.decimal128(18, 2),
            }[kind],
        )
        for name, kind in SIGNAL_COLUMNS
    ]
)


def empty_feed(department: str, directory: Path) -> str:
    """Write an empty Parquet file with the department's canonical columns (a feed with no current batch)."""
    from doudi.verification.feeds.schemas import SCHEMAS

    arrow = {
        "id": pa.string(),
        "text": pa.string(),
        "code": pa.string(),
        "date": pa.date32(),
        "month": pa.date32(),
        "amount": pa.decimal128(14, 2),
        "decimal": pa.decimal128(14, 2),
        "int": pa.int64(),
        "bool": pa.bool_(),
    }
    fields = [(c.code, arrow[c.type]) for c in SCHEMAS[department].columns]
    fields += [("batch_id", pa.int64()), ("row_number", pa.int64()), ("person_id", pa.int64())]
    fields += [("region_code", pa.string())]
    path = directory / f"feed_{department}_empty.parquet"
    pq.write_table(pa.table({n: pa.array([], t) for n, t in fields}), path)
    return str(path)


def signals_sql(rules: Iterable[Rule]) -> str:
    parts = [wrapped(r) for r in rules]
    if not parts:
        return "SELECT " + ", ".join(f"CAST(NULL AS {k}) AS {n}" for n, k in [("rule", "STRING"), *SIGNAL_COLUMNS])
    return "\nUNION ALL\n".join(parts)


def attach(con: duckdb.DuckDBPyConnection, tables: dict[str, list[str]]) -> None:
    """Create a view in ``con`` over each table's Parquet files (name → files)."""
    for name, files in tables.items():
        listed = ", ".join(f"'{f}'" for f in files)
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)")


# Functions the rules call that one engine lacks: Spark's ``format_number(x, 2)`` (thousands separators, two
# decimals: "36,500.00", how amounts read everywhere in doudi), defined in DuckDB with the same result for
# the two-decimal amounts the rules format (the only use: ``d`` is always 2).
DUCKDB_MACROS = ("CREATE OR REPLACE MACRO format_number(x, d) AS format('{:,.2f}', CAST(x AS DECIMAL(18,2)))",)


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Materialise the shared populations (``PRELUDE``) once: several rules read them (Spark plans views itself)."""
    for sql in DUCKDB_MACROS:
        con.execute(sql)
    for name, sql in PRELUDE:
        kind = "VIEW" if name in NOT_MATERIALISED else "TEMP TABLE"
        con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")


def signals_duckdb(con: duckdb.DuckDBPyConnection, rules: Iterable[Rule] = RULES) -> pa.Table:
    """Return the signals of ``rules`` over the tables of ``con`` (``prepare`` done), one query."""
    return con.sql(signals_sql(rules)).to_arrow_table().cast(SIGNAL_SCHEMA)


def run_duckdb(tables: dict[str, list[str]], rules: Iterable[Rule] = RULES) -> pa.Table:
    """Return the signals of ``rules`` over ``tables`` (name → Parquet files), computed by DuckDB."""
    con = duckdb.connect()
    try:
        attach(con, tables)
        prepare(con)
        return signals_duckdb(con, rules)
    finally:
        con.close()


def population_of(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """Return {township code: {monitored kind: persons}} from the tables of ``con`` (``prepare`` done)."""
    # ``monitored`` holds each person and kind once (``who`` is one row per person).
    rows = con.execute(
        "SELECT substr(region_code, 1, 9) || '000', kind, count(*) FROM monitored GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for township, kind, n in rows:
        out.setdefault(township, {})[kind] = n
    return out


def population(tables: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Return {township code: {monitored kind: persons}} (DuckDB over the run's tables)."""
    con = duckdb.connect()
    try:
        attach(con, tables)
        for name, sql in PRELUDE:
            con.execute(f"CREATE VIEW {name} AS {sql}")
        return population_of(con)
    finally:
        con.close()


def spark_session():
    """Return a local Spark session (one core, no UI) unless one is already active (a cluster's)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (
        SparkSession.builder.master("local[1]")
        .appName("doudi-monitoring")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "512m")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_spark(tables: dict[str, list[str]], rules: Iterable[Rule] = RULES, session=None) -> pa.Table:
    """Return the signals of ``rules`` over ``tables`` computed by Spark SQL (the same query as DuckDB)."""
    spark = session or spark_session()
    for name, files in tables.items():
        spark.read.parquet(*files).createOrReplaceTempView(name)
    for name, sql in PRELUDE:
        spark.sql(sql).createOrReplaceTempView(name)
    result = spark.sql(signals_sql(rules)).toArrow()
    return result.cast(SIGNAL_SCHEMA)


def collapse(
    signals: pa.Table, detected_on_sql: str, deadlines_file: str, con: duckdb.DuckDBPyConnection | None = None
) -> pa.Table:
    """Group signals into one row per alert (rule, subject, fact) with its fingerprint, evidence and deadline.

    ``subject`` is ``p<person id>`` for person rules and ``h<household id>`` for household rules;
    the fingerprint is the MD5 of ``rule|subject|fact``. The evidence keeps at most 50 rows, ordered.
    """
    levels = pa.table(
        {
            "rule": [r.code for r in RULES],
            "level": [r.level for r in RULES],
            "alert_class": [r.alert_class for r in RULES],
            "severity": [r.severity for r in RULES],
            "label": [r.label for r in RULES],
            "amount_label": [AMOUNT_LABELS.get(r.code) for r in RULES],
        }
    )
    own = con is None
    con = duckdb.connect() if own else con
    try:
        con.register("signals", signals)
        con.register("levels", levels)
        con.execute(f"CREATE OR REPLACE VIEW deadlines AS SELECT * FROM read_parquet('{deadlines_file}')")
        return con.sql(
            f"""
            WITH s AS (
              SELECT s.*, l.level, l.alert_class, l.severity, l.label, l.amount_label,
                     CASE WHEN l.level = 'household' THEN 'h' || CAST(s.household_id AS VARCHAR)
                          ELSE 'p' || CAST(s.person_id AS VARCHAR) END AS subject
              FROM signals s JOIN levels l ON l.rule = s.rule
            ), g AS (
              SELECT rule, subject, fact, any_value(alert_class) AS alert_class, any_value(severity) AS severity,
                     any_value(label) AS label, any_value(amount_label) AS amount_label,
                     min(person_id) AS person_id, min(household_id) AS household_id,
                     min(region_code) AS region_code, min(county_code) AS county_code, min(event_date) AS event_date,
                     max(amount) AS amount,
                     list({{'batch': batch_id, 'row': row_number, 'detail': detail}}
                          ORDER BY batch_id NULLS FIRST, row_number NULLS FIRST, detail)[1:50] AS evidence,
                     count(*) AS evidence_rows
              FROM s GROUP BY rule, subject, fact
            )
            SELECT md5(g.rule || '|' || g.subject || '|' || g.fact) AS fingerprint, g.rule, g.alert_class,
                   g.severity, g.fact, g.person_id, g.household_id, g.region_code,
                   substr(g.region_code, 1, 9) || '000' AS township_code, g.county_code, g.event_date,
                   g.amount, to_json(g.evidence) AS evidence, g.evidence_rows,
                   left(g.label || '：' || g.evidence[1].detail ||
                        CASE WHEN g.evidence_rows > 1 THEN '等 ' || CAST(g.evidence_rows AS VARCHAR) || ' 条记录'
                             ELSE '' END ||
                        CASE WHEN g.amount IS NULL OR g.amount_label IS NULL THEN ''
                             ELSE '，' || g.amount_label || ' ' || format('{{:,.2f}}', CAST(g.amount AS DOUBLE))
                                  || ' 元' END, 300)
                     AS summary,
                   {detected_on_sql} AS detected_on, d.due_on, d.due_provisional
            FROM g JOIN deadlines d ON d.county_code = g.county_code AND d.severity = g.severity
            ORDER BY g.region_code, g.rule, fingerprint
            """
        ).to_arrow_table()
    finally:
        con.unregister("signals")
        con.unregister("levels")
        if own:
            con.close()
