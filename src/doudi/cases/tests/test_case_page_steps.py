"""The case page shows a step that cannot be taken yet as disabled with its reason, and the current
assessment beside 初审 (the opinion) and 审核确认 (the confirmation)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.registry import services as registry
from doudi.registry.models import Person


@pytest.fixture
def today(monkeypatch):
    def pin(day):
        # The page and its selectors both read today from django.utils.timezone.
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: day)

    return pin


def page(user, case) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


def test_the_opinion_waits_for_the_survey_and_then_for_the_verification(walk, household, users, co_worker, today):
    today(ACCEPTED_ON)
    case = walk.open(household)
    walk.accept(case)
    html = page(users["township_officer"], case)
    blocked = section(html, "blocked-start_public_notice")
    assert "暂不能办理：须先完成入户调查（两名调查人均已签字）。" in blocked
    assert "disabled" in blocked
    assert 'id="step-start_public_notice"' not in html
    # A village worker cannot give the opinion at all: nothing is shown to her about it.
    assert "blocked-start_public_notice" not in page(users["village_worker"], case)

    walk.survey(case, ACCEPTED_ON)
    html = page(users["township_officer"], fresh(case))
    assert "须先录入家庭经济状况核对结果（逢进必核）" in section(html, "blocked-start_public_notice")
    assert 'id="step-record_verification"' in html
    assert 'id="step-start_public_notice"' not in html

    walk.verify(case, ACCEPTED_ON)
    html = page(users["township_officer"], fresh(case))
    assert "blocked-start_public_notice" not in html
    opinion = section(html, "step-start_public_notice")
    # The head earns 200 元 a month; the household's assessment today is shown before the opinion.
    assert "按今日登记信息评估：" in opinion
    assert 'id="current-assessment-opinion"' in opinion


def test_the_first_investigator_sees_the_countersignature_awaited(walk, household, users, co_worker, today):
    from doudi.cases import services

    today(ACCEPTED_ON)
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
    html = page(users["village_worker"], fresh(case))
    assert f"等待第二调查人 {co_worker.display_name} 登录签字后，入户调查方告完成" in section(
        html, "blocked-countersign_survey"
    )
    assert 'id="step-countersign_survey"' in page(co_worker, fresh(case))


def test_confirmation_waits_for_the_notice_period_then_shows_a_change_since_the_notice(walk, household, users, today):
    case = walk.to_notice(household)
    ends_on = case.notices.get().ends_on
    today(ends_on)
    html = page(users["county_reviewer"], case)
    assert f"公示期至 {ends_on:%Y-%m-%d} 止，期满后方可审核确认" in section(html, "blocked-confirm_case")
    assert 'id="step-confirm_case"' not in html

    today(ends_on + timedelta(days=1))
    html = page(users["county_reviewer"], case)
    assert "blocked-confirm_case" not in html
    confirm = section(html, "step-confirm_case")
    noticed = case.opinion_assessment.total_monthly
    assert f"（公示时 {noticed:,.2f} 元/月）" in confirm
    assert "家庭情况在公示后有变化" not in confirm

    # The head found work after the notice: the county sees the change before confirming.
    head = Person.objects.get(household=household, relation="head")
    registry.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("3000")},
        valid_from=date(2025, 3, 5),
    )
    confirm = section(page(users["county_reviewer"], fresh(case)), "step-confirm_case")
    assert "家庭情况在公示后有变化" in confirm
    assert "按今日登记信息评估 0.00 元/月" in confirm
