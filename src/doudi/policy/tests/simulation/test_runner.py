"""A simulation counts who enters, leaves and changes, costs the difference, stays in scope and writes nothing."""

import numpy as np
import pytest
from django.db.models import Count

from doudi.audit.models import AuditEvent
from doudi.core.errors import NotFound, PermissionDenied
from doudi.policy import services
from doudi.policy.models import AssessmentRecord, PolicyVersion
from doudi.policy.simulation.assess import STATUSES
from doudi.policy.simulation.export import changed_csv, changed_xlsx
from doudi.policy.simulation.runner import SimulationRequest, simulate
from doudi.policy.simulation.summary import CHANGE, ENTER, UNCHANGED, classify
from doudi.policy.tests.conftest import with_urban_standard
from doudi.policy.tests.simulation.conftest import ON, RAISE, START

RAISE_URBAN = SimulationRequest(region_code="430981", on=ON, overrides=RAISE, start=START)


def _category(result, household) -> int:
    index = int(np.flatnonzero(result.outcome.hh == household.pk)[0])
    return int(classify(result.outcome)[index])


def test_summary_counts_entering_changing_and_unchanged(households, users):
    result = simulate(users["county_reviewer"], RAISE_URBAN)
    s = result.summary
    assert s.households == 3  # 资阳区 is not in 沅江市
    assert households.foreign.pk not in result.outcome.hh
    assert _category(result, households.entering) == ENTER
    assert _category(result, households.changing) == CHANGE
    assert _category(result, households.unchanged) == UNCHANGED
    assert s.counts == {"enter": 1, "leave": 0, "change": 1, "unchanged": 1}
    # The 3-person dibao household gets 20 元 more standard × 3 plus the supplements tied to the standard.
    assert s.cost_difference == 7000
    dibao = next(p for p in s.programmes if p["programme"] == "dibao")
    assert dibao["change"] == 1 and dibao["difference"] == "70.00"
    near = next(p for p in s.programmes if p["programme"] == "near_dibao")
    assert near["enter"] == 1 and near["households_after"] == 1
    assert {"before": "none", "after": "near_dibao", "households": 1}.items() <= s.transitions[0].items()
    by_name = {r["name"]: r for r in s.regions}
    assert by_name["琼湖街道"]["enter"] == 1 and by_name["琼湖街道"]["difference"] == "70.00"
    assert by_name["草尾镇"]["unchanged"] == 1
    assert result.changed.num_rows == 2
    rows = {r["number"]: r for r in result.changed.to_pylist()}
    changing = rows[households.changing.number]
    assert changing["head_name"] == "乙" and changing["village"] == "韩家汊社区"
    assert changing["status_before"] == changing["status_after"] == "低保" and changing["difference"] == "70.00"


def test_by_village_lists_villages(households, users):
    result = simulate(
        users["county_reviewer"], SimulationRequest("430981", ON, overrides=RAISE, start=START, by_village=True)
    )
    assert {r["name"] for r in result.summary.regions} == {"韩家汊社区", "立新村"}


def test_parallel_and_serial_give_identical_results(households, varied, users):
    serial = simulate(users["county_reviewer"], RAISE_URBAN, processes=1)
    parallel = simulate(users["county_reviewer"], RAISE_URBAN, processes=2, chunk_size=2, batch_size=1)
    assert parallel.outcome.equals(serial.outcome)
    assert parallel.summary.to_dict() == serial.summary.to_dict()
    assert parallel.changed.equals(serial.changed)


def test_running_twice_gives_the_same_output_and_writes_nothing(households, users, published):
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=with_urban_standard(published["yuanjiang"].content, 760)
    )
    counts = (AuditEvent.objects.count(), PolicyVersion.objects.values("status").annotate(n=Count("id")).order_by())
    before = (counts[0], list(counts[1]))
    request = SimulationRequest("430981", ON, draft_ids=(draft.pk,))
    first, second = simulate(users["county_reviewer"], request), simulate(users["county_reviewer"], request)
    assert first.summary.to_dict() == second.summary.to_dict() and first.outcome.equals(second.outcome)
    assert AssessmentRecord.objects.count() == 0
    after = (
        AuditEvent.objects.count(),
        list(PolicyVersion.objects.values("status").annotate(n=Count("id")).order_by()),
    )
    assert after == before
    draft.refresh_from_db()
    assert draft.status == "draft"
    # The draft raises the same figures as the overrides, so the results agree.
    assert first.summary.counts == simulate(users["county_reviewer"], RAISE_URBAN).summary.counts


def test_a_user_simulates_only_within_their_own_region(households, users):
    with pytest.raises(NotFound):
        simulate(users["foreign_county_reviewer"], RAISE_URBAN)
    with pytest.raises(NotFound):
        simulate(users["village_worker"], RAISE_URBAN)  # a village worker of 立新村 cannot run the county
    own = simulate(users["village_worker"], SimulationRequest("430981114201", ON, overrides=RAISE, start=START))
    assert own.summary.households == 1 and own.outcome.hh.tolist() == [households.unchanged.pk]
    with pytest.raises(PermissionDenied):
        simulate(users["auditor"], RAISE_URBAN)  # no 救助评估 capability
    with pytest.raises(NotFound):
        simulate(users["no_region"], RAISE_URBAN)


def test_a_county_without_policy_is_reported_not_guessed(households, users):
    result = simulate(users["city_supervisor"], SimulationRequest("4309", ON, overrides=RAISE, start=START))
    assert result.summary.households == 3 and result.summary.not_assessed == 1
    assert any("430902" in w for w in result.warnings)


def test_downloads_hold_the_changed_households_without_id_numbers(households, users):
    result = simulate(users["county_reviewer"], RAISE_URBAN)
    text = changed_csv(result.changed).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("户编号,村/社区代码,村/社区,户主姓名")
    assert households.changing.number in text and "70.00" in text
    assert not any(p.id_number in text for p in households.changing.members.all())
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(changed_xlsx(result.changed))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and len(rows) == 3
    assert {r[9] for r in rows[1:]} >= {70.0}


def test_statuses_are_the_engine_tiers():
    assert STATUSES[0] == "none" and set(STATUSES[1:]) == {"extreme_poverty", "dibao", "near_dibao", "rigid_expense"}


def test_a_parallel_run_returns_when_the_caller_handles_sigterm(households, users):
    """In the background worker SIGTERM only sets a flag; the pool's children must still stop on it
    (they used to inherit the handler, ignore Pool.terminate() and hang the simulation for ever)."""
    import signal

    def hung(*_):
        raise TimeoutError("the simulation's process pool did not stop")

    saved = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGALRM)
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        result = simulate(users["county_reviewer"], RAISE_URBAN, processes=2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, saved[0])
        signal.signal(signal.SIGALRM, saved[1])
    assert result.summary.counts == {"enter": 1, "leave": 0, "change": 1, "unchanged": 1}
