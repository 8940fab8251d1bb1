"""Fixtures shared by every app's tests: a small real region tree and one user per role.

The tree is the demo county's real codes (湖南省 › 益阳市 › 沅江市 › two townships › villages),
built per test with factories rather than loaded from a shared database.
"""

from __future__ import annotations

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.regions.tests.factories import build_demo_tree


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
def _fast_password_hashing(settings):
    """Hash test passwords with MD5: PBKDF2 would spend seconds per test on the user fixtures."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
