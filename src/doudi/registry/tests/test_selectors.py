"""Registry reads: scoped search and "what did we know on date D"."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from doudi.core.errors import NotFound
from doudi.registry import selectors, services
from doudi.registry.models import Income, Membership, Person
from doudi.registry.tests import factories as f


def test_search_by_id_number_and_exact_name_stays_in_scope(regions, users):
    mine = f.household(regions["lixin"], actor=users["village_worker"], head_name="赵一")
    other = f.household(regions["hanjiacha"], actor=users["other_village_worker"], head_name="赵一")
    head_id = Person.objects.get(household=mine).id_number
    assert list(selectors.household_list(actor=users["village_worker"], q=head_id)) == [mine]
    assert list(selectors.household_list(actor=users["village_worker"], q="赵一")) == [mine]
    assert set(selectors.household_list(actor=users["county_reviewer"], q="赵一")) == {mine, other}
    assert list(selectors.household_list(actor=users["foreign_county_reviewer"], q="赵一")) == []
    assert list(selectors.household_list(actor=users["no_region"])) == []


def test_household_get_outside_scope_is_not_found(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    assert selectors.household_get(actor=users["township_officer"], household_id=hh.pk) == hh
    with pytest.raises(NotFound):
        selectors.household_get(actor=users["other_township_officer"], household_id=hh.pk)
    with pytest.raises(NotFound):
        selectors.household_get(actor=users["village_worker"], household_id=999999)


def test_as_of_answers_from_validity_and_knowledge_time(regions, users):
    actor = users["village_worker"]
    hh = f.household(regions["lixin"], actor=actor, members=1, joined_on=date(2020, 1, 1))
    head = Person.objects.get(household=hh, relation="head")
    income = services.do_record_evidence(
        actor,
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("1000")},
        valid_from=date(2024, 1, 1),
    )
    # Everything so far was recorded long ago; the correction below happens now.
    long_ago = timezone.now() - timedelta(days=400)
    Income.objects.filter(pk=income.pk).update(recorded_at=long_ago)
    Membership.objects.filter(household=hh).update(recorded_at=long_ago)
    services.do_correct_evidence(
        actor, Income.objects.get(pk=income.pk), reason="失业", valid_to=date(2025, 1, 1), end=True
    )
    child = Person.objects.get(household=hh, relation="child")
    services.do_remove_member(actor, child, left_on=date(2024, 7, 1), reason="迁出")

    mid_2024 = selectors.household_as_of(hh, on=date(2024, 3, 1))
    assert {m.person.pk for m in mid_2024.members} == {head.pk, child.pk}
    member = next(m for m in mid_2024.members if m.person.pk == head.pk)
    assert [i.monthly_amount for i in member.evidence["income"]] == [Decimal("1000")]

    late_2025 = selectors.household_as_of(hh, on=date(2025, 6, 1))
    assert {m.person.pk for m in late_2025.members} == {head.pk}
    assert "income" not in late_2025.members[0].evidence

    # What we knew before the correction: on 2025-06-01 the wage was still believed to run.
    before_correction = selectors.household_as_of(hh, on=date(2025, 6, 1), known_at=timezone.now() - timedelta(days=1))
    assert {m.person.pk for m in before_correction.members} == {head.pk, child.pk}
    head_then = next(m for m in before_correction.members if m.person.pk == head.pk)
    assert [i.monthly_amount for i in head_then.evidence["income"]] == [Decimal("1000")]
