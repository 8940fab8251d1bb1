"""The import refuses impossible facts as the forms and the API do (issue 11), naming row and column."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.registry.identity import make_id_number
from doudi.registry.imports.tests.conftest import csv_bytes, errors_of, person_row, stage

pytestmark = pytest.mark.django_db


def test_a_person_born_more_than_120_years_ago_and_a_region_that_does_not_exist(
    users, django_capture_on_commit_callbacks
):
    old = make_id_number("430981", date(1890, 1, 5), 11)
    rows = [person_row("H1", id_number=old), person_row("H2", region="430981114299"), person_row("H3")]
    batch = stage(users["village_worker"], csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    found = {(r, c): m for r, c, m in errors_of(batch)}
    assert set(found) == {(2, "公民身份号码"), (3, "村/社区区划代码")}, found
    assert f"公民身份号码“{old}”无效：出生日期 1890-01-05 早于今天 120 年以上" in found[(2, "公民身份号码")]
    assert found[(3, "村/社区区划代码")] == "村/社区区划代码：行政区划代码 430981114299 不存在。"
