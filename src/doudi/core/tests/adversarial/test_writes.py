"""Writes on other regions' records are refused and change nothing; garbage bodies are a 400.

Every route with a path parameter is sent its write methods (the API's from the OpenAPI schema,
``POST`` for the pages and the admin) on the records of each slot outside the user's scope: the
answer is a refusal (403/404/405, the login page for the anonymous or the admin for non-staff) or
an answer that cannot be told apart from the one for a record that does not exist, and the
database is the same afterwards. Every API write that requires a body is sent an empty object, a
body that is not JSON and one of wrong types, on the user's own records: 400 (or 403 for a role
that may not write), never a server error and never a change.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache

import pytest
from django.apps import apps

from doudi.core.tests.adversarial.crawl import Answer, ask, client_for, leaks, missing_twin, to_login
from doudi.core.tests.adversarial.routes import Route, all_routes, fill
from doudi.core.tests.adversarial.world import USERS

ROUTES = all_routes()
WRITE_METHODS = ("post", "put", "patch", "delete")
# Writes that change the user's own session or credentials, not records of a region.
SELF_ONLY = {"accounts:logout", "admin:logout", "api:token_revoke", "accounts:login", "admin:login"}
GARBAGE = [
    ("empty object", "{}"),
    ("not JSON", "\x00{not json"),
    ("wrong types", json.dumps({"expected_version": "x" * 300, "reason": [1, 2], "on": {"a": None}, "id": -1})),
]
KNOWN: dict[str, str] = {}


@cache
def api_schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def openapi_path(route: Route) -> str:
    from doudi.core.tests.adversarial.routes import PARAM

    return "/" + PARAM.sub(lambda m: "{" + (m.group("name") or m.group("rname")) + "}", route.pattern)


def write_methods(route: Route) -> list[str]:
    if route.is_api:
        operations = api_schema()["paths"].get(openapi_path(route), {})
        return [m for m in WRITE_METHODS if m in operations]
    return ["post"]


def required_body(route: Route, method: str) -> bool:
    """Return whether the API operation's JSON body has required fields."""
    operation = api_schema()["paths"].get(openapi_path(route), {}).get(method, {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or {}).get("schema", {})
    if "$ref" in schema:
        schema = api_schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return bool(schema.get("required"))


def fingerprint() -> str:
    """Return a digest of every row of doudi's own tables (and the API tokens)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if not model.__module__.startswith("doudi."):
            continue
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("last_login", "last_used_at")]
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def send(client, who, method, url, body, route: Route) -> Answer:
    if route.is_api:
        return ask(client, who, method, url, data=body, content_type="application/json")
    return ask(client, who, method, url, data={})


def refused(answer: Answer, route: Route, who: str) -> bool:
    if answer.status in (401, 403, 404, 405):
        return True
    return to_login(answer) and (route.is_admin or who == "anonymous")


WRITABLE = [r for r in ROUTES if r.name not in SELF_ONLY and (r.params or r.is_api)]


@pytest.mark.parametrize("route", WRITABLE, ids=lambda r: r.name if not r.name.endswith("$") else r.pattern)
def test_writes(route: Route, world, sessions, db, request):
    if route.name in KNOWN:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN[route.name]))
    methods = write_methods(route)
    if not methods:
        return  # a read-only API route: test_crawl covers it
    before = fingerprint()
    problems: list[str] = []
    sent = 0
    for who in [*USERS, "anonymous"]:
        user = world.users.get(who)
        secrets = world.secrets_outside(user)
        client = client_for(who, sessions)
        for slot in world.slots.values() if route.params else [None]:
            if slot is None:
                url, rule, in_scope = route.url({}), "fixed", True
            else:
                filled = fill(route, world, slot)
                if filled is None:
                    continue
                url, rule = filled
                in_scope = user is not None and rule == "scope" and world.in_scope(user, slot.region.code)
            for method in methods:
                if rule in ("any", "fixed", "missing") and not route.is_api:
                    # A page or admin screen with nothing to scope: any answer but a server error.
                    answer = send(client, who, method, url, "{}", route)
                    sent += 1
                    problems += leaks(answer, secrets)
                    if answer.status >= 500:
                        problems.append(f"{answer}: server error: {answer.excerpt()}")
                    continue
                if in_scope or rule in ("any", "fixed", "missing"):
                    if not (route.is_api and required_body(route, method) and who != "anonymous"):
                        continue
                    for label, body in GARBAGE:
                        answer = send(client, who, method, url, body, route)
                        sent += 1
                        problems += leaks(answer, secrets)
                        if answer.status >= 500 or answer.status < 400:
                            problems.append(f"{answer} ({label}): garbage not refused: {answer.excerpt()}")
                    continue
                answer = send(client, who, method, url, "{}", route)
                sent += 1
                problems += leaks(answer, secrets)
                if answer.status >= 500:
                    problems.append(f"{answer}: server error: {answer.excerpt()}")
                elif not refused(answer, route, who):
                    twin = send(client, who, method, missing_twin(url), "{}", route)
                    if (twin.status, twin.body) != (answer.status, answer.body):
                        problems.append(
                            f"{answer}: outside the scope, answered unlike a missing record "
                            f"({twin.status}): {answer.excerpt()}"
                        )
    # A route with records must have been attacked; an API action on the user's own region with no body
    # (scheduling reviews) has nothing to send here.
    assert sent or not route.params, "no write was sent: the route's records are missing from the world"
    if fingerprint() != before:
        problems.append("the database changed")
    assert not problems, "\n".join(problems)
