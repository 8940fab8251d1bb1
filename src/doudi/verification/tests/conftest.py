"""Fixtures of the verification tests: feeds written under a temporary directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _feeds_dir(settings, tmp_path):
    settings.FEEDS_DIR = tmp_path / "feeds"
