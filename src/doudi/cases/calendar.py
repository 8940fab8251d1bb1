"""Chinese working days: the State Council's public holidays and adjusted working weekends.

Built on ``chinesecalendar``, which ships the official schedule year by year (2004 to the last
year it knows). A working day is a Monday–Friday that is not a public holiday, or a weekend day
declared a working day (调休上班). Counting follows administrative practice: a time limit of
N working days after an event ends on the N-th working day *after* the event's day.

The package knows only the years published when it was released. Entries the bureau makes
(``CalendarDay``: the new year's schedule as soon as the State Council publishes it, or a
single-day override) come first; a year with entries is otherwise counted Monday to Friday.
A year neither knows raises ``CalendarNotCovered`` (a ``DomainError``) rather than guessing,
because a guessed deadline across an unknown Spring Festival would be wrong by a week.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants

from doudi.cases.errors import CaseError, CaseErrorCode

ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1)
def covered_years() -> tuple[int, int]:
    """Return the first and last year whose holiday schedule the calendar knows."""
    days = [*constants.holidays, *constants.workdays]
    return min(days).year, max(days).year


class CalendarNotCovered(CaseError):
    def __init__(self, day: date):
        first, last = covered_years()
        super().__init__(
            CaseErrorCode.CALENDAR_NOT_COVERED,
            f"工作日历只收录 {first}–{last} 年的法定节假日和调休安排，无法判断 {day:%Y-%m-%d} 是否为工作日："
            "请系统管理员在“工作日历录入”中录入该年国务院公布的放假和调休安排（或升级 chinesecalendar）。",
            {"date": day.isoformat(), "first_year": first, "last_year": last},
        )


# The entries are read once a minute at most per process (they change a few times a year), and at
# once in the process that changed them.
_ENTRIES_TTL = 60.0
_entries_cache: list = []


def bureau_entries() -> tuple[dict[date, bool], frozenset[int]]:
    """Return the bureau's entries (day → working?) and the years they cover."""
    from doudi.cases.models import CalendarDay

    now = time.monotonic()
    if not _entries_cache or now - _entries_cache[0] > _ENTRIES_TTL:
        entries = dict(CalendarDay.objects.values_list("day", "is_working_day"))
        _entries_cache[:] = [now, (entries, frozenset(d.year for d in entries))]
    return _entries_cache[1]


def clear_bureau_entries(**_kwargs) -> None:
    _entries_cache.clear()


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a working day; raise ``CalendarNotCovered`` for a year nobody knows."""
    entries, entered_years = bureau_entries()
    if day in entries:
        return entries[day]
    first, last = covered_years()
    if first <= day.year <= last:
        return chinese_calendar.is_workday(day)
    if day.year in entered_years:
        return day.weekday() < 5
    raise CalendarNotCovered(day)


def add_working_days(start: date, n: int) -> date:
    """Return the ``n``-th working day after ``start`` (``start`` itself is not counted).

    ``n = 0`` returns ``start`` if it is a working day, otherwise the next working day.
    """
    if n < 0:
        raise ValueError("n must be non-negative")
    day = start
    if n == 0:
        while not is_working_day(day):
            day += ONE_DAY
        return day
    while n:
        day += ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Return the working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if is_working_day(day):
            count += 1
    return count


def add_weekdays(start: date, n: int) -> date:
    """Return the ``n``-th Monday–Friday after ``start``: the earliest a working-day limit can fall
    when the year's holidays are not known yet (holidays only push it later)."""
    day = start
    while n > 0:
        day += ONE_DAY
        if day.weekday() < 5:
            n -= 1
    return day
