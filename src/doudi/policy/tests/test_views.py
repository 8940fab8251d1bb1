"""Policy pages: read, draft, publish, worksheet and household assessment, by role and region."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from doudi.policy.models import AssessmentRecord, PolicyVersion, VersionStatus
from doudi.policy.tests.conftest import with_urban_standard
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


def login(client, user):
    client.force_login(user)
    return client


def test_version_pages_show_resolved_values_with_their_source(client, published, users):
    login(client, users["village_worker"])
    page = client.get(reverse("policy:version_list"))
    assert page.status_code == 200 and "沅江市" in page.content.decode()
    detail = client.get(reverse("policy:version_detail", args=[published["yuanjiang"].pk]) + "?on=2025-03-01")
    text = detail.content.decode()
    assert "dibao.standard_urban" in text and "740" in text and "湖南省（430000）" in text


def test_draft_publish_flow_through_the_pages(client, published, users):
    login(client, users["county_reviewer"])
    content = with_urban_standard(published["yuanjiang"].content, 760)
    response = client.post(
        reverse("policy:draft_new") + f"?based_on={published['yuanjiang'].pk}", {"content": content, "region": "430981"}
    )
    draft = PolicyVersion.objects.get(status=VersionStatus.DRAFT)
    assert response.status_code == 302 and draft.based_on == published["yuanjiang"]
    # A county reviewer cannot publish; a city supervisor can.
    assert client.post(reverse("policy:publish", args=[draft.pk]), {"reason": "x"}).status_code == 403
    login(client, users["city_supervisor"])
    client.post(reverse("policy:publish", args=[draft.pk]), {"reason": "益民发〔2025〕7号"})
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and draft.publish_reason == "益民发〔2025〕7号"


def test_bad_draft_shows_the_parameter_and_saves_nothing(client, published, users):
    login(client, users["county_reviewer"])
    content = published["yuanjiang"].content.replace("value = 485 }", "value = -485 }")
    response = client.post(reverse("policy:draft_new"), {"content": content, "region": "430981"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "dibao.standard_rural" in html and "金额不能为负数" in html
    assert PolicyVersion.objects.count() == 3


def test_foreign_county_cannot_open_our_draft(client, published, users):
    login(client, users["county_reviewer"])
    client.post(reverse("policy:draft_new"), {"content": published["yuanjiang"].content, "region": "430981"})
    draft = PolicyVersion.objects.get(status=VersionStatus.DRAFT)
    login(client, users["foreign_county_reviewer"])
    assert client.get(reverse("policy:version_detail", args=[draft.pk])).status_code == 404


def _worksheet(**members):
    data = {
        "on": "2025-06-01",
        "region": "430981",
        "area_type": "urban",
        "financial_assets": "0",
        "houses": "1",
        "cars": "0",
        "car_value": "0",
        "business_capital": "0",
        "m-TOTAL_FORMS": "2",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
    }
    rows = [
        {"name": "户主", "birth_date": "1975-03-02", "relation": "applicant", "wage": "600"},
        {
            "name": "配偶",
            "birth_date": "1978-08-12",
            "relation": "spouse",
            "disability_category": "physical",
            "disability_grade": "1",
        },
    ]
    for i, row in enumerate(rows):
        row = {"labour_capacity": "full", "schooling": "none", **row, **members.get(str(i), {})}
        data.update({f"m-{i}-{k}": v for k, v in row.items()})
    return data


def test_worksheet_explains_the_result(client, published, users):
    login(client, users["village_worker"])
    text = client.post(reverse("policy:worksheet"), _worksheet()).content.decode()
    assert "最低生活保障" in text and "城市低保标准 740.00 元" in text and "重度残疾" in text


def test_worksheet_reports_bad_member_data(client, published, users):
    login(client, users["village_worker"])
    text = client.post(reverse("policy:worksheet"), _worksheet(**{"1": {"birth_date": ""}})).content.decode()
    assert "出生日期" in text and "家庭信息有误" in text


def test_household_assessment_page_records_and_scopes(client, published, users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"], joined_on=date(2020, 1, 1))
    head = Person.objects.get(household=hh)
    registry.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("200")},
        valid_from=date(2024, 1, 1),
    )
    login(client, users["village_worker"])
    url = reverse("policy:household_assessment", args=[hh.pk])
    text = client.post(url, {"on": "2025-06-01"}).content.decode()
    assert "农村低保标准 485.00 元" in text
    assert AssessmentRecord.objects.filter(household=hh).count() == 1
    login(client, users["other_village_worker"])
    assert client.get(url).status_code == 404
    login(client, users["auditor"])
    assert client.post(url, {"on": "2025-06-01"}).status_code == 403


@pytest.mark.parametrize("role", ["village_worker", "auditor"])
def test_roles_without_edit_policy_cannot_open_the_draft_editor(client, published, users, role):
    login(client, users[role])
    response = client.get(reverse("policy:draft_new"))
    assert response.status_code == 403 and "您的角色无权执行此操作。" in response.content.decode()
