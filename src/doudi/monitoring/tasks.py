"""The nightly monitoring job (django-tasks), started by the worker at the time ``settings.DAILY_JOBS`` gives."""

from __future__ import annotations

from datetime import date

from django_tasks import task

from doudi.registry.models import Household


def counties_with_households() -> list[str]:
    """Return the 12-digit codes of the counties that have households (one run each)."""
    villages = Household.objects.filter(status="active").values_list("region_id", flat=True).distinct()
    return sorted({code[:6] + "000000" for code in villages})


def run_nightly(on: date | None = None) -> dict[str, dict[str, int]]:
    """Run every enabled rule for each county; return the counts by county."""
    from doudi.monitoring.services.run import do_run_monitoring

    out = {}
    for county in counties_with_households():
        result = do_run_monitoring(None, county, on=on)
        out[county] = {"opened": result.opened, "closed": result.closed, "unchanged": result.unchanged}
    return out


@task()
def run_monitoring(on_iso: str | None = None) -> dict[str, dict[str, int]]:
    """The nightly job as a django-task (the date as ISO text)."""
    return run_nightly(date.fromisoformat(on_iso) if on_iso else None)


@task()
def run_region(region_code: str, on_iso: str | None = None, user_id: int | None = None) -> dict[str, int]:
    """One region's run, started from the API by ``user_id`` (the run records who started it)."""
    from doudi.accounts.models import User
    from doudi.monitoring.services.run import do_run_monitoring

    actor = User.objects.filter(pk=user_id).first() if user_id else None
    result = do_run_monitoring(actor, region_code, on=date.fromisoformat(on_iso) if on_iso else None)
    return {"run": result.run.pk, "opened": result.opened, "closed": result.closed, "unchanged": result.unchanged}
