"""The ``[monitoring]`` policy parameters in force on a date, one row per county, as tables the rules join.

Thresholds are never constants in the rules: each county's row is read from the policy resolved
for that county on the run's date (``policy.selectors.policy_for``), so a county that raises its
vehicle limit or switches a rule off changes a policy document, and a run on an earlier date uses
the values then in force. A county without a published policy gets no row: no rule runs there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from doudi.cases.deadlines import WORKING_DAYS, due_date_or_provisional
from doudi.core.errors import DomainError
from doudi.monitoring.rules import RULES
from doudi.policy.selectors import policy_for

log = logging.getLogger(__name__)

# The feed's Chinese vehicle types that each exempt kind of ``general.exempt_vehicle_kinds`` covers.
VEHICLE_TYPES = {
    "car": ("小型汽车", "小型轿车", "中型汽车", "大型汽车"),
    "truck": ("货车", "轻型货车", "重型货车", "低速货车"),
    "motorcycle": ("普通二轮摩托车", "二轮摩托车", "轻便摩托车"),
    "disability_vehicle": ("残疾人专用车", "残疾人机动轮椅车", "残疾人功能性补偿代步车"),
    "other": (),
}


def months_before(day: date, n: int) -> date:
    """Return the same day ``n`` months earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - n
    year, month = index // 12, index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)  # pragma: no cover


@dataclass
class CountyParams:
    county_code: str
    enabled: dict[str, bool]
    values: dict
    milestones: list[int]
    exempt_types: list[str]
    due: dict[str, tuple[date, bool]]  # severity → (due date, provisional)


def county_params(county_code: str, on: date) -> CountyParams | None:
    """Return the parameters of one county on ``on``; ``None`` when it has no usable policy."""
    try:
        policy = policy_for(county_code, on).policy
    except DomainError as exc:
        log.warning("monitoring: no policy for %s on %s: %s", county_code, on, exc.message)
        return None
    v = policy.values
    disabled = set(v["monitoring.disabled_rules"] or ())
    enabled = {r.code: bool(v["monitoring.enabled"]) and r.code not in disabled for r in RULES}

    def line(area: str) -> Decimal:
        return (policy.areas[area].near_dibao_line * 12).quantize(Decimal("0.01"))

    normal = due_date_or_provisional(on, v["monitoring.check_working_days"], WORKING_DAYS)
    urgent = due_date_or_provisional(on, v["monitoring.check_working_days_urgent"], WORKING_DAYS)
    ahead = date.fromordinal(on.toordinal() + v["monitoring.milestone_days_ahead"])
    values = {
        "on_date": on,
        "on_key": on.year * 10000 + on.month * 100 + on.day,
        "ahead_key": ahead.year * 10000 + ahead.month * 100 + ahead.day,
        "medical_from": months_before(on, 12),
        "lookback_from": months_before(on, v["monitoring.lookback_months"]),
        "max_vehicles": v["monitoring.max_vehicles"],
        "max_homes": v["monitoring.max_homes"],
        "business_capital": Decimal(v["monitoring.business_capital"]),
        "annual_income": Decimal(v["monitoring.annual_income"]),
        "medical_out_of_pocket": Decimal(v["monitoring.medical_out_of_pocket"]),
        "hospital_days": v["monitoring.hospital_days"],
        "working_age_from": v["monitoring.working_age_from"],
        "working_age_to": v["monitoring.working_age_to"],
        "near_dibao_urban_year": line("urban"),
        "near_dibao_rural_year": line("rural"),
    }
    exempt = [t for kind in v["general.exempt_vehicle_kinds"] or () for t in VEHICLE_TYPES.get(kind, ())]
    return CountyParams(
        county_code=county_code,
        enabled=enabled,
        values=values,
        milestones=sorted({int(a) for a in v["monitoring.milestone_ages"] or ()}),
        exempt_types=exempt,
        due={"high": urgent, "medium": normal, "low": normal},
    )


MONEY = pa.decimal128(18, 2)
PARAM_TYPES = {
    "on_date": pa.date32(),
    "on_key": pa.int64(),
    "ahead_key": pa.int64(),
    "medical_from": pa.date32(),
    "lookback_from": pa.date32(),
    "max_vehicles": pa.int64(),
    "max_homes": pa.int64(),
    "business_capital": MONEY,
    "annual_income": MONEY,
    "medical_out_of_pocket": MONEY,
    "hospital_days": pa.int64(),
    "working_age_from": pa.int64(),
    "working_age_to": pa.int64(),
    "near_dibao_urban_year": MONEY,
    "near_dibao_rural_year": MONEY,
}


def write_params(counties: list[CountyParams], directory: Path) -> dict[str, str]:
    """Write ``params``, ``milestones``, ``exempt_vehicles`` and ``deadlines`` for the counties; return the files."""
    columns: dict[str, pa.Array] = {"county_code": pa.array([c.county_code for c in counties], pa.string())}
    for name, kind in PARAM_TYPES.items():
        columns[name] = pa.array([c.values[name] for c in counties], kind)
    for rule in RULES:
        columns[f"on_{rule.code}"] = pa.array([c.enabled[rule.code] for c in counties], pa.bool_())
    tables = {
        "params": pa.table(columns),
        "milestones": pa.table(
            {
                "county_code": pa.array([c.county_code for c in counties for _ in c.milestones], pa.string()),
                "age": pa.array([a for c in counties for a in c.milestones], pa.int64()),
            }
        ),
        "exempt_vehicles": pa.table(
            {
                "county_code": pa.array([c.county_code for c in counties for _ in c.exempt_types], pa.string()),
                "vehicle_type": pa.array([t for c in counties for t in c.exempt_types], pa.string()),
            }
        ),
        "deadlines": pa.table(
            {
                "county_code": pa.array([c.county_code for c in counties for _ in c.due], pa.string()),
                "severity": pa.array([s for c in counties for s in c.due], pa.string()),
                "due_on": pa.array([d for c in counties for d, _ in c.due.values()], pa.date32()),
                "due_provisional": pa.array([p for c in counties for _, p in c.due.values()], pa.bool_()),
            }
        ),
    }
    files = {}
    for name, table in tables.items():
        path = directory / f"{name}.parquet"
        pq.write_table(table, path)
        files[name] = str(path)
    return files
