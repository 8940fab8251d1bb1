"""``manage.py run_worker``: sweeps the jobs a dead worker left running, and outlives a lost database."""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from doudi.core.management.commands import run_worker
from doudi.registry.imports.models import ImportBatch
from doudi.registry.imports.tasks import validate_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """The worker installs its own SIGINT/SIGTERM/SIGQUIT handlers; left in the test process, they are
    inherited by every process forked later (the simulation's pool), which then ignores the SIGTERM
    of Pool.terminate() and hangs the run."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {s: signal.getsignal(s) for s in signals}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_worker_fails_at_start_a_batch_whose_worker_died(users, database_tasks, monkeypatch):
    # django-tasks closes "old" connections between polls, which would close the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    actor = users["village_worker"]
    batch = ImportBatch.objects.create(
        created_by=actor, region=actor.region, original_name="导入.csv", format="csv", status="validating"
    )
    started = timezone.now() - timedelta(minutes=5)
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [batch.pk], "kwargs": {}},
        task_path=validate_import.module_path,
        backend_name="default",
        run_after=started,
        status="RUNNING",
        started_at=started,
        worker_ids=["killed"],
    )

    call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

    batch.refresh_from_db()
    task.refresh_from_db()
    assert batch.status == "failed"
    assert batch.error_message == "校验处理中断（后台任务进程退出），未写入任何数据：请重新上传该文件。"
    assert task.status == "FAILED"


def test_the_worker_waits_for_a_lost_database_and_goes_on(monkeypatch):
    """An outage ends django-tasks' loop with an error; the doudi worker reconnects, sweeps and loops again."""
    events = []
    outcomes = iter([OperationalError("server closed the connection unexpectedly"), None])

    def loop(self):
        events.append("loop")
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(db_worker.Worker, "run", loop)
    monkeypatch.setattr(run_worker, "sweep", lambda: events.append("sweep"))
    monkeypatch.setattr(run_worker.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(run_worker.recovery, "wait_for_database", lambda **kw: events.append("reconnect") or True)
    worker = run_worker.ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )

    worker.run()

    assert events == ["sweep", "loop", "reconnect", "sweep", "loop"]


def test_a_worker_told_to_stop_does_not_retry(monkeypatch):
    def loop(self):
        self.running = False
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(db_worker.Worker, "run", loop)
    monkeypatch.setattr(run_worker, "sweep", lambda: None)
    worker = run_worker.ResilientWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )

    with pytest.raises(OperationalError):
        worker.run()
