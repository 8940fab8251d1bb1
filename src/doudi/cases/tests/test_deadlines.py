"""Time limits start with a step, use the working-day calendar, and survive a calendar gap."""

from datetime import date

from doudi.cases import calendar, deadlines
from doudi.cases.models import CaseDeadline, DeadlineKind


def _due(case, kind):
    return CaseDeadline.objects.get(case=case, kind=kind, cancelled=False).due_on


def test_acceptance_before_national_day_starts_the_survey_clock_to_10_october(walk, household):
    case = walk.open(household, on=date(2025, 9, 29))
    walk.accept(case, on=date(2025, 9, 29))
    assert _due(case, DeadlineKind.SURVEY_START) == date(2025, 10, 10)
    # 30 working days: 09-30, then from 10-09 on, the working Saturday 10-11 included.
    assert _due(case, DeadlineKind.TOTAL) == calendar.add_working_days(date(2025, 9, 29), 30) == date(2025, 11, 17)


def test_special_cases_get_45_working_days(walk, household):
    case = walk.open(household, special=True)
    walk.accept(case)
    assert _due(case, DeadlineKind.TOTAL) == calendar.add_working_days(date(2025, 3, 3), 45)


def test_a_tekun_application_must_be_surveyed_within_15_working_days(walk, household):
    case = walk.open(household, programmes=["extreme_poverty"])
    walk.accept(case)
    assert _due(case, DeadlineKind.SURVEY) == calendar.add_working_days(date(2025, 3, 3), 15)


def test_the_survey_meets_its_start_limit(walk, household):
    case = walk.open(household)
    walk.accept(case)
    walk.verify(case, date(2025, 3, 4))
    walk.survey(case, date(2025, 3, 5))
    d = CaseDeadline.objects.get(case=case, kind=DeadlineKind.SURVEY_START)
    assert d.met_on == date(2025, 3, 5) and not deadlines.is_overdue(d, date(2025, 4, 1))


def test_a_due_date_beyond_the_calendar_is_provisional_then_recounted(walk, household, monkeypatch):
    """Beyond the known years a limit counts Monday–Friday (marked provisional), then is recounted."""
    monkeypatch.setattr(calendar, "covered_years", lambda: (2004, 2025))
    case = walk.open(household, on=date(2025, 12, 1))
    walk.accept(case, on=date(2025, 12, 1))
    assert _due(case, DeadlineKind.SURVEY_START) == date(2025, 12, 4)
    total = case.deadlines.get(kind=DeadlineKind.TOTAL, cancelled=False)
    assert total.provisional and total.due_on == calendar.add_weekdays(date(2025, 12, 1), 30)
    assert deadlines.refresh_unknown_due_dates() == 0
    monkeypatch.undo()
    assert deadlines.refresh_unknown_due_dates() == 1
    total.refresh_from_db()
    assert not total.provisional
    # 2026-01-01 is a holiday the Monday–Friday count did not know: the true date is later.
    assert (
        total.due_on == calendar.add_working_days(date(2025, 12, 1), 30) > calendar.add_weekdays(date(2025, 12, 1), 30)
    )
