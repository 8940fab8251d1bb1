"""Retention of raw feed rows: after ``FEEDS_RETENTION_MONTHS`` (setting or ``DOUDI_FEEDS_RETENTION_MONTHS``,
default 24) a batch's Parquet file and set-aside rows are deleted. The batch itself (department, period,
counts, checksum, who and when) stays as provenance, and so does what its rows proved: evidence accepted
into the registry (source 部门数据, naming the batch), verification report items and monitoring alerts.
"""

from __future__ import annotations

import os
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doudi.verification.models import FeedBatch, FeedRowError


def retention_months() -> int:
    value = getattr(settings, "FEEDS_RETENTION_MONTHS", None) or os.environ.get("DOUDI_FEEDS_RETENTION_MONTHS", "24")
    return max(int(value), 1)


def cutoff(months: int, today: date) -> str:
    """The earliest period kept: ``today``'s month less ``months`` months, as YYYY-MM."""
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def purge_expired(*, months: int | None = None, today: date | None = None, dry_run: bool = False) -> list[FeedBatch]:
    """Delete the raw rows of every batch whose period is older than the retention; return those batches."""
    months = months or retention_months()
    today = today or timezone.localdate()
    expired = list(FeedBatch.objects.filter(purged_at__isnull=True, period__lt=cutoff(months, today)))
    if dry_run:
        return expired
    for batch in expired:
        with transaction.atomic():
            FeedRowError.objects.filter(batch=batch).delete()
            path = batch.parquet_file
            batch.purged_at = timezone.now()
            batch.save(update_fields=["purged_at"])
            if path is not None:
                transaction.on_commit(lambda p=path: p.unlink(missing_ok=True))
    return expired
