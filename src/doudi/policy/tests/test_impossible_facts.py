"""Impossible facts are refused with a Chinese message naming the field, on every road into an assessment.

Roads: the worksheet (``/policy/assess/``), the API (``/api/policy/assess/``), ``doudi assess`` and
``assess_facts`` itself (which the case and household assessments use). The registry's own roads
(forms, API, import) are tested in ``registry/tests/test_new_evidence.py`` and
``registry/imports/tests/test_impossible_facts.py``.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.core.errors import DomainError
from doudi.policy.assessment import assess_facts
from doudi.policy.engine import facts_from_dict
from doudi.policy.plausibility import birth_date_problem, earliest_birth_date, facts_problems
from doudi.policy.tests.test_views import _worksheet, login


def _doc(**member) -> dict:
    return {
        "as_of": "2025-06-01",
        "area_type": "urban",
        "members": [{"person_id": "1", "name": "户主", "birth_date": "1975-03-02", "relation": "applicant", **member}],
    }


def test_birth_dates_inside_the_120_years_before_the_assessment_are_accepted():
    on = date(2025, 6, 1)
    assert earliest_birth_date(on) == date(1905, 6, 1)
    assert birth_date_problem(date(1905, 6, 1), on) is None
    assert birth_date_problem(on, on) is None
    assert "晚于评估日期 2025-06-01" in birth_date_problem(date(2025, 6, 2), on)
    assert "120 年以上" in birth_date_problem(date(1905, 5, 31), on)
    assert earliest_birth_date(date(2020, 2, 29)) == date(1900, 2, 28)  # 1900 was no leap year


def test_facts_problems_name_member_and_field():
    facts = facts_from_dict(_doc(birth_date="2025-07-01"))
    assert facts_problems(facts) == ["成员[1]（户主）.出生日期：2025-07-01 晚于评估日期 2025-06-01"]


def test_assess_facts_refuses_a_birth_date_after_the_assessment(published):
    facts = facts_from_dict(_doc(birth_date="1890-01-01"))
    with pytest.raises(DomainError) as refused:
        assess_facts(facts, "430981", date(2025, 6, 1))
    assert refused.value.code == "invalid"
    assert "成员[1]（户主）.出生日期：1890-01-01 早于评估日期 2025-06-01 120 年以上" in refused.value.message


def test_assess_facts_names_a_region_that_does_not_exist(published):
    facts = facts_from_dict(_doc())
    with pytest.raises(DomainError) as refused:
        assess_facts(facts, "439999", date(2025, 6, 1))
    assert refused.value.code == "unknown_region"
    assert refused.value.message == "地区代码：行政区划代码 439999 不存在。"
    with pytest.raises(DomainError, match="行政区划代码 43098 不存在"):
        assess_facts(facts, "43098", date(2025, 6, 1))


# ------------------------------------------------------------------------------- the worksheet


@pytest.mark.parametrize(
    "household,member,message",
    [
        ({}, {"birth_date": "2025-06-02"}, "出生日期：2025-06-02 晚于评估日期 2025-06-01。"),
        ({}, {"birth_date": "1905-05-31"}, "出生日期：1905-05-31 早于评估日期 2025-06-01 120 年以上"),
        ({}, {"disability_category": "physical", "disability_grade": "5"}, "残疾等级：选择一个有效的选项"),
        ({"region": "439999"}, {}, "地区代码（县级 6 位或村级 12 位）：行政区划代码 439999 不存在。"),
        ({"expense_medical": "-1"}, {}, "近12个月医疗支出（元）：确保该值大于或等于0"),
        ({}, {"wage": "-100"}, "工资/经营月收入：确保该值大于或等于0"),
        ({}, {"father_since": "2024-01-01"}, "父亲情形：填写了日期时必填。"),
    ],
)
def test_worksheet_refuses_impossible_facts_naming_the_field(client, published, users, household, member, message):
    login(client, users["village_worker"])
    data = {**_worksheet(**{"0": member}), **household}
    response = client.post(reverse("policy:worksheet"), data)
    text = response.content.decode()
    assert message in text
    assert "评估结果" not in text


# ------------------------------------------------------------------------------- the API


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "member,message",
    [
        ({"birth_date": "2026-01-01"}, "成员[1]（户主）.出生日期：2026-01-01 晚于评估日期 2025-06-01"),
        ({"birth_date": "1900-01-01"}, "成员[1]（户主）.出生日期：1900-01-01 早于评估日期 2025-06-01 120 年以上"),
        ({"disability": {"category": "physical", "grade": 5}}, "成员[1].残疾.等级: 应为 1 到 4 之间的整数"),
        ({"incomes": [{"category": "wage", "monthly_amount": "-5"}]}, "成员[1].收入[1].月均金额: 金额不能为负数"),
    ],
)
def test_api_refuses_impossible_facts_naming_the_field(published, users, member, message):
    response = _api(users["village_worker"]).post(
        "/api/policy/assess/", {"region": "430981", "household": _doc(**member)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]


# ------------------------------------------------------------------------------- doudi assess


@pytest.mark.parametrize(
    "member,region,message",
    [
        ({"birth_date": "2025-06-02"}, "430981", "出生日期：2025-06-02 晚于评估日期 2025-06-01"),
        ({"birth_date": "1899-12-31"}, "430981", "出生日期：1899-12-31 早于评估日期 2025-06-01 120 年以上"),
        ({"disability": {"category": "mental", "grade": 0}}, "430981", "残疾.等级: 应为 1 到 4 之间的整数"),
        ({"medical_costs_monthly": "-1"}, "430981", "月均自付医疗费: 金额不能为负数"),
        ({}, "999999", "行政区划代码 999999 不存在"),
    ],
)
def test_doudi_assess_refuses_impossible_facts(published, tmp_path, member, region, message):
    path = tmp_path / "household.json"
    path.write_text(json.dumps(_doc(**member)), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("assess", str(path), "--region", region)
    assert message in str(refused.value)
