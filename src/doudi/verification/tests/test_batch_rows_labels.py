"""On a phone the batch page's data rows are cards: every cell carries its column's name (data-label)."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification.feeds.loading import load_feed
from doudi.verification.tests.helpers import csv_bytes


def test_every_data_cell_names_its_column(users, regions):
    head = Person.objects.get(household=household(regions["lixin"], members=1), relation="head")
    result = load_feed(
        users["county_reviewer"],
        csv_bytes("death", [{"id_number": head.id_number, "name": head.name, "death_date": "2026-01-05"}]),
        file_name="死亡.csv", department="death", period="2026-01",
    )  # fmt: skip
    client = Client()
    client.force_login(users["township_officer"])
    page = client.get(reverse("verification:batch_detail", args=[result.batch.pk])).content.decode()
    table = page[page.index('id="row-table"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    cells = re.findall(r"<td([^>]*)>", body)
    assert len(cells) == 6  # 行号 and the five columns of the death file
    labels = [re.search(r'data-label="([^"]*)"', c).group(1) for c in cells]
    assert labels == ["行号", "公民身份号码", "姓名", "死亡日期", "登记地区划代码", "注销原因"]
