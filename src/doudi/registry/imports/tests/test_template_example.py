"""The CSV template shows one filled-in row; a file still holding it is refused on that row, never imported."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doudi.registry.imports.columns import EXAMPLE_ROW, HEADERS
from doudi.registry.imports.downloads import template_csv
from doudi.registry.imports.tests.conftest import csv_bytes, errors_of, person_row, stage

pytestmark = pytest.mark.django_db


def test_the_csv_template_has_the_header_and_one_example_row(client, users):
    client.force_login(users["village_worker"])
    text = client.get(reverse("registry:imports:import_template"), {"format": "csv"}).content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines == [",".join(HEADERS), ",".join(EXAMPLE_ROW)]
    assert "张三" in lines[1] and "430981198005170011" in lines[1]


def test_an_unedited_template_is_refused_on_its_example_row(users, django_capture_on_commit_callbacks):
    batch = stage(users["village_worker"], template_csv(), name="模板.csv", capture=django_capture_on_commit_callbacks)
    assert batch.status == "validated", batch.error_message
    assert (2, "公民身份号码", "公民身份号码：这一行是模板中的示例（张三），请删除后再上传。") in errors_of(batch)
    assert batch.rows.filter(status="valid").count() == 0


def test_a_township_code_is_named_as_not_a_village_not_as_the_wrong_length(users, django_capture_on_commit_callbacks):
    row = person_row("H1", region="430981114000")
    batch = stage(users["village_worker"], csv_bytes([row]), capture=django_capture_on_commit_callbacks)
    messages = [m for _r, c, m in errors_of(batch) if c == "村/社区区划代码"]
    assert messages == ["村/社区区划代码：430981114000 是乡镇或更高一级区划的代码，请填写村/社区的 12 位代码。"]
