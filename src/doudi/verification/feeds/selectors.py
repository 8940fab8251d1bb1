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


# --- pages and API: what a user may see ---------------------------------------------------------------------


def visible_batches(actor) -> QuerySet[FeedBatch]:
    """Batches whose region lies in the actor's subtree or contains the actor's region (a county's batch for
    its township: the township then sees only its own people's rows, see ``batch_rows``)."""
    from doudi.accounts.scope import NO_SCOPE, scope_prefix

    prefix = scope_prefix(actor)
    if prefix == NO_SCOPE:
        return FeedBatch.objects.none()
    code = pad_code(actor.region_id)
    ancestors = [pad_code(code[:n]) for n in (2, 4, 6, 9) if n < len(prefix)]
    return FeedBatch.objects.filter(region__code__startswith=prefix) | FeedBatch.objects.filter(
        region__code__in=ancestors
    )


def batch_get(*, actor, batch_id: int) -> FeedBatch:
    from doudi.core.errors import NotFound

    batch = visible_batches(actor).select_related("region", "uploaded_by").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("数据批次")
    return batch


def batch_rows(actor, batch: FeedBatch, *, offset: int = 0, limit: int = 50, row_number: int | None = None):
    """(total, rows as dicts) of a batch's Parquet file restricted to the actor's subtree (``region_code``)."""
    import duckdb

    from doudi.accounts.scope import scope_prefix

    path = batch.parquet_file
    if path is None or batch.purged_at or not path.exists():
        return 0, []
    prefix = scope_prefix(actor)
    where = "starts_with(region_code, ?)"
    params: list = [str(path), prefix]
    if row_number is not None:
        where += " AND row_number = ?"
        params.append(row_number)
    con = duckdb.connect()
    try:
        total = con.execute(f"SELECT count(*) FROM read_parquet(?) WHERE {where}", params).fetchone()[0]
        cursor = con.execute(
            f"SELECT * FROM read_parquet(?) WHERE {where} ORDER BY row_number LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        names = [d[0] for d in cursor.description]
        return total, [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()
