"""Interrupted imports: a batch whose background job died is failed with a reason and can be resubmitted.

Each import job (validation or commit, ``tasks.py``) holds the batch's lease (``doudi.core.leases``)
while it works. When the worker process is killed, or the database restarts under it, the job
cannot write its own ending: the batch stays "正在校验"/"正在导入" and django-tasks keeps the task
"RUNNING" for ever. ``sweep_interrupted_imports`` finds those tasks whose lease nobody holds and
ends them: the batch becomes "失败" with a message that says what happened and what to do, and the
task is marked failed. Nothing needs undoing: validation stages its rows and a commit writes the
registry each in one transaction, which the database rolled back when the connection ended.

A killed job is not restarted by itself: the kill may have been the out-of-memory killer stopping
an oversized file, which would kill every retry too. The person resubmits (imports the validated
batch again, or uploads the file again) when they choose.

The sweep runs when the doudi worker starts (``manage.py run_worker``), after the worker survives a
database outage, and whenever a running batch's page or progress is read, so a person sees the
failure even while no worker runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection, transaction
from django.utils import timezone

from doudi.core.leases import lease, try_lease
from doudi.registry.imports.models import ImportBatch, ImportStatus

logger = logging.getLogger(__name__)

LEASE = "import-batch"
# A task is claimed a moment before its job takes the lease: younger tasks are left alone.
GRACE = timedelta(seconds=10)
WORKER_EXITED = "后台任务进程退出"
DATABASE_LOST = "数据库连接中断"

_RUNNING = (ImportStatus.STAGED, ImportStatus.VALIDATING, ImportStatus.IMPORTING)


def interruption_message(status: str, cause: str) -> str:
    """Return the Chinese message of a batch whose job stopped while it was in ``status``."""
    if status == ImportStatus.IMPORTING:
        return f"导入处理中断（{cause}），已全部撤销，未写入任何数据：请点击“导入有效行”重新提交。"
    return f"校验处理中断（{cause}），未写入任何数据：请重新上传该文件。"


def mark_interrupted(batch_id: int, cause: str) -> bool:
    """Fail the batch if it is still waiting or running; return whether it was changed."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, status__in=_RUNNING).first()
        if batch is None:
            return False
        message = interruption_message(batch.status, cause)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportStatus.FAILED,
            progress=100,
            phase="处理中断",
            error_message=message,
            updated_at=timezone.now(),
        )
    logger.warning("import batch %s: %s", batch_id, message)
    return True


def connection_lost(exc: BaseException) -> bool:
    """Tell whether ``exc`` came from losing the database (a restart), not from the work itself.

    A deadlock or a lock time-out is an operational error too, but leaves a usable connection.
    """
    if not isinstance(exc, (OperationalError, InterfaceError, connection.Database.OperationalError)):
        return False
    try:
        return connection.connection is None or not connection.is_usable()
    except DatabaseError:
        return True


def run_job(batch_id: int, work: Callable[[], None]) -> None:
    """Run one import job for the batch while holding its lease.

    If the database goes away under the job (a restart), the job cannot record its own failure (the
    services re-raise such errors, see ``connection_lost``); wait until the database answers again,
    fail the batch with the reason, and re-raise so the task is recorded as failed too. Anything the
    job had written was in a transaction the server rolled back.
    """
    try:
        with lease(LEASE, batch_id):
            work()
    except (OperationalError, InterfaceError, connection.Database.OperationalError):
        if not wait_for_database():
            raise
        mark_interrupted(batch_id, DATABASE_LOST)
        raise


def wait_for_database(seconds: float = 120, pause: float = 1.0) -> bool:
    """Drop the broken connection and reconnect until the database answers; return whether it did."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.close()
            connection.ensure_connection()
            return True
        except DatabaseError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)


def _import_task_paths() -> dict[str, str]:
    from doudi.registry.imports.tasks import commit_import, validate_import

    return {validate_import.module_path: "validate", commit_import.module_path: "commit"}


def sweep_interrupted_imports(*, batch_ids: Iterable[int] | None = None, grace: timedelta = GRACE) -> list[int]:
    """Fail the batches whose import task is marked running but whose job no longer holds the lease.

    ``batch_ids`` limits the sweep to those batches (a page showing one batch). Returns the ids of
    the batches failed. Needs the django-tasks database backend, which records running tasks; with
    other backends there is nothing to read and nothing is swept.
    """
    from django_tasks_db.models import DBTaskResult

    wanted = None if batch_ids is None else set(batch_ids)
    paths = _import_task_paths()
    running = DBTaskResult.objects.running().filter(task_path__in=paths, started_at__lt=timezone.now() - grace)
    swept = []
    for result in running.only("id", "args_kwargs", "task_path"):
        args = (result.args_kwargs or {}).get("args") or [None]
        batch_id = args[0]
        if not isinstance(batch_id, int) or (wanted is not None and batch_id not in wanted):
            continue
        with try_lease(LEASE, batch_id) as free:
            if not free:
                continue  # a live job holds it
            if mark_interrupted(batch_id, WORKER_EXITED):
                swept.append(batch_id)
            DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path="doudi.registry.imports.recovery.WorkerExited",
                traceback=f"The worker running this task stopped (killed or lost its database connection): "
                f"batch {batch_id} was failed by the sweep.",
            )
    return swept


def sweep_quietly(**kwargs) -> list[int]:
    """Run the sweep for a page or the worker; a database that is not answering yet is not an error here."""
    try:
        return sweep_interrupted_imports(**kwargs)
    except (OperationalError, InterfaceError):
        close_old_connections()
        return []
