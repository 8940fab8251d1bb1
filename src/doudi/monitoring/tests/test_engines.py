"""One definition, two engines: DuckDB and Spark find the same signals and the same alerts on the same files."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from doudi.monitoring import engine as engines
from doudi.monitoring.services.run import compute
from doudi.monitoring.tests.conftest import ON, enrol, head_of, write_feed
from doudi.monitoring.tests.test_rules import card, home, settlement, vehicle_row
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.spark


def _rows(table: pa.Table) -> list[tuple]:
    names = [n for n in table.column_names if n != "evidence"]
    return sorted(tuple(str(v) for v in row.values()) for row in table.select(names).to_pylist())


def test_duckdb_and_spark_agree(beneficiary, regions, users, tmp_path):
    pytest.importorskip("pyspark")
    head = head_of(beneficiary)
    child = Person.objects.get(household=beneficiary, relation="child")
    poor = f.household(regions["shengtian"], actor=users["county_reviewer"], members=2)
    enrol(beneficiary, "extreme_poverty", person=child)
    feeds = {
        "death": [write_feed(tmp_path, "death", [{"person": child, "death_date": date(2025, 5, 3)}])],
        "vehicle": [
            write_feed(
                tmp_path,
                "vehicle",
                [
                    vehicle_row(head, "湘H00001"),
                    vehicle_row(head, "湘H00002", on=date(2025, 1, 1)),
                    vehicle_row(child, "湘H00003", "普通二轮摩托车"),
                ],
            )
        ],
        "property": [write_feed(tmp_path, "property", [home(head, "1号", date(2020, 1, 1)), home(child, "2号", ON)])],
        "medical": [
            write_feed(
                tmp_path,
                "medical",
                [settlement(head, date(2025, 1, 2), 7000, 45, "住院"), settlement(head, date(2025, 3, 2), 4000)],
            )
        ],
        "disability": [write_feed(tmp_path, "disability", [card(head, 2, True), card(head_of(poor), 1)])],
        "tax": [write_feed(tmp_path, "tax", [{"person": head, "tax_year": 2024, "income": 61000.5}])],
        "poverty_watch": [
            write_feed(
                tmp_path,
                "poverty_watch",
                [
                    {"person": p, "identified_on": date(2025, 1, 1), "risk_type": "因病", "per_capita_income": 2000}
                    for p in Person.objects.filter(household=poor)
                ],
            )
        ],
        "hukou_out": [write_feed(tmp_path, "hukou_out", [{"person": head, "move_date": date(2025, 4, 1)}])],
    }
    duck_signals, duck_alerts, _, _ = compute("430981", ON, tmp_path / "duck", feeds=feeds)
    spark_signals, spark_alerts, _, _ = compute("430981", ON, tmp_path / "spark", engine="spark", feeds=feeds)
    assert duck_signals.num_rows >= 12
    assert {r for r in duck_signals.column("rule").to_pylist()} >= {
        "death",
        "vehicle",
        "property",
        "medical_cost",
        "hospital_stay",
        "disability_new",
        "tax_income",
        "poverty_watch_unassisted",
        "hukou_out",
        "duplicate_programme",
    }
    assert _rows(spark_signals) == _rows(duck_signals)
    assert _rows(spark_alerts) == _rows(duck_alerts)
    assert spark_alerts.column("evidence").to_pylist() == duck_alerts.column("evidence").to_pylist()
    assert spark_signals.schema == engines.SIGNAL_SCHEMA
