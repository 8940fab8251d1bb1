"""Background jobs of the policy app (django-tasks): simulations too big to run inside a page request."""

from __future__ import annotations

from django_tasks import task

from doudi.policy.simulation import store


@task()
def run_simulation(run_id: str) -> None:
    """Run a recorded what-if simulation; progress and result are kept by ``simulation.store``."""
    store.execute(run_id)
