"""Verification reports: department data against the policy thresholds in force on the report date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.core.errors import DomainError, NotFound
from doudi.policy.tests.conftest import published  # noqa: F401 - fixture
from doudi.registry.models import Disability, Person
from doudi.registry.tests.factories import household
from doudi.verification import services
from doudi.verification.feeds.loading import load_feed
from doudi.verification.models import Conclusion, ItemStatus, Overall, Topic
from doudi.verification.tests.helpers import csv_bytes


@pytest.fixture
def family(regions):
    return household(regions["lixin"], members=1)  # rural: 485 元/人·月 from 2025, 460 in 2024


def _people(hh) -> tuple[Person, Person]:
    head, child = Person.objects.filter(household=hh).order_by("pk")
    return head, child


def _feed(user, department, rows, period="2025-05"):
    return load_feed(
        user, csv_bytes(department, rows), file_name=f"{department}.csv", department=department, period=period,
        today=date(2025, 6, 30),
    ).batch  # fmt: skip


def _wages(person, amount, months):
    return [
        {
            "id_number": person.id_number,
            "name": person.name,
            "month": f"{y}-{m:02d}",
            "employer": "某厂",
            "wage": amount,
        }
        for y, m in months
    ]


def _months(start_year, start_month, n):
    out = []
    y, m = start_year, start_month
    for _ in range(n):
        out.append((y, m))
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def _item(report, topic, person=None):
    items = report.items.filter(topic=topic, status=ItemStatus.ACTIVE)
    items = items.filter(person=person) if person else items.filter(person__isnull=True)
    return items.get()


@pytest.mark.parametrize(
    ("on", "line", "conclusion"),
    [(date(2024, 6, 15), "460.00", Conclusion.EXCEEDS), (date(2025, 6, 15), "485.00", Conclusion.WITHIN)],
)
def test_income_against_the_standard_in_force_on_the_date(users, family, published, on, line, conclusion):  # noqa: F811
    head, _ = _people(family)
    _feed(users["county_reviewer"], "employment", _wages(head, 940, _months(2023, 6, 24)))
    report = services.do_build_report(users["township_officer"], family, on=on)
    income = _item(report, Topic.INCOME)
    assert income.found_amount == Decimal("470.00")  # 940 × 12 ÷ 12 months ÷ 2 persons
    assert income.threshold_amount == Decimal(line)
    assert income.conclusion == conclusion
    assert "农村低保标准" in income.rule
    wages = _item(report, Topic.WAGES, head)
    assert wages.conclusion == Conclusion.DISCREPANCY  # declared nothing
    assert wages.batches[0]["row"] == (2 if on.year == 2024 else 14)  # the first month of the 12 counted
    assert report.overall == (Overall.EXCEEDS if conclusion == Conclusion.EXCEEDS else Overall.DISCREPANCY)
    if conclusion == Conclusion.EXCEEDS:
        assert "农村低保标准" in report.overall_text


def test_vehicles_businesses_and_deaths(users, family, published):  # noqa: F811
    head, child = _people(family)
    county = users["county_reviewer"]
    _feed(county, "vehicle", [
        {"id_number": head.id_number, "name": head.name, "plate": "湘H12345", "vehicle_type": "小型汽车",
         "registered_on": "2023-01-01"},
        {"id_number": child.id_number, "name": child.name, "plate": "湘H2", "vehicle_type": "普通二轮摩托车",
         "registered_on": "2023-01-01"},
    ])  # fmt: skip
    _feed(county, "business", [
        {"id_number": head.id_number, "name": head.name, "credit_code": "91430981MA4L000000",
         "business_name": "某商贸有限公司", "role": "股东", "capital": "150000", "status": "存续"},
    ])  # fmt: skip
    _feed(county, "death", [{"id_number": child.id_number, "name": child.name, "death_date": "2025-05-02"}])
    report = services.do_build_report(users["township_officer"], family, on=date(2025, 6, 15))
    vehicles = _item(report, Topic.VEHICLE)
    assert (vehicles.found_amount, vehicles.threshold_amount) == (Decimal(1), Decimal(0))  # the motorcycle is exempt
    assert vehicles.conclusion == Conclusion.EXCEEDS and "机动车数量上限" in vehicles.rule
    business = _item(report, Topic.BUSINESS)
    assert business.conclusion == Conclusion.EXCEEDS and business.threshold_amount == Decimal("100000")
    death = _item(report, Topic.DEATH, child)
    assert death.conclusion == Conclusion.DISCREPANCY
    assert report.overall == Overall.EXCEEDS
    assert "未取得" in report.overall_text  # tax, pension… not loaded


def test_manual_deposits_recheck_and_case_sync(users, family, published):  # noqa: F811
    township = users["township_officer"]
    report = services.do_build_report(township, family, on=date(2025, 6, 15))
    assert report.overall == Overall.INCOMPLETE
    item = services.do_add_manual_item(
        township, report, topic=Topic.DEPOSITS, source_text="农商银行函复", amount="30000"
    )
    assert item.found_amount == Decimal("15000.00") and item.threshold_amount == Decimal("11640.00")  # 24 × 485
    report.refresh_from_db()
    assert report.overall == Overall.EXCEEDS and "金融资产" in report.overall_text
    with pytest.raises(DomainError):
        services.do_add_manual_item(township, report, topic=Topic.DEPOSITS, source_text="", amount="1")
    new = services.do_recheck_item(
        township, item, evidence="申请人提供存款中 2 万元为借款的借条及转账记录", conclusion=Conclusion.WITHIN
    )
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == ItemStatus.SUPERSEDED and new.replaces_id == item.pk
    assert report.overall == Overall.INCOMPLETE
    with pytest.raises(DomainError):
        services.do_recheck_item(township, item, evidence="再次", conclusion=Conclusion.WITHIN)


def test_feed_facts_become_dated_evidence_only_when_accepted(users, family, published):  # noqa: F811
    head, _ = _people(family)
    _feed(users["county_reviewer"], "disability", [
        {"id_number": head.id_number, "name": head.name, "card_number": "43098119800517001X11", "category": "肢体",
         "grade": "2", "issued_on": "2024-03-01", "needs_care": "否"},
    ])  # fmt: skip
    report = services.do_build_report(users["township_officer"], family, on=date(2025, 6, 15))
    item = _item(report, Topic.DISABILITY, head)
    assert item.conclusion == Conclusion.DISCREPANCY and "未登记残疾" in item.declared_text
    assert not Disability.objects.filter(person=head).exists()  # nothing written by the report itself
    evidence = services.do_accept_item(users["township_officer"], item)
    assert (evidence.source, evidence.grade, evidence.category) == ("department", 2, "physical")
    assert "部门数据" in evidence.note and f"第{item.batches[0]['batch']}批" in evidence.note
    with pytest.raises(DomainError):
        services.do_accept_item(users["township_officer"], item)


@pytest.mark.parametrize(("user", "allowed"), [
    ("township_officer", True), ("county_reviewer", True), ("other_township_officer", False),
    ("foreign_county_reviewer", False),
])  # fmt: skip
def test_scope(users, family, published, user, allowed):  # noqa: F811
    if allowed:
        services.do_build_report(users[user], family, on=date(2025, 6, 15))
    else:
        with pytest.raises(NotFound):
            services.do_build_report(users[user], family, on=date(2025, 6, 15))


def test_without_policy_the_report_says_so(users, family):
    report = services.do_build_report(users["township_officer"], family, on=date(2025, 6, 15))
    assert "没有已发布的政策参数" in report.policy_text
    assert not report.items.filter(topic=Topic.INCOME).exists()
