"""The standing registry extract: reused between runs while the registry is unchanged, never stale.

The tests commit their changes (``transaction=True``): the extract is kept only for committed data. On
SQLite every run reads the registry (nothing is kept) and the same assertions hold; the PostgreSQL-only
tests check that an unchanged registry is not read again and that a change made by a transaction open
while the extract is taken is not missed.
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import date

import duckdb
import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doudi.cases.models import Enrolment
from doudi.cases.services.death import do_record_death
from doudi.cases.services.enrolment import end_enrolment
from doudi.monitoring import standing
from doudi.monitoring.extract import load_registry, registry_extract
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.services.staff import do_add_staff
from doudi.monitoring.tests.conftest import ON, enrol, head_of, vehicle_row, write_feed
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Person
from doudi.registry.services import do_add_member
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def household(regions, users, published):  # noqa: F811
    hh = f.household(regions["lixin"], actor=users["county_reviewer"], members=1, joined_on=date(2020, 1, 1))
    enrol(hh)
    return hh


def tables(on: date = ON) -> dict[str, list[tuple]]:
    """The run's registry tables for 沅江市 on ``on``: persons, enrolled and staff matches, sorted."""
    con = duckdb.connect()
    try:
        load_registry(con, "430981", on)
        return {
            "persons": con.execute("SELECT person_id FROM persons ORDER BY 1").fetchall(),
            "enrolled": con.execute("SELECT person_id, programme FROM enrolled ORDER BY 1, 2").fetchall(),
            "ended": con.execute("SELECT person_id FROM ended ORDER BY 1").fetchall(),
            "staff": con.execute("SELECT person_id, post FROM staff_matches ORDER BY 1").fetchall(),
        }
    finally:
        con.close()


def counts() -> dict[str, int]:
    return dict(standing.STATS)


def delta(before: dict[str, int]) -> dict[str, int]:
    return {k: v - before[k] for k, v in standing.STATS.items() if v != before[k]}


def reads(kind: str) -> dict[str, int]:
    """What a run is expected to do on this database: ``kind`` is 'built' or 'reused' on PostgreSQL."""
    return {kind: 1} if connection.vendor == "postgresql" else {"direct": 1}


def test_a_run_after_each_registry_change_reads_the_change(household, users):
    """A person added, a death recorded, an enrolment ended, a staff member added: each run sees it."""
    actor = users["county_reviewer"]
    head = head_of(household)
    before = counts()
    first = tables()
    assert delta(before) == reads("built")
    assert len(first["persons"]) == 2 and first["ended"] == [] and first["staff"] == []

    before = counts()
    assert tables() == first  # unchanged: the same tables, reused on PostgreSQL
    assert delta(before) == reads("reused")

    member = do_add_member(actor, household, person=f.person_input("张新", "child", date(2015, 1, 2)))
    before = counts()
    after_member = tables()
    assert delta(before) == reads("built")
    assert (member.pk,) in after_member["persons"] and len(after_member["persons"]) == 3

    do_add_staff(actor, region_code="430981", name=head.name, id_number=head.id_number, post="村会计")
    assert tables()["staff"] == [(head.pk, "村会计")]

    child = Person.objects.get(household=household, relation="child", name__startswith="张一")
    do_record_death(actor, child, death_date=date(2025, 5, 1), source="public_security", today=ON)
    after_death = tables()
    assert (child.pk,) not in after_death["persons"] and (member.pk,) in after_death["persons"]

    enrolment = Enrolment.objects.get(household=household, programme="dibao", status="active")
    end_enrolment(actor, enrolment, last_month=date(2025, 5, 1), reason="测试")
    after_end = tables()
    assert after_end["enrolled"] == [] and (head.pk,) in after_end["ended"]


def test_the_staff_list_dates_are_applied_on_the_run_date(household, users):
    """The raw staff list is kept without dates applied: a worker leaves the matches after the end date."""
    head = head_of(household)
    do_add_staff(
        users["county_reviewer"],
        region_code="430981",
        name=head.name,
        id_number=head.id_number,
        post="村会计",
        start_on=date(2025, 1, 1),
        end_on=date(2025, 6, 30),
    )
    assert tables(date(2024, 12, 31))["staff"] == []
    assert tables(ON)["staff"] == [(head.pk, "村会计")]
    assert tables(date(2025, 7, 1))["staff"] == []


@pytest.mark.postgresql_only
def test_a_second_run_with_no_change_reads_nothing_from_the_registry(household, users, tmp_path, monkeypatch):
    """The second run checks one small query and reads the registry tables from the standing extract."""
    head = head_of(household)
    feeds = {"vehicle": [write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])]}
    first = do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds=feeds)
    assert first.opened == 1

    def no_build(prefix):
        raise AssertionError("the registry was read again")

    monkeypatch.setattr(standing, "build", no_build)
    with CaptureQueriesContext(connection) as queries:
        second = do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds=feeds)
    assert second.opened == 0 and second.unchanged == 1
    read = [q["sql"] for q in queries.captured_queries]
    for table in standing.LOGGED:
        assert not [sql for sql in read if f"FROM {table}" in sql or f"JOIN {table}" in sql], table
    assert [sql for sql in read if standing.LOG in sql]  # the freshness check ran


@pytest.mark.postgresql_only
def test_a_transaction_open_while_the_extract_is_taken_is_not_missed(household, monkeypatch):
    """A death written before the extract's snapshot and committed during its reads makes it stale."""
    child = Person.objects.get(household=household, relation="child")
    other = psycopg.connect(**connection.get_connection_params())
    try:
        other.execute("UPDATE registry_person SET death_date = DATE '2025-05-01' WHERE id = %s", [child.pk])
        read_raw = standing.read_raw

        def commit_then_read(*args):
            other.commit()  # after the snapshot (taken first in the build), before the reads
            return read_raw(*args)

        monkeypatch.setattr(standing, "read_raw", commit_then_read)
        before = counts()
        assert (child.pk,) in tables()["persons"]  # the snapshot did not see the death
        assert delta(before) == {"built": 1}
        monkeypatch.setattr(standing, "read_raw", read_raw)
        before = counts()
        assert (child.pk,) not in tables()["persons"]  # the committed change made it stale
        assert delta(before) == {"built": 1}
        before = counts()
        assert (child.pk,) not in tables()["persons"]
        assert delta(before) == {"reused": 1}
    finally:
        other.close()


@pytest.mark.postgresql_only
def test_an_uncommitted_change_of_another_transaction_is_not_kept_or_missed(household):
    """An open transaction's change is invisible; the extract built meanwhile is stale once it commits."""
    head = head_of(household)
    other = psycopg.connect(**connection.get_connection_params())
    try:
        other.execute("UPDATE registry_household SET status = 'cancelled' WHERE id = %s", [household.pk])
        assert (head.pk,) in tables()["persons"]
        before = counts()
        assert (head.pk,) in tables()["persons"]
        assert delta(before) == {"reused": 1}  # a change not committed does not invalidate
        other.rollback()
        before = counts()
        assert (head.pk,) in tables()["persons"]
        assert delta(before) == {"reused": 1}  # nor does one rolled back
        other.execute("UPDATE registry_household SET status = 'cancelled' WHERE id = %s", [household.pk])
        other.commit()
        assert (head.pk,) not in tables()["persons"]
    finally:
        other.close()


@pytest.mark.postgresql_only
def test_the_log_holds_one_row_per_transaction_and_table_and_is_pruned(household, users):
    """Many statements of one transaction log one row; a build prunes what no kept extract needs."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {standing.LOG}")
    with psycopg.connect(**connection.get_connection_params()) as other:
        for _ in range(5):
            other.execute("UPDATE registry_person SET phone = '1' WHERE household_id = %s", [household.pk])
        other.execute("UPDATE registry_household SET note = 'x' WHERE id = %s", [household.pk])
        (txid,) = other.execute("SELECT txid_current()").fetchone()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT table_name FROM {standing.LOG} WHERE txid = %s ORDER BY 1", [txid])
        assert [r[0] for r in cursor.fetchall()] == ["registry_household", "registry_person"]
    tables()
    manifest = json.loads((standing.root() / "430981" / "manifest.json").read_text())
    (snapshot,) = {t["snapshot"] for t in manifest["tables"].values()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {standing.LOG} WHERE txid < txid_snapshot_xmin(CAST(%s AS txid_snapshot))",
            [snapshot],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute(f"SELECT horizon FROM {standing.HORIZON}")
        assert cursor.fetchone()[0] > 0


@pytest.mark.postgresql_only
def test_an_extract_below_the_pruning_horizon_is_rebuilt(household):
    """A manifest whose snapshot is older than the log's horizon may have lost log rows: it is stale."""
    tables()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT horizon FROM {standing.HORIZON}")
        (horizon,) = cursor.fetchone()
        cursor.execute(f"UPDATE {standing.HORIZON} SET horizon = txid_current() + 1000")
    try:
        before = counts()
        tables()
        assert delta(before) == {"built": 1}
        with connection.cursor() as cursor:  # the horizon's row lost: stale, and the build records it again
            cursor.execute(f"DELETE FROM {standing.HORIZON}")
        before = counts()
        tables()
        assert delta(before) == {"built": 1}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {standing.HORIZON}")
            assert cursor.fetchone()[0] == 1
    finally:  # the horizon is not a model's table: the test database's flush leaves it
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {standing.HORIZON} SET horizon = %s", [horizon])


def test_the_spark_files_are_written_from_the_same_tables(household, tmp_path):
    """``registry_extract`` (what Spark reads) writes the tables the DuckDB run uses."""
    extract = registry_extract("430981", ON, tmp_path / "run")
    con = duckdb.connect()
    persons = con.execute(f"SELECT person_id FROM read_parquet('{extract.files['persons']}') ORDER BY 1").fetchall()
    con.close()
    assert persons == tables()["persons"]


def test_every_table_read_is_logged_by_the_migration():
    """The migration's triggers cover exactly the tables the extract reads."""
    migration = importlib.import_module("doudi.monitoring.migrations.0005_registry_change_log")
    assert set(migration.LOGGED) == set(standing.LOGGED)
    assert (migration.LOG, migration.HORIZON) == (standing.LOG, standing.HORIZON)
    read = set()
    for query in standing.raw_queries("430981", "postgresql"):
        read |= set(re.findall(r"(?:FROM|JOIN) (\w+)", query.sql))
    assert read == set(standing.LOGGED)
    persons = next(q for q in standing.raw_queries("430981", "postgresql") if q.name == "raw_persons")
    assert standing.sources(persons) == {"registry_person", "registry_household"}


@pytest.mark.postgresql_only
def test_only_the_tables_read_from_a_changed_table_are_read_again(household, users):
    """An enrolment ended re-reads the enrolments only; a refusal re-reads refusals and relatives (cases)."""
    tables()
    kept = json.loads((standing.root() / "430981" / "manifest.json").read_text())["tables"]
    enrolment = Enrolment.objects.get(household=household, programme="dibao", status="active")
    end_enrolment(users["county_reviewer"], enrolment, last_month=date(2025, 5, 1), reason="测试")
    read = len(standing.READ)
    after = tables()
    assert standing.READ[read:] == ["raw_enrolments"]
    assert after["enrolled"] == [] and len(after["persons"]) == 2
    manifest = json.loads((standing.root() / "430981" / "manifest.json").read_text())["tables"]
    assert manifest["raw_persons"]["snapshot"] == kept["raw_persons"]["snapshot"]
    assert manifest["raw_enrolments"]["snapshot"] != kept["raw_enrolments"]["snapshot"]

    read = len(standing.READ)
    with connection.cursor() as cursor:  # a statement on cases_case (even one changing no row) is logged
        cursor.execute("UPDATE cases_case SET household_id = household_id WHERE false")
    tables()
    assert standing.READ[read:] == ["raw_refusals", "raw_relatives"]


@pytest.mark.postgresql_only
def test_with_a_trigger_disabled_nothing_is_kept(household):
    """A disabled trigger (``ALTER TABLE … DISABLE TRIGGER``) would hide changes: the registry is read directly."""
    tables()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cases_enrolment DISABLE TRIGGER cases_enrolment_registry_change")
    try:
        before = counts()
        tables()
        assert delta(before) == {"direct": 1}
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE cases_enrolment ENABLE TRIGGER cases_enrolment_registry_change")
    before = counts()
    tables()
    assert delta(before) == {"reused": 1}
