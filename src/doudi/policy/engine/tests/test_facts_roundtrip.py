"""A household file holding every fact, each away from its default, reads back to exactly those facts.

``doudi assess FILE`` and the API read households through ``facts_from_dict``; a field read under the
wrong key, a default that overrides a given value or a conversion that drops a digit would change the
facts silently. Writing the loaded facts back out (``dataclasses.asdict``) and reading them again must
give the same facts, and every value below differs from what the loader assumes when a field is left
out, so each field's reading is checked. The rows of ``EXPECTED`` pin a few of them by hand.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from decimal import Decimal

import pytest

from ..errors import FactsError
from ..facts_loader import facts_from_dict

FULL = {
    "as_of": "2025-03-01",
    "area_type": "rural",
    "household_id": "H9",
    "financial_assets": "12345.67",
    "vehicles": [{"kind": "car", "value": "48000"}, {"kind": "disability_vehicle", "value": "9000"}],
    "houses": 2,
    "non_residential_properties": 1,
    "business_capital": "3000.50",
    "rigid_expenses_12m": [{"category": "education", "amount": "8000"}, {"category": "medical", "amount": "21000"}],
    "income_12m": "15000.25",
    "current_dibao": {"monthly_amount": "612.30", "exceeded_since": "2025-01-01", "employment_related": False},
    "temporary_need": {
        "kind": "expense",
        "event": "medical",
        "occurred_on": "2025-02-11",
        "amount": "7300.40",
        "other_aid": "1200",
        "fast": False,
    },
    "members": [
        {
            "person_id": "A1",
            "name": "甲",
            "birth_date": "1979-04-30",
            "relation": "applicant",
            "incomes": [{"category": "business", "monthly_amount": "321.09"}],
            "disability": {"category": "physical", "grade": 2},
            "serious_illness": True,
            "chronic_medication": True,
            "labour_capacity": "partial",
            "self_care_unable": 2,
            "schooling": "higher",
            "residence": "institution",
            "needs_long_term_care": True,
            "medical_costs_monthly": "88.80",
            "disability_costs_monthly": "66.60",
            "job_refusals": 2,
            "exclusion": "drug_rehab",
            "has_capable_supporter": False,
            "supporters": [
                {
                    "birth_date": "1950-02-02",
                    "is_extreme_poverty": True,
                    "is_dibao": True,
                    "severe_disability": True,
                    "legal_status": "imprisoned",
                    "annual_income_per_capita": "9000.10",
                    "property_within_low_income_rules": True,
                }
            ],
            "other_benefits": [{"kind": "work_injury_care", "monthly_amount": "455.50"}],
            "child_benefit_choice": "extreme_poverty",
        },
        {
            "person_id": "C2",
            "name": "乙",
            "birth_date": "2013-12-31",
            "relation": "grandchild",
            "labour_capacity": "none",
            "schooling": "secondary_vocational",
            "has_capable_supporter": True,
            "parents": [
                {"situation": "imprisoned", "since": "2022-06-01", "until": "2031-05-31"},
                {"situation": "lost_contact", "since": "2024-01-01"},
            ],
            "child_benefit_choice": "child_allowance",
        },
    ],
}


def _plain(value):
    if isinstance(value, date | Decimal):
        return str(value)
    raise TypeError(type(value))


def _written_back(facts) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(facts), default=_plain))


def test_every_fact_reads_back_to_itself():
    facts = facts_from_dict(copy.deepcopy(FULL))
    assert facts_from_dict(_written_back(facts)) == facts


def _assert_holds(given, read, path="") -> None:
    """Every value the file gives, at any depth, is the value read (dates and amounts as written)."""
    if isinstance(given, dict):
        for key, value in given.items():
            assert key in read, f"{path}.{key} not read"
            _assert_holds(value, read[key], f"{path}.{key}")
    elif isinstance(given, list):
        assert len(given) == len(read), path
        for index, (g, r) in enumerate(zip(given, read, strict=True)):
            _assert_holds(g, r, f"{path}[{index}]")
    else:
        assert read == given and type(read) is type(given), (path, given, read)


def test_every_value_of_the_file_is_the_value_read():
    _assert_holds(FULL, _written_back(facts_from_dict(copy.deepcopy(FULL))))


def test_no_field_is_left_at_its_default():
    """Each value of FULL differs from the facts of the same file with that field left out."""
    full = facts_from_dict(copy.deepcopy(FULL))
    for key in FULL:
        if key in ("as_of", "area_type", "members"):
            continue
        bare = copy.deepcopy(FULL)
        del bare[key]
        assert facts_from_dict(bare) != full, key
    for index, member in enumerate(FULL["members"]):
        for key in member:
            if key in ("person_id", "name", "birth_date"):
                continue
            bare = copy.deepcopy(FULL)
            del bare["members"][index][key]
            assert facts_from_dict(bare) != full, (index, key)


EXPECTED = [
    # (path into the facts, value by hand)
    (lambda f: f.area_type, "rural"),
    (lambda f: f.financial_assets, Decimal("12345.67")),
    (
        lambda f: [(v.kind, v.value) for v in f.vehicles],
        [("car", Decimal("48000")), ("disability_vehicle", Decimal("9000"))],
    ),
    (lambda f: (f.houses, f.non_residential_properties), (2, 1)),
    (lambda f: f.business_capital, Decimal("3000.50")),
    (
        lambda f: [(e.category, e.amount) for e in f.rigid_expenses_12m],
        [("education", Decimal("8000")), ("medical", Decimal("21000"))],
    ),
    (lambda f: f.income_12m, Decimal("15000.25")),
    (
        lambda f: (f.current_dibao.monthly_amount, f.current_dibao.exceeded_since, f.current_dibao.employment_related),
        (Decimal("612.30"), date(2025, 1, 1), False),
    ),
    (
        lambda f: (
            f.temporary_need.kind,
            f.temporary_need.event,
            f.temporary_need.amount,
            f.temporary_need.other_aid,
            f.temporary_need.fast,
        ),
        ("expense", "medical", Decimal("7300.40"), Decimal("1200"), False),
    ),
    (
        lambda f: (f.members[0].birth_date, f.members[0].relation, f.members[0].name),
        (date(1979, 4, 30), "applicant", "甲"),
    ),
    (lambda f: [(i.category, i.monthly_amount) for i in f.members[0].incomes], [("business", Decimal("321.09"))]),
    (lambda f: (f.members[0].disability.category, f.members[0].disability.grade), ("physical", 2)),
    (
        lambda f: (f.members[0].self_care_unable, f.members[0].job_refusals, f.members[0].exclusion),
        (2, 2, "drug_rehab"),
    ),
    (
        lambda f: (f.members[0].medical_costs_monthly, f.members[0].disability_costs_monthly),
        (Decimal("88.80"), Decimal("66.60")),
    ),
    (lambda f: f.members[0].supporters[0].annual_income_per_capita, Decimal("9000.10")),
    (lambda f: f.members[0].supporters[0].legal_status, "imprisoned"),
    (
        lambda f: [(o.kind, o.monthly_amount) for o in f.members[0].other_benefits],
        [("work_injury_care", Decimal("455.50"))],
    ),
    (
        lambda f: [(p.situation, p.since, p.until) for p in f.members[1].parents],
        [("imprisoned", date(2022, 6, 1), date(2031, 5, 31)), ("lost_contact", date(2024, 1, 1), None)],
    ),
    (
        lambda f: (f.members[1].schooling, f.members[1].labour_capacity, f.members[1].child_benefit_choice),
        ("secondary_vocational", "none", "child_allowance"),
    ),
]


@pytest.mark.parametrize(("read", "expected"), EXPECTED)
def test_values_by_hand(read, expected):
    assert read(facts_from_dict(copy.deepcopy(FULL))) == expected


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("financial_assets",), "-1", "金融资产"),
        (("houses",), -1, "住房套数"),
        (("income_12m",), "abc", "近12个月家庭总收入"),
        (("members", 0, "job_refusals"), -1, "成员[1].无正当理由拒绝就业次数"),
        (("members", 0, "self_care_unable"), 7, "成员[1].生活自理不能项数"),
        (("members", 0, "exclusion"), "holiday", "成员[1]"),
        (("members", 1, "parents", 0, "situation"), "away", "成员[2]"),
        (("members", 0, "supporters", 0, "birth_date"), "1950-13-01", "成员[1]"),
    ],
)
def test_a_bad_value_anywhere_is_refused_naming_its_place(path, value, message):
    data = copy.deepcopy(FULL)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(FactsError) as exc:
        facts_from_dict(data)
    assert message in exc.value.message, exc.value.message


MINIMAL = {
    "as_of": "2025-03-01",
    "area_type": "urban",
    "current_dibao": {"monthly_amount": "100"},
    "temporary_need": {"kind": "emergency", "event": "fire", "occurred_on": "2025-02-20", "amount": "10"},
    "members": [
        {
            "person_id": "P1",
            "name": "丙",
            "birth_date": "1990-01-01",
            "supporters": [{"birth_date": "1960-01-01"}],
            "parents": [{"situation": "deceased"}],
        }
    ],
}


def test_what_a_file_leaves_out_takes_the_documented_default():
    read = _written_back(facts_from_dict(copy.deepcopy(MINIMAL)))
    member = read["members"][0]
    assert {k: member[k] for k in member if k not in ("supporters", "parents")} == {
        "person_id": "P1",
        "birth_date": "1990-01-01",
        "relation": "other",
        "name": "丙",
        "incomes": [],
        "disability": None,
        "serious_illness": False,
        "chronic_medication": False,
        "labour_capacity": "full",
        "self_care_unable": None,
        "schooling": "none",
        "residence": "home",
        "needs_long_term_care": False,
        "medical_costs_monthly": "0",
        "disability_costs_monthly": "0",
        "job_refusals": 0,
        "exclusion": None,
        "has_capable_supporter": None,
        "other_benefits": [],
        "child_benefit_choice": "auto",
    }
    assert member["supporters"] == [
        {
            "birth_date": "1960-01-01",
            "is_extreme_poverty": False,
            "is_dibao": False,
            "severe_disability": False,
            "legal_status": "none",
            "annual_income_per_capita": None,
            "property_within_low_income_rules": False,
        }
    ]
    assert member["parents"] == [{"situation": "deceased", "since": None, "until": None}]
    assert read["current_dibao"] == {"monthly_amount": "100", "exceeded_since": None, "employment_related": True}
    assert read["temporary_need"] == {
        "kind": "emergency",
        "event": "fire",
        "occurred_on": "2025-02-20",
        "amount": "10",
        "other_aid": "0",
        "fast": False,
    }
    assert {k: read[k] for k in ("household_id", "financial_assets", "vehicles", "houses")} == {
        "household_id": "",
        "financial_assets": "0",
        "vehicles": [],
        "houses": 0,
    }
    assert {k: read[k] for k in ("non_residential_properties", "business_capital", "rigid_expenses_12m")} == {
        "non_residential_properties": 0,
        "business_capital": "0",
        "rigid_expenses_12m": [],
    }
    assert read["income_12m"] is None


BAD_AT = [
    # (JSON path as the loader reports it, the bad value)
    ("financial_assets", "x"),
    ("houses", "x"),
    ("non_residential_properties", -1),
    ("business_capital", "x"),
    ("income_12m", "x"),
    ("vehicles[0].kind", "boat"),
    ("vehicles[0].value", "x"),
    ("rigid_expenses_12m[1].category", "x"),
    ("rigid_expenses_12m[0].amount", "x"),
    ("current_dibao.monthly_amount", "x"),
    ("current_dibao.exceeded_since", "x"),
    ("current_dibao.employment_related", "x"),
    ("temporary_need.kind", "x"),
    ("temporary_need.event", "x"),
    ("temporary_need.occurred_on", "x"),
    ("temporary_need.amount", "x"),
    ("temporary_need.other_aid", "x"),
    ("temporary_need.fast", "x"),
    ("members[0].person_id", ""),
    ("members[0].birth_date", "x"),
    ("members[0].relation", "x"),
    ("members[0].incomes[0].category", "x"),
    ("members[0].incomes[0].monthly_amount", "x"),
    ("members[0].disability.category", "x"),
    ("members[0].disability.grade", 5),
    ("members[0].serious_illness", "x"),
    ("members[0].chronic_medication", "x"),
    ("members[0].labour_capacity", "x"),
    ("members[0].self_care_unable", 7),
    ("members[0].schooling", "x"),
    ("members[0].residence", "x"),
    ("members[0].needs_long_term_care", "x"),
    ("members[0].medical_costs_monthly", "x"),
    ("members[0].disability_costs_monthly", "x"),
    ("members[0].job_refusals", "x"),
    ("members[0].exclusion", "x"),
    ("members[0].has_capable_supporter", "x"),
    ("members[0].supporters[0].birth_date", "x"),
    ("members[0].supporters[0].is_extreme_poverty", "x"),
    ("members[0].supporters[0].is_dibao", "x"),
    ("members[0].supporters[0].severe_disability", "x"),
    ("members[0].supporters[0].legal_status", "x"),
    ("members[0].supporters[0].annual_income_per_capita", "x"),
    ("members[0].supporters[0].property_within_low_income_rules", "x"),
    ("members[0].other_benefits[0].kind", "x"),
    ("members[0].other_benefits[0].monthly_amount", "x"),
    ("members[0].child_benefit_choice", "x"),
    ("members[1].parents[0].situation", "x"),
    ("members[1].parents[0].since", "x"),
    ("members[1].parents[0].until", "x"),
]


def _set(data, path: str, value) -> None:
    steps = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        steps.append(name)
        steps.extend(int(i) for i in rest.replace("]", "[").split("[") if i)
    target = data
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = value


@pytest.mark.parametrize(("path", "value"), BAD_AT)
def test_a_bad_value_is_reported_at_exactly_its_place(path, value):
    data = copy.deepcopy(FULL)
    _set(data, path, value)
    with pytest.raises(FactsError) as exc:
        facts_from_dict(data)
    assert exc.value.extra["paths"] == [path]
    (problem,) = exc.value.extra["problems"]
    assert problem.startswith(exc.value.message.split("：")[0].split(": ")[0])
    assert ": " in problem and problem.split(": ", 1)[1]
