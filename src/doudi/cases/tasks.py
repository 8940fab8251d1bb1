"""Background jobs of the case workflow (django-tasks), run daily by ``manage.py run_case_tasks``
(cron) or enqueued with ``--enqueue`` for the task worker."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from doudi.cases import services


def run_daily(on: date | None = None) -> dict[str, int]:
    """Schedule missing periodic reviews, then run every automatic due task; return the counts."""
    summary = dict(services.do_run_due_tasks(today=on))
    summary["reviews_scheduled"] = services.do_schedule_reviews(None, today=on)
    return summary


@task()
def run_case_tasks(on_iso: str | None = None) -> dict[str, int]:
    """The daily job as a django-task (arguments must be JSON: the date as ISO text)."""
    return run_daily(date.fromisoformat(on_iso) if on_iso else None)
