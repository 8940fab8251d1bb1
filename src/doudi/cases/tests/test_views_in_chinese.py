"""Case pages and the home page name every code in Chinese (issue 12's known defects)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doudi.cases.tests.conftest import fresh


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_finished_case_says_it_is_enrolled_once(walk, household, users):
    """The status 已执行 is not prefixed with a second 已 (“案件已已执行”)."""
    case = walk.to_enrolled(household, programmes=["dibao"])
    page = client_for(users["township_officer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "案件已执行。" in page and "已已" not in page


def test_a_stale_step_shows_a_ticked_box_as_yes_under_its_label(walk, household, users):
    """After a conflict the typed values are shown again: a checkbox reads 是, never the browser's “on”."""
    case = walk.open(household)
    stale = fresh(case).version
    walk.accept(case)
    response = client_for(users["township_officer"]).post(
        reverse("cases:step", args=[case.pk, "accept_application"]),
        {
            "accept_application-expected_version": stale,
            "accept_application-authorised": "on",
            "accept_application-special": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "<dt>材料齐全，核对授权书已签署</dt><dd>是</dd>" in html
    assert "<dt>情况复杂（延长办理总时限）</dt><dd>是</dd>" in html
    assert "<dd>on</dd>" not in html


def test_home_and_household_history_name_case_steps_in_chinese(walk, household, users):
    """Case steps in the recent changes and the household history read 案件：登记申请, not case_open_application."""
    walk.to_enrolled(household, programmes=["dibao"])
    client = client_for(users["township_officer"])
    home = client.get(reverse("core:home")).content.decode()
    history = client.get(reverse("registry:household_detail", args=[household.pk]), {"tab": "history"}).content.decode()
    for page in (home, history):
        assert "案件：纳入保障（执行决定）" in page
        assert "case_enrol" not in page and "case_open_application" not in page
    assert "案件：登记申请" in history


def test_the_enrolment_note_names_the_programme_and_formats_the_amount(walk, household, users):
    """The decision's summary on the timeline reads 最低生活保障 430.50 元/月, not “dibao 430.50”."""
    case = walk.to_enrolled(household, programmes=["dibao"])
    page = client_for(users["township_officer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "最低生活保障" in page and " dibao " not in page


def test_a_next_due_date_in_a_known_year_is_not_marked_approximate(walk, household, users, monkeypatch):
    """Only the limit giving the next due date decides 约: a later limit in an unknown year does not."""
    from datetime import date

    from doudi.cases import calendar, selectors
    from doudi.cases.models import DeadlineKind

    monkeypatch.setattr(calendar, "covered_years", lambda: (2004, 2025))
    case = walk.open(household, on=date(2025, 12, 1))
    walk.accept(case, on=date(2025, 12, 1))
    assert case.deadlines.get(kind=DeadlineKind.TOTAL, cancelled=False).provisional  # runs into 2026
    listed = selectors.case_list(actor=users["township_officer"]).get(pk=case.pk)
    assert listed.next_due_on == date(2025, 12, 4) and listed.next_due_provisional is False
    page = client_for(users["township_officer"]).get(reverse("cases:case_list")).content.decode()
    assert "2025-12-04" in page and "约 2025-12-04" not in page

    # Once only the provisional limit is open, its date is the next one and it is approximate.
    case.deadlines.exclude(kind=DeadlineKind.TOTAL).update(cancelled=True)
    listed = selectors.case_list(actor=users["township_officer"]).get(pk=case.pk)
    assert listed.next_due_provisional is True
    page = client_for(users["township_officer"]).get(reverse("cases:case_list")).content.decode()
    assert f"约 {listed.next_due_on:%Y-%m-%d}" in page


def test_amounts_on_case_pages_have_thousands_separators_and_two_decimals(walk, household, users):
    """Enrolment amounts read 1,554.00 on the case page and the enrolment list."""
    from decimal import Decimal

    from doudi.cases.models import Enrolment

    case = walk.to_enrolled(household, programmes=["dibao"])
    assert Enrolment.objects.filter(household=household).update(monthly_amount=Decimal("1554"))
    client = client_for(users["township_officer"])
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    listing = client.get(reverse("cases:enrolment_list")).content.decode()
    assert "1,554.00 元/月" in detail and "<b>1,554.00</b> 元" in listing
