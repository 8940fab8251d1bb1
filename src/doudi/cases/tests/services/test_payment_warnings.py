"""Enrolling someone doudi could not pay correctly warns, and the warning is recorded for the payroll."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from doudi.cases.models import Enrolment
from doudi.cases.services import payment_checks as checks
from doudi.cases.services.enrolment import create_enrolment
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db

ACCOUNT = "6228480012345678901"


def _enrol(household, person, *, account_holder="", programme="dibao"):
    return create_enrolment(
        None,
        household=household,
        person=person,
        programme=programme,
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal("500.00"),
        reason="测试",
        account_holder=account_holder,
    )


def _household(regions, users, *, account: str = "", head_name: str = "张三"):
    hh = f.household(
        regions["lixin"], actor=users["village_worker"], members=1, head_name=head_name, joined_on=date(2015, 1, 1)
    )
    head = Person.objects.get(household=hh, relation="head")
    if account:
        registry.do_update_person(
            users["village_worker"], head, expected_version=head.version, bank_name="农业银行", bank_account=account
        )
        head.refresh_from_db()
    return hh, head


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"bank_account": "", "account_holder": "", "shared_outside": False, "is_member": True}, checks.NO_ACCOUNT),
        (
            {"bank_account": "1", "account_holder": "李四", "shared_outside": False, "is_member": True},
            "账户户名“李四”不是本家庭现有成员，暂不能发放",
        ),
        ({"bank_account": "1", "account_holder": "张三", "shared_outside": False, "is_member": True}, ""),
        ({"bank_account": "1", "account_holder": "", "shared_outside": True, "is_member": True}, checks.ACCOUNT_SHARED),
        ({"bank_account": "1", "account_holder": "", "shared_outside": False, "is_member": False}, checks.NOT_MEMBER),
        ({"bank_account": "1", "account_holder": "", "shared_outside": False, "is_member": True}, ""),
    ],
)
def test_the_rule(kwargs, expected):
    assert checks.warning_for(member_names=["张三", "张一"], **kwargs) == expected


def test_no_bank_account_warns_and_a_correction_clears_it(regions, users):
    hh, head = _household(regions, users)
    e = _enrol(hh, head)
    assert e.payment_warning == checks.NO_ACCOUNT
    assert list(Enrolment.objects.exclude(payment_warning="")) == [e]
    registry.do_update_person(
        users["village_worker"], head, expected_version=head.version, bank_name="农业银行", bank_account=ACCOUNT
    )
    assert Enrolment.objects.get(pk=e.pk).payment_warning == ""


def test_an_account_holder_outside_the_household_warns(regions, users):
    hh, head = _household(regions, users, account=ACCOUNT)
    assert _enrol(hh, head, account_holder="张一").payment_warning == ""  # a member (the child)
    other = _enrol(hh, head, account_holder="李会计", programme="disability_living_subsidy")
    assert other.payment_warning == "账户户名“李会计”不是本家庭现有成员，暂不能发放"


def test_an_account_registered_for_someone_outside_the_household_warns(regions, users):
    hh, head = _household(regions, users, account=ACCOUNT)
    e = _enrol(hh, head)
    assert e.payment_warning == ""
    # The village accountant registers the same account for himself in another household.
    _household(regions, users, account=ACCOUNT, head_name="李会计")
    assert Enrolment.objects.get(pk=e.pk).payment_warning == checks.ACCOUNT_SHARED


def test_a_member_who_moves_out_cannot_be_paid_until_the_change_is_handled(regions, users):
    hh, _ = _household(regions, users, account=ACCOUNT)
    child = Person.objects.get(household=hh, relation="child")
    registry.do_update_person(
        users["village_worker"],
        child,
        expected_version=child.version,
        bank_name="农业银行",
        bank_account="6228480012345678902",
    )
    e = _enrol(hh, Person.objects.get(pk=child.pk), programme="disability_living_subsidy")
    assert e.payment_warning == ""
    registry.do_remove_member(users["village_worker"], child, left_on=date(2025, 5, 1), reason="外出务工迁出")
    assert Enrolment.objects.get(pk=e.pk).payment_warning == checks.NOT_MEMBER


def test_enrolling_through_a_case_warns_the_worker(walk, household, users):
    case = walk.to_approved(household)
    from doudi.cases.tests.conftest import fresh

    touched = walk.enrol(case, date(2025, 3, 11))
    assert [e.payment_warning for e in touched] == [checks.NO_ACCOUNT]
    event = fresh(case).events.filter(action="enrol").get()
    assert "发放提醒" in event.note and event.data["payment_warnings"] == {str(touched[0].pk): checks.NO_ACCOUNT}


def test_the_case_page_shows_the_warning(walk, household, users):
    from django.urls import reverse

    from doudi.cases.tests.test_views import client_for

    case = walk.to_enrolled(household)
    html = client_for(users["township_officer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "发放提醒：" + checks.NO_ACCOUNT in html.split('id="enrolments"')[1]


def test_one_refresh_of_many_households_gives_each_enrolment_its_own_warning(regions, users):
    """The set-based UPDATE (one join per rule over all the enrolments concerned) keeps households apart."""
    plain, plain_head = _household(regions, users, account=ACCOUNT)
    bare, bare_head = _household(regions, users, head_name="王五")
    held, held_head = _household(regions, users, account="6228480012345678903", head_name="赵六")
    e_plain, e_bare = _enrol(plain, plain_head), _enrol(bare, bare_head)
    e_held = _enrol(held, held_head, account_holder="张三")  # 张三 heads another household
    # The same account registered outside the first household, written behind the checks' back.
    Person.objects.filter(pk=bare_head.pk).update(bank_account=ACCOUNT)
    Enrolment.objects.filter(pk__in=[e_plain.pk, e_bare.pk, e_held.pk]).update(payment_warning="")
    warned = checks.refresh_payment_warnings(household_ids=[plain.pk, bare.pk, held.pk])
    assert {e.pk: e.payment_warning for e in warned} == {
        e_plain.pk: checks.ACCOUNT_SHARED,
        e_bare.pk: checks.ACCOUNT_SHARED,
        e_held.pk: "账户户名“张三”不是本家庭现有成员，暂不能发放",
    }
    # A second refresh changes nothing, so it rewrites no row (PostgreSQL shows it: the rows stay where they are).
    ids = sorted([e_plain.pk, e_bare.pk, e_held.pk])
    if connection.vendor == "postgresql":
        versions = "SELECT id, ctid::text FROM cases_enrolment WHERE id IN (%s, %s, %s) ORDER BY id"
        with connection.cursor() as cursor:
            cursor.execute(versions, ids)
            before = cursor.fetchall()
            checks.refresh_payment_warnings(household_ids=[plain.pk, bare.pk, held.pk])
            cursor.execute(versions, ids)
            assert cursor.fetchall() == before
            Enrolment.objects.filter(pk=e_bare.pk).update(payment_warning="stale")
            checks.refresh_payment_warnings(household_ids=[plain.pk, bare.pk, held.pk])
            cursor.execute(versions, ids)
            assert [v for _, v in cursor.fetchall()] != [v for _, v in before]
    assert Enrolment.objects.get(pk=e_bare.pk).payment_warning == checks.ACCOUNT_SHARED


def test_a_refresh_of_more_households_than_a_statement_may_have_parameters(regions, users):
    """A county's roster (40,000 households here) is one refresh: ids go in as one parameter, never one each.

    SQLite allows 32,766 parameters in a statement; a roster import of a large county on the embedded
    database must not fail on its size."""
    plain, plain_head = _household(regions, users, account=ACCOUNT)
    bare, bare_head = _household(regions, users, head_name="王五")
    e_plain, e_bare = _enrol(plain, plain_head), _enrol(bare, bare_head)
    Enrolment.objects.filter(pk__in=[e_plain.pk, e_bare.pk]).update(payment_warning="")
    many = [plain.pk, bare.pk, *range(10_000_000, 10_040_000)]  # the rest hold no enrolment
    bound = []

    def count_parameters(execute, sql, params, many_, context):
        bound.append(len(params or ()))
        return execute(sql, params, many_, context)

    with connection.execute_wrapper(count_parameters):
        warned = checks.refresh_payment_warnings(household_ids=many, person_ids=many)
        assert {e.pk: e.payment_warning for e in warned} == {e_bare.pk: checks.NO_ACCOUNT}
    assert bound and max(bound) < 20
    assert Enrolment.objects.get(pk=e_plain.pk).payment_warning == ""
