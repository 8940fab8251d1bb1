"""The statistics pages (table, drill-down, print view) and their exports read in Chinese."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases.services.enrolment import create_enrolment
from doudi.core.tests.labels.test_pages_in_chinese import document_text
from doudi.core.tests.labels.visible import problems_in
from doudi.registry.models import Person
from doudi.registry.tests import factories as f
from doudi.reports.selectors import drill_url

pytestmark = pytest.mark.django_db


def test_statistics_pages_read_in_chinese(regions, users):
    admin = UserFactory(role=Role.ADMINISTRATOR, region=regions["hunan"])
    hh = f.household(regions["lixin"], actor=admin, head_name="张三", members=1)
    head = Person.objects.get(household=hh, relation="head")
    create_enrolment(
        None, household=hh, person=head, programme="dibao", start_month=date(2025, 1, 1),
        monthly_amount=Decimal("650"), reason="测试纳入",
    )  # fmt: skip
    month = date.today().replace(day=1)
    who = users["county_reviewer"]
    client = Client()
    client.force_login(who)
    query = {"region": "430981000000", "month": f"{month:%Y-%m}"}
    answers = [
        client.get(reverse("reports:table"), query),
        client.get(reverse("reports:table"), {**query, "period": "quarter"}),
        client.get(reverse("reports:table"), {**query, "print": "1"}),
        client.get(reverse("reports:table"), {**query, "format": "xlsx"}),
        client.get(reverse("reports:table"), {**query, "format": "csv"}),
        client.get(drill_url("430981000000", month, "dibao_households")),
    ]
    problems = []
    for answer in answers:
        assert answer.status_code == 200, answer
        text = document_text(answer)
        assert text
        problems += problems_in(text, ignore=(who.username,))
    assert "张三" in document_text(answers[-1])
    assert not problems, "\n".join(sorted(set(problems)))
