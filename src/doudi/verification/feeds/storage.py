"""Where feed files live: ``settings.FEEDS_DIR`` (default ``DATA_DIR/feeds``), one Parquet file per batch."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def feeds_dir() -> Path:
    root = Path(getattr(settings, "FEEDS_DIR", None) or Path(settings.DATA_DIR) / "feeds")
    root.mkdir(parents=True, exist_ok=True)
    return root


def relative_path(department: str, period: str, batch_id: int) -> str:
    return f"{department}/{period}/batch-{batch_id}.parquet"


def absolute_path(relative: str) -> Path:
    return feeds_dir() / relative
