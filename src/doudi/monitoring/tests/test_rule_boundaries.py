"""Each alert rule's threshold just below, exactly at and just above its limit (issue 14).

The rules compare in SQL (``rules.py``), where a mutation tool cannot reach: a ``>`` written ``>=``
would raise an alert for every household exactly at a limit, or miss one a day past a date. Here each
comparison meets a feed row placed on its limit and on the value next to it, with the outcome the
rule's own words give (rules.md §8 and the ``[monitoring]`` defaults of the policy catalogue: income
"超过" 60,000 yuan, medical costs "超过" 10,000 yuan over 12 months, a stay "超过" 30 days, working age
16 to under 60, an age milestone within 31 days, income "低于" the near-dibao line). The run date is
2025-06-16 (``ON``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.monitoring.models import Alert
from doudi.monitoring.params import county_params
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.tests.conftest import ON, head_of
from doudi.monitoring.tests.test_rules import Ctx, card, settlement, tax
from doudi.registry.models import Person

DAY_AFTER = date(2025, 6, 17)


def set_birth(person: Person, born: date) -> None:
    Person.objects.filter(pk=person.pk).update(birth_date=born)


def medical(*rows):
    return lambda c: (c.feed("medical", *(settlement(c.head, on, Decimal(oop)) for on, oop in rows)), ON)


def hospital(days):
    return lambda c: (c.feed("medical", settlement(c.head, date(2025, 5, 2), 100, days, "住院")), ON)


def death(on):
    return lambda c: (c.feed("death", {"person": c.head, "death_date": on}), ON)


def unemployed(born=None, registered=date(2025, 4, 1), ended=None):
    def build(c):
        if born is not None:
            set_birth(c.head, born)
        row = {"person": c.head, "registered_on": registered, "ended_on": ended}
        return c.feed("unemployment", row), ON

    return build


def milestone(on):
    # The child was born on 2010-03-01: 18 on 2028-03-01; the window is [run date, run date + 31 days].
    return lambda c: ({}, on)


def hukou(on):
    return lambda c: (c.feed("hukou_out", {"person": c.head, "move_date": on, "to_region": "110101"}), ON)


def business(capital):
    def build(c):
        row = {"person": c.head, "credit_code": "92430981MA4L000001", "business_name": "草尾镇张三小卖部"}
        return c.feed("business", {**row, "role": "个体经营者", "capital": capital, "status": "存续"}), ON

    return build


def poverty_watch(offset: str):
    def build(c):
        hh = c.other_household()
        line = county_params("430981", ON).values[f"near_dibao_{hh.area_type}_year"]
        row = {
            "person": head_of(hh),
            "identified_on": date(2025, 2, 1),
            "risk_type": "因病",
            "per_capita_income": line + Decimal(offset),
        }
        return c.feed("poverty_watch", row), ON

    return build


def disability(grade, needs_care=None):
    return lambda c: (c.feed("disability", card(c.head, grade, needs_care)), ON)


# (rule, what is tested, feed builder, raised?) — "at" is exactly on the limit.
CASES = [
    ("tax_income", "income 60000.00 at the limit: not above", lambda c: tax(c, Decimal("60000.00")), False),
    ("tax_income", "income 60000.01 above the limit", lambda c: tax(c, Decimal("60000.01")), True),
    ("medical_cost", "10000.00 in 12 months at the limit", medical((date(2025, 5, 2), "10000.00")), False),
    ("medical_cost", "10000.01 in 12 months", medical((date(2025, 5, 2), "10000.01")), True),
    (
        "medical_cost",
        "counted from the day after 2024-06-16 to the run date",
        medical((date(2024, 6, 17), "10000.00"), (ON, "0.01")),
        True,
    ),
    (
        "medical_cost",
        "a settlement exactly 12 months back is not counted",
        medical((date(2024, 6, 16), "10000.00"), (ON, "0.01")),
        False,
    ),
    (
        "medical_cost",
        "a settlement after the run date is not counted",
        medical((date(2024, 6, 17), "10000.00"), (DAY_AFTER, "0.01")),
        False,
    ),
    ("hospital_stay", "30 days at the limit", hospital(30), False),
    ("hospital_stay", "31 days", hospital(31), True),
    ("death", "death on the run date", death(ON), True),
    ("death", "death recorded for the day after", death(DAY_AFTER), False),
    ("unemployment", "16 on the run date: of working age", unemployed(born=date(2009, 6, 16)), True),
    ("unemployment", "16 the day after: not yet", unemployed(born=date(2009, 6, 17)), False),
    ("unemployment", "60 on the run date: no longer", unemployed(born=date(1965, 6, 16)), False),
    ("unemployment", "60 the day after: still of working age", unemployed(born=date(1965, 6, 17)), True),
    ("unemployment", "registered on the run date", unemployed(registered=ON), True),
    ("unemployment", "registered the day after", unemployed(registered=DAY_AFTER), False),
    ("unemployment", "registration ended on the run date", unemployed(ended=ON), False),
    ("unemployment", "registration ends the day after", unemployed(ended=DAY_AFTER), True),
    ("age_milestone", "18 on the run date", milestone(date(2028, 3, 1)), True),
    ("age_milestone", "18 the day before the run date", milestone(date(2028, 3, 2)), False),
    ("age_milestone", "18 exactly 31 days ahead", milestone(date(2028, 1, 30)), True),
    ("age_milestone", "18 in 32 days", milestone(date(2028, 1, 29)), False),
    ("hukou_out", "moved out on the run date", hukou(ON), True),
    ("hukou_out", "moving out the day after", hukou(DAY_AFTER), False),
    ("business", "a business with capital 0 (the limit is 0: any business)", business(0), True),
    ("poverty_watch_unassisted", "income 0.01 below the near-dibao line", poverty_watch("-0.01"), True),
    ("poverty_watch_unassisted", "income exactly at the near-dibao line", poverty_watch("0"), False),
    ("disability_new", "grade 2: severe, care subsidy missing", disability(2), True),
    ("disability_new", "grade 3 without a care need", disability(3, False), False),
    ("disability_new", "grade 3 needing long-term care", disability(3, True), True),
]


@pytest.mark.parametrize(("rule", "case", "build", "raised"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_rule_at_its_limit(rule, case, build, raised, beneficiary, regions, users, tmp_path):
    ctx = Ctx(tmp_path, beneficiary, regions, users)
    feeds, on = build(ctx)
    do_run_monitoring(users["county_reviewer"], "430981", on=on, feeds=feeds)
    found = Alert.objects.filter(rule=rule)
    if rule == "disability_new":  # the living-subsidy half of the rule has no grade limit
        found = found.filter(fact__startswith="care:")
    assert found.exists() is raised, [a.summary for a in Alert.objects.all()]
