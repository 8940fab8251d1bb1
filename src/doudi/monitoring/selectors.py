"""Reads of monitoring, each starting from the actor's region scope (``accounts.scope``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet

from doudi.accounts.scope import check_in_scope, scope_filter, scope_prefix
from doudi.core.errors import NotFound
from doudi.monitoring.models import Alert, AlertStatus, MonitoredKind, MonitoringRun
from doudi.regions.models import Region


def alert_list(
    *,
    actor,
    status: str = AlertStatus.OPEN,
    rule: str = "",
    alert_class: str = "",
    severity: str = "",
    due: str = "",
    village: str = "",
    today: date | None = None,
) -> QuerySet[Alert]:
    """Return the alerts of the actor's subtree, filtered; ``due`` is ``overdue`` or ``today`` (due by today)."""
    qs = scope_filter(actor, Alert.objects.select_related("household", "person", "region", "assigned_to"))
    today = today or date.today()
    if status:
        qs = qs.filter(status=status)
    if rule:
        qs = qs.filter(rule=rule)
    if alert_class:
        qs = qs.filter(alert_class=alert_class)
    if severity:
        qs = qs.filter(severity=severity)
    if due == "overdue":
        qs = qs.filter(status=AlertStatus.OPEN, due_on__lt=today)
    elif due == "today":
        qs = qs.filter(status=AlertStatus.OPEN, due_on__lte=today)
    if village:
        qs = qs.filter(region_id=village)
    return qs.order_by("due_on", "-severity", "id")


def alert_get(*, actor, alert_id: int) -> Alert:
    alert = (
        Alert.objects.select_related("household", "person", "region", "township", "outcome_case")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound("预警")
    check_in_scope(actor, alert.region_id, "预警")
    return alert


@dataclass
class Overview:
    rows: list[dict] = field(default_factory=list)  # per region below the actor's: open, overdue, resolved
    by_rule: list[dict] = field(default_factory=list)
    population: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, label, persons)
    population_total: int = 0
    population_region: Region | None = None  # the township counted for a village (runs count by township)
    last_run: MonitoringRun | None = None


def _child_length(prefix: str) -> int:
    return {2: 4, 4: 6, 6: 9}.get(len(prefix), 12)


def overview(*, actor, today: date | None = None) -> Overview:
    """Return open, overdue and resolved alerts by region one level below the actor's and by rule, and
    the monitored population by type from the latest run of each county in the scope."""
    from doudi.policy.engine.parameters import MONITORING_RULE_LABELS

    today = today or date.today()
    prefix = scope_prefix(actor)
    qs = scope_filter(actor, Alert.objects.all())
    out = Overview()
    if not qs.exists() and not MonitoringRun.objects.filter(region__code__startswith=prefix[:12]).exists():
        return out
    n = _child_length(prefix)
    counts = {
        "open": Count("id", filter=Q(status=AlertStatus.OPEN)),
        "overdue": Count("id", filter=Q(status=AlertStatus.OPEN, due_on__lt=today)),
        "resolved": Count("id", filter=Q(status=AlertStatus.RESOLVED)),
        "cleared": Count("id", filter=Q(status=AlertStatus.CLEARED)),
    }
    by_region: dict[str, dict] = {}
    for row in qs.values("region_id").annotate(**counts):
        code = row["region_id"][:n].ljust(12, "0")
        acc = by_region.setdefault(code, {"code": code, "open": 0, "overdue": 0, "resolved": 0, "cleared": 0})
        for k in counts:
            acc[k] += row[k]
    names = dict(Region.objects.filter(code__in=by_region).values_list("code", "name"))
    out.rows = [{**v, "name": names.get(k, k)} for k, v in sorted(by_region.items())]
    out.by_rule = [
        {**row, "label": MONITORING_RULE_LABELS.get(row["rule"], row["rule"])}
        for row in qs.values("rule").annotate(**counts).order_by("rule")
    ]
    kinds: dict[str, int] = {}
    # A run counts the population by township: a village user is shown its township's figure.
    counted = prefix[:9] if len(prefix) == 12 and prefix.isdigit() else prefix
    if counted != prefix:
        out.population_region = Region.objects.filter(code=counted.ljust(12, "0")).first()
    runs = MonitoringRun.objects.filter(finished_at__isnull=False).order_by("region_id", "-started_at")
    latest: dict[str, MonitoringRun] = {}
    for run in runs.filter(Q(region__code__startswith=prefix) | Q(region__code__in=_ancestors(prefix))):
        latest.setdefault(run.region_id, run)
    for run in latest.values():
        for township, by_kind in (run.population or {}).items():
            if township.startswith(counted):
                for kind, persons in by_kind.items():
                    kinds[kind] = kinds.get(kind, 0) + persons
    out.population = [(k.value, k.label, kinds.get(k.value, 0)) for k in MonitoredKind]
    out.population_total = sum(kinds.values())
    out.last_run = max(latest.values(), key=lambda r: r.started_at, default=None)
    return out


def _ancestors(prefix: str) -> list[str]:
    return [prefix[:k].ljust(12, "0") for k in (2, 4, 6, 9) if len(prefix) > k]
