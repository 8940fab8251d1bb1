"""Chinese working days: public holidays and adjusted working weekends (调休), from chinesecalendar."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doudi.cases import calendar
from doudi.cases.calendar import CalendarNotCovered, add_working_days, is_working_day, working_days_between
from doudi.cases.models import CalendarDay

# The bureau's own calendar entries live in the database.
pytestmark = pytest.mark.django_db


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
    assert f"{first}–{last}" in exc.value.message and "工作日历录入" in exc.value.message
    assert exc.value.code == "calendar_not_covered"


def test_the_bureau_enters_next_years_schedule_before_the_package_knows_it():
    """A year the package does not know works once the bureau has entered its schedule."""
    _first, last = calendar.covered_years()
    year = last + 1
    new_year = date(year, 1, 1)
    while new_year.weekday() >= 5:  # make the holiday a weekday, so that it matters
        new_year += timedelta(days=1)
    saturday = next(date(year, 2, d) for d in range(1, 8) if date(year, 2, d).weekday() == 5)
    CalendarDay.objects.create(day=new_year, is_working_day=False, name="元旦", source="国办发明电（示例）")
    CalendarDay.objects.create(day=saturday, is_working_day=True, name="春节调休上班")
    assert is_working_day(new_year) is False
    assert is_working_day(saturday) is True
    week_later = new_year + timedelta(days=7)
    assert is_working_day(week_later) is (week_later.weekday() < 5)
    assert add_working_days(new_year - timedelta(days=1), 1) > new_year


def test_an_entry_overrides_the_package_for_one_day():
    day = date(2025, 3, 4)  # an ordinary Tuesday
    assert is_working_day(day)
    CalendarDay.objects.create(day=day, is_working_day=False, name="防汛停工（示例）")
    assert not is_working_day(day)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 10, 31)), st.integers(min_value=1, max_value=45))
def test_adding_then_counting_working_days_round_trips(start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert is_working_day(end)
    assert working_days_between(start, end - timedelta(days=1)) == n - 1


def test_only_administrators_edit_the_calendar_in_the_admin(client, users):
    client.force_login(users["administrator"])
    response = client.post(
        "/admin/cases/calendarday/add/", {"day": "2025-03-05", "is_working_day": "", "name": "示例停工", "source": ""}
    )
    assert response.status_code == 302 and not is_working_day(date(2025, 3, 5))
    staff_reviewer = users["county_reviewer"]
    staff_reviewer.is_staff = True
    staff_reviewer.save()
    client.force_login(staff_reviewer)
    assert client.get("/admin/cases/calendarday/").status_code == 403
