"""The crawl: every URL of doudi, for every role, on the user's own records and on everyone else's.

For each URL pattern (walked from ``doudi.urls``, so a new page is crawled as soon as it is
routed) and each user of ``world.USERS`` plus an anonymous visitor, the path parameters are filled
with the records of each slot (own village, sibling village, other township, other county, other
province). Within the user's scope the answer is a page, a redirect, or a refusal of the role
(403) or the method (405); outside it is 403/404 (or the login page for the anonymous and the
admin for non-staff); bad query parameters are answered without a server error; and no answer to a
user contains an ID number, household number, head's name or village/township name of a region
outside the user's scope. A test collects every failing request of its route and names them all.
"""

from __future__ import annotations

import pytest

from doudi.core.tests.adversarial.crawl import Answer, ask, client_for, leaks, missing_twin, to_login
from doudi.core.tests.adversarial.routes import Route, all_routes, fill, param_spec
from doudi.core.tests.adversarial.world import USERS

ROUTES = all_routes()
WHO = [*USERS, "anonymous"]
LONG = "长" * 5000
# The bad query parameters are sent by a user of each level of scope (a village, another county,
# the province): the same view code answers every role, and this keeps the crawl within minutes.
BAD_QUERY_USERS = ("village_worker", "foreign_county_reviewer", "administrator")

# Routes anyone may open without logging in.
PUBLIC = {"accounts:login", "accounts:logout", "admin:login", "admin:logout", "api:token_create", "admin:jsi18n"}
# Known defects owned by another helper (issue 13), expected to fail until their fix lands.
KNOWN: dict[str, str] = {}


def test_every_path_parameter_is_mapped():
    """A new route parameter must be mapped to a record before the crawl can cover it."""
    unmapped = [f"{route.name} <{param}>" for route in ROUTES for param in route.params if not param_spec(route, param)]
    assert not unmapped, "map these in adversarial/routes.py PARAMS or ADMIN_OBJECTS: " + ", ".join(unmapped)


def test_the_crawl_covers_the_site():
    """The crawl walks the real URL map: it finds the API, the pages and the admin."""
    names = {route.name for route in ROUTES}
    assert {"registry:household_detail", "api:case_detail", "cases:step", "admin:registry_household_change"} <= names
    assert len(ROUTES) > 150


def bad_queries(world, who: str) -> list[tuple[str, str]]:
    """Return (label, query string) of the common bad parameters, for a user's list pages."""
    user = world.users[who]
    foreign = next(slot.region.code for slot in world.slots.values() if not world.in_scope(user, slot.region.code))
    return [
        ("page=-1", "page=-1"),
        ("page=abc", "page=abc"),
        ("region=abc", "region=abc"),
        ("region out of scope", f"region={foreign}"),
        ("5,000-character strings", f"q={LONG}&name={LONG}&id_number={LONG}&number={LONG}&region={LONG}&page={LONG}"),
    ]


def same_as_missing(client, answer: Answer) -> bool:
    """Return whether the answer is the one given for a record that does not exist."""
    twin = ask(client, answer.who, answer.method, missing_twin(answer.url))
    # The admin's old-style object URL redirects to the change page of whatever id it was given.
    return (twin.status, missing_twin(twin.location), twin.body) == (
        answer.status,
        missing_twin(answer.location),
        answer.body,
    )


def judge(answer: Answer, *, who: str, rule: str, in_scope: bool, route: Route) -> str | None:
    """Return what is wrong with the answer, or None."""
    if answer.status >= 500:
        return f"{answer}: server error: {answer.excerpt()}"
    if who == "anonymous":
        if route.name in PUBLIC:
            return None
        if to_login(answer) or answer.status in (401, 403, 405):
            return None
        return f"{answer}: the anonymous visitor is not sent to log in"
    if to_login(answer) and not route.is_admin and route.name not in PUBLIC:
        return f"{answer}: a logged-in user is sent to log in"
    if rule in ("any", "missing", "fixed"):
        return None
    if rule == "scope" and in_scope:
        if answer.status < 400 or answer.status in (403, 405):
            return None
        return f"{answer}: refused within scope: {answer.excerpt()}"
    # outside the scope, or another user's record
    if answer.status in (403, 404, 405) or (route.is_admin and to_login(answer)):
        return None
    return f"{answer}: answered outside the scope ({answer.status}): {answer.excerpt()}"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name if not r.name.endswith("$") else r.pattern)
def test_get(route: Route, world, sessions, db, request):
    if route.name in KNOWN:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN[route.name]))
    problems: list[str] = []
    for who in WHO:
        user = world.users.get(who)
        secrets = world.secrets_outside(user)
        client = client_for(who, sessions)
        if route.params:
            targets = []
            for slot in world.slots.values():
                filled = fill(route, world, slot)
                if filled is not None:
                    targets.append((*filled, user is not None and world.in_scope(user, slot.region.code)))
            assert targets, f"no slot has the records of {route.name}: add them to the world"
        else:
            targets = [(route.url({}), "fixed", True)]
        for url, rule, in_scope in targets:
            answer = ask(client, who, "GET", url)
            problem = judge(answer, who=who, rule=rule, in_scope=in_scope, route=route)
            if problem and not in_scope and answer.status < 500 and same_as_missing(client, answer):
                problem = None  # the answer for a record that does not exist: nothing is revealed
            if problem:
                problems.append(problem)
            problems += leaks(answer, secrets)
        if route.params or who not in BAD_QUERY_USERS:
            continue
        for label, query in bad_queries(world, who):
            answer = ask(client, who, "GET", f"{route.url({})}?{query}")
            if answer.status >= 500:
                problems.append(f"{answer} ({label}): server error: {answer.excerpt()}")
            problems += [f"({label}) {line}" for line in leaks(answer, secrets)]
    assert not problems, "\n".join(problems)
