"""The daily jobs, started by the background worker itself rather than by a person or a crontab.

``settings.DAILY_JOBS`` lists (name, dotted path of a django-task, local time "HH:MM"). Every worker
runs ``due_jobs`` once a minute (``manage.py run_worker``): a job whose time has passed today and
that has no ``ScheduledRun`` row for today gets one, and the worker that inserted the row enqueues
the task. The unique (name, day) pair settles races between workers; a worker that was down at the
job's time runs it as soon as it is back, the same day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from doudi.core.models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    name: str
    task_path: str
    at: time


def daily_jobs() -> list[DailyJob]:
    jobs = []
    for name, task_path, at in settings.DAILY_JOBS:
        hours, minutes = (int(part) for part in at.split(":"))
        jobs.append(DailyJob(name, task_path, time(hours, minutes)))
    return jobs


def due_jobs(now: datetime | None = None) -> list[str]:
    """Enqueue each job due today that no worker has started yet; return the names enqueued."""
    now = timezone.localtime(now or timezone.now())
    today: date = now.date()
    started = []
    for job in daily_jobs():
        if now.time() < job.at:
            continue
        if ScheduledRun.objects.filter(name=job.name, day=today).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=job.name, day=today)
                result = import_string(job.task_path).enqueue()
                run.task_id = str(getattr(result, "id", ""))[:64]
                run.save(update_fields=["task_id"])
        except IntegrityError:  # another worker took it in the same instant
            continue
        logger.warning("daily job %s enqueued for %s", job.name, today)
        started.append(job.name)
    return started
