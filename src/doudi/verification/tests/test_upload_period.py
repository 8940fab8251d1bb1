"""The upload page takes the 所属期 as people type a month (2026年7月, 2026/7, 202607) as well as 2026-07."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doudi.registry.tests.factories import id_number
from doudi.verification.models import FeedBatch
from doudi.verification.tests.helpers import csv_bytes


@pytest.mark.parametrize("typed", ["2026年7月", "2026/7", "202607", " 2026-07 ", "2026.07"])
def test_a_typed_month_is_read_as_the_period(users, typed):
    client = Client()
    client.force_login(users["county_reviewer"])
    data = csv_bytes("death", [{"id_number": id_number(), "name": "甲", "death_date": "2026-07-01"}])
    answer = client.post(
        reverse("verification:feed_list"),
        {"department": "death", "period": typed, "file": SimpleUploadedFile("d.csv", data, "text/csv")},
    )
    assert answer.status_code == 302
    assert FeedBatch.objects.get().period == "2026-07"


def test_a_wrong_month_is_refused_in_chinese(users):
    client = Client()
    client.force_login(users["county_reviewer"])
    data = csv_bytes("death", [])
    page = client.post(
        reverse("verification:feed_list"),
        {"department": "death", "period": "2026年13月", "file": SimpleUploadedFile("d.csv", data, "text/csv")},
    ).content.decode()
    assert "所属期“2026年13月”格式不对" in page and "YYYY" not in page and not FeedBatch.objects.exists()
