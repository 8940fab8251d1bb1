"""Set-based extraction gives, for each household, exactly the facts of the registry → engine bridge."""

from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.policy.simulation import extract
from doudi.policy.simulation.extract import chunks, household_ids
from doudi.policy.simulation.facts import build_facts
from doudi.policy.tests.simulation.conftest import ON
from doudi.registry import services as registry
from doudi.registry.models import Household, HouseholdStatus, Income, Person
from doudi.registry.selectors import household_as_of


def _set_based(prefix: str, on: date, known_at, size: int = 200_000) -> dict[str, object]:
    out = {}
    for chunk in chunks(prefix, on, known_at, size=size):
        for facts in build_facts(chunk, on):
            out[facts.household_id] = facts
    return out


def test_set_based_facts_equal_the_bridge(households, varied):
    known_at = timezone.now()
    built = _set_based("430981", ON, known_at)
    expected = {
        str(hh.pk): facts_from_snapshot(household_as_of(hh, on=ON, known_at=known_at))
        for hh in Household.objects.filter(region__code__startswith="430981")
    }
    assert set(built) == set(expected)
    for key, facts in expected.items():
        assert built[key] == facts, key
    rich = built[str(varied[0].pk)]
    assert rich.vehicles and rich.houses == 2 and rich.members[1].disability.grade == 2
    # Issue 11's evidence is read too: expenses in member order, the care need, both parents.
    assert [(e.category, e.amount) for e in rich.rigid_expenses_12m] == [
        ("medical", Decimal("12000.40")),
        ("education", Decimal("3000.00")),
    ]
    assert [m.needs_long_term_care for m in rich.members] == [False, True, False, False]
    assert [(p.situation, p.since, p.until) for p in rich.members[2].parents] == [
        ("deceased", date(2023, 3, 1), None),
        ("detained_other", date(2024, 2, 1), date(2026, 2, 1)),
    ]


def test_small_chunks_give_the_same_facts(households, varied):
    known_at = timezone.now()
    assert _set_based("430981", ON, known_at, size=1) == _set_based("430981", ON, known_at)


def test_an_earlier_date_follows_the_bridge(varied):
    """On 2025-02-01 the child who left on 2025-03-01 still lived there."""
    on = date(2025, 2, 1)
    known_at = timezone.now()
    built = _set_based("430981", on, known_at)
    for hh in varied:
        assert built[str(hh.pk)] == facts_from_snapshot(household_as_of(hh, on=on, known_at=known_at))
    assert len(built[str(varied[1].pk)].members) == 3


def test_what_was_known_before_a_correction_follows_the_bridge(users, varied):
    before = timezone.now()
    head = Person.objects.get(household=varied[0], relation="head")
    wage = Income.objects.get(person=head, category="wages", superseded_at__isnull=True)
    registry.do_correct_evidence(users["administrator"], wage, reason="复核", values={"monthly_amount": Decimal("900")})
    then, now = _set_based("430981", ON, before), _set_based("430981", ON, timezone.now())
    key = str(varied[0].pk)
    assert then[key] == facts_from_snapshot(household_as_of(varied[0], on=ON, known_at=before))
    assert now[key] == facts_from_snapshot(household_as_of(varied[0], on=ON, known_at=timezone.now()))
    assert then[key] != now[key]


def test_only_active_households_under_the_prefix_are_read(households):
    households.unchanged.status = HouseholdStatus.CLOSED
    households.unchanged.save(update_fields=["status"])
    ids = household_ids("430981")
    assert households.foreign.pk not in ids and households.unchanged.pk not in ids
    assert np.all(np.diff(ids) > 0) and households.entering.pk in ids


def test_reading_persons_by_id_range_gives_the_same_facts(households, varied, monkeypatch):
    """Many persons are read by id range (one scan) and filtered in numpy; the facts do not change."""
    known_at = timezone.now()
    by_list = _set_based("430981", ON, known_at)
    monkeypatch.setattr(extract, "ARRAY_LIMIT", 0)
    assert _set_based("430981", ON, known_at) == by_list


def test_the_fast_constructor_builds_equal_objects_and_respects_validation():
    from dataclasses import dataclass

    from doudi.policy.engine.facts import MemberFacts
    from doudi.policy.simulation.facts import fast_constructor

    make = fast_constructor(MemberFacts, ("person_id", "birth_date", "name"))
    assert make("7", date(1990, 1, 1), "王五") == MemberFacts(person_id="7", birth_date=date(1990, 1, 1), name="王五")

    @dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self):
            if self.value < 0:
                raise ValueError(self.value)

    with pytest.raises(ValueError):
        fast_constructor(Checked, ("value",))(-1)
