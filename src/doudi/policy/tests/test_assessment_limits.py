"""Who keeps an assessment and which dates can be assessed, on every way in.

A city supervisor previews: the same result, nothing written. A date outside 2000-01-01 … the end
of next year is refused with a message naming the field: worksheet, API, household page, command.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.core.errors import DomainError, PermissionDenied
from doudi.policy.assessment import (
    EARLIEST_DATE,
    assessment_date_problem,
    can_record_assessment,
    do_assess_household,
    latest_assessment_date,
    preview_household_assessment,
)
from doudi.policy.models import AssessmentRecord
from doudi.policy.tests.test_api import DOCUMENT
from doudi.policy.tests.test_views import _worksheet
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

ON = "2025-06-01"
BAD_DATES = ["9999-12-31", "1999-12-31", "1900-01-01"]


@pytest.fixture
def household(published, users, regions):
    """A rural household of 立新村, the head earning 200 元 a month."""
    hh = f.household(regions["lixin"], actor=users["village_worker"], joined_on=date(2020, 1, 1))
    registry.do_record_evidence(
        users["village_worker"],
        Person.objects.get(household=hh),
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("200")},
        valid_from=date(2024, 1, 1),
    )
    return hh


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- the rules themselves -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "keeps"),
    [
        ("village_worker", True),
        ("township_officer", True),
        ("county_reviewer", True),
        ("administrator", True),
        ("city_supervisor", False),
        ("auditor", False),
    ],
)
def test_only_roles_that_keep_files_record_assessments(users, role, keeps):
    assert can_record_assessment(users[role]) is keeps


def test_the_date_window_runs_from_2000_to_the_end_of_next_year():
    today = date(2026, 3, 15)
    assert latest_assessment_date(today) == date(2027, 12, 31)
    assert assessment_date_problem(EARLIEST_DATE, today) is None
    assert assessment_date_problem(date(2027, 12, 31), today) is None
    assert assessment_date_problem(today, today) is None
    assert "2000-01-01 至 2027-12-31" in assessment_date_problem(date(2028, 1, 1), today)
    assert "1999-12-31 超出可评估的日期范围" in assessment_date_problem(date(1999, 12, 31), today)
    assert "9999-12-31" in assessment_date_problem(date(9999, 12, 31), today)


def test_a_supervisor_previews_and_nothing_is_written(household, users):
    result, versions, _facts = preview_household_assessment(users["city_supervisor"], household, on=date(2025, 6, 1))
    assert result.status == "dibao" and versions
    with pytest.raises(PermissionDenied, match="市级监管只能试算，不能留存评估记录"):
        do_assess_household(users["city_supervisor"], household, on=date(2025, 6, 1))
    assert not AssessmentRecord.objects.exists()


def test_the_auditor_neither_previews_nor_records(household, users):
    for call in (preview_household_assessment, do_assess_household):
        with pytest.raises(PermissionDenied, match="无权进行救助评估"):
            call(users["auditor"], household, on=date(2025, 6, 1))
    assert not AssessmentRecord.objects.exists()


def test_a_case_step_assessment_is_not_kept_for_a_supervisor(household, users):
    from doudi.cases.assessing import assess_household

    with pytest.raises(PermissionDenied, match="不能留存评估记录"):
        assess_household(users["city_supervisor"], household, on=date(2025, 6, 1))
    assert not AssessmentRecord.objects.exists()


@pytest.mark.parametrize("bad", BAD_DATES)
def test_the_service_refuses_a_date_outside_the_window(household, users, bad):
    with pytest.raises(DomainError, match=f"评估日期：{bad} 超出可评估的日期范围") as caught:
        do_assess_household(users["county_reviewer"], household, on=date.fromisoformat(bad))
    assert caught.value.extra == {"field": "on"}
    assert not AssessmentRecord.objects.exists()


# --- the API ---------------------------------------------------------------------------------------


def test_api_a_supervisor_gets_a_preview_and_nothing_is_stored(household, users):
    url = f"/api/households/{household.pk}/assess/"
    response = _api(users["city_supervisor"]).post(url, {"on": ON}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "dibao" and body["kept"] is False and body["assessment_id"] is None
    assert body["policy_versions"]
    refused = _api(users["city_supervisor"]).post(url, {"on": ON, "keep": True}, format="json")
    assert refused.status_code == 403 and "只能试算" in refused.json()["message"]
    assert _api(users["auditor"]).post(url, {"on": ON}, format="json").status_code == 403
    assert not AssessmentRecord.objects.exists()


def test_api_a_worker_keeps_unless_asking_for_a_preview(household, users):
    url = f"/api/households/{household.pk}/assess/"
    preview = _api(users["village_worker"]).post(url, {"on": ON, "keep": False}, format="json").json()
    assert preview["kept"] is False and not AssessmentRecord.objects.exists()
    kept = _api(users["village_worker"]).post(url, {"on": ON}, format="json").json()
    assert kept["kept"] is True and AssessmentRecord.objects.get().pk == kept["assessment_id"]


@pytest.mark.parametrize("bad", BAD_DATES)
def test_api_household_assessment_refuses_a_date_outside_the_window(household, users, bad):
    response = _api(users["county_reviewer"]).post(f"/api/households/{household.pk}/assess/", {"on": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["message"].startswith(f"评估日期：{bad} 超出可评估的日期范围") and body["extra"]["field"] == "on"
    assert not AssessmentRecord.objects.exists()


@pytest.mark.parametrize("bad", BAD_DATES)
def test_api_document_assessment_refuses_a_date_outside_the_window(published, users, bad):
    client = _api(users["village_worker"])
    response = client.post("/api/policy/assess/", {"region": "430981", "on": bad, "household": DOCUMENT}, format="json")
    assert response.status_code == 400 and response.json()["message"].startswith(f"评估日期：{bad}")
    document = {**DOCUMENT, "as_of": bad}
    response = client.post("/api/policy/assess/", {"region": "430981", "household": document}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith(f"家庭信息·评估日期（as_of）：{bad} 超出")
    assert response.json()["extra"]["field"] == "household.as_of"


# --- the pages -------------------------------------------------------------------------------------


def test_page_a_supervisor_sees_a_preview_and_nothing_is_stored(client, household, users):
    client.force_login(users["city_supervisor"])
    url = reverse("policy:household_assessment", args=[household.pk])
    assert "试算（不留存）" in client.get(url).content.decode()
    text = client.post(url, {"on": ON}).content.decode()
    assert "试算结果，未留存" in text and "农村低保标准 485.00 元" in text
    assert not AssessmentRecord.objects.exists()


def test_page_a_worker_still_keeps_the_assessment(client, household, users):
    client.force_login(users["village_worker"])
    url = reverse("policy:household_assessment", args=[household.pk])
    text = client.post(url, {"on": ON}).content.decode()
    assert "评估并留存" in text and "试算结果，未留存" not in text
    assert AssessmentRecord.objects.count() == 1


def test_page_household_assessment_refuses_a_far_date(client, household, users):
    client.force_login(users["village_worker"])
    url = reverse("policy:household_assessment", args=[household.pk])
    text = client.post(url, {"on": "9999-12-31"}, follow=True).content.decode()
    assert "评估日期：9999-12-31 超出可评估的日期范围" in text
    assert not AssessmentRecord.objects.exists()


@pytest.mark.parametrize("bad", BAD_DATES)
def test_worksheet_refuses_a_date_outside_the_window_on_its_field(client, published, users, bad):
    client.force_login(users["village_worker"])
    response = client.post(reverse("policy:worksheet"), _worksheet() | {"on": bad})
    assert response.status_code == 200
    assert response.context["form"].errors["on"] == [
        f"评估日期：{bad} 超出可评估的日期范围（2000-01-01 至 {latest_assessment_date().isoformat()}），"
        "请检查年份是否输入有误。"
    ]
    assert response.context["result"] is None
    assert f"评估日期：{bad} 超出" in response.content.decode()


def test_worksheet_accepts_the_end_of_next_year(client, published, users):
    client.force_login(users["village_worker"])
    last = latest_assessment_date(timezone.localdate()).isoformat()
    response = client.post(reverse("policy:worksheet"), _worksheet() | {"on": last})
    assert "on" not in response.context["form"].errors


# --- the command -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", BAD_DATES)
def test_command_refuses_a_date_outside_the_window(published, tmp_path, bad):
    path = tmp_path / "household.json"
    path.write_text(json.dumps(DOCUMENT), encoding="utf-8")
    with pytest.raises(CommandError, match=f"--date（评估日期）：{bad} 超出可评估的日期范围"):
        call_command("assess", str(path), "--region", "430981", "--date", bad)
    path.write_text(json.dumps({**DOCUMENT, "as_of": bad}), encoding="utf-8")
    with pytest.raises(CommandError, match=f"家庭信息 as_of（评估日期）：{bad} 超出"):
        call_command("assess", str(path), "--region", "430981")
