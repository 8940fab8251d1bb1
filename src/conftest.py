"""Fixtures shared by every app's tests: a small real region tree and one user per role.

The tree is the demo county's real codes (湖南省 › 益阳市 › 沅江市 › two townships › villages),
built per test with factories rather than loaded from a shared database.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.regions.tests.factories import build_demo_tree

# In CI, Hypothesis draws the same examples every run: a property that fails there fails on every
# rerun (reproducibly), while local runs keep exploring new examples. No deadline anywhere: a property
# is about values, and an example slowed by a loaded machine (both test legs run side by side) is not
# a failure; speed is measured in benchmarks/.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
hypothesis_settings.register_profile("local", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "local")


# A skipped test is a missing test. ``scripts/test`` (and so CI) sets DOUDI_STRICT_SKIPS=1: the run then
# fails on any skip except the documented one, a test marked ``postgresql_only`` (row locks, real
# concurrent transactions, or a path only PostgreSQL takes: bank records formatted by the database, the
# set-based import commits) when the database is SQLite. The skips are listed at the end either way.
STRICT_SKIPS = os.environ.get("DOUDI_STRICT_SKIPS") == "1"


def pytest_collection_modifyitems(config, items):
    """Skip ``postgresql_only`` tests on SQLite (the one documented skip)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    reason = "PostgreSQL only (row locks, concurrent transactions, PostgreSQL-only paths); runs in the PostgreSQL pass"
    for item in items:
        if item.get_closest_marker("postgresql_only"):
            item.add_marker(pytest.mark.skip(reason=reason))


_unexpected_skips: list[str] = []


def pytest_runtest_logreport(report):
    if not report.skipped or getattr(report, "wasxfail", None) is not None:
        return
    if "postgresql_only" in report.keywords:
        return
    _unexpected_skips.append(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _unexpected_skips:
        return
    terminalreporter.section("skipped tests that must run", sep="=", red=True)
    for nodeid in _unexpected_skips:
        terminalreporter.line(nodeid, red=True)
    if STRICT_SKIPS:
        terminalreporter.line(
            f"{len(_unexpected_skips)} test(s) skipped: DOUDI_STRICT_SKIPS=1 fails the run (install what they need "
            "with scripts/setup --test).",
            red=True,
        )


def pytest_sessionfinish(session, exitstatus):
    if STRICT_SKIPS and _unexpected_skips and exitstatus == 0:
        session.exitstatus = 1


@pytest.fixture
def regions(db):
    """Return {code-or-short-name: Region} for a small real subtree of 沅江市 and a foreign county."""
    return build_demo_tree()


@pytest.fixture
def users(regions):
    """One user per role; ``other_village_worker`` works in another township and must be refused."""
    return {
        "village_worker": UserFactory(role=Role.VILLAGE_WORKER, region=regions["lixin"]),
        "other_village_worker": UserFactory(role=Role.VILLAGE_WORKER, region=regions["hanjiacha"]),
        "township_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=regions["caowei"]),
        "other_township_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=regions["qionghu"]),
        "county_reviewer": UserFactory(role=Role.COUNTY_REVIEWER, region=regions["yuanjiang"]),
        "foreign_county_reviewer": UserFactory(role=Role.COUNTY_REVIEWER, region=regions["heshan"]),
        "city_supervisor": UserFactory(role=Role.CITY_SUPERVISOR, region=regions["yiyang"]),
        "auditor": UserFactory(role=Role.AUDITOR, region=regions["yuanjiang"]),
        "administrator": UserFactory(role=Role.ADMINISTRATOR, region=regions["hunan"], is_staff=True),
        "no_region": UserFactory(role=Role.COUNTY_REVIEWER, region=None),
    }


@pytest.fixture(autouse=True)
def _fresh_calendar_entries():
    """Forget the bureau's calendar entries cached by an earlier test (its rows were rolled back)."""
    from doudi.cases.calendar import clear_bureau_entries

    clear_bureau_entries()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: PBKDF2 would spend seconds per test on the user fixtures."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Browser tests: Django's live server and one headless Chromium driven by Playwright, shared by
# every app's browser tests (one Playwright per session). Select them with ``-m browser``.
# Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests
# themselves (factories) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.PROJECT_DIR) / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        # In CI a skipped browser test would be a missing test: scripts/setup --test installs Chromium.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(f"{CHROMIUM} is not installed")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshot():
    """Return ``shoot(page, name)`` saving a full-page PNG under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


@pytest.fixture
def new_page(browser, live_server):
    """Return ``open(user=None, width=1280)``: a fresh page, logged in as ``user`` when given."""
    contexts = []

    def open_page(user=None, *, width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            context.add_cookies([_session_cookie(user, live_server.url)])
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def _session_cookie(user, url: str) -> dict:
    """Log ``user`` in without the form, as Django's test client does, and return the cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }
