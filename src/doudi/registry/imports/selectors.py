"""Reads of batch imports; every one starts from the actor's region scope."""

from __future__ import annotations

from django.db.models import QuerySet

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.core.errors import NotFound
from doudi.registry.imports.models import ImportBatch, ImportRow, ImportStatus, RowStatus


def import_batch_list(*, actor) -> QuerySet[ImportBatch]:
    """Return the batches uploaded in the actor's subtree, newest first."""
    return scope_filter(actor, ImportBatch.objects.select_related("created_by", "region")).order_by(
        "-created_at", "-id"
    )


def import_batch_get(*, actor, batch_id: int) -> ImportBatch:
    """Return one batch; NotFound if it does not exist or lies outside the actor's subtree."""
    batch = ImportBatch.objects.select_related("created_by", "region", "committed_by").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("导入批次")
    check_in_scope(actor, batch.region_id, "导入批次")
    return batch


def import_rejected_rows(batch: ImportBatch) -> QuerySet[ImportRow]:
    """Return the batch's bad rows in file order (the caller has checked the batch with ``import_batch_get``)."""
    return batch.rows.filter(status=RowStatus.INVALID).order_by("row_number")


def import_progress(batch: ImportBatch) -> dict:
    """Return what the progress bar shows."""
    return {
        "id": batch.pk,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "progress": batch.progress,
        "phase": batch.phase,
        "running": batch.is_running,
        "total_rows": batch.total_rows,
        "valid_rows": batch.valid_rows,
        "invalid_rows": batch.invalid_rows,
        "error_message": batch.error_message,
        "done": batch.status
        in (ImportStatus.VALIDATED, ImportStatus.IMPORTED, ImportStatus.FAILED, ImportStatus.DISCARDED),
    }
