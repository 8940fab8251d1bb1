"""The dashboard, the month snapshots behind it (equal to a recount from the raw rows), the work report
(its figures equal the table's) and the frozen past: scheduled changes kept when an enrolment ends,
expenditure as the payrolls stood at the month's end."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from doudi.cases.models import EnrolmentChange, SupersededChange
from doudi.cases.services.enrolment import change_amount, end_enrolment
from doudi.reports import dashboard as d
from doudi.reports import selectors, snapshots, workreport
from doudi.reports.models import MonthSnapshot
from doudi.reports.tests.test_stats import COUNTY, JUNE, at

STOCK = [
    "dibao_households",
    "dibao_persons",
    "dibao_households_urban",
    "dibao_persons_urban",
    "tekun_persons",
    "tekun_institutional",
    "orphans",
    "de_facto_orphans",
]
REGIONS = [COUNTY, "430981114000", "430981114201", "430981006001", "430900000000", "430000000000", "430902000000"]


def recount_equals_snapshot(month):
    for code in REGIONS:
        table = selectors.compute(code, month, use_snapshots=False)
        # The table read from the snapshots is the recount, figure by figure.
        assert selectors._from_snapshots(code, [month]) is not None
        assert selectors.compute(code, month) == table, code
        summed = d._finish(d.month_sums(selectors.prefix_of(code), month, month).get(month, {}))
        for key in STOCK:
            assert summed[key] == table[key], (code, key)
        assert summed["dibao_avg_amount"] == table["dibao_avg_amount"], code
        assert summed["expenditure_month_wan"] == table["expenditure_month"], code
        assert summed["expenditure_year_wan"] == table["expenditure_year"], code


@pytest.mark.django_db
def test_month_snapshot_equals_a_recount_from_the_raw_rows(activity):
    for month in (date(2025, 4, 1), date(2025, 5, 1), JUNE, date(2025, 7, 1)):
        snapshots.build_month(month)
        recount_equals_snapshot(month)
    for code in REGIONS:  # a quarter: flows summed over its months, stock at its end
        assert selectors.compute(code, JUNE, "quarter") == selectors.compute(code, JUNE, "quarter", use_snapshots=False)
    assert MonthSnapshot.objects.filter(month=JUNE).count() > 3
    # Rebuilt after later changes (a retroactive ending, a new amount): the closed month reads the same.
    before = list(
        MonthSnapshot.objects.filter(month=JUNE).order_by("region_id").values_list("region_id", "dibao_persons")
    )
    end_enrolment(None, activity["a"], last_month=date(2025, 5, 1), reason="追溯停发")
    change_amount(None, activity["b"], from_month=JUNE, monthly_amount=Decimal("300"), reason="更正")
    snapshots.build_month(JUNE)
    after = list(
        MonthSnapshot.objects.filter(month=JUNE).order_by("region_id").values_list("region_id", "dibao_persons")
    )
    assert after == before
    recount_equals_snapshot(JUNE)


@pytest.mark.django_db
def test_dashboard_page_headline_trend_ranking_and_scope(activity, users, client):
    client.force_login(users["county_reviewer"])
    page = client.get(reverse("reports:dashboard"), {"region": COUNTY, "month": "2025-06"})
    assert page.status_code == 200
    html = page.content.decode()
    board = page.context["board"]
    assert board.headline["dibao_persons"] == 6 and board.headline["tekun_persons"] == 2
    assert board.headline["expenditure_month_wan"] == Decimal("0.1")
    assert len(board.trend) == 24 and board.trend[-1]["month"] == JUNE
    # Only the headline's months are built while the person waits; the rest of the trend is a gap.
    assert board.missing_months == 22 and "个月的统计快照尚未生成" in html
    assert page.context["chart_data"]["dibao_persons"][0] is None
    assert board.year_ago is None  # nothing in June 2024
    names = [r["name"] for r in board.ranking]
    assert names[0] == "草尾镇" and board.ranking[0]["dibao_persons"] == 5
    assert "统计看板" in html and "低保人数" in html and "近24个月趋势" in html
    assert "/static/vendor/echarts/echarts.min.js" in html
    assert 'id="dash-data"' in html
    # The figure opens the households behind it.
    assert "key=dibao_persons" in html
    api = client.get("/api/reports/dashboard/", {"region": COUNTY, "month": "2025-06"}).json()
    assert api["headline"]["dibao_persons"] == 6 and len(api["trend"]) == 24
    # Another county's user: the same answer as for a region that does not exist.
    client.force_login(users["foreign_county_reviewer"])
    assert client.get(reverse("reports:dashboard"), {"region": COUNTY, "month": "2025-06"}).status_code == 404
    assert client.get("/api/reports/dashboard/", {"region": COUNTY, "month": "2025-06"}).status_code == 404
    # The city supervisor's dashboard is the city's by default, its counties ranked.
    client.force_login(users["city_supervisor"])
    city = client.get(reverse("reports:dashboard"), {"month": "2025-06"})
    assert city.status_code == 200 and city.context["board"].region.code == "430900000000"
    assert "沅江市" in [r["name"] for r in city.context["board"].ranking]


@pytest.mark.django_db
def test_dashboard_and_work_report_are_in_the_nav_and_on_the_home_page(users, client):
    client.force_login(users["county_reviewer"])
    home = client.get("/").content.decode()
    assert reverse("reports:dashboard") in home and reverse("reports:work_report") in home
    assert "统计看板" in home


def _external_references(html: str) -> list[str]:
    pattern = (
        r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^>]*>|url\(\s*[\"']?(?:https?:)?//"
    )
    return re.findall(pattern, html, flags=re.IGNORECASE) + re.findall(r"@import\s+[\"']?(?:https?:)?//", html)


@pytest.mark.django_db
def test_no_page_loads_a_script_style_or_font_from_elsewhere(activity, users, client):
    client.force_login(users["county_reviewer"])
    pages = [
        ("/", {}),
        (reverse("reports:dashboard"), {"region": COUNTY, "month": "2025-06"}),
        (reverse("reports:table"), {"region": COUNTY, "month": "2025-06"}),
        (reverse("reports:table"), {"region": COUNTY, "month": "2025-06", "print": "1"}),
        (reverse("reports:work_report"), {"region": COUNTY, "month": "2025-06"}),
        (selectors.drill_url(COUNTY, JUNE, "dibao_persons"), {}),
    ]
    for url, query in pages:
        html = client.get(url, query).content.decode()
        assert _external_references(html) == [], url
    # Every style sheet and script doudi serves (its own and the vendored chart library's CSS-free build).
    for path in Path(settings.BASE_DIR).rglob("static/**/*"):
        if path.suffix in (".css", ".js"):
            assert _external_references(path.read_text(encoding="utf-8")) == [], path
    # The charting library is served by doudi from the npm package.
    found = finders.find("vendor/echarts/echarts.min.js")
    assert found and Path(found).stat().st_size > 500_000


NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


@pytest.mark.django_db
def test_work_report_figures_equal_the_table(activity, users):
    report = workreport.narrative(users["county_reviewer"], COUNTY, JUNE, "half")
    t = report.table
    assert t.period_label == "2025年上半年" and report.title.startswith("沅江市2025年上半年")
    text = "".join(report.paragraphs)
    assert "截至2025年6月底，全市共有城乡低保对象4户6人" in text
    for key, shown in report.used.items():
        if key.endswith(("_change", "_ratio")):
            continue
        value = t.figures[key]
        expected = workreport.number(selectors.wan(value) if key == "temporary_amount" else value)
        assert shown == expected, key
        assert shown in text
    # Every number in the text is a figure of the table (or the date it is as of).
    allowed = set(report.used.values()) | {"2025", "6", "1"}
    assert set(NUMBER.findall(text)) <= allowed, set(NUMBER.findall(text)) - allowed
    # Every figure of the table is in the text (the half-year's spending is the year's: said once).
    assert set(report.used) >= set(selectors.FIGURES) - {"expenditure_month"}
    assert "按时办结率66.7%" in text
    assert "上年同期尚无系统数据" in text


@pytest.mark.django_db
def test_work_report_compares_with_the_year_before_when_data_exists(activity, users):
    report = workreport.narrative(users["county_reviewer"], COUNTY, date(2026, 6, 1), "half")
    assert report.year_ago is not None
    text = report.paragraphs[-1]
    before, now = report.year_ago.figures["dibao_persons"], report.table.figures["dibao_persons"]
    if now == before:
        assert "低保人数与上年同期持平" in text
    else:
        assert f"低保人数{'增加' if now > before else '减少'}{abs(now - before)}人" in text


@pytest.mark.django_db
def test_work_report_page_and_word_download(activity, users, client, tmp_path):
    from docx import Document

    client.force_login(users["county_reviewer"])
    page = client.get(reverse("reports:work_report"), {"region": COUNTY, "month": "2025-06", "period": "half"})
    html = page.content.decode()
    assert page.status_code == 200 and "全市共有城乡低保对象4户6人" in html and 'id="report-table"' in html
    resp = client.get(
        reverse("reports:work_report"), {"region": COUNTY, "month": "2025-06", "period": "half", "format": "docx"}
    )
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    path = tmp_path / "r.docx"
    path.write_bytes(resp.content)
    doc = Document(str(path))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "截至2025年6月底，全市共有城乡低保对象4户6人" in body
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["类别", "指标", "数值", "单位"]
    assert len(table.rows) == len(selectors.FIGURES) + 1
    client.force_login(users["foreign_county_reviewer"])
    assert client.get(reverse("reports:work_report"), {"region": COUNTY, "month": "2025-06"}).status_code == 404


@pytest.mark.django_db
def test_ending_an_enrolment_keeps_the_changes_it_replaces(data):
    """A change scheduled in advance is kept when a later ending replaces it; the months closed before
    the ending still read it."""
    a = data["a"]
    change = change_amount(None, a, from_month=date(2025, 8, 1), monthly_amount=Decimal("950"), reason="提标")
    EnrolmentChange.objects.filter(pk=change.pk).update(created_at=at(2025, 7, 10))
    august = selectors.compute(COUNTY, date(2025, 8, 1))
    # A (3 persons) 950, B 600, E 550, G 480 (decided in August).
    assert august["dibao_avg_amount"] == (Decimal(950 + 600 + 550 + 480) / 6).quantize(Decimal("0.01"))
    end_enrolment(None, a, last_month=date(2025, 6, 1), reason="追溯停发（死亡）")
    kept = SupersededChange.objects.get(change_id=change.pk)
    assert (kept.monthly_amount, kept.effective_month, kept.superseded_reason) == (
        Decimal("950.00"),
        date(2025, 8, 1),
        "追溯停发（死亡）",
    )
    assert not EnrolmentChange.objects.filter(pk=change.pk).exists()  # payrolls read what holds now
    assert selectors.compute(COUNTY, date(2025, 8, 1)) == august  # as filed
    now = selectors.compute(COUNTY, date(2025, 8, 1), as_of=at(2030, 1, 1))
    assert now["dibao_persons"] == august["dibao_persons"] - 3  # as known today: A ended after June


@pytest.mark.django_db
def test_expenditure_is_frozen_at_the_month_end(activity, regions):
    from doudi.payments.models import Payroll, PayrollLine

    filed = selectors.compute(COUNTY, JUNE)
    # After June closed: a paid line's failure is recorded, and a June payroll of another programme approved.
    PayrollLine.objects.filter(amount=Decimal("900")).update(status="failed", updated_at=at(2025, 7, 3))
    Payroll.objects.create(
        region=regions["yuanjiang"],
        programme="extreme_poverty",
        month=JUNE,
        status="approved",
        approved_at=at(2025, 7, 2),
    )
    assert selectors.compute(COUNTY, JUNE) == filed
    assert filed["expenditure_year"] == Decimal("1.4")  # 1,400 in June + 12,345 in May
    assert selectors.compute(COUNTY, JUNE, as_of=at(2025, 8, 1))["expenditure_year"] == Decimal("1.3")  # 900 failed


@pytest.mark.django_db
def test_snapshot_command_and_nightly_job_build_the_closed_months(data):
    from io import StringIO

    from django.core.management import call_command

    from doudi.reports.models import SnapshotMonth
    from doudi.reports.tasks import build_month_snapshots

    out = StringIO()
    call_command("stats_snapshots", months=3, stdout=out)
    assert "已生成 3 个月的统计快照" in out.getvalue()
    assert SnapshotMonth.objects.count() == 3
    assert build_month_snapshots.call()["built"] != []  # the rest of the two years
    assert SnapshotMonth.objects.count() == 24
    assert build_month_snapshots.call()["built"] == []  # nothing left: a closed month is built once


@pytest.mark.django_db
def test_demo_history_is_dated_at_the_time_only_in_the_demo(data, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from doudi.cases.models import Enrolment
    from doudi.cases.services.enrolment import create_enrolment
    from doudi.registry.models import Person

    person = Person.objects.filter(household__head_name="甲").first()
    late = create_enrolment(
        None,
        household=person.household,
        person=person,
        programme="orphan",
        start_month=date(2025, 3, 1),
        monthly_amount=Decimal("1000"),
        reason="演示",
    )
    settings.DEMO = False
    with pytest.raises(CommandError):
        call_command("demo_stats_history")
    assert selectors.compute(COUNTY, JUNE)["orphans"] == 1  # recorded today: not known in June 2025
    settings.DEMO = True
    call_command("demo_stats_history")
    assert Enrolment.objects.get(pk=late.pk).created_at.date() < date(2025, 3, 1)
    assert selectors.compute(COUNTY, JUNE)["orphans"] == 2


@pytest.mark.django_db
def test_work_report_does_not_compare_spending_with_a_year_without_payrolls(activity, users, monkeypatch):
    """June 2025 (spending 1.4 万元) reported against a June 2024 whose enrolments were paid outside doudi."""
    import dataclasses

    real = selectors.monthly_table

    def tables(actor, region, month, period):
        if month.year == 2026:  # the report's own period: the fixture's paid June 2025
            return real(actor, region, JUNE, period)
        t = real(actor, region, JUNE, period)  # the year before: the same caseload, no payroll in doudi
        return dataclasses.replace(t, figures={**t.figures, "expenditure_year": Decimal(0)})

    monkeypatch.setattr(workreport.s, "monthly_table", tables)
    report = workreport.narrative(users["county_reviewer"], COUNTY, date(2026, 6, 1), "half")
    assert report.table.figures["expenditure_year"] == Decimal("1.4")
    text = report.paragraphs[-1]
    assert "累计支出上年同期无系统发放数据，不作比较" in text and "累计支出增加" not in text
    assert "低保人数与上年同期持平" in text
