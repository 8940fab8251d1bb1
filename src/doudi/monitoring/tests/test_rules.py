"""Each alert rule: a feed (or registry state) that must raise it and one that must not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from doudi.cases.models import Case, RelativeDeclaration
from doudi.monitoring.models import Alert
from doudi.monitoring.rules import RULES
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.tests.conftest import ON, enrol, head_of, vehicle_row, write_feed
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


@dataclass
class Ctx:
    tmp: Path
    hh: object  # the dibao household (head + child born 2010-03-01)
    regions: dict
    users: dict

    @property
    def head(self) -> Person:
        return head_of(self.hh)

    @property
    def child(self) -> Person:
        return Person.objects.get(household=self.hh, relation="child")

    def other_household(self, members: int = 0):
        """A household of 胜天村 with no assistance."""
        return f.household(
            self.regions["shengtian"], actor=self.users["county_reviewer"], members=members, joined_on=date(2020, 1, 1)
        )

    def feed(self, department: str, *rows: dict) -> dict[str, list[str]]:
        return {department: [write_feed(self.tmp, department, list(rows))]}


# rule → (builder that must raise it, builder that must not). A builder returns (feeds, on).
def death_yes(c):
    return c.feed("death", {"person": c.head, "death_date": date(2025, 5, 20)}), ON


def death_no(c):
    return c.feed("death", {"person": head_of(c.other_household()), "death_date": date(2025, 5, 20)}), ON


def vehicle_yes(c):
    return c.feed("vehicle", vehicle_row(c.head, "湘H12345")), ON


def vehicle_no(c):
    return c.feed("vehicle", vehicle_row(c.head, "湘H2345", "普通二轮摩托车")), ON


def home(person, cert, on):
    return {
        "person": person,
        "certificate": cert,
        "address": "草尾镇某路",
        "usage": "住宅",
        "area": 90,
        "registered_on": on,
    }


def property_yes(c):
    return c.feed(
        "property", home(c.head, "湘(2020)1号", date(2020, 1, 1)), home(c.child, "湘(2024)2号", date(2024, 1, 1))
    ), ON


def property_no(c):
    return c.feed("property", home(c.head, "湘(2020)1号", date(2020, 1, 1))), ON


def business(c, status):
    row = {"person": c.head, "credit_code": "92430981MA4L000001", "business_name": "草尾镇张三小卖部"}
    return c.feed("business", {**row, "role": "个体经营者", "capital": 30000, "status": status}), ON


def tax(c, income):
    return c.feed("tax", {"person": c.head, "tax_year": 2024, "income": income}), ON


def settlement(person, on, oop, days=None, kind="门诊"):
    return {
        "person": person,
        "settled_on": on,
        "visit_type": kind,
        "total_cost": oop * 2,
        "out_of_pocket": oop,
        "hospital_days": days,
        "admitted_on": on if days else None,
        "hospital": "沅江市人民医院",
    }


def medical_yes(c):
    return c.feed(
        "medical", settlement(c.head, date(2025, 1, 10), 6000), settlement(c.head, date(2025, 5, 2), 5000)
    ), ON


def medical_no(c):
    return c.feed(
        "medical", settlement(c.head, date(2024, 5, 10), 6000), settlement(c.head, date(2025, 5, 2), 5000)
    ), ON


def card(person, grade, needs_care=None):
    return {
        "person": person,
        "card_number": person.id_number + "11",
        "category": "肢体",
        "grade": grade,
        "issued_on": date(2025, 3, 1),
        "needs_care": needs_care,
    }


def disability_yes(c):
    return c.feed("disability", card(c.head, 1)), ON


def disability_no(c):
    return c.feed("disability", card(head_of(c.other_household()), 1)), ON


def unemployment(c, ended_on):
    return c.feed("unemployment", {"person": c.head, "registered_on": date(2025, 4, 1), "ended_on": ended_on}), ON


def poverty_watch(c, *, assisted: bool):
    hh = c.hh if assisted else c.other_household()
    row = {"person": head_of(hh), "identified_on": date(2025, 2, 1), "risk_type": "因病", "per_capita_income": 3000}
    return c.feed("poverty_watch", row), ON


def duplicate_yes(c):
    enrol(c.hh, "extreme_poverty", person=c.child)
    return {}, ON


def duplicate_no(c):
    enrol(c.hh, "disability_living_subsidy", person=c.child)
    return {}, ON


def hukou(c, to_region):
    return c.feed("hukou_out", {"person": c.head, "move_date": date(2025, 5, 1), "to_region": to_region}), ON


def relative(c, status, irregular=False):
    case = Case.objects.create(number="T0001", household=c.hh, region_id=c.hh.region_id, opened_on=date(2025, 1, 5))
    RelativeDeclaration.objects.create(
        case=case,
        staff_name="李四",
        staff_position="草尾镇民政办",
        relation="兄弟",
        declared_on=date(2025, 1, 5),
        status=status,
        irregular=irregular,
    )
    return {}, ON


CASES = {
    "death": (death_yes, death_no),
    "vehicle": (vehicle_yes, vehicle_no),
    "property": (property_yes, property_no),
    "business": (lambda c: business(c, "存续"), lambda c: business(c, "注销")),
    "tax_income": (lambda c: tax(c, 80000), lambda c: tax(c, 50000)),
    "medical_cost": (medical_yes, medical_no),
    "hospital_stay": (
        lambda c: (c.feed("medical", settlement(c.head, date(2025, 5, 2), 100, 40, "住院")), ON),
        lambda c: (c.feed("medical", settlement(c.head, date(2025, 5, 2), 100, 20, "住院")), ON),
    ),
    "disability_new": (disability_yes, disability_no),
    "unemployment": (lambda c: unemployment(c, None), lambda c: unemployment(c, date(2025, 5, 1))),
    # The child (born 2010-03-01) turns 18 on 2028-03-01: within 31 days of 2028-02-10, not of 2027-12-01.
    "age_milestone": (lambda c: ({}, date(2028, 2, 10)), lambda c: ({}, date(2027, 12, 1))),
    "poverty_watch_unassisted": (lambda c: poverty_watch(c, assisted=False), lambda c: poverty_watch(c, assisted=True)),
    "duplicate_programme": (duplicate_yes, duplicate_no),
    "hukou_out": (lambda c: hukou(c, "110101"), lambda c: hukou(c, "430981114")),
    "staff_relative": (lambda c: relative(c, "declared"), lambda c: relative(c, "checked")),
}


def test_every_rule_has_cases_and_a_label():
    assert set(CASES) == {r.code for r in RULES} == set(MONITORING_RULE_LABELS)


@pytest.mark.parametrize("raises", [True, False], ids=["raises", "quiet"])
@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule(rule, raises, beneficiary, regions, users, tmp_path):
    ctx = Ctx(tmp_path, beneficiary, regions, users)
    feeds, on = CASES[rule][0 if raises else 1](ctx)
    do_run_monitoring(users["county_reviewer"], "430981", on=on, feeds=feeds)
    found = list(Alert.objects.filter(rule=rule))
    if raises:
        # A severe card in a dibao household: both disability subsidies are missing, one alert each.
        assert len(found) == (2 if rule == "disability_new" else 1), [a.summary for a in Alert.objects.all()]
        alert = found[0]
        assert alert.status == "open"
        assert alert.township_id == "430981114000"
        assert alert.summary.startswith(MONITORING_RULE_LABELS[rule])
        assert alert.due_on > on
        if RULES_BY_FEED.get(rule):
            assert alert.evidence and alert.evidence[0]["batch"] and alert.evidence[0]["row"] >= 2
    else:
        assert found == []


RULES_BY_FEED = {r.code: r.feeds for r in RULES}


@pytest.mark.parametrize(
    "rule, detail",
    [
        ("medical_cost", "门诊结算 2025-01-10，个人自付 6,000.00 元"),
        ("poverty_watch_unassisted", "防止返贫监测对象（因病），家庭年人均纯收入 3,000.00 元，未享受救助"),
    ],
)
def test_amounts_in_the_evidence_read_as_amounts(rule, detail, beneficiary, regions, users, tmp_path):
    """Thousands separators and two decimals, as every amount in doudi (the same text on Spark: test_engines)."""
    ctx = Ctx(tmp_path, beneficiary, regions, users)
    feeds, on = CASES[rule][0](ctx)
    do_run_monitoring(users["county_reviewer"], "430981", on=on, feeds=feeds)
    alert = Alert.objects.get(rule=rule)
    assert alert.evidence[0]["detail"] == detail


def test_a_summary_names_its_amount_or_leaves_it_to_the_evidence(beneficiary, regions, users, tmp_path):
    """The poverty-watch evidence states the income: the summary does not repeat it as a bare 金额."""
    ctx = Ctx(tmp_path, beneficiary, regions, users)
    feeds, on = CASES["poverty_watch_unassisted"][0](ctx)
    do_run_monitoring(users["county_reviewer"], "430981", on=on, feeds=feeds)
    summary = Alert.objects.get(rule="poverty_watch_unassisted").summary
    assert summary.endswith("家庭年人均纯收入 3,000.00 元，未享受救助") and "金额" not in summary
