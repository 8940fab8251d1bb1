"""Household documents: good ones load, bad ones are refused with Chinese field paths."""

import json
from datetime import date
from decimal import Decimal

import pytest

from ..errors import FactsError
from ..facts_loader import facts_from_dict

GOOD = {
    "as_of": "2025-03-01",
    "area_type": "urban",
    "household_id": "H1",
    "financial_assets": "12000.00",
    "vehicles": [{"kind": "motorcycle", "value": "3000"}],
    "houses": 1,
    "rigid_expenses_12m": [{"category": "medical", "amount": "30000"}],
    "current_dibao": {"monthly_amount": "1282.50", "exceeded_since": "2025-02-01"},
    "temporary_need": {
        "kind": "emergency",
        "event": "fire",
        "occurred_on": "2025-02-20",
        "amount": "5000",
        "fast": True,
    },
    "members": [
        {
            "person_id": "430981198001010011",
            "birth_date": "1980-01-01",
            "relation": "applicant",
            "incomes": [
                {"category": "wage", "monthly_amount": "1500.00"},
                {"category": "scholarship", "monthly_amount": 200},
            ],
        },
        {
            "person_id": "P2",
            "birth_date": "1950-05-05",
            "relation": "parent",
            "disability": {"category": "mental", "grade": 3},
            "needs_long_term_care": True,
            "self_care": {
                "eating": True,
                "dressing": False,
                "transfer": False,
                "toileting": True,
                "walking": True,
                "bathing": False,
            },
            "supporters": [{"birth_date": "1975-01-01", "is_dibao": True}],
            "other_benefits": [{"kind": "elderly_care_subsidy", "monthly_amount": "100"}],
        },
        {
            "person_id": "P3",
            "birth_date": "2012-09-01",
            "schooling": "compulsory",
            "parents": [{"situation": "deceased"}, {"situation": "lost_contact", "since": "2024-01-01"}],
        },
    ],
}


def test_good_document_loads():
    facts = facts_from_dict(json.loads(json.dumps(GOOD)))
    assert facts.as_of == date(2025, 3, 1)
    assert facts.members[0].incomes[0].monthly_amount == Decimal("1500.00")
    assert facts.members[1].self_care_unable == 3
    assert facts.members[1].disability.severe
    assert facts.members[2].parents[1].since == date(2024, 1, 1)
    assert facts.temporary_need.fast is True


def problems(data):
    with pytest.raises(FactsError) as exc:
        facts_from_dict(data)
    return exc.value


def test_bad_date_names_the_member_and_field():
    """The message names the field in Chinese with the member's 1-based number."""
    bad = json.loads(json.dumps(GOOD))
    bad["members"][1]["birth_date"] = "2023-13-01"
    err = problems(bad)
    assert err.problems == ['成员[2].出生日期: 不是有效日期 "2023-13-01"（应为 YYYY-MM-DD）']
    assert err.extra["paths"] == ["members[1].birth_date"]
    assert err.as_dict()["code"] == "invalid_facts"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("as_of"), "认定日期: 必填"),
        (lambda d: d.update(area_type="town"), '城乡类别: 不认识的取值 "town"'),
        (
            lambda d: d["members"][0]["incomes"][0].update(monthly_amount=1500.5),
            "成员[1].收入[1].月均金额: 不是有效金额",
        ),
        (
            lambda d: d["members"][0]["incomes"][0].update(monthly_amount="-1"),
            "成员[1].收入[1].月均金额: 金额不能为负数",
        ),
        (
            lambda d: d["members"][0]["incomes"][0].update(category="lottery"),
            '成员[1].收入[1].类别: 不认识的取值 "lottery"',
        ),
        (
            lambda d: d["members"][1]["disability"].update(grade=5),
            "成员[2].残疾.等级: 应为 1 到 4 之间的整数",
        ),
        (
            lambda d: d["members"][1]["self_care"].update(eating="yes"),
            "成员[2].生活自理评估.自主吃饭: 应为 true 或 false",
        ),
        (
            lambda d: d["members"][2]["parents"][1].update(since="soon"),
            "成员[3].父母[2].起始日期: 不是有效日期",
        ),
        (lambda d: d["members"][2].update(person_id="P2"), '成员: 人员编号 "P2" 重复'),
        (lambda d: d.update(members=[]), "成员: 至少需要一名成员"),
        (lambda d: d["temporary_need"].update(kind="lottery"), "临时救助事由.类型: 不认识的取值"),
        (lambda d: d["members"][1].update(self_care_unable=2), "与“生活自理不能项数”只能填写其一"),
    ],
    ids=[
        "missing date",
        "bad area",
        "float amount",
        "negative amount",
        "unknown income",
        "grade 5",
        "self-care not bool",
        "bad parent date",
        "duplicate id",
        "no members",
        "bad temporary kind",
        "both self-care forms",
    ],
)
def test_bad_household_documents(mutate, expected):
    bad = json.loads(json.dumps(GOOD))
    mutate(bad)
    err = problems(bad)
    assert any(expected in p for p in err.problems), err.problems


def test_all_problems_are_reported_at_once():
    bad = json.loads(json.dumps(GOOD))
    bad["area_type"] = "x"
    bad["members"][0]["birth_date"] = "x"
    bad["members"][2]["schooling"] = "x"
    assert len(problems(bad).problems) == 3
