"""Registering a person already registered elsewhere tells the user only what the user may see.

The probe of issue 13: a worker types the ID number of a person registered in another region (a
sibling village, another township, another county, another province) into a new household or a new
member, over the API and the HTML forms. The answer refuses it (the number is taken) without the
other household's number, its head's name or its region; within the user's own scope it may name
them.
"""

from __future__ import annotations

import json

import pytest

from doudi.core.tests.adversarial.crawl import ask, client_for, leaks

PROBERS = ("village_worker", "township_officer", "county_reviewer", "foreign_county_reviewer", "administrator")


def attempts(world, who: str, id_number: str) -> list[tuple[str, str, dict, bool]]:
    """Return (method, url, payload, is_json) of each way to register ``id_number`` as ``who``."""
    user = world.users[who]
    own = next(s for s in world.slots.values() if world.in_scope(user, s.region.code))
    person = {"id_number": id_number, "name": "探测人", "relation": "head"}
    member = {**person, "relation": "child"}
    return [
        ("POST", "/api/households/create/", {"region": own.region.code, "head": person}, True),
        ("POST", f"/api/households/{own.household.pk}/members/add/", member, True),
        ("POST", f"/registry/households/{own.household.pk}/members/new/", member, False),
        (
            "POST",
            "/registry/households/new/",
            {
                "region": own.region.code,
                "address": "探测地址",
                "head-id_number": id_number,
                "head-name": "探测人",
                "head-relation": "head",
                "m-TOTAL_FORMS": "0",
                "m-INITIAL_FORMS": "0",
            },
            False,
        ),
    ]


@pytest.mark.parametrize("who", PROBERS)
def test_a_taken_id_number_outside_the_scope_is_refused_without_naming_where(world, sessions, db, who):
    user = world.users[who]
    secrets = world.secrets_outside(user)
    client = client_for(who, sessions)
    problems = []
    outside = [slot for slot in world.slots.values() if not world.in_scope(user, slot.region.code)]
    assert outside
    for slot in outside:
        # The number the user typed may be shown back; nothing else of the other household may.
        shown = {marker: what for marker, what in secrets.items() if marker != slot.head.id_number}
        for method, url, payload, is_json in attempts(world, who, slot.head.id_number):
            if is_json:
                answer = ask(client, who, method, url, data=json.dumps(payload), content_type="application/json")
            else:
                answer = ask(client, who, method, url, data=payload)
            if answer.status >= 500 or (200 <= answer.status < 300 and is_json):
                problems.append(f"{answer}: the taken number of {slot.key} was not refused: {answer.excerpt()}")
            problems += leaks(answer, shown)
    assert not problems, "\n".join(problems)
