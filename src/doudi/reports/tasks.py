"""Background job of the statistics (django-tasks): the month snapshots of the dashboards.

Started every night by the worker (``settings.DAILY_JOBS``); builds the closed months of the last two
years that are not built yet — in practice the month that has just closed.
"""

from __future__ import annotations

from django_tasks import task

from doudi.reports.selectors import add_months
from doudi.reports.snapshots import ensure_months, last_closed_month

TREND_MONTHS = 24


@task()
def build_month_snapshots() -> dict[str, list[str]]:
    last = last_closed_month()
    built = ensure_months([add_months(last, -i) for i in range(TREND_MONTHS)])
    return {"built": [f"{m:%Y-%m}" for m in built]}
