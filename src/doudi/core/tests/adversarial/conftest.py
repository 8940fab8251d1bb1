"""One world per module, built once and rolled back after the module (as ``setUpTestData`` does)."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.test import override_settings

from doudi.core.tests.adversarial.world import World, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Build the two counties and the slots inside one transaction that is rolled back at the end.

    The outer block is marked as a test case's, as Django's ``TestCase`` marks its own, so the
    services' ``atomic(durable=True)`` runs inside it; each test then runs in a savepoint.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True
        outer.__enter__()
        try:
            started = time.perf_counter()
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                world = build_world()
            world.build_seconds = time.perf_counter() - started
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def sessions(world) -> dict[str, str]:
    """Return {user key: session key}: each crawling user logged in once for the whole module."""
    from django.test import Client

    keys = {}
    for name, user in world.users.items():
        client = Client()
        client.force_login(user)
        keys[name] = client.session.session_key
    return keys
