"""Run doudi's background worker: django-tasks' database worker, made to outlive its failures.

``manage.py run_worker`` takes the options of ``manage.py db_worker`` and adds two things a bureau's
server needs:

- at start, every ``SWEEP_EVERY`` seconds and after each database outage, it ends the jobs a dead
  worker left "running" (``doudi.registry.imports.recovery``): their batches fail with a reason and
  can be resubmitted;
- every ``SCHEDULE_EVERY`` seconds it enqueues the daily jobs that are due (``doudi.core.scheduler``:
  ``run_case_tasks`` and the other nightly jobs of ``settings.DAILY_JOBS``), once a day whatever the
  number of workers; ``--no-schedule`` leaves that to another worker;
- when the database goes away (PostgreSQL restarting, a network cut), it waits and reconnects
  instead of exiting, so jobs queued afterwards still run without anyone restarting doudi.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import InterfaceError, OperationalError, close_old_connections
from django_tasks_db.management.commands import db_worker

from doudi.registry.imports import recovery

logger = logging.getLogger("django_tasks_db")


SWEEP_EVERY = 15.0
SCHEDULE_EVERY = 60.0


def sweep() -> None:
    swept = recovery.sweep_quietly(grace=recovery.GRACE)
    if swept:
        logger.warning("interrupted import batches failed: %s", ", ".join(map(str, swept)))


def sweep_forever(stop: threading.Event) -> None:
    """Sweep now and then on this thread's own connection, also while the worker is busy with a long job."""
    while not stop.wait(SWEEP_EVERY):
        try:
            sweep()
        except Exception:  # never let the sweeping thread die: the next round may succeed
            logger.exception("sweep of interrupted jobs failed")
        close_old_connections()


def schedule_forever(stop: threading.Event) -> None:
    """Start the day's due jobs now and then; a failed round (database down) is tried again later."""
    from doudi.core import scheduler

    while True:
        try:
            scheduler.due_jobs()
        except Exception:
            logger.exception("starting the daily jobs failed")
        close_old_connections()
        if stop.wait(SCHEDULE_EVERY):
            return


class ResilientWorker(db_worker.Worker):
    """A database worker that sweeps dead jobs and survives database outages."""

    retry_pause = 2.0
    schedule = False  # ``SchedulingWorker`` starts the daily jobs too

    def run(self) -> None:
        sweep()
        stop = threading.Event()
        threading.Thread(target=sweep_forever, args=(stop,), name="sweep", daemon=True).start()
        if self.schedule:
            threading.Thread(target=schedule_forever, args=(stop,), name="schedule", daemon=True).start()
        try:
            self._run_until_stopped()
        finally:
            stop.set()

    def _run_until_stopped(self) -> None:
        while True:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                if not self.running:
                    raise
                logger.warning("database unavailable (%s); retrying in %.0f s", exc, self.retry_pause)
                self.running_task = False
                close_old_connections()
                time.sleep(self.retry_pause)
                if recovery.wait_for_database(seconds=3600, pause=self.retry_pause):
                    sweep()


class SchedulingWorker(ResilientWorker):
    """The worker of ``manage.py run_worker``: also starts the daily jobs (not with ``--batch``,
    which drains the queue once and stops, nor with ``--no-schedule``)."""

    schedule = True


class Command(db_worker.Command):
    help = "Run doudi's background worker (django-tasks database worker that sweeps dead jobs and survives outages)"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-schedule", action="store_true", help="do not start the daily jobs (another worker does)"
        )

    def handle(self, **options) -> None:
        # db_worker builds its Worker by name at call time: hand it this one for the duration.
        original = db_worker.Worker
        schedule = not options.pop("no_schedule", False) and not options.get("batch")
        db_worker.Worker = SchedulingWorker if schedule else ResilientWorker
        try:
            super().handle(**options)
        finally:
            db_worker.Worker = original
