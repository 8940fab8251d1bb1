"""Chinese working days: public holidays and adjusted working weekends (调休), from chinesecalendar."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doudi.cases import calendar
from doudi.cases.calendar import CalendarNotCovered, add_working_days, is_working_day, working_days_between


def test_three_working_days_after_29_september_2025_cross_the_national_day_holiday():
    """10-01..10-08 are holidays (Mid-Autumn joined National Day), so 3 working days end on 10-10."""
    assert [is_working_day(date(2025, 10, d)) for d in range(1, 9)] == [False] * 8
    assert add_working_days(date(2025, 9, 29), 3) == date(2025, 10, 10)
    assert working_days_between(date(2025, 9, 29), date(2025, 10, 10)) == 3


def test_adjusted_working_weekend_days_count():
    """Sunday 2025-09-28 and Saturday 2025-10-11 are working days (调休上班)."""
    assert date(2025, 9, 28).weekday() == 6 and is_working_day(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and is_working_day(date(2025, 10, 11))
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert add_working_days(date(2025, 10, 9), 2) == date(2025, 10, 11)
    assert add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)


def test_zero_days_is_the_day_itself_or_the_next_working_day():
    assert add_working_days(date(2025, 10, 10), 0) == date(2025, 10, 10)
    assert add_working_days(date(2025, 10, 4), 0) == date(2025, 10, 9)
    with pytest.raises(ValueError):
        add_working_days(date(2025, 10, 10), -1)


def test_counting_backwards_is_negative():
    assert working_days_between(date(2025, 10, 10), date(2025, 9, 29)) == -3


def test_a_year_the_calendar_does_not_know_is_a_clear_error():
    first, last = calendar.covered_years()
    with pytest.raises(CalendarNotCovered) as exc:
        is_working_day(date(last + 1, 3, 2))
    assert f"{first}–{last}" in exc.value.message and "升级 chinesecalendar" in exc.value.message
    assert exc.value.code == "calendar_not_covered"


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 10, 31)), st.integers(min_value=1, max_value=45))
def test_adding_then_counting_working_days_round_trips(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert is_working_day(end)
    assert working_days_between(start, end - timedelta(days=1)) == n - 1
