"""Who receives what at a glance: the household page's benefits and open-case banner, the registry list's
programme filter and column, and a death recorded from the registry page and the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.cases.models import Case, CaseKind, Enrolment
from doudi.cases.services import do_report_change
from doudi.cases.services.enrolment import create_enrolment, end_enrolment
from doudi.cases.tests.test_views import client_for
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db


def _enrol(household, person, programme, amount, covered=None):
    return create_enrolment(
        None,
        household=household,
        person=person,
        programme=programme,
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        covered=covered or [person.pk],
    )


@pytest.fixture
def families(regions, users, published):  # noqa: F811
    actor = users["village_worker"]
    poor = f.household(regions["lixin"], actor=actor, members=2, head_name="王低保", joined_on=date(2015, 1, 1))
    old = f.household(regions["lixin"], actor=actor, head_name="李高龄", joined_on=date(2015, 1, 1))
    none = f.household(regions["lixin"], actor=actor, head_name="赵无", joined_on=date(2015, 1, 1))
    people = {p.name: p for p in Person.objects.filter(household__in=[poor, old])}
    dibao = _enrol(
        poor, people["王低保"], "dibao", "1500.00", covered=[p.pk for p in people.values() if p.household_id == poor.pk]
    )
    care = _enrol(poor, people["张一"], "disability_care_subsidy", "90.00")
    ended = _enrol(old, people["李高龄"], "longevity_allowance", "100.00")
    end_enrolment(None, ended, last_month=date(2025, 2, 1), reason="测试停发")
    return {"poor": poor, "old": old, "none": none, "people": people, "dibao": dibao, "care": care}  # fmt: skip


def test_the_household_page_shows_what_the_family_receives(families, users):
    poor = families["poor"]
    html = (
        client_for(users["village_worker"]).get(reverse("registry:household_detail", args=[poor.pk])).content.decode()
    )
    section = html.split('id="household-benefits"')[1].split("</section>")[0]
    assert "最低生活保障" in section and "重度残疾人护理补贴" in section
    assert "王低保" in section and "（保障 3 人）" in section and "1,500.00" in section and "2025年1月" in section
    assert "<b>1,590.00</b>" in section  # the total
    assert "发放提醒：未登记银行账号" in section
    assert "dibao" not in section and "active" not in section
    assert 'class="case-banner"' not in html


def test_a_banner_links_the_open_case(families, users):
    poor = families["poor"]
    case = do_report_change(
        users["village_worker"], poor, change_kind="income_change", occurred_on=timezone.localdate(), note="收入增加"
    )
    html = (
        client_for(users["village_worker"]).get(reverse("registry:household_detail", args=[poor.pk])).content.decode()
    )
    banner = html.split('class="case-banner"')[1].split("</p>")[0]
    assert reverse("cases:detail", args=[case.pk]) in banner and case.number in banner


def test_a_family_without_benefits_says_so(families, users):
    html = (
        client_for(users["village_worker"])
        .get(reverse("registry:household_detail", args=[families["old"].pk]))
        .content.decode()
    )
    assert "该家庭目前没有享受按月发放的救助" in html and "高龄津贴" not in html.split('id="household-benefits"')[1]


def test_another_township_sees_neither_the_page_nor_the_benefits(families, users):
    url = reverse("registry:household_detail", args=[families["poor"].pk])
    assert client_for(users["other_village_worker"]).get(url).status_code == 404


def _listed(html: str) -> set[str]:
    table = html.split('id="household-table"')[1].split("</table>")[0] if 'id="household-table"' in html else ""
    return {name for name in ("王低保", "李高龄", "赵无") if name in table}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"王低保", "李高龄", "赵无"}),
        ({"programme": "dibao"}, {"王低保"}),
        ({"programme": "longevity_allowance"}, set()),  # ended: not live
        ({"programme": "longevity_allowance", "benefit": "ended"}, {"李高龄"}),
        ({"benefit": "live"}, {"王低保"}),
        ({"benefit": "none"}, {"李高龄", "赵无"}),
        ({"benefit": "active", "programme": "disability_care_subsidy"}, {"王低保"}),
    ],
)
def test_the_registry_list_filters_by_programme_and_status(families, users, params, expected):
    html = client_for(users["village_worker"]).get(reverse("registry:household_list"), params).content.decode()
    assert _listed(html) == expected


def test_the_registry_list_shows_the_programmes(families, users):
    html = client_for(users["village_worker"]).get(reverse("registry:household_list")).content.decode()
    row = html.split(families["poor"].number)[1].split("</tr>")[0]
    assert "最低生活保障" in row and "重度残疾人护理补贴" in row
    other = client_for(users["other_village_worker"]).get(reverse("registry:household_list"), {"programme": "dibao"})
    assert _listed(other.content.decode()) == set()


def test_an_unknown_programme_is_refused_in_chinese(families, users):
    html = client_for(users["village_worker"]).get(reverse("registry:household_list"), {"programme": "x"})
    assert "救助项目" in html.content.decode() and _listed(html.content.decode()) == set()


def test_the_household_export_follows_the_programme_filter(families, users):
    import io

    from openpyxl import load_workbook

    response = client_for(users["county_reviewer"]).get(reverse("registry:imports:export"), {"programme": "dibao"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    names = {row[5].value for row in sheet.iter_rows(min_row=2)}
    assert names == {"王低保", "张一", "张二"}


def test_recording_a_death_on_the_registry_page_ends_benefits_and_opens_the_change_case(families, users):
    people, care = families["people"], families["care"]
    died = timezone.localdate()
    response = client_for(users["village_worker"]).post(
        reverse("registry:member_remove", args=[people["张一"].pk]),
        {"kind": "died", "left_on": died.isoformat(), "reason": "病故"},
        follow=True,
    )
    html = response.content.decode()
    care.refresh_from_db()
    assert care.status == "ended" and care.end_month == died.replace(day=1)
    case = Case.objects.get(household=families["poor"], kind=CaseKind.CHANGE)
    assert case.change["kind"] == "death"
    assert "已停发 张一 的 重度残疾人护理补贴" in html and f"已立变更案件 {case.number}" in html
    assert f'id="open-case-{case.pk}"' in html  # the banner on the household page the worker lands on


def test_recording_a_death_through_the_api_does_the_same(families, users):
    people, care = families["people"], families["care"]
    client = APIClient()
    client.force_authenticate(users["village_worker"])
    died = timezone.localdate().isoformat()
    url = reverse("api:member_remove", args=[people["张一"].pk])
    response = client.post(url, {"left_on": died, "reason": "病故", "death_date": died}, format="json")
    assert response.status_code == 200, response.content
    assert Enrolment.objects.get(pk=care.pk).status == "ended"
    assert Case.objects.filter(household=families["poor"], kind=CaseKind.CHANGE).count() == 1
    refused = APIClient()
    refused.force_authenticate(users["auditor"])
    other = families["people"]["张二"]
    assert (
        refused.post(
            reverse("api:member_remove", args=[other.pk]),
            {"left_on": died, "reason": "x", "death_date": died},
            format="json",
        ).status_code
        == 403
    )
