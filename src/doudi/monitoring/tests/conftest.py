"""Monitoring fixtures: households with enrolments, and department feeds written as Parquet files.

A feed file here has exactly the layout the feeds loader keeps (``verification.feeds.schemas``: the
canonical columns, then ``batch_id``, ``row_number``, ``person_id``, ``region_code``), so the rules
read test files as they read uploaded ones.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.test import Client

from doudi.cases.services.enrolment import create_enrolment
from doudi.monitoring.models import Alert
from doudi.monitoring.services.run import do_run_monitoring
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Person
from doudi.registry.tests import factories as f
from doudi.verification.feeds.schemas import SCHEMAS

ON = date(2025, 6, 16)  # a Monday
ARROW = {
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
_batches = itertools.count(9000)


def _value(kind: str, value):
    if value is None:
        return None
    if kind in ("amount", "decimal"):
        return Decimal(str(value)).quantize(Decimal("0.01"))
    return value


def write_feed(directory: Path, department: str, rows: list[dict], batch_id: int | None = None) -> str:
    """Write one batch of ``department`` holding ``rows`` (each may give ``person``: a registry Person)."""
    schema = SCHEMAS[department]
    batch_id = batch_id or next(_batches)
    columns: dict[str, pa.Array] = {}
    for c in schema.columns:
        values = []
        for row in rows:
            person = row.get("person")
            if c.code == "id_number" and person is not None:
                values.append(person.id_number)
            elif c.code == "name" and person is not None:
                values.append(person.name)
            else:
                values.append(_value(c.type, row.get(c.code)))
        columns[c.code] = pa.array(values, ARROW[c.type])
    columns["batch_id"] = pa.array([batch_id] * len(rows), pa.int64())
    columns["row_number"] = pa.array([i + 2 for i in range(len(rows))], pa.int64())
    columns["person_id"] = pa.array([r["person"].pk if r.get("person") else None for r in rows], pa.int64())
    columns["region_code"] = pa.array(
        [r["person"].household.region_id if r.get("person") else "430981000000" for r in rows], pa.string()
    )
    path = directory / f"{department}-{batch_id}.parquet"
    pq.write_table(pa.table(columns), path)
    return str(path)


def head_of(household) -> Person:
    return Person.objects.get(household=household, relation="head")


def enrol(household, programme: str = "dibao", *, person=None, covered=None, start=date(2024, 1, 1), amount="500"):
    """Enrol ``person`` (default the head) in ``programme``; dibao covers every member unless told."""
    holder = person or head_of(household)
    if covered is None:
        covered = (
            list(Person.objects.filter(household=household).values_list("pk", flat=True))
            if programme in ("dibao", "near_dibao", "rigid_expense")
            else [holder.pk]
        )
    return create_enrolment(
        None,
        household=household,
        person=holder,
        programme=programme,
        start_month=start,
        monthly_amount=Decimal(amount),
        reason="测试",
        covered=covered,
    )


@pytest.fixture
def beneficiary(regions, users, published):  # noqa: F811
    """A dibao household of 立新村 (草尾镇): a head and one child."""
    hh = f.household(regions["lixin"], actor=users["county_reviewer"], members=1, joined_on=date(2020, 1, 1))
    enrol(hh)
    return hh


def vehicle_row(person, plate, kind="小型汽车", on=date(2024, 8, 1)):
    return {"person": person, "plate": plate, "vehicle_type": kind, "registered_on": on}


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def alerts(beneficiary, users, tmp_path):
    """The beneficiary's head with a car and a death reported: one vehicle and one death alert, by rule."""
    head = head_of(beneficiary)
    do_run_monitoring(
        users["county_reviewer"],
        "430981",
        on=ON,
        feeds={
            "vehicle": [write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])],
            "death": [write_feed(tmp_path, "death", [{"person": head, "death_date": date(2025, 5, 20)}])],
        },
    )
    return {a.rule: a for a in Alert.objects.all()}
