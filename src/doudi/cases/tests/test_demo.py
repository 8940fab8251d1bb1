"""manage.py seed_demo_cases: demo case work through the real services, so every demo inbox has items."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from doudi.accounts.demo import ensure_demo_users
from doudi.cases.models import Case, CaseEvent, Enrolment
from doudi.cases.selectors import inbox
from doudi.cases.workflow import CaseStatus
from doudi.policy.models import AssessmentRecord

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("seed_demo_cases", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_county(regions):
    users = {u.username: u for u in ensure_demo_users()}
    call_command("load_policies", stdout=StringIO())
    call_command("generate_demo", households=300, county="430981", seed=2025, stdout=StringIO())
    return users


def test_cases_at_every_stage_fill_the_demo_inboxes_and_a_second_run_changes_nothing(demo_county):
    summary = _run("--seed", "2025", "--today", "2026-06-15")
    assert "已生成演示案件" in summary

    cases = Case.objects.filter(region__code__startswith="430981")
    assert 30 <= cases.count() <= 45
    assert cases.filter(region__code__startswith="430981114").count() > cases.count() * 0.8
    statuses = set(cases.values_list("status", flat=True))
    assert {
        CaseStatus.SUBMITTED,
        CaseStatus.MATERIALS_PENDING,
        CaseStatus.ACCEPTED,
        CaseStatus.SURVEYED,
        CaseStatus.IN_NOTICE,
        CaseStatus.APPROVED,
        CaseStatus.REFUSED,
        CaseStatus.ENROLLED,
        CaseStatus.PAPERWORK_PENDING,
        CaseStatus.CLOSED,
    } <= statuses
    enrolments = Enrolment.objects.filter(household__region__code__startswith="430981")
    assert enrolments.exists()
    # Each enrolment's amount history starts at its start month with an amount actually paid.
    first = {e.pk: e.changes.order_by("effective_month", "pk").first() for e in enrolments}
    assert all(first[e.pk].effective_month == e.start_month and first[e.pk].monthly_amount > 0 for e in enrolments)
    # Every case went through the services: its steps are on its timeline.
    assert not cases.exclude(pk__in=CaseEvent.objects.values("case")).exists()

    for name in ("village_worker", "township_officer", "county_reviewer"):
        box = inbox(actor=demo_county[name])
        assert box.items, name
    assert inbox(actor=demo_county["county_reviewer"]).overdue > 0
    assert "confirm_case" in inbox(actor=demo_county["county_reviewer"]).counts
    assert "countersign_survey" in inbox(actor=demo_county["village_worker3"]).counts

    counts = (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Enrolment.objects.count(),
        AssessmentRecord.objects.count(),
    )
    again = _run("--seed", "2025", "--today", "2026-06-15")
    assert "不再重复生成" in again
    assert counts == (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Enrolment.objects.count(),
        AssessmentRecord.objects.count(),
    )
