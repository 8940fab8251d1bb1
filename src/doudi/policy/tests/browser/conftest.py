"""Reuse the browser fixtures of the core app (live server, Chromium, screenshots)."""

from doudi.core.tests.browser.conftest import browser, new_page, screenshot  # noqa: F401
