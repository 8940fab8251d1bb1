"""Time limits of a case: started by a step, met by a later one, shown in the inbox.

Limits in working days are counted on the Chinese working-day calendar (``cases.calendar``);
the notice and the fast-track limits are in calendar days, as the rules state them (公示 7 天,
小额快救 3 天). A limit whose due date falls in a year the calendar does not know yet is counted
Monday to Friday and marked provisional; ``refresh_unknown_due_dates`` recounts it once the year's
holidays are entered (``CalendarDay``) or the package is upgraded.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q

from doudi.cases.calendar import CalendarNotCovered, add_weekdays, add_working_days
from doudi.cases.models import Case, CaseDeadline, DeadlineKind

WORKING_DAYS = "工作日"
DAYS = "天"


def due_date(started_on: date, amount: int, unit: str) -> date | None:
    """Return the due date, or ``None`` when the calendar does not cover it yet."""
    due, provisional = due_date_or_provisional(started_on, amount, unit)
    return None if provisional else due


def due_date_or_provisional(started_on: date, amount: int, unit: str) -> tuple[date, bool]:
    """Return (due date, provisional): counted Monday–Friday when the calendar lacks the year."""
    if unit == DAYS:
        return started_on + timedelta(days=amount), False
    try:
        return add_working_days(started_on, amount), False
    except CalendarNotCovered:
        return add_weekdays(started_on, amount), True


def start(
    case: Case, kind: str, started_on: date, amount: int, unit: str = WORKING_DAYS, basis: str = ""
) -> CaseDeadline:
    """Start (or restart) the limit ``kind`` on ``case``; an open limit of the same kind is replaced."""
    CaseDeadline.objects.filter(case=case, kind=kind, met_on__isnull=True, cancelled=False).update(cancelled=True)
    due_on, provisional = due_date_or_provisional(started_on, amount, unit)
    return CaseDeadline.objects.create(
        case=case,
        kind=kind,
        started_on=started_on,
        amount=amount,
        unit=unit,
        due_on=due_on,
        provisional=provisional,
        basis=basis or f"{DeadlineKind(kind).label}：{started_on:%Y-%m-%d} 起 {amount} 个{unit}",
    )


def meet(case: Case, *kinds: str, on: date) -> None:
    """Mark the open limits ``kinds`` of ``case`` as met on ``on``."""
    CaseDeadline.objects.filter(case=case, kind__in=kinds, met_on__isnull=True, cancelled=False).update(met_on=on)


def cancel_open(case: Case) -> None:
    """Cancel every open limit (the case was withdrawn or closed)."""
    CaseDeadline.objects.filter(case=case, met_on__isnull=True, cancelled=False).update(cancelled=True)


def refresh_unknown_due_dates() -> int:
    """Recount the provisional (or missing) due dates the calendar now covers; return how many."""
    filled = 0
    pending = CaseDeadline.objects.filter(Q(due_on__isnull=True) | Q(provisional=True))
    for d in pending.filter(met_on__isnull=True, cancelled=False):
        due = due_date(d.started_on, d.amount, d.unit)
        if due is not None:
            CaseDeadline.objects.filter(pk=d.pk).update(due_on=due, provisional=False)
            filled += 1
    return filled


def is_overdue(deadline: CaseDeadline, today: date) -> bool:
    return deadline.is_open and deadline.due_on is not None and deadline.due_on < today
