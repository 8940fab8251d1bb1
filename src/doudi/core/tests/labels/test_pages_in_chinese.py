"""Every page, for every role, on demo data, reads in Chinese: no raw code, English word or Django default text.

The pages are found by walking the URL map (the adversarial suite's routes and world: two demo
counties generated with ``generate_demo`` and case work done through the services), so a new page is
checked as soon as it is routed. Each HTML answer to a GET is reduced to what a person reads
(``visible.visible_text``) and checked against ``visible.problems_in``. The admin and the API are
kept out of the word rule here (the admin's branding is its own work item) but not out of the
"never a server error" rule.
"""

from __future__ import annotations

import pytest

from doudi.core.tests.adversarial.crawl import ask, client_for
from doudi.core.tests.adversarial.routes import all_routes, fill
from doudi.core.tests.labels.visible import problems_in, visible_text

ROLES = ("village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator")
ROUTES = [r for r in all_routes() if not r.is_admin and not r.is_api]
SLOT = "lixin"  # the village every crawling role above has in scope


def data_typed_by_people(the_world, who: str) -> tuple[str, ...]:
    """Return what people typed and the page shows back: login names and the demo's file names."""
    user = the_world.users.get(who)
    values = [u.username for u in the_world.users.values()]
    values += [s.worker.username for s in the_world.slots.values()]
    values += [f"{key}.csv" for key in the_world.slots]  # staged import files are named by their uploader
    values += [f"{s.head_name}.pdf" for s in the_world.slots.values()]  # uploaded attachments keep their names
    if user is not None:
        values.append(user.username)
    return tuple(sorted(values, key=len, reverse=True))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_page_reads_in_chinese(route, world, sessions, db):
    problems: list[str] = []
    for who in (*ROLES, "anonymous"):
        client = client_for(who, sessions)
        if route.params:
            filled = fill(route, world, world.slots[SLOT])
            if filled is None:
                continue
            url = filled[0]
        else:
            url = route.url({})
        answer = ask(client, who, "GET", url)
        if answer.status >= 500:
            problems.append(f"{answer}: server error")
            continue
        if not answer.body or answer.body.lstrip()[:1] != "<":
            continue
        for line in problems_in(visible_text(answer.body), ignore=data_typed_by_people(world, who)):
            problems.append(f"{answer}: {line}")
    assert not problems, "\n".join(sorted(set(problems)))
