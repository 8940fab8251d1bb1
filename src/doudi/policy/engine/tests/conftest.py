"""Engine tests need neither Django nor a database; run them with ``-p no:django``."""

import pytest

from .factories import sample_policy


@pytest.fixture(scope="session")
def policy_2025():
    return sample_policy()
