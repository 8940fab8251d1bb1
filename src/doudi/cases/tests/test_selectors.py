"""Inboxes by role with counts, due dates and overdue flags; case detail with its timeline."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.cases import selectors
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh
from doudi.core.errors import NotFound


def test_each_role_sees_its_next_step(walk, household, users, co_worker):
    case = walk.open(household)
    assert selectors.inbox(actor=users["village_worker"], today=ACCEPTED_ON).counts == {"accept_application": 1}
    assert selectors.inbox(actor=users["county_reviewer"], today=ACCEPTED_ON).total == 0
    assert selectors.inbox(actor=users["other_village_worker"], today=ACCEPTED_ON).total == 0
    walk.accept(case)
    township = selectors.inbox(actor=users["township_officer"], today=ACCEPTED_ON)
    assert township.counts == {"record_verification": 1, "record_survey": 1}
    assert township.items[0].due_on == date(2025, 3, 6)  # survey to start within 3 working days
    late = selectors.inbox(actor=users["village_worker"], today=date(2025, 3, 7))
    assert late.overdue == 1 and late.items[0].overdue


def test_the_countersign_waits_in_the_second_investigators_inbox_only(walk, household, users, co_worker):
    from doudi.cases import services

    case = walk.open(household)
    walk.accept(case)
    services.do_record_survey(
        users["village_worker"],
        case,
        visited_on=ACCEPTED_ON,
        findings="x",
        co_investigator=co_worker,
        expected_version=fresh(case).version,
        today=ACCEPTED_ON,
    )
    assert selectors.inbox(actor=co_worker, today=ACCEPTED_ON).counts == {"countersign_survey": 1}
    assert "countersign_survey" not in selectors.inbox(actor=users["village_worker"], today=ACCEPTED_ON).counts


def test_the_county_sees_a_case_only_once_the_notice_is_over(walk, household, users):
    walk.to_notice(household)
    assert selectors.inbox(actor=users["county_reviewer"], today=date(2025, 3, 9)).total == 0
    inbox = selectors.inbox(actor=users["county_reviewer"], today=date(2025, 3, 10))
    assert inbox.counts == {"confirm_case": 1}
    assert inbox.items[0].step_labels == ["审核确认"]


def test_reviews_due_soon_are_in_the_county_inbox(walk, household, users):
    walk.to_enrolled(household)
    assert selectors.inbox(actor=users["county_reviewer"], today=date(2025, 8, 1)).reviews == []
    inbox = selectors.inbox(actor=users["county_reviewer"], today=date(2025, 9, 15))
    assert len(inbox.reviews) == 1 and inbox.counts["periodic_review"] == 1


def test_case_detail_holds_the_timeline_and_the_next_steps(walk, household, users):
    case = walk.to_enrolled(household)
    detail = selectors.case_detail(actor=users["auditor"], case_id=case.pk)
    assert [e.label for e in detail.events][-2:] == ["审核确认", "纳入保障（执行决定）"]
    assert [(line.programme, line.monthly_amount) for line in detail.decisions[0].lines.all()] == [
        ("dibao", Decimal("964.00"))  # rural 485 × 2 − 54.5 counted + 48.50 minor supplement
    ]
    assert [(e.programme, e.monthly_amount) for e in detail.enrolments] == [("dibao", Decimal("964.00"))]
    assert detail.next_steps == []
    assert detail.events[-1].actor_name == users["township_officer"].display_name  # who enrolled
    with pytest.raises(NotFound):
        selectors.case_detail(actor=users["foreign_county_reviewer"], case_id=case.pk)
    assert selectors.case_list(actor=users["city_supervisor"]).get().next_due_on is None
