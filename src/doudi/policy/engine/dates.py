"""Calendar helpers: ages and month arithmetic.

Ages follow the usual 周岁 rule: a person reaches an age on the birthday itself. Someone born on
29 February reaches it on 1 March in common years (the birthday does not exist; treating it as
the following day never grants an age early).
"""

from __future__ import annotations

from datetime import date


def age_on(birth_date: date, on: date) -> int:
    """Return the completed years of age on ``on`` (0 before the first birthday)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def add_months(start: date, months: int) -> date:
    """Return the same day ``months`` later, clamped forward to the 1st of the next month.

    A clamp *forward* (31 Jan + 1 month → 1 Mar) means a "6 months since" threshold is never met
    early.
    """
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    try:
        return date(year, month, start.day)
    except ValueError:
        return date(year + (month == 12), month % 12 + 1, 1)


def months_elapsed(start: date, on: date) -> int:
    """Return how many whole months have passed from ``start`` to ``on`` (negative if before)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if months > 0 and add_months(start, months) > on:
        months -= 1
    return months


def month_index(start: date, on: date) -> int:
    """Return the 1-based calendar month number of ``on`` counted from the month of ``start``."""
    return (on.year - start.year) * 12 + on.month - start.month + 1
