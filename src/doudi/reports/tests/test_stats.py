"""The statistics table against hand-computed figures on a small fixed data set (June 2025, 沅江市).

The data set (every record backdated to when it was made):
- A (立新村, rural): 低保 since 2025-01 for 3 covered persons, 900 元/月.
- B (立新村): single-person 低保 from 2025-06 (new in June), 600 元.
- C (立新村): 低保 ended after May (left in June), 500 元.
- D (立新村): 低保 500 元; dies 2025-06-15, recorded 06-20: paid June, ended from July.
- E moved from 立新村 to 韩家汊社区 (urban): old enrolment ended after May, new one from June (not new
  for the county; left 立新村, joined 韩家汊).
- F (草尾社区, urban): 低保 until May, then 特困 集中供养 from June (left 低保, joined 特困).
- G (胜天村): a late decision: 低保 from June, decided and recorded on 2025-08-10 (with arrears) —
  not in the June table as it stood, in it as known today.
- H (资阳区, another county): 低保 — never in 沅江's figures.
- a 孤儿 (立新村) and a 事实无人抚养儿童 (韩家汊), 分散供养 特困 (胜天村).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases.models import Enrolment, EnrolmentChange
from doudi.cases.services.enrolment import create_enrolment, end_enrolment
from doudi.registry.models import Household, Person
from doudi.registry.tests import factories as f
from doudi.reports import selectors

JUNE = date(2025, 6, 1)


def at(y, m, d):
    return datetime(y, m, d, 4, 0, tzinfo=UTC)


def backdate(enrolment, when):
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=when)
    EnrolmentChange.objects.filter(enrolment=enrolment).update(created_at=when)


def head(region, actor, name="张三", members=0):
    hh = f.household(region, actor=actor, head_name=name, members=members)
    return Person.objects.get(household=hh, relation="head")


def enrol(person, programme="dibao", *, start, amount, covered=None, tier="", when=None, region=None):
    e = create_enrolment(
        None,
        household=person.household,
        person=person,
        programme=programme,
        start_month=start,
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        covered=covered,
        tier=tier,
    )
    if region is not None:
        Enrolment.objects.filter(pk=e.pk).update(region=region)
    backdate(e, when or at(2025, 1, 10))
    return e


def end(e, last_month, when):
    before = set(EnrolmentChange.objects.filter(enrolment=e).values_list("pk", flat=True))
    end_enrolment(None, e, last_month=last_month, reason="测试停发")
    EnrolmentChange.objects.filter(enrolment=e).exclude(pk__in=before).update(created_at=when)


@pytest.fixture
def data(regions):
    admin = UserFactory(role=Role.ADMINISTRATOR, region=regions["hunan"])
    lixin, shengtian = regions["lixin"], regions["shengtian"]
    a = head(lixin, admin, "甲", members=2)
    covered = list(Person.objects.filter(household=a.household).values_list("pk", flat=True))
    out = {"a": enrol(a, start=date(2025, 1, 1), amount="900", covered=covered)}
    out["b"] = enrol(head(lixin, admin, "乙"), "single_person_dibao", start=JUNE, amount="600", when=at(2025, 5, 28))
    c = enrol(head(lixin, admin, "丙"), start=date(2025, 2, 1), amount="500")
    end(c, date(2025, 5, 1), at(2025, 5, 20))
    d = enrol(head(lixin, admin, "丁"), start=date(2025, 2, 1), amount="500")
    end(d, JUNE, at(2025, 6, 20))  # died 2025-06-15: June paid, ended from July
    e_person = head(lixin, admin, "戊")
    e_old = enrol(e_person, start=date(2025, 1, 1), amount="500")
    end(e_old, date(2025, 5, 1), at(2025, 5, 25))
    out["e_new"] = enrol(e_person, start=JUNE, amount="550", when=at(2025, 5, 25), region=regions["hanjiacha"])
    f_person = head(regions["caowei_community"], admin, "己")
    f_old = enrol(f_person, start=date(2025, 1, 1), amount="500")
    end(f_old, date(2025, 5, 1), at(2025, 5, 30))
    enrol(f_person, "extreme_poverty", start=JUNE, amount="1200", tier="集中供养·全自理", when=at(2025, 5, 30))
    enrol(head(shengtian, admin, "庚"), start=JUNE, amount="480", when=at(2025, 8, 10))  # late decision
    enrol(head(regions["ziyang_village"], admin, "辛"), start=date(2025, 1, 1), amount="700")
    enrol(head(lixin, admin, "壬"), "orphan", start=date(2025, 1, 1), amount="1000")
    enrol(head(regions["hanjiacha"], admin, "癸"), "de_facto_orphan", start=date(2025, 1, 1), amount="1000")
    enrol(head(shengtian, admin, "子"), "extreme_poverty", start=date(2025, 1, 1), amount="800", tier="分散供养·全自理")
    return out


COUNTY = "430981000000"

# Hand-computed June 2025 for 沅江市, as it stood at the end of June.
EXPECTED_COUNTY = {
    # 低保 live in June: A (3 persons, rural), B (1, rural), D (1, rural), E new (1, urban, 韩家汊)
    "dibao_households_urban": 1,
    "dibao_persons_urban": 1,
    "dibao_households_rural": 3,
    "dibao_persons_rural": 5,
    "dibao_households": 4,
    "dibao_persons": 6,
    "dibao_new_persons": 1,  # B (E moved inside the county, G not yet recorded)
    "dibao_ended_persons": 2,  # C and F (F left 低保 for 特困)
    "dibao_avg_amount": Decimal("425.00"),  # (900 + 600 + 500 + 550) / 6
    "tekun_persons_urban": 1,  # F (草尾社区)
    "tekun_persons_rural": 1,
    "tekun_persons": 2,
    "tekun_institutional": 1,
    "tekun_dispersed": 1,
    "orphans": 1,
    "de_facto_orphans": 1,
}


@pytest.mark.django_db
def test_county_june_figures(data, users):
    t = selectors.monthly_table(users["county_reviewer"], COUNTY, JUNE)
    got = {k: t.figures[k] for k in EXPECTED_COUNTY}
    assert got == EXPECTED_COUNTY
    assert [r.key for r in t.rows] == list(selectors.FIGURES)
    assert t.period_label == "2025年6月"


@pytest.mark.django_db
def test_village_sees_the_move_as_ended_and_new(data, users):
    lixin = selectors.compute("430981114201", JUNE)
    assert (lixin["dibao_persons"], lixin["dibao_new_persons"], lixin["dibao_ended_persons"]) == (5, 1, 2)  # B; C, E
    hanjiacha = selectors.compute("430981006001", JUNE)
    assert (hanjiacha["dibao_persons"], hanjiacha["dibao_new_persons"], hanjiacha["dibao_ended_persons"]) == (1, 1, 0)


@pytest.mark.django_db
def test_death_mid_month_counts_in_june_and_leaves_in_july(data):
    july = selectors.compute(COUNTY, date(2025, 7, 1))
    assert july["dibao_ended_persons"] == 1  # D
    assert july["dibao_persons"] == 5


@pytest.mark.django_db
def test_late_decision_counts_as_known_today_not_as_it_stood(data):
    as_filed = selectors.compute(COUNTY, JUNE)
    known_now = selectors.compute(COUNTY, JUNE, as_of=at(2025, 9, 1))
    assert known_now["dibao_persons"] == as_filed["dibao_persons"] + 1
    assert known_now["dibao_new_persons"] == as_filed["dibao_new_persons"] + 1


@pytest.mark.django_db
def test_past_month_recomputed_after_later_changes_is_equal(data):
    filed = selectors.compute(COUNTY, JUNE)
    # In December: A is ended retroactively from May, an amount is changed back to June.
    end_enrolment(None, data["a"], last_month=date(2025, 5, 1), reason="追溯停发")
    from doudi.cases.services.enrolment import change_amount

    change_amount(None, data["b"], from_month=JUNE, monthly_amount=Decimal("300"), reason="更正")
    assert selectors.compute(COUNTY, JUNE) == filed
    assert selectors.compute(COUNTY, JUNE, as_of=at(2030, 1, 1)) != filed


@pytest.mark.django_db
def test_quarter_sums_flows_and_takes_stock_at_quarter_end(data):
    q = selectors.compute(COUNTY, date(2025, 5, 1), "quarter")
    assert q["dibao_persons"] == selectors.compute(COUNTY, JUNE)["dibao_persons"]
    assert q["dibao_new_persons"] == 1
    assert q["dibao_ended_persons"] == 2


@pytest.mark.django_db
def test_drill_down_lists_the_households_behind_a_figure(data, users):
    hh = selectors.drill_households(users["county_reviewer"], COUNTY, JUNE, "dibao_persons_rural")
    assert sorted(h.head_name for h in hh) == ["丁", "乙", "甲"]
    ended = selectors.drill_households(users["county_reviewer"], COUNTY, JUNE, "dibao_ended_persons")
    assert sorted(h.head_name for h in ended) == ["丙", "己"]
    assert Household.objects.count() > len(hh)


@pytest.mark.django_db
def test_scope_another_county_is_refused(data, users, client):
    from doudi.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.monthly_table(users["foreign_county_reviewer"], COUNTY, JUNE)
    with pytest.raises(NotFound):
        selectors.drill_households(users["foreign_county_reviewer"], COUNTY, JUNE, "dibao_persons")
    client.force_login(users["foreign_county_reviewer"])
    assert client.get(reverse("reports:table"), {"region": COUNTY, "month": "2025-06"}).status_code == 404
    assert client.get(selectors.drill_url(COUNTY, JUNE, "dibao_persons")).status_code == 404
    assert client.get("/api/reports/table/", {"region": COUNTY, "month": "2025-06"}).status_code == 404
    # A township officer sees own township, not the county.
    client.force_login(users["township_officer"])
    assert client.get(reverse("reports:table"), {"region": COUNTY, "month": "2025-06"}).status_code == 404
    assert client.get(reverse("reports:table"), {"region": "430981114000", "month": "2025-06"}).status_code == 200


@pytest.mark.django_db
def test_pages_export_api_and_command(data, users, client, tmp_path):
    from django.core.management import call_command
    from openpyxl import load_workbook

    client.force_login(users["county_reviewer"])
    page = client.get(reverse("reports:table"), {"region": COUNTY, "month": "2025-06"})
    assert page.status_code == 200 and "城市低保户数" in page.content.decode()
    drill = client.get(selectors.drill_url(COUNTY, JUNE, "dibao_households_rural"))
    assert drill.status_code == 200 and "甲" in drill.content.decode()
    xlsx = client.get(reverse("reports:table"), {"region": COUNTY, "month": "2025-06", "format": "xlsx"})
    path = tmp_path / "t.xlsx"
    path.write_bytes(xlsx.content)
    sheet = load_workbook(path).active
    assert sheet["B2"].value.startswith("湖南省") or "沅江市" in sheet["B2"].value
    assert sheet["B3"].value == "2025年6月"
    assert sheet["C11"].value == 6 and sheet["B11"].value == "低保合计人数"
    api = client.get("/api/reports/table/", {"region": COUNTY, "month": "2025-06"}).json()
    assert api["figures"]["dibao_persons"] == 6
    out = tmp_path / "s.csv"
    call_command("stats", region=COUNTY, month="2025-06", format="csv", output=str(out))
    assert "低保合计人数,6" in out.read_bytes().decode("utf-8-sig")
    assert client.get(reverse("reports:table"), {"region": COUNTY, "month": "2025-06", "print": "1"}).status_code == 200


@pytest.fixture
def activity(data, regions):
    """Cases, decisions, payroll lines, verification reports and alerts around June 2025."""
    from doudi.cases.models import Case, CaseDeadline, Decision, DecisionLine
    from doudi.monitoring.models import Alert
    from doudi.payments.models import Payroll, PayrollLine
    from doudi.verification.models import VerificationReport

    lixin, heshan_village = regions["lixin"], regions["ziyang_village"]
    a = data["a"]
    hh = a.household

    def case(n, kind, opened, region=lixin):
        c = Case.objects.create(number=f"STAT{n}", kind=kind, household=hh, region=region, opened_on=opened)
        Case.objects.filter(pk=c.pk).update(created_at=at(opened.year, opened.month, opened.day))
        return c

    c1 = case(1, "application", date(2025, 6, 3))
    Decision.objects.create(case=c1, outcome="approved", decided_on=date(2025, 6, 20))
    CaseDeadline.objects.create(case=c1, kind="total", amount=60, started_on=date(2025, 6, 3), due_on=date(2025, 6, 30))
    c2 = case(2, "application", date(2025, 5, 10))
    Decision.objects.create(case=c2, outcome="refused", decided_on=date(2025, 6, 10))
    CaseDeadline.objects.create(case=c2, kind="total", amount=60, started_on=date(2025, 5, 10), due_on=date(2025, 6, 5))
    case(3, "application", date(2025, 6, 25))  # not decided yet
    c4 = case(4, "temporary", date(2025, 6, 2))
    d4 = Decision.objects.create(case=c4, outcome="fast_grant", decided_on=date(2025, 6, 2))
    DecisionLine.objects.create(decision=d4, programme="temporary", one_off_amount=Decimal("2000"))
    c5 = case(5, "temporary", date(2025, 6, 8))
    d5 = Decision.objects.create(case=c5, outcome="approved", decided_on=date(2025, 6, 18))
    DecisionLine.objects.create(decision=d5, programme="temporary", one_off_amount=Decimal("1500"))
    case(6, "application", date(2025, 6, 9), region=heshan_village)  # another county

    county, other = regions["yuanjiang"], regions["heshan"]
    june = Payroll.objects.create(
        region=county, programme="dibao", month=JUNE, status="closed", approved_at=at(2025, 6, 5)
    )
    may = Payroll.objects.create(
        region=county, programme="dibao", month=date(2025, 5, 1), status="closed", approved_at=at(2025, 5, 5)
    )
    foreign = Payroll.objects.create(
        region=other, programme="dibao", month=JUNE, status="closed", approved_at=at(2025, 6, 5)
    )

    def line(payroll, enrolment, amount, status="paid", region=lixin, basis=""):
        PayrollLine.objects.create(
            payroll=payroll,
            enrolment=enrolment,
            person=enrolment.person,
            household=enrolment.household,
            region=region,
            programme=enrolment.programme,
            month_covered=payroll.month,
            amount=Decimal(amount),
            status=status,
            basis=basis,
        )

    b = data["b"]
    line(june, a, "900")
    line(june, b, "500")
    line(june, data["e_new"], "600", status="failed", region=regions["hanjiacha"])
    PayrollLine.objects.filter(enrolment=data["e_new"]).update(updated_at=at(2025, 6, 25))  # the bank's return
    line(may, a, "12345")
    line(foreign, a, "99999", region=heshan_village, basis="correction:1")

    def report(when, region_code="430981114201"):
        r = VerificationReport.objects.create(
            household=hh, region_code=region_code, purpose="review", as_of=when.date(), overall="within"
        )
        VerificationReport.objects.filter(pk=r.pk).update(created_at=when)

    report(at(2025, 6, 15))
    report(at(2025, 6, 16))
    r_late = VerificationReport.objects.create(
        household=hh, region_code="430981114201", purpose="review", as_of=date(2025, 6, 30), overall="within"
    )
    VerificationReport.objects.filter(pk=r_late.pk).update(created_at=at(2025, 8, 1))  # made after June closed

    def alert(n, status, resolved_on=None):
        Alert.objects.create(
            rule="test",
            alert_class="discovery",
            severity="low",
            fingerprint=f"stat-{n}",
            summary="测试预警",
            household=hh,
            region=lixin,
            township=regions["caowei"],
            detected_on=date(2025, 6, 1),
            due_on=date(2025, 6, 30),
            status=status,
            outcome="open_change" if status == "resolved" else "",
            resolved_on=resolved_on,
        )

    alert(1, "resolved", date(2025, 6, 12))
    alert(2, "resolved", date(2025, 7, 2))
    alert(3, "open")
    return data


EXPECTED_ACTIVITY = {
    "temporary_cases": 2,
    "temporary_amount": Decimal("3500.00"),
    "expenditure_month": Decimal("0.1"),  # 1,400 元 paid (the failed 600 not)
    "expenditure_year": Decimal("1.4"),  # + 12,345 in May
    "verification_reports": 2,
    "alerts_handled": 1,
    "applications_received": 4,  # 1, 3, 4, 5 (2 opened in May, 6 elsewhere)
    "applications_approved": 2,  # 1 and 5
    "applications_refused": 1,  # 2
    "decided_in_time_share": Decimal("66.7"),  # 2 late
}


@pytest.mark.django_db
def test_activity_figures(activity):
    got = selectors.compute(COUNTY, JUNE)
    assert {k: got[k] for k in EXPECTED_ACTIVITY} == EXPECTED_ACTIVITY


@pytest.mark.django_db
def test_activity_drill_downs_and_other_county(activity, users):
    expected = {
        "temporary_cases": ["甲"],
        "expenditure_month": ["乙", "甲"],  # the paid lines of June (戊's failed line is not)
        "verification_reports": ["甲"],
        "alerts_handled": ["甲"],
        "applications_refused": ["甲"],
    }
    for key, names in expected.items():
        got = selectors.drill_households(users["county_reviewer"], COUNTY, JUNE, key)
        assert sorted(h.head_name for h in got) == sorted(names), key
    other = selectors.compute("430902000000", JUNE)
    assert (other["applications_received"], other["expenditure_month"]) == (1, Decimal("10.0"))


@pytest.mark.django_db
def test_no_decision_shows_no_on_time_share_on_the_page_and_print(data, users, client):
    """A month without any decision: the table and its print view show 按时办结率 —, not 0.0 %."""
    client.force_login(users["county_reviewer"])
    for extra in ({}, {"print": "1"}):
        page = client.get(reverse("reports:table"), {"region": COUNTY, "month": "2020-01", **extra}).content.decode()
        row = page[page.index("按时办结率") :]
        row = row[: row.index("</tr>")]
        assert "—" in row and "0.0" not in row
