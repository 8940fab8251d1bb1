"""Background jobs of batch imports (django-tasks): validate a staged file, commit a validated batch."""

from __future__ import annotations

from django_tasks import task

from doudi.registry.imports import services


@task()
def validate_import(batch_id: int) -> None:
    """Parse and check every row of the batch, staging rows and errors (see ``services.run_validation``)."""
    services.run_validation(batch_id)


@task()
def commit_import(batch_id: int, actor_id: int, valid_only: bool) -> None:
    """Write the batch's valid rows in one transaction (see ``services.apply_import``)."""
    services.apply_import(batch_id, actor_id, valid_only)
