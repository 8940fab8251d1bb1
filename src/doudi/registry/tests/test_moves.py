"""迁入, 分户 and 合户: membership history kept, audit rows, region privacy, change cases flagged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.cases.models import Case, CaseKind, Enrolment
from doudi.cases.selectors import inbox
from doudi.core.errors import DomainError, NotFound
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry import moves, selectors, services
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE, WITHOUT_HOUSEHOLD_MESSAGE
from doudi.registry.models import Household, Membership, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved_out(regions, users):
    """肖芝 of 资阳区 (another county): registered with an income there, then moved out (married away)."""
    actor = users["foreign_county_reviewer"]
    hh = f.household(regions["ziyang_village"], actor=actor, head_name="肖大", joined_on=date(2015, 1, 1))
    bride = services.do_add_member(
        actor, hh, person=f.person_input("肖芝", "child", date(1995, 3, 9), male=False), joined_on=date(2015, 1, 1)
    )
    services.do_record_evidence(
        actor,
        bride,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("3100")},
        valid_from=date(2023, 1, 1),
        note="资阳区汽车路工厂",
    )
    services.do_remove_member(actor, bride, left_on=date(2024, 5, 1), reason="嫁往沅江市汽车路")
    return Person.objects.get(pk=bride.pk)


@pytest.fixture
def own(regions, users):
    return f.household(regions["lixin"], actor=users["village_worker"], head_name="王建国", joined_on=date(2010, 1, 1))


def _join(user, household, person, **kw):
    kw.setdefault("relation", "spouse")
    kw.setdefault("joined_on", date(2024, 6, 1))
    kw.setdefault("reason", "结婚迁入")
    return moves.do_join_household(user, household, person.id_number, **kw)


def test_adding_a_person_without_household_points_to_join(users, own, moved_out):
    with pytest.raises(DomainError) as info:
        services.do_add_member(
            users["village_worker"], own, person=f.PersonInput(moved_out.id_number, "肖芝", "spouse")
        )
    assert info.value.code == "person_without_household" and info.value.message == WITHOUT_HOUSEHOLD_MESSAGE
    assert "person_id" not in info.value.extra  # outside the scope: nothing of the record
    assert "资阳" not in str(info.value.extra) and "肖大" not in info.value.message


def test_join_after_moving_out_keeps_history_and_writes_audit(users, own, moved_out):
    person = _join(users["village_worker"], own, moved_out)
    person.refresh_from_db()
    own.refresh_from_db()
    assert person.household_id == own.pk and person.relation == "spouse" and person.version > 1
    assert own.member_count == 2 and own.version == 2
    rows = list(Membership.objects.filter(person=person).order_by("valid_from"))
    assert [(r.household.region_id[:6], r.valid_from, r.valid_to) for r in rows] == [
        ("430902", date(2015, 1, 1), date(2024, 5, 1)),
        ("430981", date(2024, 6, 1), None),
    ]
    event = AuditEvent.objects.get(action="join_household")
    assert event.household_id == own.pk and event.region_code == own.region_id and event.reason == "结婚迁入"
    assert event.changes["household"]["new"] == own.number


def test_receiving_region_sees_the_person_but_not_what_the_other_region_recorded(users, own, moved_out):
    _join(users["village_worker"], own, moved_out)
    services.do_record_evidence(
        users["village_worker"],
        moved_out,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("900")},
        valid_from=date(2024, 6, 1),
    )
    worker = users["village_worker"]
    person = selectors.person_get(actor=worker, person_id=moved_out.pk)
    incomes = selectors.visible_evidence(actor=worker, person_ids=[person.pk])["income"]
    assert [r.monthly_amount for r in incomes] == [Decimal("900")]
    assert selectors.lived_outside_scope(actor=worker, person=person)
    snapshot = selectors.household_as_of(own, on=date(2024, 7, 1), actor=worker)
    [bride] = [m for m in snapshot.members if m.person.pk == person.pk]
    assert [r.monthly_amount for r in bride.evidence["income"]] == [Decimal("900")]
    hidden = [r for rows in selectors.evidence_of([person.pk]).values() for r in rows if r.monthly_amount == 3100]
    with pytest.raises(NotFound):
        selectors.evidence_get(actor=worker, kind="income", evidence_id=hidden[0].pk)
    # The original region still sees its own record and its own membership; the administrator sees all.
    foreign = users["foreign_county_reviewer"]
    assert len(selectors.visible_evidence(actor=foreign, person_ids=[person.pk])["income"]) == 1
    assert not selectors.lived_outside_scope(actor=users["administrator"], person=person)
    assert len(selectors.visible_evidence(actor=users["administrator"], person_ids=[person.pk])["income"]) == 2


def test_the_engine_counts_only_facts_recorded_in_the_households_county(users, own, moved_out):
    """The old county's 3100 元 wage (still open there) does not count in the new household's assessment."""
    _join(users["village_worker"], own, moved_out)
    snapshot = selectors.household_as_of(own, on=timezone.localdate())
    [bride] = [m for m in snapshot.members if m.person.pk == moved_out.pk]
    assert bride.evidence == {}
    services.do_record_evidence(
        users["village_worker"],
        moved_out,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("900")},
        valid_from=date(2024, 6, 1),
    )
    snapshot = selectors.household_as_of(own, on=timezone.localdate())
    [bride] = [m for m in snapshot.members if m.person.pk == moved_out.pk]
    assert [r.monthly_amount for r in bride.evidence["income"]] == [Decimal("900")]


def test_person_still_in_a_household_elsewhere_is_refused_neutrally(users, own, regions):
    other = f.household(regions["ziyang_village"], actor=users["foreign_county_reviewer"], head_name="肖芝")
    head = Person.objects.get(household=other)
    with pytest.raises(DomainError) as info:
        _join(users["village_worker"], own, head)
    assert info.value.message == REGISTERED_OUTSIDE_SCOPE
    assert other.number not in str(info.value.extra) and "肖芝" not in info.value.message
    assert Membership.objects.filter(person=head).count() == 1


def test_join_refuses_wrong_name_unknown_number_and_head_taken(users, own, moved_out):
    with pytest.raises(DomainError, match="姓名"):
        _join(users["village_worker"], own, moved_out, name="肖芳")
    with pytest.raises(DomainError, match="已有户主"):
        _join(users["village_worker"], own, moved_out, relation="head")
    with pytest.raises(DomainError) as unknown:
        moves.do_join_household(
            users["village_worker"], own, f.id_number(), relation="spouse", joined_on=date(2024, 6, 1), reason="迁入"
        )
    assert unknown.value.code == "person_not_found"
    with pytest.raises(DomainError, match="上次离开"):
        _join(users["village_worker"], own, moved_out, joined_on=date(2024, 4, 1))
    with pytest.raises(NotFound):
        _join(users["other_village_worker"], own, moved_out)
    assert Person.objects.get(pk=moved_out.pk).household_id is None


def test_new_household_can_take_in_a_person_without_household(users, regions, moved_out):
    head = f.PersonInput(moved_out.id_number, "肖芝", "head")
    with pytest.raises(DomainError) as info:
        services.do_create_household(users["village_worker"], region_code=regions["lixin"].code, head=head)
    assert info.value.code == "person_without_household"
    hh = services.do_create_household(
        users["village_worker"],
        region_code=regions["lixin"].code,
        head=head,
        join_existing=True,
        joined_on=date(2024, 7, 1),
    )
    assert Person.objects.get(pk=moved_out.pk).household_id == hh.pk and hh.head_name == "肖芝"
    assert Membership.objects.filter(person=moved_out).count() == 2


def _members(hh) -> dict[str, Person]:
    return {p.name: p for p in Person.objects.filter(household=hh)}


def test_split_moves_chosen_members_into_a_numbered_new_household(users, regions):
    hh = f.household(
        regions["lixin"], actor=users["village_worker"], members=3, head_name="张父", joined_on=date(2010, 1, 1)
    )
    kids = _members(hh)
    new = moves.do_split_household(
        users["village_worker"],
        hh,
        members={kids["张一"].pk: "head", kids["张二"].pk: "sibling"},
        head_id=kids["张一"].pk,
        split_on=date(2024, 3, 1),
        reason="子女成家分户",
    )
    hh.refresh_from_db()
    assert new.number.startswith(regions["lixin"].code) and new.number > hh.number
    assert (hh.member_count, new.member_count, new.head_name) == (2, 2, "张一")
    assert {p.name: p.relation for p in Person.objects.filter(household=new)} == {"张一": "head", "张二": "sibling"}
    history = Membership.objects.filter(person=kids["张一"]).order_by("valid_from")
    assert [(m.household_id, m.valid_to) for m in history] == [(hh.pk, date(2024, 3, 1)), (new.pk, None)]
    actions = AuditEvent.objects.filter(action="split_household")
    assert {e.household_id for e in actions} == {hh.pk, new.pk}


def test_split_refuses_the_head_everyone_and_outsiders(users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=1, joined_on=date(2010, 1, 1))
    people = _members(hh)
    head, kid = people["张三"], people["张一"]
    with pytest.raises(DomainError, match="原户主不能分出"):
        moves.do_split_household(
            users["village_worker"],
            hh,
            members={head.pk: "head"},
            head_id=head.pk,
            split_on=date(2024, 3, 1),
            reason="分户",
        )
    with pytest.raises(NotFound):
        moves.do_split_household(
            users["other_village_worker"],
            hh,
            members={kid.pk: "head"},
            head_id=kid.pk,
            split_on=date(2024, 3, 1),
            reason="分户",
        )
    assert Household.objects.count() == 1


def test_merge_moves_everyone_and_closes_the_emptied_household(users, regions):
    target = f.household(regions["lixin"], actor=users["village_worker"], head_name="王父", joined_on=date(2010, 1, 1))
    source = f.household(
        regions["lixin"], actor=users["village_worker"], members=1, head_name="王子", joined_on=date(2012, 1, 1)
    )
    son = _members(source)["王子"]
    moves.do_merge_households(
        users["village_worker"], source, target, relations={son.pk: "child"}, merged_on=date(2024, 9, 1), reason="合户"
    )
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.status == "closed" and source.member_count == 0 and target.member_count == 3
    assert Person.objects.get(pk=son.pk).relation == "child" and target.head_name == "王父"
    assert Membership.objects.filter(household=source, valid_to=date(2024, 9, 1)).count() == 2
    assert Membership.objects.filter(household=target, valid_from=date(2024, 9, 1)).count() == 2
    assert AuditEvent.objects.filter(action="merge_household").count() == 2


def test_merge_needs_both_households_in_scope(users, regions):
    mine = f.household(regions["hanjiacha"], actor=users["other_village_worker"])
    theirs = f.household(regions["lixin"], actor=users["village_worker"])
    with pytest.raises(NotFound):
        moves.do_merge_households(
            users["other_village_worker"], theirs, mine, relations={}, merged_on=date(2024, 9, 1), reason="合户"
        )
    assert Household.objects.get(pk=theirs.pk).status == "active"


def _enrol(household, person, programme="dibao"):
    return Enrolment.objects.create(
        household=household,
        person=person,
        region_id=household.region_id,
        programme=programme,
        start_month=date(2024, 1, 1),
        monthly_amount=Decimal("500.00"),
        covered=[person.pk],
    )


def test_split_flags_enrolments_with_a_change_case(users, regions, published, django_capture_on_commit_callbacks):  # noqa: F811
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=1, joined_on=date(2010, 1, 1))
    people = _members(hh)
    enrolment = _enrol(hh, people["张三"])
    with django_capture_on_commit_callbacks(execute=True):
        moves.do_split_household(
            users["village_worker"],
            hh,
            members={},
            head_id=people["张一"].pk,
            split_on=timezone.localdate(),
            reason="分户",
        )
    flag = AuditEvent.objects.get(action="flag_change", household_id=hh.pk)
    assert "最低生活保障" in flag.changes["flagged"]["new"] or "低保" in flag.changes["flagged"]["new"]
    case = Case.objects.get(household=hh, kind=CaseKind.CHANGE)
    assert case.change["kind"] == "member_left" and enrolment in case.enrolments.all()
    # The change case follows the change path: it is in the village worker's to-do list now (survey).
    assert case.pk in {item.case.pk for item in inbox(actor=users["village_worker"]).items}


def test_join_flags_an_open_case_and_an_already_open_change(
    users,
    own,
    moved_out,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    head = Person.objects.get(household=own)
    _enrol(own, head)
    with django_capture_on_commit_callbacks(execute=True):
        _join(users["village_worker"], own, moved_out, joined_on=timezone.localdate())
    assert Case.objects.get(household=own, kind=CaseKind.CHANGE).change["kind"] == "new_member"
    # A second move while that change case is open: the case service refuses a second one, the refusal is kept.
    kid = services.do_add_member(
        users["village_worker"],
        own,
        person=f.person_input("王小", "child", date(2015, 1, 1)),
        joined_on=date(2016, 1, 1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        moves.do_split_household(
            users["village_worker"], own, members={}, head_id=kid.pk, split_on=timezone.localdate(), reason="分户"
        )
    assert Case.objects.filter(household=own, kind=CaseKind.CHANGE).count() == 1
    flag = AuditEvent.objects.filter(action="flag_change", household_id=own.pk).latest("id")
    assert "案件" in flag.changes["flagged"]["new"]
    pending = AuditEvent.objects.get(action="flag_change_pending", household_id=own.pk)
    assert "已有办理中的变更" in pending.changes["why"]["new"]


def test_merge_flags_both_households_and_keeps_the_case_services_refusal(
    users,
    regions,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """The emptied household has no member left to apply: its benefits go into the target's change case."""
    target = f.household(regions["lixin"], actor=users["village_worker"], head_name="王父", joined_on=date(2010, 1, 1))
    source = f.household(regions["lixin"], actor=users["village_worker"], head_name="王子", joined_on=date(2012, 1, 1))
    _enrol(target, _members(target)["王父"])
    _enrol(source, _members(source)["王子"])
    with django_capture_on_commit_callbacks(execute=True):
        moves.do_merge_households(
            users["village_worker"], source, target, relations={}, merged_on=timezone.localdate(), reason="合户"
        )
    assert {e.household_id for e in AuditEvent.objects.filter(action="flag_change")} == {source.pk, target.pk}
    case = Case.objects.get(household=target, kind=CaseKind.CHANGE)
    assert case.change["kind"] == "new_member"
    assert set(case.enrolments.values_list("household_id", flat=True)) == {source.pk, target.pk}
    assert not Case.objects.filter(household=source).exists()
    assert not AuditEvent.objects.filter(action="flag_change_pending").exists()
