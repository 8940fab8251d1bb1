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
