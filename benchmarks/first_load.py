"""Benchmark: a county's first load — households and persons, their evidence, the roster — end to end.

    .venv/bin/python benchmarks/first_load.py --persons 300000 [--update-docs]

Uses the PostgreSQL server of ``DOUDI_DATABASE_URL`` but its own database ``doudi_bench_firstload``
(created, migrated, given the regions of 沅江市 430981 and the example policies on first use; emptied
of registry and enrolment data on every run). It writes three UTF-8 CSV files in the templates'
columns — N persons in households of 1–5 (``import_csv.write_csv``), their evidence (an income per
head, a labour capacity per second person, a disability and a care need per 25th, schooling for
children) and the roster (低保 for every third household's head, a care subsidy per disabled person),
then measures:

(a) the floor: ``COPY`` of each file into an UNLOGGED table of text columns, no checks, no indexes;
(b) doudi's whole path for each file: ``do_stage_import``, the validation task, ``do_commit_import``
    and the commit task (one transaction per file, all or nothing), with the immediate task backend.
    The county being empty, the evidence and roster commits take the set-based path
    (``registry/imports/setwise.py``);
(c) the physical floor of the writes themselves: every row (b) wrote, copied to UNLOGGED tables, then
    inserted again with one ``INSERT … SELECT`` per table into the real, indexed tables (emptied first)
    and their deferred foreign keys checked, in a transaction rolled back (``written_floor``).

The database helpers and the COPY floor are ``common.py``'s; the persons file is ``import_csv``'s.

``--update-docs`` writes the figures under "First load of a county" in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import bare_copy, bench_url, ensure_database, machine  # noqa: E402
from import_csv import write_csv  # noqa: E402

BENCH_DB = "doudi_bench_firstload"


def write_caseload(persons_csv: Path, evidence_csv: Path, roster_csv: Path) -> tuple[int, int]:
    """Write the evidence and roster files of the persons file; return their row counts."""
    from doudi.registry.imports.caseload_columns import EVIDENCE, ROSTER

    evidence_rows = roster_rows = 0
    with (
        persons_csv.open(encoding="utf-8") as source,
        evidence_csv.open("w", encoding="utf-8", newline="") as ev,
        roster_csv.open("w", encoding="utf-8", newline="") as ro,
    ):
        reader = csv.DictReader(source)
        evidence = csv.DictWriter(ev, fieldnames=list(EVIDENCE.headers), extrasaction="ignore")
        roster = csv.DictWriter(ro, fieldnames=list(ROSTER.headers), extrasaction="ignore")
        evidence.writeheader()
        roster.writeheader()
        household = -1
        last_key = None
        for k, row in enumerate(reader):
            if row["户编号"] != last_key:
                household += 1
                last_key = row["户编号"]
            who = {"公民身份号码": row["公民身份号码"], "姓名": row["姓名"], "生效日期": "2025-06-01"}
            head = row["与户主关系"] == "户主"
            if head:
                evidence.writerow({**who, "证据类型": "收入", "类别": "工资性收入", "金额": str(200 + k % 900)})
                evidence_rows += 1
            if k % 2 == 0:
                evidence.writerow({**who, "证据类型": "劳动能力", "类别": "有劳动能力" if k % 4 else "无劳动能力"})
                evidence_rows += 1
            disabled = k % 25 == 7
            if disabled:
                evidence.writerow({**who, "证据类型": "残疾", "类别": "肢体残疾", "残疾等级": "1"})
                evidence.writerow({**who, "证据类型": "长期照护需求", "是否": "是"})
                evidence_rows += 2
            if row["与户主关系"] == "子女" and k % 3 == 0:
                evidence.writerow({**who, "证据类型": "就学", "类别": "小学"})
                evidence_rows += 1
            pay = {"开户银行": row["开户银行"], "银行账号": row["银行账号"], "下次复核日期": "2027-03-31"}
            if head and household % 3 == 0:
                roster.writerow(
                    {**who, **pay, "救助项目": "最低生活保障", "月金额": f"{300 + k % 700}.00", "起始月份": "2023-07"}
                )
                roster_rows += 1
            if disabled:
                roster.writerow(
                    {**who, **pay, "救助项目": "重度残疾人护理补贴", "月金额": "100.00", "起始月份": "2024-01"}
                )
                roster_rows += 1
    return evidence_rows, roster_rows


def doudi_import(path: Path, actor, kind: str):
    from django.core.files import File

    from doudi.registry.imports.models import ImportBatch
    from doudi.registry.imports.services import do_commit_import, do_stage_import

    started = time.perf_counter()
    with path.open("rb") as handle:
        upload = File(handle, name=path.name)
        upload.size = path.stat().st_size
        batch = do_stage_import(actor, upload, kind=kind)
    validated = time.perf_counter()
    batch.refresh_from_db()
    if batch.status != "validated" or batch.invalid_rows:
        sample = list(batch.rows.filter(status="invalid").values_list("row_number", "errors")[:5])
        sys.exit(f"{kind}: validation {batch.status} {batch.error_message} {batch.invalid_rows} bad rows {sample}")
    do_commit_import(actor, batch, valid_only=False)
    finished = time.perf_counter()
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != "imported":
        sys.exit(f"{kind}: commit did not succeed: {batch.status} {batch.error_message}")
    return batch, validated - started, finished - validated


# (c) The rows the three commits wrote, by the file that wrote them, in an order their foreign keys allow.
WRITTEN = {
    "persons": ("registry_household", "registry_person", "registry_membership"),
    "evidence": (
        "registry_income",
        "registry_labourcapacity",
        "registry_schooling",
        "registry_disability",
        "registry_careneed",
    ),
    "roster": ("cases_enrolment", "cases_enrolmentchange", "cases_reviewtask", "registry_rosterdiscrepancy"),
}
# Audit rows by what they are about, so each file's share can be told.
AUDITED = {
    "persons": "target_type IN ('household', 'person')",
    "evidence": "target_type IN ('income', 'labourcapacity', 'schooling', 'disability', 'careneed')",
    "roster": "target_type = 'enrolment'",
}


def written_floor(url: str) -> tuple[dict[str, float], dict[str, float], dict[str, int]]:
    """(c) Return the seconds of writing the same rows again with ``INSERT … SELECT`` into the real tables.

    Every row the three commits wrote (households, persons, memberships, evidence, enrolments with
    their history, review tasks, listed amounts, audit rows) is first copied to an UNLOGGED table of
    its own (untimed). Then, in one transaction that is rolled back, the real tables are emptied and
    each copy is inserted into its table with one statement, with every index, unique constraint
    and the WAL a real load pays; after each file's rows their deferred foreign keys are checked at
    once (``SET CONSTRAINTS ALL IMMEDIATE``: what that file's COMMIT would do). Returns seconds per
    file of the writes and of the foreign-key checks, and the rows written per file.
    """
    import psycopg

    copies: list[tuple[str, str, str, str]] = []  # (file, real table, copy, condition)
    for kind, tables in WRITTEN.items():
        copies += [(kind, table, f"floor_{table}", "TRUE") for table in tables]
        copies.append((kind, "audit_auditevent", f"floor_audit_{kind}", AUDITED[kind]))
    seconds = dict.fromkeys(WRITTEN, 0.0)
    checks = dict.fromkeys(WRITTEN, 0.0)
    rows = dict.fromkeys(WRITTEN, 0)
    with psycopg.connect(url) as conn:
        for _kind, table, copy, condition in copies:
            conn.execute(f"DROP TABLE IF EXISTS {copy}")
            conn.execute(f"CREATE UNLOGGED TABLE {copy} AS SELECT * FROM {table} WHERE {condition} ORDER BY id")
        conn.commit()
        try:
            conn.execute("SET LOCAL jit = off")  # as doudi's import commits run
            real = sorted({table for _k, table, _c, _w in copies})
            conn.execute(f"TRUNCATE {', '.join(real)} CASCADE")
            for kind in WRITTEN:
                for _kind, table, copy, _condition in (c for c in copies if c[0] == kind):
                    started = time.perf_counter()
                    written = conn.execute(f"INSERT INTO {table} SELECT * FROM {copy}").rowcount
                    seconds[kind] += time.perf_counter() - started
                    rows[kind] += written
                # The file's deferred foreign-key checks, fired at once as its COMMIT would.
                started = time.perf_counter()
                conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
                checks[kind] = time.perf_counter() - started
                conn.execute("SET CONSTRAINTS ALL DEFERRED")
        finally:
            conn.rollback()
        for _kind, _table, copy, _condition in copies:
            conn.execute(f"DROP TABLE {copy}")
        conn.commit()
    return seconds, checks, rows


def update_docs(section: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"^## First load of a county\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(lambda _m: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument("--database", default=BENCH_DB, help=f"the benchmark's database (default {BENCH_DB})")
    parser.add_argument("--update-docs", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()

    url = bench_url(os.environ.get("DOUDI_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/doudi"), args.database)
    ensure_database(url)
    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ.setdefault("DOUDI_DEBUG", "0")
    os.environ["DOUDI_TASK_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    workdir = Path(tempfile.mkdtemp(prefix="doudi-bench-firstload-"))
    os.environ["DOUDI_DATA_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from doudi.accounts.models import User
    from doudi.accounts.roles import Role
    from doudi.policy.management.commands.load_policies import SAMPLES
    from doudi.policy.models import PolicyVersion
    from doudi.policy.services import load_policy_file
    from doudi.regions.loader import load_regions
    from doudi.regions.models import Level, Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code__startswith="430981", level=Level.VILLAGE).exists():
        print("loading regions (first run only) …", flush=True)
        load_regions(village_prefixes=["430981"])
    if not PolicyVersion.objects.exists():
        for sample in sorted(SAMPLES.glob("*.toml")):
            load_policy_file(sample.read_text(encoding="utf-8"))
    villages = list(
        Region.objects.filter(code__startswith="430981", level=Level.VILLAGE).values_list("code", flat=True)
    )
    actor, _ = User.objects.update_or_create(
        username="bench-firstload", defaults={"role": Role.COUNTY_REVIEWER, "region_id": "430981000000"}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE audit_auditevent, registry_rosterdiscrepancy, cases_reviewtask, cases_enrolmentchange, "
            "cases_enrolment, registry_importrow, registry_importbatch, registry_membership, "
            + ", ".join(f"registry_{m}" for m in ("income", "asset", "disability", "illness", "labourcapacity"))
            + ", registry_selfcare, registry_schooling, registry_rigidexpense, registry_parentsituation, "
            "registry_careneed, registry_person, registry_household RESTART IDENTITY CASCADE"
        )

    files = {kind: workdir / f"{kind}.csv" for kind in ("persons", "evidence", "roster")}
    households = write_csv(files["persons"], args.persons, villages)
    evidence_rows, roster_rows = write_caseload(files["persons"], files["evidence"], files["roster"])
    rows = {"persons": args.persons, "evidence": evidence_rows, "roster": roster_rows}
    sizes = {k: p.stat().st_size / 1048576 for k, p in files.items()}
    print(
        f"{args.persons:,} persons in {households:,} households; {evidence_rows:,} evidence rows; "
        f"{roster_rows:,} roster rows",
        flush=True,
    )
    floors = {kind: bare_copy(url, path) for kind, path in files.items()}
    results = {}
    for kind, path in files.items():
        batch, validate_s, commit_s = doudi_import(path, actor, kind)
        results[kind] = (validate_s, commit_s, batch.summary)
        print(
            f"{kind}: COPY {floors[kind]:.2f} s; doudi validate {validate_s:.2f} s + commit {commit_s:.2f} s "
            f"= {rows[kind] / (validate_s + commit_s):,.0f} rows/s; {batch.summary.get('result')}",
            flush=True,
        )
    total = sum(v + c for v, c, _ in results.values())
    floor_total = sum(floors.values())
    inserted, fk_checks, inserted_rows = written_floor(url)
    print(
        "(c) INSERT … SELECT of the rows written: "
        + ", ".join(
            f"{kind} {inserted[kind]:.2f} s + foreign-key checks {fk_checks[kind]:.2f} s ({inserted_rows[kind]:,} rows)"
            for kind in files
        ),
        flush=True,
    )
    writes_total = sum(inserted.values()) + sum(fk_checks.values())
    target_s = args.persons / 50_000
    load = os.getloadavg()[0]
    info = machine()
    labels = {"persons": "households and persons", "evidence": "evidence", "roster": "roster (enrolments)"}
    lines = [
        "## First load of a county",
        "",
        f"`.venv/bin/python benchmarks/first_load.py --persons {args.persons}` against PostgreSQL "
        + connection.cursor().connection.info.parameter_status("server_version")
        + f" on the same machine ({time.strftime('%Y-%m-%d %H:%M')}), one run, 1-minute load average "
        f"{load:.1f} at the end (the machine is shared with other work).",
        "",
        f"Machine: {info}.",
        "",
        f"Files (UTF-8 CSV, the templates' columns): {args.persons:,} persons in {households:,} households on "
        f"{len(villages)} 沅江市 villages ({sizes['persons']:.1f} MB); {evidence_rows:,} evidence rows "
        f"({sizes['evidence']:.1f} MB); {roster_rows:,} roster rows ({sizes['roster']:.1f} MB). The county is "
        "empty before the run.",
        "",
        "| file | rows | (a) bare COPY s | (b) doudi validate s | (b) doudi commit s | (b) rows/s "
        "| (c) rows written | (c) INSERT … SELECT s | (c) foreign-key checks s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, (validate_s, commit_s, _summary) in results.items():
        lines.append(
            f"| {labels[kind]} | {rows[kind]:,} | {floors[kind]:.2f} | {validate_s:.2f} | {commit_s:.2f} "
            f"| {rows[kind] / (validate_s + commit_s):,.0f} | {inserted_rows[kind]:,} | {inserted[kind]:.2f} "
            f"| {fk_checks[kind]:.2f} |"
        )
    lines += [
        f"| **the whole first load** | {args.persons:,} persons | {floor_total:.2f} | | | "
        f"**{args.persons / total:,.0f} persons/s** ({total:.1f} s) | {sum(inserted_rows.values()):,} "
        f"| {sum(inserted.values()):.2f} | {sum(fk_checks.values()):.2f} |",
        "",
        f"The database's writes alone (c) take {writes_total:.1f} s, {writes_total / target_s:.0%} of the "
        f"{target_s:.1f} s that 50,000 persons/s allows for {args.persons:,} persons.",
        "",
        "Commit results: "
        + "; ".join(f"{kind}: {summary.get('result')}" for kind, (_v, _c, summary) in results.items())
        + ".",
        "",
        "Steps (s, as each batch records them): "
        + "; ".join(
            f"{labels[kind]}: validation "
            + ", ".join(f"{k} {v:.2f}" for k, v in summary.get("timings", {}).items())
            + "; commit "
            + ", ".join(f"{k} {v:.2f}" for k, v in summary.get("commit_timings", {}).items())
            for kind, (_v, _c, summary) in results.items()
        )
        + ".",
        "",
        f"Target ≥ 50,000 persons/s for a first load: {'met' if args.persons / total >= 50_000 else '**not met**'}.",
        "",
    ]
    section = "\n".join(lines)
    print()
    print(section)
    if args.update_docs:
        update_docs(section)
        print("docs/benchmarks.md updated (section “First load of a county”).")


if __name__ == "__main__":
    main()
