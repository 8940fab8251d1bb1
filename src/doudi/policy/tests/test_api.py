"""Policy API: assess a document (试算) or a registered household, with scope and clear errors."""

import json
from datetime import date
from decimal import Decimal

from rest_framework.test import APIClient

from doudi.policy.models import AssessmentRecord
from doudi.regions.models import Level, Region, pad_code
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

DOCUMENT = {
    "as_of": "2025-06-01",
    "area_type": "urban",
    "members": [
        {
            "person_id": "1",
            "name": "户主",
            "birth_date": "1975-03-02",
            "relation": "applicant",
            "incomes": [{"category": "wage", "monthly_amount": "600"}],
        },
        {"person_id": "2", "name": "配偶", "birth_date": "1978-08-12", "relation": "spouse"},
    ],
}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_assess_document_returns_result_with_explanation_and_versions(published, users):
    response = api(users["village_worker"]).post(
        "/api/policy/assess/", {"region": "430981", "household": DOCUMENT}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "dibao"
    assert [v["region"] for v in body["policy_versions"]] == ["430000", "430900", "430981"]
    steps = [s["text_zh"] for p in body["programmes"] for s in p["steps"]]
    assert any("城市低保标准 740.00 元" in s for s in steps)


def test_bad_document_names_the_field(published, users):
    bad = json.loads(json.dumps(DOCUMENT))
    bad["members"][1]["birth_date"] = "1978-13-01"
    response = api(users["village_worker"]).post(
        "/api/policy/assess/", {"region": "430981", "household": bad}, format="json"
    )
    assert response.status_code == 400
    assert "出生日期" in response.json()["message"]


def test_read_only_role_cannot_assess_and_unknown_region_is_explained(published, users):
    assert (
        api(users["auditor"])
        .post("/api/policy/assess/", {"region": "430981", "household": DOCUMENT}, format="json")
        .status_code
        == 403
    )
    Region.objects.create(code=pad_code("110101"), name="东城区", full_name="北京市东城区", level=Level.COUNTY)
    response = api(users["village_worker"]).post(
        "/api/policy/assess/", {"region": "110101", "household": DOCUMENT}, format="json"
    )
    assert response.status_code == 400 and "没有已发布的救助政策参数" in response.json()["message"]
    # A code that is no region is named as such (issue 11), not as a region without policy.
    response = api(users["village_worker"]).post(
        "/api/policy/assess/", {"region": "439999", "household": DOCUMENT}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"] == "地区代码：行政区划代码 439999 不存在。"
    assert response.json()["code"] == "unknown_region"


def test_household_assess_records_and_is_scoped(published, users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"], joined_on=date(2020, 1, 1))
    registry.do_record_evidence(
        users["village_worker"],
        Person.objects.get(household=hh),
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("100")},
        valid_from=date(2024, 1, 1),
    )
    url = f"/api/households/{hh.pk}/assess/"
    response = api(users["township_officer"]).post(url, {"on": "2025-06-01"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dibao"
    assert AssessmentRecord.objects.get(pk=response.json()["assessment_id"]).household == hh
    assert api(users["other_township_officer"]).post(url, {"on": "2025-06-01"}, format="json").status_code == 404


def test_version_list_is_scoped(published, users):
    ids = {v["region"] for v in api(users["foreign_county_reviewer"]).get("/api/policy/versions/").json()}
    assert ids == {"430000000000", "430900000000"}
