"""Background jobs of department data (django-tasks): the nightly retention purge.

Run from cron as ``python -m doudi feeds purge`` or enqueue ``purge_feeds`` for the task worker.
"""

from __future__ import annotations

from datetime import date

from django_tasks import task

from doudi.verification.feeds.retention import purge_expired


@task()
def purge_feeds(on_iso: str | None = None, months: int | None = None) -> dict[str, int]:
    """Delete the raw rows of batches older than the retention; return how many batches were purged."""
    purged = purge_expired(months=months, today=date.fromisoformat(on_iso) if on_iso else None)
    return {"purged_batches": len(purged)}
