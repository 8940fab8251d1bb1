"""上门受理 reads in Chinese beyond its GET page (which the route crawl checks for every role): the live
estimate's fragment and summary, and every refusal a submission can answer."""

from __future__ import annotations

import json
import uuid
from datetime import date

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.core.tests.labels.test_pages_in_chinese import SLOT, data_typed_by_people
from doudi.core.tests.labels.visible import problems_in, visible_text
from doudi.registry.tests import factories as f


def _family(region_code: str) -> dict:
    today = timezone.localdate().isoformat()
    return {
        "key": str(uuid.uuid4()),
        "region": region_code,
        "address": "三组8号",
        "authorised": True,
        "members": [
            {
                "name": "周大海",
                "id_number": f.id_number(date(1970, 1, 5)),
                "evidence": [{"kind": "income", "category": "wages", "monthly_amount": "200", "valid_from": today}],
            },
            {
                "name": "周小雨",
                "id_number": f.id_number(date(2015, 3, 3), male=False),
                "relation": "child",
                "evidence": [
                    {"kind": "parentsituation", "parent": "mother", "situation": "deceased", "valid_from": "2020-5-1"},
                    {"kind": "disability", "category": "visual", "grade": "2", "valid_from": "2021-01-01"},
                ],
            },
        ],
    }


def test_the_intake_estimate_and_its_refusals_read_in_chinese(world, sessions, db):
    slot = world.slots[SLOT]
    client = Client()
    client.force_login(world.users["village_worker"])
    ignore = data_typed_by_people(world, "village_worker")
    problems: list[str] = []

    estimate = client.post(
        reverse("cases:intake_estimate"), json.dumps(_family(slot.region.code)), content_type="application/json"
    ).json()
    assert estimate["ok"], estimate
    problems += problems_in(visible_text(estimate["html"]) + "\n" + estimate["summary"], ignore=ignore)

    bad = _family(slot.region.code)
    bad["members"][0]["id_number"] = "123"
    bad["members"][0]["evidence"][0]["monthly_amount"] = "-1"
    bad["members"][1]["relation"] = "neighbour"
    bad["members"][1]["evidence"][0]["situation"] = "on_holiday"
    bad["members"][1]["evidence"][1]["grade"] = "9"
    bad["members"][1]["evidence"].append({"kind": "lottery"})
    bad["programmes"] = ["yacht"]
    bad["channel"] = "pigeon"
    bad["authorised"] = False
    bad["region"] = "999999999999"
    answer = client.post(reverse("cases:intake_submit"), {"payload": json.dumps(bad)})
    assert answer.status_code == 400
    messages = [p["message"] for p in answer.json()["problems"]]
    assert len(messages) >= 9, messages
    typed = ("neighbour", "on_holiday", "lottery", "yacht", "pigeon")  # echoed back as typed, in quotes
    problems += problems_in("\n".join(messages), ignore=(*typed, *ignore))
    assert not problems, "\n".join(problems)
