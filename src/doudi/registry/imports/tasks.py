"""Background jobs of batch imports (django-tasks): validate a staged file, commit a validated batch.

Each job holds the batch's lease while it works, so that a job whose worker died can be told from a
running one and its batch failed with a reason (``recovery.py``).
"""

from __future__ import annotations

from functools import partial

from django_tasks import task

from doudi.registry.imports import recovery, services


@task()
def validate_import(batch_id: int) -> None:
    """Parse and check every row of the batch, staging rows and errors (see ``services.run_validation``)."""
    recovery.run_job(batch_id, partial(services.run_validation, batch_id))


@task()
def commit_import(batch_id: int, actor_id: int, valid_only: bool) -> None:
    """Write the batch's valid rows in one transaction (see ``services.apply_import``)."""
    recovery.run_job(batch_id, partial(services.apply_import, batch_id, actor_id, valid_only))
