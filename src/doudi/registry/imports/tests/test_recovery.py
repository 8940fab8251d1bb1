"""Interrupted imports: a batch whose worker died fails with a Chinese reason and can be resubmitted."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doudi.core.leases import lease
from doudi.registry.imports import recovery
from doudi.registry.imports.models import ImportBatch
from doudi.registry.imports.tasks import commit_import, validate_import
from doudi.registry.imports.tests.conftest import commit, csv_bytes, family, stage
from doudi.registry.models import Household, Membership, Person

pytestmark = pytest.mark.django_db


def _running_task(task, *args, started_ago=timedelta(minutes=2), status="RUNNING") -> DBTaskResult:
    """Return the task row django-tasks' database worker leaves behind when it claimed the job and died."""
    return DBTaskResult.objects.create(
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=task.module_path,
        backend_name="default",
        run_after=timezone.now() - started_ago,
        status=status,
        started_at=timezone.now() - started_ago if status == "RUNNING" else None,
        worker_ids=["dead-worker"],
    )


def _validated(actor, capture) -> ImportBatch:
    batch = stage(actor, csv_bytes(family("H001", members=2)), capture=capture)
    assert batch.status == "validated" and batch.valid_rows == 2
    return batch


def _as_running(batch: ImportBatch, status: str) -> ImportBatch:
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, phase="运行中", progress=40)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def held_elsewhere():
    """Hold a batch's lease on another thread (its own connection), as a live worker's job does."""
    started, release, threads = threading.Event(), threading.Event(), []

    def hold(batch_id):
        def run():
            try:
                with lease(recovery.LEASE, batch_id):
                    started.set()
                    release.wait(10)
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        threads.append(thread)
        assert started.wait(10)

    yield hold
    release.set()
    for thread in threads:
        thread.join(10)


def test_a_dead_commit_fails_the_batch_with_a_reason_and_can_be_resubmitted(
    users, client, django_capture_on_commit_callbacks
):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "importing")
    task = _running_task(commit_import, batch.pk, actor.pk, True)

    assert recovery.sweep_interrupted_imports() == [batch.pk]

    batch.refresh_from_db()
    task.refresh_from_db()
    assert batch.status == "failed" and batch.phase == "处理中断"
    assert batch.error_message == (
        "导入处理中断（后台任务进程退出），已全部撤销，未写入任何数据：请点击“导入有效行”重新提交。"
    )
    assert task.status == "FAILED" and task.finished_at is not None
    assert (Household.objects.count(), Person.objects.count(), Membership.objects.count()) == (0, 0, 0)
    client.force_login(actor)
    page = client.get(reverse("registry:imports:import_detail", args=[batch.pk])).content.decode()
    assert "后台任务进程退出" in page and 'id="commit-valid"' in page

    batch = commit(actor, batch, capture=django_capture_on_commit_callbacks)
    assert batch.status == "imported", batch.error_message
    assert Person.objects.count() == 2


def test_a_dead_validation_fails_the_batch_and_asks_for_the_file_again(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    _running_task(validate_import, batch.pk)

    assert recovery.sweep_interrupted_imports() == [batch.pk]

    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.error_message == "校验处理中断（后台任务进程退出），未写入任何数据：请重新上传该文件。"


def test_the_progress_of_a_dead_job_reports_the_failure_without_a_worker(
    users, client, django_capture_on_commit_callbacks
):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    _running_task(validate_import, batch.pk)
    client.force_login(actor)

    progress = client.get(reverse("registry:imports:import_progress", args=[batch.pk])).json()

    assert progress["status"] == "failed" and progress["done"] and not progress["running"]
    assert "后台任务进程退出" in progress["error_message"]


def test_a_job_whose_worker_lives_is_left_running(users, held_elsewhere, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "importing")
    task = _running_task(commit_import, batch.pk, actor.pk, True)
    held_elsewhere(batch.pk)

    assert recovery.sweep_interrupted_imports() == []

    batch.refresh_from_db()
    task.refresh_from_db()
    assert (batch.status, task.status) == ("importing", "RUNNING")


def test_queued_and_just_claimed_jobs_are_left_alone(users, django_capture_on_commit_callbacks):
    """A commit waiting in the queue holds no lease yet, nor does a job claimed a moment ago."""
    actor = users["village_worker"]
    queued = _as_running(_validated(actor, django_capture_on_commit_callbacks), "importing")
    _running_task(commit_import, queued.pk, actor.pk, True, status="READY")
    claimed = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    _running_task(validate_import, claimed.pk, started_ago=timedelta(seconds=1))

    assert recovery.sweep_interrupted_imports() == []

    assert ImportBatch.objects.get(pk=queued.pk).status == "importing"
    assert ImportBatch.objects.get(pk=claimed.pk).status == "validating"


def test_the_sweep_of_one_page_touches_only_its_batch(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    first = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    second = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    _running_task(validate_import, first.pk)
    _running_task(validate_import, second.pk)

    assert recovery.sweep_interrupted_imports(batch_ids=[second.pk]) == [second.pk]

    assert ImportBatch.objects.get(pk=first.pk).status == "validating"


def test_a_finished_batch_is_not_failed_by_a_stale_task_row(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    batch = _validated(actor, django_capture_on_commit_callbacks)
    task = _running_task(validate_import, batch.pk)

    assert recovery.sweep_interrupted_imports() == []

    batch.refresh_from_db()
    task.refresh_from_db()
    assert batch.status == "validated" and batch.error_message == ""
    assert task.status == "FAILED"  # the task row no longer claims to run


def test_a_database_lost_under_a_job_fails_the_batch_once_it_answers_again(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "importing")
    monkeypatch.setattr(recovery, "wait_for_database", lambda: True)  # the test's connection never went away

    def work():
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        recovery.run_job(batch.pk, work)

    batch.refresh_from_db()
    assert batch.status == "failed"
    assert batch.error_message.startswith("导入处理中断（数据库连接中断），已全部撤销，未写入任何数据")


def test_a_database_that_stays_away_leaves_the_batch_to_the_sweep(
    users, monkeypatch, django_capture_on_commit_callbacks
):
    actor = users["village_worker"]
    batch = _as_running(_validated(actor, django_capture_on_commit_callbacks), "validating")
    monkeypatch.setattr(recovery, "wait_for_database", lambda: False)

    def work():
        raise OperationalError("could not connect to server")

    with pytest.raises(OperationalError):
        recovery.run_job(batch.pk, work)

    assert ImportBatch.objects.get(pk=batch.pk).status == "validating"


def test_an_operational_error_on_a_working_connection_is_not_a_lost_database():
    """A deadlock or lock time-out fails the job with its own reason, not as a database restart."""
    assert not recovery.connection_lost(OperationalError("deadlock detected"))
    assert not recovery.connection_lost(ValueError("bad row"))
