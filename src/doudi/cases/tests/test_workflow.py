"""The state machine is data: every step names its sources, targets and the capability it needs."""

import pytest

from doudi.accounts.roles import CAPABILITIES, Capability, Role
from doudi.cases.errors import CaseError
from doudi.cases.workflow import OPEN, SIDE_STEPS, TERMINAL, TRANSITIONS, CaseStatus, check_transition, steps_from


def test_every_step_uses_a_real_capability_and_real_statuses():
    for t in TRANSITIONS.values():
        assert t.capability in Capability.values
        assert t.sources <= set(CaseStatus.values) and t.targets <= set(CaseStatus.values)
        assert not (t.sources & TERMINAL), f"{t.name} starts from a closed case"
    assert set(SIDE_STEPS.values()) <= set(Capability.values)


def test_every_open_status_has_a_way_forward():
    for status in OPEN:
        assert any(t.targets - {status} for t in steps_from(status)), status


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.VILLAGE_WORKER, {"accept_application", "record_survey", "countersign_survey"}),
        (Role.TOWNSHIP_OFFICER, {"accept_application", "start_public_notice", "decide_fast_grant", "enrol"}),
        (Role.COUNTY_REVIEWER, {"confirm_case", "enrol", "record_verification"}),
    ],
)
def test_roles_reach_their_steps(role, allowed):
    caps = CAPABILITIES[role]
    assert {name for name, t in TRANSITIONS.items() if t.capability in caps} >= allowed


def test_read_only_roles_take_no_step():
    for role in (Role.AUDITOR, Role.CITY_SUPERVISOR):
        assert not any(t.capability in CAPABILITIES[role] for t in TRANSITIONS.values())
    assert TRANSITIONS["confirm_case"].capability not in CAPABILITIES[Role.TOWNSHIP_OFFICER]
    assert TRANSITIONS["confirm_case"].capability not in CAPABILITIES[Role.VILLAGE_WORKER]


@pytest.mark.parametrize(
    ("step", "status"),
    [
        ("record_survey", CaseStatus.SUBMITTED),
        ("confirm_case", CaseStatus.SURVEYED),
        ("enrol", CaseStatus.REFUSED),
        ("start_public_notice", CaseStatus.ACCEPTED),
        ("accept_application", CaseStatus.ENROLLED),
    ],
)
def test_impossible_transitions_are_refused_in_chinese(step, status):
    with pytest.raises(CaseError) as exc:
        check_transition(step, status)
    assert exc.value.code == "transition_not_allowed"
    assert str(CaseStatus(status).label) in exc.value.message
