"""Reads of department feed batches (for the pages, the reports and the monitoring rules)."""

from __future__ import annotations

from django.db.models import QuerySet

from doudi.regions.models import pad_code, prefix_of
from doudi.verification.models import BatchStatus, FeedBatch


def current_batches(department: str, region: str | None = None) -> QuerySet[FeedBatch]:
    """Return the current (not superseded, not purged) batches of one department feed.

    ``region`` (any region code, 6/9/12 digits) keeps the batches whose region lies inside it or
    contains it: a county's batch is returned for one of its townships too, since its rows cover
    the township; filter the Parquet rows on ``region_code`` for the township's own people.
    Each batch's ``parquet_file`` is a Parquet file with the canonical columns of the department
    (``schemas.SCHEMAS[department]``) followed by ``batch_id``, ``row_number``, ``person_id`` and
    ``region_code``.
    """
    qs = FeedBatch.objects.filter(department=department, status=BatchStatus.CURRENT, purged_at__isnull=True).exclude(
        parquet_path=""
    )
    if region:
        code = pad_code(region)
        prefix = prefix_of(code)
        ancestors = [pad_code(code[:n]) for n in (2, 4, 6, 9, 12) if len(prefix) >= n]
        qs = qs.filter(region__code__startswith=prefix) | qs.filter(region__code__in=ancestors)
    return qs.order_by("period", "id")


def parquet_files(department: str, region: str | None = None) -> list[str]:
    """Return the absolute paths of the current batches' Parquet files (for ``read_parquet([...])``)."""
    return [str(b.parquet_file) for b in current_batches(department, region)]
