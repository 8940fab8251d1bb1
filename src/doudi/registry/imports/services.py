"""Writes of batch imports: stage a file, commit its valid rows, or discard it.

``do_stage_import``, ``do_commit_import`` and ``do_discard_import`` are what pages and the API call;
they check the actor and queue the heavy work. ``run_validation`` and ``apply_import`` are that
heavy work, run by the tasks in ``tasks.py``: validation stages every row with its errors; the
commit is one durable transaction that writes everything or nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from doudi.accounts.models import User
from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import DomainError, PermissionDenied
from doudi.registry.imports import caseload, recovery, setwise
from doudi.registry.imports.checks import check_fields, check_regions
from doudi.registry.imports.errors import ImportErrorCode
from doudi.registry.imports.models import ImportBatch, ImportKind, ImportRow, ImportStatus
from doudi.registry.imports.parsing import detect_format, read_file
from doudi.registry.imports.plan import plan_households
from doudi.registry.imports.recheck import add_stale_errors, mark_stale
from doudi.registry.imports.staging import load_valid_rows, stage_rows
from doudi.registry.imports.writers import write_plan

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = getattr(settings, "DOUDI_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# The key of the PostgreSQL advisory lock that import commits take one at a time ("doudi" + 1). A
# single bigint key: its key space does not overlap the (int, int) keys of ``doudi.core.leases``.
_COMMIT_LOCK = 0x646F756469_01


class StaleImport(Exception):
    """The registry changed since validation so that some rows can no longer be imported as checked."""

    def __init__(self, rows):
        super().__init__("stale import")
        self.rows = rows


def _check_kind(actor, kind: str) -> None:
    if kind not in ImportKind.values:
        raise DomainError(ImportErrorCode.FILE_INVALID, "导入类型无效。", {"field": "kind"})
    if kind == ImportKind.ROSTER:
        check_capability(actor, Capability.MANAGE_ENROLMENT, "您的角色无权导入在保对象名册。")


def _status_error(batch: ImportBatch, doing: str) -> DomainError:
    return DomainError(
        ImportErrorCode.WRONG_STATUS,
        f"该批次当前状态为“{batch.get_status_display()}”，不能{doing}。",
        {"status": batch.status},
    )


@transaction.atomic(durable=True)
def do_stage_import(actor, upload: UploadedFile, *, kind: str = ImportKind.PERSONS) -> ImportBatch:
    """Save an uploaded CSV/XLSX file as a new batch in the actor's region and queue its validation.

    ``kind`` says what the file holds: households and persons, evidence, or the roster of current
    beneficiaries (which only users who keep enrolments may import).

    Raises ``DomainError(import_file_invalid | import_file_too_large)`` for a file that cannot be an
    import (wrong type, empty, too large) before anything is saved.
    """
    check_capability(actor, Capability.IMPORT_REGISTRY)
    _check_kind(actor, kind)
    if not actor.region_id:
        raise PermissionDenied("您的账号没有所属区划，不能导入数据。")
    name = (upload.name or "未命名").rsplit("/", 1)[-1]
    if upload.size == 0:
        raise DomainError(ImportErrorCode.FILE_INVALID, f"文件“{name}”是空的：请在导入模板中填写数据后上传。")
    if upload.size > MAX_FILE_BYTES:
        raise DomainError(
            ImportErrorCode.FILE_TOO_LARGE,
            f"文件“{name}”大小为 {upload.size / 1048576:.1f} MB，"
            f"超过上限 {MAX_FILE_BYTES // 1048576} MB：请拆分后分批上传。",
            {"field": "file"},
        )
    upload.seek(0)
    head = upload.read(4096)
    fmt = detect_format(name, head)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    batch = ImportBatch(
        kind=kind,
        created_by=actor,
        region_id=actor.region_id,
        original_name=name[:200],
        size=upload.size,
        sha256=digest.hexdigest(),
        format=fmt,
        phase="等待校验",
    )
    batch.file.save(f"batch.{fmt}", upload, save=False)
    batch.save()
    from doudi.registry.imports.tasks import validate_import

    transaction.on_commit(partial(validate_import.enqueue, batch.pk))
    return batch


@transaction.atomic(durable=True)
def do_commit_import(actor, batch: ImportBatch, *, valid_only: bool) -> ImportBatch:
    """Queue the import of a validated batch: its valid rows (``valid_only``), or all rows if none is bad.

    Raises ``DomainError(import_has_errors)`` when ``valid_only`` is false and some rows are bad, and
    ``import_wrong_status`` unless the batch is validated (or its last commit failed).
    """
    check_capability(actor, Capability.IMPORT_REGISTRY)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_in_scope(actor, batch.region_id, "导入批次")
    _check_kind(actor, batch.kind)
    if batch.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED) or batch.validated_at is None:
        raise _status_error(batch, "导入")
    if batch.valid_rows == 0:
        raise DomainError(ImportErrorCode.NOTHING_TO_IMPORT, "该批次没有可导入的有效行：请改正错误后重新上传。")
    if batch.invalid_rows and not valid_only:
        raise DomainError(
            ImportErrorCode.HAS_ERRORS,
            f"文件中有 {batch.invalid_rows} 行有错误，不能全部导入：请下载错误行改正后重新上传，或选择“导入有效行”。",
        )
    batch.status, batch.progress, batch.phase, batch.error_message = ImportStatus.IMPORTING, 0, "等待导入", ""
    batch.save(update_fields=["status", "progress", "phase", "error_message", "updated_at"])
    from doudi.registry.imports.tasks import commit_import

    transaction.on_commit(partial(commit_import.enqueue, batch.pk, actor.pk, valid_only))
    return batch


@transaction.atomic(durable=True)
def do_discard_import(actor, batch: ImportBatch) -> ImportBatch:
    """Give up a batch that has not been imported: drop its staged rows and its file."""
    check_capability(actor, Capability.IMPORT_REGISTRY)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_in_scope(actor, batch.region_id, "导入批次")
    if batch.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED):
        raise _status_error(batch, "放弃")
    ImportRow.objects.filter(batch=batch).delete()
    batch.status, batch.phase = ImportStatus.DISCARDED, "已放弃"
    batch.save(update_fields=["status", "phase", "updated_at"])
    if batch.file:
        transaction.on_commit(partial(batch.file.storage.delete, batch.file.name))
    return batch


@transaction.atomic(durable=True)
def do_revalidate_import(actor, batch: ImportBatch) -> ImportBatch:
    """Check a batch's stored file again against the registry as it is now, and queue that validation.

    For a batch whose commit found rows gone stale (someone registered, moved or edited the same
    persons meanwhile), or whose commit failed: the rows are staged afresh, each with what it now
    means ("new", "update", "unchanged") or why it cannot be imported. Raises
    ``import_wrong_status`` unless the batch is validated or failed and its file is kept.
    """
    check_capability(actor, Capability.IMPORT_REGISTRY)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    check_in_scope(actor, batch.region_id, "导入批次")
    if batch.status not in (ImportStatus.VALIDATED, ImportStatus.FAILED) or not batch.file:
        raise _status_error(batch, "重新校验")
    batch.status, batch.progress, batch.phase, batch.error_message = ImportStatus.STAGED, 0, "等待校验", ""
    batch.validated_at = None
    batch.save(update_fields=["status", "progress", "phase", "error_message", "validated_at", "updated_at"])
    from doudi.registry.imports.tasks import validate_import

    transaction.on_commit(partial(validate_import.enqueue, batch.pk))
    return batch


# --- the background work -----------------------------------------------------------------------------


def _progress(batch_id: int, progress: int, phase: str, **fields) -> None:
    ImportBatch.objects.filter(pk=batch_id).update(progress=progress, phase=phase, updated_at=timezone.now(), **fields)


def run_validation(batch_id: int) -> None:
    """Parse, check and stage every row of a staged batch; leave it "validated" or "failed" with a reason."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.STAGED).update(
        status=ImportStatus.VALIDATING, progress=1, phase="读取文件", updated_at=timezone.now()
    )
    if not claimed:
        return
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        # The file is read as a stream from storage, never whole into memory (``parsing``).
        spec = caseload.spec_for(batch.kind)
        with batch.file.open("rb") as handle:
            parsed = read_file(
                batch.format,
                handle,
                progress=lambda n: _progress(batch_id, 5, f"读取文件（已读 {n} 行）"),
                **({"spec": spec} if spec else {}),
            )
        timings["parse"] = time.perf_counter() - started
        if spec is not None:
            _validate_caseload(batch, parsed, timings)
            return
        _progress(batch_id, 25, "逐行校验", total_rows=parsed.table.num_rows, encoding=parsed.encoding)
        step = time.perf_counter()
        rows = check_fields(parsed, batch.created_by)
        timings["check_fields"] = time.perf_counter() - step
        _progress(batch_id, 50, "核对家庭与已登记人员")
        step = time.perf_counter()
        plan = plan_households(rows, batch.created_by)
        timings["check_households"] = time.perf_counter() - step
        _progress(batch_id, 70, "保存校验结果")
        step = time.perf_counter()
        with transaction.atomic(durable=True):
            ImportRow.objects.filter(batch_id=batch_id).delete()
            valid, invalid = stage_rows(batch, parsed, rows, plan)
        timings["stage"] = time.perf_counter() - step
        summary = {**plan.summary(), "ignored_columns": parsed.ignored_headers, "timings": timings}
        _progress(
            batch_id,
            100,
            "校验完成",
            status=ImportStatus.VALIDATED,
            valid_rows=valid,
            invalid_rows=invalid,
            summary=summary,
            validated_at=timezone.now(),
        )
    except DomainError as exc:
        _progress(batch_id, 100, "校验失败", status=ImportStatus.FAILED, error_message=exc.message)
    except Exception as exc:
        if recovery.connection_lost(exc):
            raise  # the job's runner records it once the database is back (recovery.run_job)
        logger.exception("import batch %s: validation failed", batch_id)
        _progress(
            batch_id,
            100,
            "校验失败",
            status=ImportStatus.FAILED,
            error_message=f"校验时发生内部错误，未保存任何数据。请联系系统管理员（批次 {batch_id}）。",
        )


def _validate_caseload(batch: ImportBatch, parsed, timings: dict) -> None:
    """Check and stage an evidence or roster file (``caseload``)."""
    _progress(batch.pk, 25, "逐行校验", total_rows=parsed.table.num_rows, encoding=parsed.encoding)
    step = time.perf_counter()
    check = caseload.check_evidence if batch.kind == ImportKind.EVIDENCE else caseload.check_roster
    checked = check(parsed, batch.created_by)
    timings["check"] = time.perf_counter() - step
    _progress(batch.pk, 70, "保存校验结果")
    step = time.perf_counter()
    with transaction.atomic(durable=True):
        ImportRow.objects.filter(batch_id=batch.pk).delete()
        valid, invalid = caseload.stage(batch, parsed, checked)
    timings["stage"] = time.perf_counter() - step
    _progress(
        batch.pk,
        100,
        "校验完成",
        status=ImportStatus.VALIDATED,
        valid_rows=valid,
        invalid_rows=invalid,
        summary={**checked.summary, "ignored_columns": parsed.ignored_headers, "timings": timings},
        validated_at=timezone.now(),
    )


def apply_import(batch_id: int, actor_id: int, valid_only: bool) -> None:
    """Import the valid rows of a batch in one transaction: everything is written, or nothing is.

    The rows are checked again against the registry as it is now (``recheck``, then the household
    plan). If any row no longer holds (its person was registered, moved or edited meanwhile),
    nothing is imported, whatever ``valid_only``: the stale rows are recorded as bad with their
    reason and the batch returns to "validated", so the user sees what changed and chooses again.
    A row validated as new never updates an existing person.

    Commits are serialised on PostgreSQL (one transaction-level advisory lock), so of two commits
    registering the same person the second re-checks after the first has committed and finds its
    rows stale. A registration by another path that collides after the re-check (a form, at the
    same moment) fails the commit on the unique ID number; the re-check is then run again so the
    batch names the stale rows instead of failing.
    """
    timings: dict[str, float] = {}
    try:
        with transaction.atomic(durable=True):
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status != ImportStatus.IMPORTING:
                return
            actor = User.objects.select_related("region").get(pk=actor_id)
            reason = f"批量导入：{batch.original_name}（批次 {batch.pk}）"
            _serialise_commits()
            if batch.kind != ImportKind.PERSONS:
                _commit_caseload(batch, actor, timings)
                return
            step = time.perf_counter()
            rows = load_valid_rows(batch)
            if rows.n != batch.valid_rows:
                raise DomainError(ImportErrorCode.STALE, "暂存的校验结果已丢失（数据库曾重启），请重新上传该文件。")
            timings["load"] = time.perf_counter() - step
            step = time.perf_counter()
            plan = _recheck(batch, rows, actor)
            timings["recheck"] = time.perf_counter() - step
            if len(rows.errors):
                raise StaleImport(rows)
            step = time.perf_counter()
            written = write_plan(rows, plan, actor=actor, reason=reason)
            timings["write"] = time.perf_counter() - step
            if written["persons_created"] or written["persons_updated"]:
                record_event(
                    actor,
                    action="commit_import",
                    target=batch,
                    household_id=None,
                    region_code=batch.region_id,
                    changes={
                        "persons_created": {"label": "新增人员", "old": "", "new": written["persons_created"]},
                        "persons_updated": {"label": "更新人员", "old": "", "new": written["persons_updated"]},
                        "households_created": {"label": "新增家庭", "old": "", "new": written["households_created"]},
                    },
                    label=batch.original_name,
                )
            batch.status, batch.progress, batch.phase = ImportStatus.IMPORTED, 100, "导入完成"
            batch.committed_at, batch.committed_by = timezone.now(), actor
            batch.summary = {**batch.summary, "result": written, "commit_timings": timings}
            batch.save()
    except StaleImport as stale:
        _refuse_stale(batch_id, stale.rows)
    except Exception as exc:
        if recovery.connection_lost(exc):
            raise  # the job's runner records it once the database is back (recovery.run_job)
        # Someone registered one of these persons between the re-check and the writes: look again.
        if not (_is_collision(exc) and _refuse_stale_after_collision(batch_id, actor_id)):
            _fail_commit(batch_id, exc)


def _commit_caseload(batch: ImportBatch, actor, timings: dict) -> None:
    """Write an evidence or roster batch inside the commit's transaction; raise ``StaleImport`` if rows went stale."""
    step = time.perf_counter()
    if batch.kind == ImportKind.EVIDENCE:
        reason = f"批量导入：{batch.original_name}（批次 {batch.pk}）"
        # PostgreSQL: a few INSERT … SELECT over the staged rows; elsewhere row objects, same rows.
        write = setwise.write_evidence if setwise.available() else caseload.write_evidence
        written = write(batch, actor, reason)
    else:
        reason = f"{caseload.MIGRATED}：{batch.original_name}（批次 {batch.pk}）"
        if setwise.available() and not setwise.roster_may_collide(batch):
            written, stale = setwise.write_roster(batch, actor, reason, timings)
        else:
            written, stale = caseload.write_roster(batch, actor, reason)
        if stale is not None:
            raise StaleImport(stale)
    timings["write"] = time.perf_counter() - step
    record_event(
        actor,
        action="commit_import",
        target=batch,
        household_id=None,
        region_code=batch.region_id,
        changes={
            key: {"label": label, "old": "", "new": written.get(key, 0)}
            for key, label in (
                ("evidence_created", "新增证据"),
                ("enrolments_created", "迁移导入保障对象"),
                ("discrepancies", "金额与测算不一致"),
            )
            if key in written
        },
        label=batch.original_name,
    )
    batch.status, batch.progress, batch.phase = ImportStatus.IMPORTED, 100, "导入完成"
    batch.committed_at, batch.committed_by = timezone.now(), actor
    batch.summary = {**batch.summary, "result": written, "commit_timings": timings}
    batch.save()


def _is_collision(exc: Exception) -> bool:
    """Tell a unique-key violation, raised through Django or by the driver itself (COPY bypasses Django)."""
    return isinstance(exc, (IntegrityError, connection.Database.IntegrityError))


def _serialise_commits() -> None:
    """Hold the import-commit lock until the transaction ends (PostgreSQL; SQLite writes one at a time).

    The commit's statements also run without PostgreSQL's JIT compilation: each runs once, over tables
    whose statistics a bulk load has just made stale, and compiling one cost about a second (more than
    the statement itself) in the first-load benchmark.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_COMMIT_LOCK])
            cursor.execute("SET LOCAL jit = off")


def _recheck(batch: ImportBatch, rows, actor):
    """Add to ``rows.errors`` every row that no longer holds; return the household plan of the rest."""
    add_stale_errors(batch, rows)
    check_regions(rows, actor)
    return plan_households(rows, actor)


def _refuse_stale(batch_id: int, rows) -> None:
    """Record the stale rows as bad and return the batch to "validated"; nothing is imported."""
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        marked = mark_stale(batch, rows)
        batch.status, batch.progress, batch.phase = ImportStatus.VALIDATED, 100, "校验完成"
        batch.valid_rows -= marked
        batch.invalid_rows += marked
        numbers = sorted(int(rows.row_numbers[i]) for i in rows.errors.by_row)
        listed = "、".join(str(n) for n in numbers[:5]) + (" 等" if len(numbers) > 5 else "")
        batch.error_message = (
            f"自校验以来登记数据已有变化，又有 {marked} 行（第 {listed} 行）不能导入，本次未写入任何数据："
            "请查看错误行，重新校验该文件或只导入仍有效的行。"
        )
        batch.save()


def _refuse_stale_after_collision(batch_id: int, actor_id: int) -> bool:
    """Re-check a batch whose commit collided with a concurrent registration; refuse it as stale if so."""
    try:
        with transaction.atomic(durable=True):
            batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
            actor = User.objects.select_related("region").get(pk=actor_id)
            rows = load_valid_rows(batch)
            _recheck(batch, rows, actor)
        if not len(rows.errors):
            return False
        _refuse_stale(batch_id, rows)
        return True
    except Exception:
        logger.exception("import batch %s: re-check after a collision failed", batch_id)
        return False


def _fail_commit(batch_id: int, exc: Exception) -> None:
    """Leave a batch whose commit failed as "failed", with a reason; it may be committed again."""
    logger.error("import batch %s: commit failed", batch_id, exc_info=exc)
    if isinstance(exc, DomainError):
        message = exc.message
    elif _is_collision(exc):
        message = "有人同时登记了相同的人员或户编号，请重新导入"
    else:
        message = "内部错误"
    _progress(
        batch_id,
        100,
        "导入失败",
        status=ImportStatus.FAILED,
        error_message=f"导入失败，已全部撤销，未写入任何数据（{message}）。可重新导入或放弃该批次。",
    )
