"""The worker starts each daily job once a day, whatever the number of workers, and catches up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from doudi.core import scheduler
from doudi.core.models import ScheduledRun

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def jobs(settings):
    settings.DAILY_JOBS = [
        ("run_case_tasks", "doudi.cases.tasks.run_case_tasks", "01:30"),
        ("late_job", "doudi.cases.tasks.run_case_tasks", "23:00"),
    ]


@pytest.mark.django_db
def test_a_job_is_not_started_before_its_time(jobs):
    assert scheduler.due_jobs(datetime(2026, 3, 2, 1, 29, tzinfo=SHANGHAI)) == []
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_a_day_and_again_the_next_day(jobs):
    assert scheduler.due_jobs(datetime(2026, 3, 2, 1, 30, tzinfo=SHANGHAI)) == ["run_case_tasks"]
    # A second worker, or the same one a minute later, finds it started.
    assert scheduler.due_jobs(datetime(2026, 3, 2, 1, 31, tzinfo=SHANGHAI)) == []
    assert scheduler.due_jobs(datetime(2026, 3, 2, 23, 5, tzinfo=SHANGHAI)) == ["late_job"]
    assert scheduler.due_jobs(datetime(2026, 3, 3, 2, 0, tzinfo=SHANGHAI)) == ["run_case_tasks"]
    assert DBTaskResult.objects.count() == 3
    run = ScheduledRun.objects.get(name="run_case_tasks", day="2026-03-02")
    assert DBTaskResult.objects.filter(id=run.task_id, task_path="doudi.cases.tasks.run_case_tasks").exists()


@pytest.mark.django_db
def test_a_worker_that_was_down_catches_up_the_same_day(jobs):
    # Down from midnight to 09:00: the 01:30 job starts at 09:00, not tomorrow.
    assert scheduler.due_jobs(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)) == ["run_case_tasks"]


@pytest.mark.django_db
def test_utc_times_are_read_in_the_bureau_time_zone(jobs):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Beijing.
    from datetime import UTC

    assert scheduler.due_jobs(datetime(2026, 3, 1, 17, 30, tzinfo=UTC)) == ["run_case_tasks"]
    assert ScheduledRun.objects.get().day.isoformat() == "2026-03-02"


@pytest.mark.django_db
def test_the_shipped_jobs_name_real_tasks(settings):
    for job in scheduler.daily_jobs():
        from django.utils.module_loading import import_string

        assert hasattr(import_string(job.task_path), "enqueue"), job.name


@pytest.mark.parametrize(
    ("args", "expected"),
    [((), "SchedulingWorker"), (("--no-schedule",), "ResilientWorker"), (("--batch",), "ResilientWorker")],
)
def test_the_worker_starts_the_daily_jobs_unless_told_not_to_or_draining_once(monkeypatch, args, expected):
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    used = []
    monkeypatch.setattr(db_worker.Command, "handle", lambda self, **options: used.append(db_worker.Worker.__name__))
    call_command("run_worker", *args)
    assert used == [expected]
