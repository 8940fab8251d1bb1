"""The one scope rule: a user sees only the subtree of the user's region."""

import pytest

from doudi.accounts.scope import check_in_scope, region_in_scope, scope_filter, scope_prefix
from doudi.core.errors import NotFound
from doudi.regions.models import Region


@pytest.mark.parametrize(
    ("user_key", "prefix"),
    [
        ("village_worker", "430981114201"),
        ("township_officer", "430981114"),
        ("county_reviewer", "430981"),
        ("city_supervisor", "4309"),
        ("administrator", "43"),
    ],
)
def test_prefix_follows_the_users_region(users, user_key, prefix):
    assert scope_prefix(users[user_key]) == prefix


@pytest.mark.parametrize(
    ("user_key", "code", "allowed"),
    [
        ("village_worker", "430981114201", True),
        ("village_worker", "430981114202", False),
        ("township_officer", "430981114202", True),
        ("township_officer", "430981006001", False),
        ("county_reviewer", "430981006001", True),
        ("county_reviewer", "430902001001", False),
        ("city_supervisor", "430902001001", True),
        ("auditor", "430902001001", False),
        ("administrator", "430902001001", True),
        ("administrator", "110000000000", False),
        ("no_region", "430981114201", False),
    ],
)
def test_region_in_scope(users, user_key, code, allowed):
    assert region_in_scope(users[user_key], code) is allowed


def test_inactive_user_and_anonymous_see_nothing(users):
    user = users["county_reviewer"]
    user.is_active = False
    assert scope_filter(user, Region.objects.all()).count() == 0
    assert scope_filter(None, Region.objects.all()).count() == 0


def test_out_of_scope_raises_not_found(users):
    with pytest.raises(NotFound):
        check_in_scope(users["village_worker"], "430981006001")
