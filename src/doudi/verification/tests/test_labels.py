"""Every verification page, with data in it, reads in Chinese (pages the crawl's world may lack)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from doudi.core.tests.labels.visible import problems_in, visible_text
from doudi.policy.tests.conftest import published  # noqa: F401 - fixture
from doudi.registry.models import Person
from doudi.registry.tests.factories import household
from doudi.verification import services
from doudi.verification.feeds.loading import load_feed
from doudi.verification.models import Topic
from doudi.verification.tests.helpers import csv_bytes


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(users, regions, published):  # noqa: F811
    hh = household(regions["lixin"], members=1)
    head = Person.objects.get(household=hh, relation="head")
    county = users["county_reviewer"]

    def feed(department, rows, name):
        return load_feed(
            county, csv_bytes(department, rows), file_name=name, department=department, period="2026-02",
            today=date(2026, 3, 1),
        ).batch  # fmt: skip

    vehicle = feed(
        "vehicle",
        [{"id_number": head.id_number, "name": head.name, "plate": "湘H12345", "vehicle_type": "小型汽车",
          "registered_on": "2024-01-01"},
         {"id_number": "430981198005170000", "name": "错号", "plate": "湘H1", "vehicle_type": "小型汽车",
          "registered_on": "2024-13-01"}],
        "vehicles.csv",
    )  # fmt: skip
    wages = [
        {"id_number": head.id_number, "name": head.name, "month": f"2025-{m:02d}", "employer": "某厂", "wage": "2000"}
        for m in range(3, 13)
    ]
    feed("employment", wages, "wages.csv")
    report = services.do_build_report(users["township_officer"], hh, on=date(2026, 2, 15))
    services.do_add_manual_item(
        users["township_officer"], report, topic=Topic.DEPOSITS, source_text="农商银行函复", amount="5000"
    )
    item = report.items.filter(topic=Topic.VEHICLE, person__isnull=True).get()
    services.do_recheck_item(users["township_officer"], item, evidence="已提供车辆转让证明", conclusion="within")
    return {"household": hh, "batch": vehicle, "report": report}


PAGES = [
    ("verification:feed_list", lambda w: []),
    ("verification:layouts", lambda w: []),
    ("verification:mapping", lambda w: ["death"]),
    ("verification:batch_detail", lambda w: [w["batch"].pk]),
    ("verification:batch_row", lambda w: [w["batch"].pk, 2]),
    ("verification:household_reports", lambda w: [w["household"].pk]),
    ("verification:report_detail", lambda w: [w["report"].pk]),
]


@pytest.mark.parametrize("who", ["county_reviewer", "township_officer"])
@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_read_in_chinese(world, users, who, name, args):
    response = _client(users[who]).get(reverse(name, args=args(world)))
    if name == "verification:mapping" and who == "township_officer":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    ignore = ("vehicles.csv", "wages.csv", users[who].username, users["county_reviewer"].username)
    assert problems_in(text, ignore=ignore) == []
