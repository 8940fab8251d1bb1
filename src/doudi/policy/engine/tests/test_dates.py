from datetime import date

import pytest

from ..dates import add_months, age_on, month_index, months_elapsed


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1945, 3, 1), date(2025, 2, 28), 79),
        (date(1945, 3, 1), date(2025, 3, 1), 80),  # §7: the age is reached on the birthday
        (date(1944, 2, 29), date(2025, 2, 28), 80),
        (date(1944, 2, 29), date(2025, 3, 1), 81),  # born 29 Feb: 1 March in common years
        (date(1944, 2, 29), date(2024, 2, 29), 80),
    ],
)
def test_age_on(born, on, age):
    assert age_on(born, on) == age


def test_add_months_clamps_forward():
    """31 Jan + 1 month is 1 Mar, so a 'six months since' threshold is never met early."""
    assert add_months(date(2025, 1, 31), 1) == date(2025, 3, 1)
    assert add_months(date(2025, 1, 15), 6) == date(2025, 7, 15)
    assert add_months(date(2024, 12, 31), 2) == date(2025, 3, 1)


def test_months_elapsed_and_month_index():
    assert months_elapsed(date(2025, 1, 15), date(2025, 7, 14)) == 5
    assert months_elapsed(date(2025, 1, 15), date(2025, 7, 15)) == 6
    assert month_index(date(2025, 1, 20), date(2025, 1, 1)) == 1
    assert month_index(date(2025, 1, 20), date(2025, 6, 30)) == 6


@pytest.mark.parametrize(
    ("start", "on", "months"),
    [
        (date(2025, 1, 15), date(2025, 1, 10), 0),  # before the start in the same month: none, not −1
        (date(2025, 1, 15), date(2025, 1, 15), 0),
        (date(2025, 1, 15), date(2025, 2, 14), 0),  # one day short of a month
        (date(2025, 1, 15), date(2025, 2, 15), 1),
        (date(2024, 11, 30), date(2025, 2, 28), 2),  # 30 Feb does not exist: the third month ends 1 Mar
        (date(2024, 11, 30), date(2025, 3, 1), 3),
        (date(2025, 3, 10), date(2025, 1, 20), -2),  # before the start: negative
    ],
)
def test_months_elapsed_across_month_ends_and_years(start, on, months):
    assert months_elapsed(start, on) == months


@pytest.mark.parametrize(
    ("start", "months", "result"),
    [
        (date(2025, 10, 31), 1, date(2025, 12, 1)),  # 31 Nov → 1 Dec, same year
        (date(2025, 11, 15), 1, date(2025, 12, 15)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 8, 31), 6, date(2026, 3, 1)),  # 31 Feb 2026 → 1 Mar 2026
        (date(2025, 3, 1), 0, date(2025, 3, 1)),
    ],
)
def test_add_months_over_year_ends(start, months, result):
    assert add_months(start, months) == result
