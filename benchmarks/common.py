"""What every benchmark script shares: the machine line of docs/benchmarks.md and running manage.py
against the database a benchmark was given.

The scripts are run as ``python benchmarks/NAME.py``, so this module is imported as ``common``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}, {mem / 2**20:.0f} GiB RAM, Python {platform.python_version()}"


def manage(*args: str, url: str) -> None:
    env = {**os.environ, "DOUDI_DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


# --- the synthetic population of the payroll and bank-file benchmarks -----------------------------------

PG = "postgres://postgres@127.0.0.1:5432"
COUNTY = "430981"  # 沅江市: its villages are loaded, every generated household lives in one of them


def select_list(model, values: dict[str, str]) -> tuple[str, str]:
    """Return (columns, expressions) for an ``INSERT … SELECT`` into ``model``'s table: ``values`` for the
    named columns, the field's default (or NULL, now(), '') for every other one, so that columns other
    issues add with a default do not break the benchmarks."""
    import json

    from django.db import models

    cols, exprs = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in values:
            continue
        cols.append(f'"{f.column}"')
        if f.column in values:
            exprs.append(values[f.column])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append("now()")
        elif f.has_default():
            d = f.get_default()
            if isinstance(f, models.JSONField):
                exprs.append(f"'{json.dumps(d)}'::jsonb")
            elif isinstance(d, bool):
                exprs.append("true" if d else "false")
            elif isinstance(d, int | float):
                exprs.append(str(d))
            else:
                exprs.append("'" + str(d).replace("'", "''") + "'")
        elif f.null:
            exprs.append("NULL")
        elif isinstance(f, models.CharField | models.TextField):
            exprs.append("''")
        else:
            raise SystemExit(f"{model.__name__}.{f.name}: no value for a NOT NULL column without default")
    return ", ".join(cols), ", ".join(exprs)


def populate_payees(
    n: int, *, number_prefix: str, start_month: str, amount: str, change_month: str | None = None
) -> None:
    """Write n households in the villages of ``COUNTY``, each head with a bank account and one active dibao
    enrolment, set-based (``INSERT … SELECT generate_series``), and ANALYZE.

    ``start_month`` and ``amount`` are SQL over ``g`` (1…n); household numbers start with
    ``number_prefix``. With ``change_month`` (SQL of a date), each enrolment gets its amount history: the
    change that started it, and for every tenth enrolment started before that month a second change of
    +20 from it.
    """
    from django.db import connection

    from doudi.cases.models import Enrolment, EnrolmentChange
    from doudi.registry.models import Household, Person

    with connection.cursor() as cur:
        cur.execute(
            "SELECT array_agg(code ORDER BY code) FROM regions_region WHERE level = 5 AND code LIKE %s", [COUNTY + "%"]
        )
        villages = cur.fetchone()[0]
        cur.execute(
            "CREATE TEMP TABLE v AS SELECT ord - 1 AS i, code FROM unnest(%s::text[]) WITH ORDINALITY AS t(code, ord)",
            [villages],
        )
        village = f"(SELECT code FROM v WHERE v.i = mod(g, {len(villages)}))"
        cols, exprs = select_list(
            Household,
            {
                "number": f"'{number_prefix}' || lpad(g::text, 12, '0')",
                "region_id": village,
                "area_type": "'rural'",
                "head_name": "'张' || mod(g, 1000)",
                "member_count": "1",
            },
        )
        cur.execute(f"INSERT INTO registry_household ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        cur.execute("SELECT min(id) FROM registry_household WHERE number LIKE %s", [number_prefix + "%"])
        h0 = cur.fetchone()[0]
        cols, exprs = select_list(
            Person,
            {
                "id_number": f"'{COUNTY}' || lpad(g::text, 12, '0')",
                "name": "'张' || mod(g, 1000)",
                "gender": "'M'",
                "birth_date": "DATE '1960-01-01' + mod(g, 9000)",
                "household_id": f"{h0} + g - 1",
                "relation": "'head'",
                "bank_name": "'沅江农商银行'",
                "bank_account": "'6217' || lpad(g::text, 15, '0')",
            },
        )
        cur.execute(f"INSERT INTO registry_person ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        cur.execute("SELECT min(id) FROM registry_person WHERE household_id = %s", [h0])
        p0 = cur.fetchone()[0]
        cols, exprs = select_list(
            Enrolment,
            {
                "household_id": f"{h0} + g - 1",
                "person_id": f"{p0} + g - 1",
                "region_id": village,
                "programme": "'dibao'",
                "status": "'active'",
                "start_month": start_month,
                "monthly_amount": amount,
                "covered": "'[]'::jsonb",
            },
        )
        cur.execute(f"INSERT INTO cases_enrolment ({cols}) SELECT {exprs} FROM generate_series(1, %s) g", [n])
        if change_month is not None:
            for effective, money, where in (
                ("e.start_month", "e.monthly_amount", "TRUE"),
                (change_month, "e.monthly_amount + 20", f"mod(e.id, 10) = 0 AND e.start_month < {change_month}"),
            ):
                cols, exprs = select_list(
                    EnrolmentChange,
                    {
                        "enrolment_id": "e.id",
                        "effective_month": effective,
                        "monthly_amount": money,
                        "status": "'active'",
                        "reason": "'审批纳入'" if effective == "e.start_month" else "'复核调整'",
                    },
                )
                cur.execute(
                    f"INSERT INTO cases_enrolmentchange ({cols}) SELECT {exprs} FROM cases_enrolment e "
                    f"WHERE e.programme = 'dibao' AND e.household_id >= %s AND {where}",
                    [h0],
                )
        cur.execute("ANALYZE")


# --- a benchmark's own PostgreSQL database, and the COPY floor of a CSV file ----------------------------


def bench_url(url: str, database: str) -> str:
    """Return ``url`` (a PostgreSQL server, from ``DOUDI_DATABASE_URL``) pointing at the benchmark's ``database``."""
    from urllib.parse import urlparse, urlunparse

    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit("DOUDI_DATABASE_URL must point at a PostgreSQL server (postgres://user@host:port/name).")
    return urlunparse(parsed._replace(path=f"/{database}"))


def ensure_database(url: str) -> None:
    """Create the database of ``url`` unless it exists."""
    from urllib.parse import urlparse, urlunparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(urlunparse(parsed._replace(path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bare_copy(url: str, path: Path) -> float:
    """Return the seconds a bare ``COPY`` of a CSV file (with its header) takes into an UNLOGGED table of text columns.

    The floor of an import: no checks, no indexes, no foreign keys; the table is dropped afterwards.
    """
    import csv
    import time

    import psycopg

    with path.open(encoding="utf-8") as handle:
        width = len(next(csv.reader(handle)))
    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_copy_floor")
        conn.execute(f"CREATE UNLOGGED TABLE bench_copy_floor ({', '.join(f'c{i} text' for i in range(width))})")
        conn.commit()
        started = time.perf_counter()
        sql = "COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER true)"
        with conn.cursor() as cur, cur.copy(sql) as copy, path.open("rb") as handle:
            while chunk := handle.read(8 << 20):
                copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_copy_floor")
        conn.commit()
    return elapsed
