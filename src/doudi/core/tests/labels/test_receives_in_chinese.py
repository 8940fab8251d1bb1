"""Who receives what reads in Chinese beyond the crawled GET pages: the enrolment list's filters and XLSX
export, the registry list's programme filters (and their refusal), and the household page after a death."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.core.tests.labels.test_pages_in_chinese import SLOT, data_typed_by_people, document_text
from doudi.registry.models import Person


def test_who_receives_what_reads_in_chinese(world, sessions, db):
    slot = world.slots[SLOT]
    problems: list[str] = []
    for who in ("village_worker", "township_officer", "county_reviewer"):
        client = Client()
        client.force_login(world.users[who])
        urls = [
            (reverse("cases:enrolment_list"), {"status": "all"}),
            (reverse("cases:enrolment_list"), {"status": "suspended", "q": slot.head_name}),
            (reverse("cases:enrolment_list"), {"household": slot.household.pk, "status": "all"}),
            (reverse("cases:enrolment_list"), {"region": slot.region.code}),
            (reverse("cases:enrolment_list"), {"export": "xlsx"}),
            (reverse("registry:household_list"), {"programme": "dibao", "benefit": "live"}),
            (reverse("registry:household_list"), {"benefit": "none"}),
            (reverse("registry:household_list"), {"programme": "nonsense"}),
            (reverse("registry:household_detail", args=[slot.household.pk]), {}),
        ]
        for url, params in urls:
            response = client.get(url, params)
            assert response.status_code < 500, (url, params)
            text = document_text(response)
            if text:
                problems += [f"{who} {url} {params}: {p}" for p in _problems(text, world, who)]
    # A death recorded on the registry page: the messages and the household page the worker lands on.
    client = Client()
    client.force_login(world.users["village_worker"])
    member = Person.objects.filter(household=slot.household).exclude(relation="head").first() or slot.head
    response = client.post(
        reverse("registry:member_remove", args=[member.pk]),
        {"kind": "died", "left_on": timezone.localdate().isoformat(), "reason": "病故"},
        follow=True,
    )
    assert response.status_code == 200
    problems += [f"after death: {p}" for p in _problems(document_text(response), world, "village_worker")]
    assert not problems, "\n".join(sorted(set(problems)))


def _problems(text: str, world, who: str) -> list[str]:
    from doudi.core.tests.labels.visible import problems_in

    return problems_in(text, ignore=data_typed_by_people(world, who))
