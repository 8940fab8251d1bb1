"""The Python parts of the matching rules, pinned without a database (issue 14, mutation score).

The rules themselves are SQL run by DuckDB or Spark (``test_rules.py`` raises and clears each one
on real data). Around them sit the parts written in Python: the lookback dates, each county's
parameters read from its policy (which thresholds, which rules on, which vehicle types exempt,
the deadlines), the Parquet tables those parameters become, the query assembled from the rules,
and the grouping of signals into alerts with their fingerprint and the sentence a township reads.
These tests pin those parts with hand-computed values and run in a second; they are what
``benchmarks/mutation.py --target monitoring`` runs against each mutant.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from doudi.core.errors import DomainError
from doudi.monitoring import engine, params
from doudi.monitoring.rules import RULE_BY_CODE, RULES, Rule, wrapped
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS
from doudi.verification.feeds.schemas import SCHEMAS

ON = date(2025, 6, 16)

# ---------------------------------------------------------------- lookback dates


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2025, 6, 16), 0, date(2025, 6, 16)),
        (date(2025, 6, 16), 12, date(2024, 6, 16)),
        (date(2025, 1, 15), 1, date(2024, 12, 15)),  # across a year end
        (date(2025, 12, 31), 13, date(2024, 11, 30)),  # 31 November does not exist: the 30th
        (date(2025, 5, 31), 1, date(2025, 4, 30)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),  # not a leap year: the 28th
        (date(2024, 3, 31), 1, date(2024, 2, 29)),  # a leap year: the 29th
        (date(2024, 3, 30), 1, date(2024, 2, 29)),
        (date(2025, 3, 29), 1, date(2025, 2, 28)),
        (date(2025, 7, 31), 24, date(2023, 7, 31)),
    ],
)
def test_months_before(day, n, expected):
    assert params.months_before(day, n) == expected


# ---------------------------------------------------------------- a county's parameters


def values(**changes):
    base = {
        "monitoring.enabled": True,
        "monitoring.disabled_rules": ["vehicle", "tax_income"],
        "monitoring.check_working_days": 10,
        "monitoring.check_working_days_urgent": 3,
        "monitoring.milestone_days_ahead": 31,
        "monitoring.lookback_months": 6,
        "monitoring.max_vehicles": 1,
        "monitoring.max_homes": 2,
        "monitoring.business_capital": 100000,
        "monitoring.annual_income": "60000.5",
        "monitoring.medical_out_of_pocket": 10000,
        "monitoring.hospital_days": 30,
        "monitoring.working_age_from": 16,
        "monitoring.working_age_to": 60,
        "general.exempt_vehicle_kinds": ["motorcycle", "other", "unknown", "disability_vehicle"],
        "monitoring.milestone_ages": [80, 18, 60, 18.0],
    }
    return {**base, **changes}


def use_policy(monkeypatch, v):
    asked = {"policy": [], "due": []}

    def policy_for(code, on):
        asked["policy"].append((code, on))
        if v is None:
            raise DomainError("no_policy", "没有政策")
        areas = {
            "urban": SimpleNamespace(near_dibao_line=Decimal("1110.005")),
            "rural": SimpleNamespace(near_dibao_line=Decimal("888")),
        }
        return SimpleNamespace(policy=SimpleNamespace(values=v, areas=areas))

    def due(on, amount, unit):
        asked["due"].append((on, amount, unit))
        return date(2025, 6, 16 + amount), amount > 5

    monkeypatch.setattr(params, "policy_for", policy_for)
    monkeypatch.setattr(params, "due_date_or_provisional", due)
    return asked


def test_county_params_read_from_the_policy_in_force(monkeypatch):
    asked = use_policy(monkeypatch, values())
    c = params.county_params("430981", ON)
    assert asked["policy"] == [("430981", ON)]
    assert asked["due"] == [(ON, 10, "工作日"), (ON, 3, "工作日")]
    assert c.county_code == "430981"
    assert c.enabled == {r.code: r.code not in ("vehicle", "tax_income") for r in RULES}
    assert c.values == {
        "on_date": ON,
        "on_key": 20250616,
        "ahead_key": 20250717,  # 31 days after 16 June
        "medical_from": date(2024, 6, 16),  # the medical costs of the last 12 months
        "lookback_from": date(2024, 12, 16),  # 6 months back
        "max_vehicles": 1,
        "max_homes": 2,
        "business_capital": Decimal("100000"),
        "annual_income": Decimal("60000.5"),
        "medical_out_of_pocket": Decimal("10000"),
        "hospital_days": 30,
        "working_age_from": 16,
        "working_age_to": 60,
        "near_dibao_urban_year": Decimal("13320.06"),  # 1110.005 × 12 = 13320.06
        "near_dibao_rural_year": Decimal("10656.00"),
    }
    assert all(isinstance(c.values[k], Decimal) for k in ("business_capital", "annual_income", "medical_out_of_pocket"))
    assert c.milestones == [18, 60, 80]
    assert c.exempt_types == [
        "普通二轮摩托车",
        "二轮摩托车",
        "轻便摩托车",
        "残疾人专用车",
        "残疾人机动轮椅车",
        "残疾人功能性补偿代步车",
    ]
    assert c.due == {
        "high": (date(2025, 6, 19), False),
        "medium": (date(2025, 6, 26), True),
        "low": (date(2025, 6, 26), True),
    }


def test_county_params_switched_off_or_empty(monkeypatch):
    use_policy(
        monkeypatch,
        values(
            **{
                "monitoring.enabled": False,
                "monitoring.disabled_rules": None,
                "general.exempt_vehicle_kinds": None,
                "monitoring.milestone_ages": None,
                "monitoring.milestone_days_ahead": 0,
            }
        ),
    )
    c = params.county_params("430981", date(2024, 12, 31))
    assert set(c.enabled.values()) == {False}
    assert c.exempt_types == [] and c.milestones == []
    assert (c.values["on_key"], c.values["ahead_key"]) == (20241231, 20241231)
    use_policy(monkeypatch, values(**{"monitoring.disabled_rules": None, "general.exempt_vehicle_kinds": ["car"]}))
    c = params.county_params("430981", ON)
    assert set(c.enabled.values()) == {True}
    assert c.exempt_types == ["小型汽车", "小型轿车", "中型汽车", "大型汽车"]


def test_county_without_a_policy_gets_no_row(monkeypatch, caplog):
    use_policy(monkeypatch, None)
    with caplog.at_level("WARNING", logger="doudi.monitoring.params"):
        assert params.county_params("430981", ON) is None
    assert caplog.messages == ["monitoring: no policy for 430981 on 2025-06-16: 没有政策"]


def test_parameters_written_as_tables(monkeypatch, tmp_path):
    use_policy(monkeypatch, values())
    one = params.county_params("430981", ON)
    two = replace(
        one,
        county_code="430902",
        enabled={r.code: r.code == "death" for r in RULES},
        milestones=[100],
        exempt_types=[],
        due={"high": (date(2025, 7, 1), True)},
    )
    files = params.write_params([one, two], tmp_path)
    assert files == {
        n: str(tmp_path / f"{n}.parquet") for n in ("params", "milestones", "exempt_vehicles", "deadlines")
    }
    table = pq.read_table(files["params"])
    assert table.column_names == ["county_code", *params.PARAM_TYPES, *(f"on_{r.code}" for r in RULES)]
    assert table.schema.field("business_capital").type == pa.decimal128(18, 2)
    assert table.schema.field("on_key").type == pa.int64()
    assert table.schema.field("on_date").type == pa.date32()
    rows = table.to_pylist()
    assert rows[0]["county_code"] == "430981" and rows[1]["county_code"] == "430902"
    assert rows[0]["near_dibao_urban_year"] == Decimal("13320.06") and rows[0]["lookback_from"] == date(2024, 12, 16)
    assert rows[0]["on_vehicle"] is False and rows[0]["on_death"] is True and rows[1]["on_property"] is False
    assert pq.read_table(files["milestones"]).to_pylist() == [
        {"county_code": "430981", "age": 18},
        {"county_code": "430981", "age": 60},
        {"county_code": "430981", "age": 80},
        {"county_code": "430902", "age": 100},
    ]
    exempt = pq.read_table(files["exempt_vehicles"]).to_pylist()
    assert exempt[0] == {"county_code": "430981", "vehicle_type": "普通二轮摩托车"} and len(exempt) == 6
    assert pq.read_table(files["deadlines"]).to_pylist() == [
        {"county_code": "430981", "severity": "high", "due_on": date(2025, 6, 19), "due_provisional": False},
        {"county_code": "430981", "severity": "medium", "due_on": date(2025, 6, 26), "due_provisional": True},
        {"county_code": "430981", "severity": "low", "due_on": date(2025, 6, 26), "due_provisional": True},
        {"county_code": "430902", "severity": "high", "due_on": date(2025, 7, 1), "due_provisional": True},
    ]


# ---------------------------------------------------------------- the query


CASTS = (
    "CAST(s.person_id AS BIGINT) AS person_id, CAST(s.household_id AS BIGINT) AS household_id, "
    "CAST(s.region_code AS STRING) AS region_code, CAST(s.county_code AS STRING) AS county_code, "
    "CAST(s.fact AS STRING) AS fact, CAST(s.event_date AS DATE) AS event_date, "
    "CAST(s.batch_id AS BIGINT) AS batch_id, CAST(s.row_number AS BIGINT) AS row_number, "
    "CAST(s.detail AS STRING) AS detail, CAST(s.amount AS DECIMAL(18,2)) AS amount"
)


def test_a_rule_runs_only_where_its_county_switched_it_on():
    rule = replace(RULE_BY_CODE["death"], sql="SELECT 1")
    assert wrapped(rule) == (
        f"SELECT 'death' AS rule, {CASTS} FROM (SELECT 1) s "
        "JOIN params q ON q.county_code = s.county_code WHERE q.on_death"
    )


def test_signals_query_is_every_rule_united():
    a = Rule("death", "status_change", "high", "person", (), "SELECT 1", "")
    b = Rule("vehicle", "status_change", "medium", "person", (), "SELECT 2", "")
    assert engine.signals_sql([a, b]) == f"{wrapped(a)}\nUNION ALL\n{wrapped(b)}"
    assert engine.signals_sql([]) == (
        "SELECT CAST(NULL AS STRING) AS rule, CAST(NULL AS BIGINT) AS person_id, "
        "CAST(NULL AS BIGINT) AS household_id, CAST(NULL AS STRING) AS region_code, "
        "CAST(NULL AS STRING) AS county_code, CAST(NULL AS STRING) AS fact, CAST(NULL AS DATE) AS event_date, "
        "CAST(NULL AS BIGINT) AS batch_id, CAST(NULL AS BIGINT) AS row_number, CAST(NULL AS STRING) AS detail, "
        "CAST(NULL AS DECIMAL(18,2)) AS amount"
    )


def test_an_empty_feed_has_the_departments_columns(tmp_path):
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
    for department, schema in SCHEMAS.items():
        path = engine.empty_feed(department, tmp_path)
        assert path == str(tmp_path / f"feed_{department}_empty.parquet")
        table = pq.read_table(path)
        assert table.num_rows == 0
        expected = [(c.code, arrow[c.type]) for c in schema.columns]
        expected += [("batch_id", pa.int64()), ("row_number", pa.int64()), ("person_id", pa.int64())]
        expected += [("region_code", pa.string())]
        assert [(f.name, f.type) for f in table.schema] == expected


# ---------------------------------------------------------------- signals grouped into alerts


def signal(rule, person, household, fact, *, batch=None, row=None, detail="", amount=None, event=None):
    return {
        "rule": rule,
        "person_id": person,
        "household_id": household,
        "region_code": "430981114201",
        "county_code": "430981",
        "fact": fact,
        "event_date": event,
        "batch_id": batch,
        "row_number": row,
        "detail": detail,
        "amount": None if amount is None else Decimal(amount),
    }


def fingerprint(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def write_deadlines(directory):
    path = directory / "deadlines.parquet"
    pq.write_table(
        pa.table(
            {
                "county_code": ["430981"] * 3,
                "severity": ["high", "medium", "low"],
                "due_on": [date(2025, 6, 19), date(2025, 6, 30), date(2025, 7, 1)],
                "due_provisional": [False, True, False],
            }
        ),
        path,
    )
    return path


def test_collapse_in_the_runs_connection_leaves_only_the_deadlines(tmp_path):
    # The run passes its own DuckDB connection. Python variables are not visible to its queries
    # here, so the signals and rule levels must be registered by name, then unregistered.
    con = duckdb.connect()
    con.execute("SET python_enable_replacements = false")
    try:
        given = pa.Table.from_pylist([signal("death", 1, 10, "death", detail="死亡")], schema=engine.SIGNAL_SCHEMA)
        out = engine.collapse(given, "DATE '2025-06-16'", str(write_deadlines(tmp_path)), con).to_pylist()
        assert [(a["fingerprint"], a["summary"]) for a in out] == [
            (fingerprint("death|p1|death"), f"{MONITORING_RULE_LABELS['death']}：死亡")
        ]
        assert con.execute("SELECT count(*) FROM deadlines").fetchone() == (3,)
        for name in ("signals", "levels"):
            with pytest.raises(duckdb.CatalogException):
                con.execute(f"SELECT * FROM {name}")
    finally:
        con.close()


def test_collapse_groups_signals_into_alerts(tmp_path):
    rows = [
        signal("death", 1, 10, "death", batch=9001, row=2, detail="公安死亡登记：2025-05-20", event=date(2025, 5, 20)),
        signal("staff_relative", None, 20, "decl:5", detail="近亲属备案：草尾镇民政办 李四（兄弟），尚未县级入户核查"),
        signal("medical_cost", 3, 30, "2025", batch=9003, row=5, detail="门诊结算 2025-05-02", amount="11000"),
        signal("medical_cost", 3, 30, "2025", batch=9003, row=3, detail="门诊结算 2025-01-10", amount="11000"),
        signal("business", 4, 40, "92430981MA4L000001", batch=9004, row=2, detail="个体经营者：小卖部", amount="30000"),
    ]
    rows += [
        signal("hospital_stay", 5, 50, "2025-05-02", batch=9005, row=n, detail=f"住院 {n}") for n in range(60, 9, -1)
    ]
    signals = pa.Table.from_pylist(rows, schema=engine.SIGNAL_SCHEMA)
    deadlines = write_deadlines(tmp_path)
    out = {r["rule"]: r for r in engine.collapse(signals, "DATE '2025-06-16'", str(deadlines)).to_pylist()}
    assert sorted(out) == ["business", "death", "hospital_stay", "medical_cost", "staff_relative"]

    death = out["death"]
    assert death["fingerprint"] == fingerprint("death|p1|death")
    assert (death["alert_class"], death["severity"], death["fact"]) == ("status_change", "high", "death")
    assert (death["person_id"], death["household_id"], death["township_code"], death["county_code"]) == (
        1,
        10,
        "430981114000",
        "430981",
    )
    assert death["event_date"] == date(2025, 5, 20) and death["amount"] is None
    assert json.loads(death["evidence"]) == [{"batch": 9001, "row": 2, "detail": "公安死亡登记：2025-05-20"}]
    assert death["evidence_rows"] == 1
    assert death["summary"] == f"{MONITORING_RULE_LABELS['death']}：公安死亡登记：2025-05-20"
    assert (death["detected_on"], death["due_on"], death["due_provisional"]) == (
        date(2025, 6, 16),
        date(2025, 6, 19),
        False,
    )

    relative = out["staff_relative"]  # a household rule: one alert per household
    assert relative["fingerprint"] == fingerprint("staff_relative|h20|decl:5")
    assert relative["person_id"] is None and relative["household_id"] == 20
    assert (relative["due_on"], relative["due_provisional"]) == (date(2025, 6, 30), True)

    medical = out["medical_cost"]
    assert medical["evidence_rows"] == 2
    assert [e["row"] for e in json.loads(medical["evidence"])] == [3, 5]
    assert medical["summary"] == (
        f"{MONITORING_RULE_LABELS['medical_cost']}：门诊结算 2025-01-10等 2 条记录，12个月个人自付合计 11,000.00 元"
    )
    # The amount is named for what it is (rules.AMOUNT_LABELS), not a bare 金额.
    business = out["business"]["summary"]
    assert business == f"{MONITORING_RULE_LABELS['business']}：个体经营者：小卖部，认缴出资额 30,000.00 元"
    assert out["business"]["amount"] == Decimal("30000.00")

    hospital = out["hospital_stay"]  # at most 50 pieces of evidence, in order
    evidence = json.loads(hospital["evidence"])
    assert hospital["evidence_rows"] == 51
    assert [e["row"] for e in evidence] == list(range(10, 60))
    assert hospital["summary"] == f"{MONITORING_RULE_LABELS['hospital_stay']}：住院 10等 51 条记录"
    assert hospital["severity"] == "medium" and hospital["alert_class"] == "discovery"


def test_parameter_tables_keep_their_types_when_empty(tmp_path):
    # No county, or a county without milestones or exempt vehicles: the columns keep their types
    # (an empty list alone would be written as Parquet's null type, which the rules cannot compare).
    files = params.write_params([], tmp_path)
    schema = pq.read_schema(files["params"])
    assert schema.field("county_code").type == pa.string()
    assert {schema.field(f"on_{r.code}").type for r in RULES} == {pa.bool_()}
    assert [(f.name, f.type) for f in pq.read_schema(files["milestones"])] == [
        ("county_code", pa.string()),
        ("age", pa.int64()),
    ]
    assert [(f.name, f.type) for f in pq.read_schema(files["exempt_vehicles"])] == [
        ("county_code", pa.string()),
        ("vehicle_type", pa.string()),
    ]
    assert [(f.name, f.type) for f in pq.read_schema(files["deadlines"])] == [
        ("county_code", pa.string()),
        ("severity", pa.string()),
        ("due_on", pa.date32()),
        ("due_provisional", pa.bool_()),
    ]
