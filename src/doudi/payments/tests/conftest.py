"""Payments fixtures: a county finance user (the checker), households with bank accounts, and a
helper that enrols a person with a dated amount history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases.services.enrolment import create_enrolment
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

_accounts = iter(range(10**6))


def account() -> str:
    return f"62170000{next(_accounts):011d}"


@pytest.fixture
def finance(regions):
    return UserFactory(role=Role.COUNTY_FINANCE, region=regions["yuanjiang"])


@pytest.fixture
def maker(users):
    return users["county_reviewer"]


def payee(region, actor, *, name="张三", with_account=True, members=0) -> Person:
    hh = f.household(region, actor=actor, head_name=name, members=members)
    head = Person.objects.get(household=hh, relation="head")
    if with_account:
        Person.objects.filter(pk=head.pk).update(bank_name="农村信用社", bank_account=account())
        head.refresh_from_db()
    return head


def enrol(person, programme="dibao", *, start=date(2025, 1, 1), amount="500", end=None, actor=None):
    return create_enrolment(
        actor,
        household=person.household,
        person=person,
        programme=programme,
        start_month=start,
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        end_month=end,
    )
