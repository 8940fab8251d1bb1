"""Amounts in a department file's rows read as 98,000.00 (thousands separators, two decimals) on the batch page
and on the full row, not as 98000.00."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification.feeds.loading import load_feed
from doudi.verification.tests.helpers import csv_bytes


def test_amounts_have_separators(users, regions):
    head = Person.objects.get(household=household(regions["lixin"], members=1), relation="head")
    row = {"id_number": head.id_number, "name": head.name, "plate": "湘H12345", "vehicle_type": "小型汽车",
           "registered_on": "2026-01-01", "price": "98000"}  # fmt: skip
    batch = load_feed(
        users["county_reviewer"], csv_bytes("vehicle", [row]), file_name="车辆.csv", department="vehicle",
        period="2026-01",
    ).batch  # fmt: skip
    client = Client()
    client.force_login(users["township_officer"])
    for url in (
        reverse("verification:batch_detail", args=[batch.pk]),
        reverse("verification:batch_row", args=[batch.pk, 2]),
    ):
        text = client.get(url).content.decode()
        assert "98,000.00" in text and "98000" not in text, url
