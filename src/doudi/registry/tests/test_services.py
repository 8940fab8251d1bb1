"""Registry writes: validation, one person one household, audit rows, concurrency."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.audit.models import AuditEvent
from doudi.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doudi.registry import services
from doudi.registry.models import Household, Membership, Person
from doudi.registry.tests import factories as f


def test_create_household_with_members_writes_membership_and_audit(regions, users):
    actor = users["village_worker"]
    hh = f.household(regions["lixin"], actor=actor, members=2, head_name="王大山")
    assert hh.number.startswith("430981114201")
    assert hh.area_type == "rural"
    assert hh.member_count == 3 and hh.head_name == "王大山"
    assert Membership.objects.filter(household=hh, valid_to__isnull=True).count() == 3
    actions = list(AuditEvent.objects.filter(household_id=hh.pk).values_list("action", flat=True))
    assert actions.count("add_member") == 3 and "create_household" in actions
    assert all(e.actor_id == actor.pk for e in AuditEvent.objects.filter(household_id=hh.pk))


def test_same_person_in_two_households_is_refused_naming_the_first(regions, users):
    first = f.household(regions["lixin"], actor=users["county_reviewer"])
    head = Person.objects.get(household=first)
    second = f.household(regions["hanjiacha"], actor=users["county_reviewer"], head_name="李四")
    with pytest.raises(DomainError) as exc:
        services.do_add_member(
            users["county_reviewer"],
            second,
            person=f.PersonInput(id_number=head.id_number, name=head.name, relation="spouse"),
        )
    assert exc.value.code == "duplicate_person"
    assert first.number in exc.value.message and "立新村" in exc.value.message
    assert Person.objects.filter(id_number=head.id_number).count() == 1


def test_wrong_id_number_leaves_nothing_written(regions, users):
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    valid = f.id_number()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    bad = f.PersonInput(id_number=wrong_check, name="错号", relation="child")
    with pytest.raises(DomainError, match="公民身份号码"):
        services.do_create_household(
            users["village_worker"], region_code="430981114201", head=f.person_input("户主"), members=[bad]
        )
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before


def test_second_head_is_refused(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    with pytest.raises(DomainError, match="已有户主"):
        services.do_add_member(users["village_worker"], hh, person=f.person_input("二户主", "head"))


def test_worker_cannot_write_outside_region_and_gets_not_found(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    with pytest.raises(NotFound):
        services.do_add_member(users["other_village_worker"], hh, person=f.person_input("外人", "child"))
    with pytest.raises(NotFound):
        services.do_create_household(
            users["other_village_worker"], region_code="430981114201", head=f.person_input("越界")
        )


@pytest.mark.parametrize("role", ["auditor", "city_supervisor"])
def test_read_only_roles_cannot_write(regions, users, role):
    with pytest.raises(PermissionDenied):
        services.do_create_household(users[role], region_code="430981114201", head=f.person_input("只读"))


def test_update_person_records_masked_old_and_new_values(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    head = Person.objects.get(household=hh)
    services.do_update_person(
        users["village_worker"], head, expected_version=head.version, phone="13812345678", reason="电话变更"
    )
    event = AuditEvent.objects.filter(action="update_person").get()
    assert event.changes["phone"] == {"label": "手机号", "old": "", "new": "138****5678"}
    assert event.reason == "电话变更"


def test_stale_version_is_a_conflict_and_nothing_changes(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    services.do_update_household(users["village_worker"], hh, expected_version=1, address="新地址")
    with pytest.raises(Conflict):
        services.do_update_household(users["township_officer"], hh, expected_version=1, address="另一个地址")
    assert Household.objects.get(pk=hh.pk).address == "新地址"


def test_remove_member_closes_membership_and_keeps_person(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=1, joined_on=date(2020, 1, 1))
    child = Person.objects.get(household=hh, relation="child")
    services.do_remove_member(users["village_worker"], child, left_on=date.today(), reason="迁出至外地")
    child.refresh_from_db()
    assert child.household_id is None
    assert Membership.objects.get(person=child).valid_to == date.today()
    assert Household.objects.get(pk=hh.pk).member_count == 1


def test_evidence_correction_supersedes_instead_of_overwriting(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    head = Person.objects.get(household=hh)
    income = services.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("800")},
        valid_from=date(2025, 1, 1),
    )
    new = services.do_correct_evidence(
        users["township_officer"], income, reason="核对后更正", values={"monthly_amount": Decimal("650")}
    )
    income.refresh_from_db()
    assert income.superseded_at is not None and income.monthly_amount == Decimal("800")
    assert new.monthly_amount == Decimal("650") and new.superseded_at is None
    event = AuditEvent.objects.get(action="correct_income")
    assert event.changes["monthly_amount"]["old"] == "800.00"


def test_negative_income_is_refused_with_field_named(regions, users):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    head = Person.objects.get(household=hh)
    with pytest.raises(DomainError, match="收入"):
        services.do_record_evidence(
            users["village_worker"],
            head,
            kind="income",
            values={"category": "wages", "monthly_amount": Decimal("-1")},
            valid_from=date(2025, 1, 1),
        )
