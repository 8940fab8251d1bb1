"""The adversarial suite's world (two demo counties with case work) and its logged-in sessions."""

from doudi.core.tests.adversarial.conftest import sessions, world  # noqa: F401 (fixtures)
