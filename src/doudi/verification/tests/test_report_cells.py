"""On a phone a report row is a card of label/value lines: each cell's content is one block (the figure with
its batch rows or rule under it), not several pieces spread across the line."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification.feeds.loading import load_feed
from doudi.verification.models import VerificationReport
from doudi.verification.tests.helpers import csv_bytes

VOID = {"input", "br", "img", "hr", "meta", "link"}


class _Cells(HTMLParser):
    """Count the top-level pieces (elements, non-blank text) of every <td data-label> of the member tables."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.cell_depth = None
        self.cells: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        if self.cell_depth is not None and self.depth == self.cell_depth:
            self.cells[-1] = (self.cells[-1][0], self.cells[-1][1] + 1)
        if tag in VOID:
            return
        self.depth += 1
        if tag == "td" and "data-label" in dict(attrs):
            self.cell_depth = self.depth
            self.cells.append((dict(attrs)["data-label"], 0))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.cell_depth is not None and self.depth == self.cell_depth and tag == "td":
            self.cell_depth = None
        self.depth -= 1

    def handle_data(self, data):
        if self.cell_depth is not None and self.depth == self.cell_depth and data.strip():
            self.cells[-1] = (self.cells[-1][0], self.cells[-1][1] + 1)


def test_each_report_cell_is_one_block(users, regions):
    hh = household(regions["lixin"], members=1)
    head = Person.objects.get(household=hh, relation="head")
    load_feed(
        users["county_reviewer"],
        csv_bytes("vehicle", [{"id_number": head.id_number, "name": head.name, "plate": "湘H12345",
                               "vehicle_type": "小型汽车", "registered_on": "2024-01-01"}]),
        file_name="车辆.csv", department="vehicle", period="2026-01",
    )  # fmt: skip
    client = Client()
    client.force_login(users["township_officer"])
    client.post(reverse("verification:household_reports", args=[hh.pk]))
    report = VerificationReport.objects.get()
    html = client.get(reverse("verification:report_detail", args=[report.pk])).content.decode()
    parser = _Cells()
    parser.feed(html[html.index('class="card member"') : html.index('id="manual"')])
    assert parser.cells and {label for label, _ in parser.cells} >= {"项目", "部门数据", "政策标准", "结论"}
    assert [c for c in parser.cells if c[1] > 1] == []
