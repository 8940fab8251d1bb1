"""Case fixtures: the published example policy, an eligible rural household, and a walker that
takes a case along the main path so that each test starts where its rule applies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases import services
from doudi.cases.models import Case
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

ACCEPTED_ON = date(2025, 3, 3)  # a Monday with no holiday near


@pytest.fixture
def co_worker(regions):
    """A second village worker of 立新村: the second investigator of a survey."""
    return UserFactory(role=Role.VILLAGE_WORKER, region=regions["lixin"])


def poor_household(region, actor, *, members: int = 1, income: str = "200", joined_on=date(2020, 1, 1)):
    hh = f.household(region, actor=actor, members=members, joined_on=joined_on)
    head = Person.objects.get(household=hh, relation="head")
    registry.do_record_evidence(
        actor,
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal(income)},
        valid_from=date(2024, 1, 1),
    )
    return hh


@pytest.fixture
def household(regions, users, published):  # noqa: F811
    """A rural household of 立新村 (head earning 200 元, one child): eligible for dibao."""
    return poor_household(regions["lixin"], users["county_reviewer"])


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


class Walker:
    """Take a case step by step along the main path with the right user for each step."""

    def __init__(self, users, co_worker):
        self.users = users
        self.co_worker = co_worker

    def open(self, household, on=ACCEPTED_ON, **kw) -> Case:
        return services.do_open_application(self.users["village_worker"], household, today=on, **kw)

    def accept(self, case, on=ACCEPTED_ON) -> Case:
        return services.do_accept_application(
            self.users["village_worker"], case, expected_version=fresh(case).version, today=on
        )

    def verify(self, case, on) -> None:
        services.do_record_verification(
            self.users["township_officer"],
            case,
            summary="与申报一致",
            expected_version=fresh(case).version,
            today=on,
        )

    def survey(self, case, on) -> None:
        services.do_record_survey(
            self.users["village_worker"],
            case,
            visited_on=on,
            findings="家中确实困难",
            co_investigator=self.co_worker,
            expected_version=fresh(case).version,
            today=on,
        )
        services.do_countersign_survey(self.co_worker, case, expected_version=fresh(case).version, today=on)

    def notice(self, case, on):
        return services.do_start_public_notice(
            self.users["township_officer"],
            case,
            opinion="同意纳入",
            place="村务公开栏",
            expected_version=fresh(case).version,
            today=on,
        )

    def confirm(self, case, on, approve=True, **kw):
        return services.do_confirm_case(
            self.users["county_reviewer"],
            case,
            approve=approve,
            expected_version=fresh(case).version,
            today=on,
            **kw,
        )

    def enrol(self, case, on):
        return services.do_enrol(self.users["township_officer"], case, expected_version=fresh(case).version, today=on)

    def to_notice(self, household, on=ACCEPTED_ON, **kw) -> Case:
        case = self.open(household, on=on, **kw)
        self.accept(case, on=on)
        self.verify(case, on)
        self.survey(case, on)
        self.notice(case, on)
        return fresh(case)

    def to_approved(self, household, on=ACCEPTED_ON, **kw) -> Case:
        case = self.to_notice(household, on=on, **kw)
        self.confirm(case, date(2025, 3, 10))
        return fresh(case)

    def to_enrolled(self, household, on=ACCEPTED_ON, **kw) -> Case:
        case = self.to_approved(household, on=on, **kw)
        self.enrol(case, date(2025, 3, 11))
        return fresh(case)


@pytest.fixture
def walk(users, co_worker, published):  # noqa: F811
    return Walker(users, co_worker)
