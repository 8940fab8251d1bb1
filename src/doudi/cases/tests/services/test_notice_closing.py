"""A public notice closes by itself when its period ends, and the case then waits for the county."""

from datetime import timedelta

import pytest

from doudi.audit.models import AuditEvent
from doudi.cases import services
from doudi.cases.models import NoticeStatus
from doudi.cases.services.due import do_run_due_tasks
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh, poor_household
from doudi.cases.workflow import CaseStatus


@pytest.fixture
def noticed(walk, household):
    return walk.to_notice(household, on=ACCEPTED_ON)


def test_the_notice_stays_open_through_its_last_day(noticed):
    last_day = noticed.notices.get().ends_on
    assert last_day == ACCEPTED_ON + timedelta(days=6)
    assert services.do_close_ended_notices(today=last_day) == 0
    assert fresh(noticed).status == CaseStatus.IN_NOTICE
    assert noticed.notices.get().status == NoticeStatus.RUNNING


def test_the_day_after_the_notice_ends_the_case_waits_for_confirmation(noticed):
    notice = noticed.notices.get()
    day_after = notice.ends_on + timedelta(days=1)
    before = fresh(noticed).version

    assert do_run_due_tasks(today=day_after)["notices_closed"] == 1

    case = fresh(noticed)
    assert case.status == CaseStatus.AWAITING_CONFIRMATION
    assert case.get_status_display() == "待审核确认"
    assert case.version == before + 1
    assert case.notices.get().status == NoticeStatus.ENDED
    event = case.events.order_by("-id").first()
    assert (event.label, event.actor, event.on) == ("公示期满", None, day_after)
    assert event.note == (
        f"第 1 次公示 {notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d} 期满，无异议，报县级审核确认"
    )
    audit = AuditEvent.objects.filter(action="case_close_notice", target_id=str(case.pk)).get()
    assert audit.changes["status"] == {"label": "状态", "old": "公示中", "new": "待审核确认"}

    # Run again (the worker's next day, or a second worker): nothing more happens.
    assert services.do_close_ended_notices(today=day_after + timedelta(days=1)) == 0
    assert fresh(noticed).version == before + 1


def test_a_notice_stopped_by_an_objection_does_not_close(noticed, users):
    services.do_record_objection(
        users["township_officer"],
        noticed,
        content="邻居反映其有经营收入",
        expected_version=fresh(noticed).version,
        today=ACCEPTED_ON + timedelta(days=2),
    )
    assert services.do_close_ended_notices(today=ACCEPTED_ON + timedelta(days=30)) == 0
    assert fresh(noticed).status == CaseStatus.OBJECTION


def test_the_county_confirms_a_closed_notice_and_a_confirmation_closes_an_expired_one(walk, users, noticed):
    ends_on = noticed.notices.get().ends_on
    services.do_close_ended_notices(today=ends_on + timedelta(days=1))
    walk.confirm(noticed, ends_on + timedelta(days=2))
    assert fresh(noticed).status == CaseStatus.APPROVED

    # Confirmed before the nightly job ran: the notice is marked ended by the confirmation.
    other_household = poor_household(noticed.household.region, users["village_worker"])
    other = walk.to_notice(other_household, on=ACCEPTED_ON)
    walk.confirm(other, ends_on + timedelta(days=1))
    assert fresh(other).notices.get().status == NoticeStatus.ENDED
