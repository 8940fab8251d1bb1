"""The case page's status says what the case waits for, also between two steps."""

from datetime import timedelta

import pytest
from django.test import Client

from doudi.cases import services
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh


def _status(user, case) -> str:
    client = Client()
    client.force_login(user)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    start = page.index('id="case-status">') + len('id="case-status">')
    return page[start : page.index("</span>", start)]


@pytest.fixture
def today(monkeypatch):
    """Pin the page's today (``timezone.localdate``) to a chosen day."""

    def pin(day):
        monkeypatch.setattr("doudi.cases.views.case.timezone.localdate", lambda: day)

    return pin


def test_a_survey_signed_once_waits_for_the_second_investigator(walk, household, users, co_worker, today):
    case = walk.open(household)
    walk.accept(case)
    services.do_record_survey(
        users["village_worker"],
        case,
        visited_on=ACCEPTED_ON,
        findings="家中确实困难",
        co_investigator=co_worker,
        expected_version=fresh(case).version,
        today=ACCEPTED_ON,
    )
    today(ACCEPTED_ON)
    assert _status(users["township_officer"], case) == f"入户调查待第二调查人（{co_worker.display_name}）签字"


def test_a_notice_past_its_period_reads_awaiting_confirmation_before_the_nightly_job(walk, household, users, today):
    case = walk.to_notice(household)
    ends_on = case.notices.get().ends_on
    today(ends_on)
    assert _status(users["county_reviewer"], case) == "公示中"
    today(ends_on + timedelta(days=1))
    assert _status(users["county_reviewer"], case) == f"公示期满待审核确认（公示已于 {ends_on:%Y-%m-%d} 期满）"
    services.do_close_ended_notices(today=ends_on + timedelta(days=1))
    assert _status(users["county_reviewer"], case) == "待审核确认"
