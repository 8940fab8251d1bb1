"""保障对象: the township's enrolment list with search, village filter, totals and the XLSX export; scoped."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from doudi.audit.models import RecordAccess
from doudi.cases.exports import HEADERS
from doudi.cases.services.enrolment import create_enrolment, end_enrolment
from doudi.cases.tests.test_views import client_for
from doudi.core.masking import mask_id_number
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db
URL = "cases:enrolment_list"


def _enrol(household, person, programme, amount, covered=None):
    return create_enrolment(
        None,
        household=household,
        person=person,
        programme=programme,
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal(amount),
        reason="测试纳入",
        covered=covered or [person.pk],
    )


@pytest.fixture
def caseload(regions, users):
    """Two families of 草尾镇 (立新村, 胜天村), one of 琼湖街道 (another township), one ended enrolment."""
    actor = users["county_reviewer"]
    lixin = f.household(regions["lixin"], actor=actor, members=2, head_name="王立新")
    shengtian = f.household(regions["shengtian"], actor=actor, head_name="李胜天")
    other = f.household(regions["hanjiacha"], actor=actor, head_name="赵韩家")
    heads = {hh.pk: Person.objects.get(household=hh, relation="head") for hh in (lixin, shengtian, other)}
    kids = list(Person.objects.filter(household=lixin, relation="child").order_by("pk"))
    dibao = _enrol(lixin, heads[lixin.pk], "dibao", "1234.50", covered=[heads[lixin.pk].pk] + [k.pk for k in kids])
    care = _enrol(lixin, kids[0], "disability_care_subsidy", "90.00")
    tekun = _enrol(shengtian, heads[shengtian.pk], "extreme_poverty", "1100.00")
    old = _enrol(shengtian, heads[shengtian.pk], "longevity_allowance", "50.00")
    end_enrolment(None, old, last_month=date(2025, 3, 1), reason="测试停发")
    theirs = _enrol(other, heads[other.pk], "dibao", "700.00")
    return {"lixin": lixin, "heads": heads, "kids": kids, "dibao": dibao, "care": care, "tekun": tekun,
            "old": old, "theirs": theirs}  # fmt: skip


def _shown(html: str) -> set[int]:
    import re

    return {int(pk) for pk in re.findall(r'id="enrolment-(\d+)"', html)}


def test_the_township_sees_its_live_enrolments_with_totals_and_masked_id_numbers(caseload, users):
    response = client_for(users["township_officer"]).get(reverse(URL))
    html = response.content.decode()
    assert response.status_code == 200
    assert _shown(html) == {caseload["dibao"].pk, caseload["care"].pk, caseload["tekun"].pk}
    totals = html.split('id="totals-of-enrolments"')[1].split("</dl>")[0]
    # 2 households; 3 covered by the 低保 + 1 + 1 persons; 1,234.50 + 90 + 1,100 元.
    assert "<b>2</b> 户" in totals and "<b>5</b> 人" in totals and "<b>2,424.50</b> 元" in totals
    head = caseload["heads"][caseload["lixin"].pk]
    assert head.id_number not in html and mask_id_number(head.id_number) in html
    assert "草尾镇 立新村" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "王立新"}, {"dibao", "care"}),  # the head's name finds the household's enrolments
        ({"q": "张一"}, {"dibao", "care"}),  # a child's name too
        ({"q": "赵韩家"}, set()),  # another township's family is not found
        ({"region": "430981114202"}, {"tekun"}),  # 胜天村
        ({"region": "430981006001"}, {"dibao", "care", "tekun"}),  # a village outside the scope is ignored
        ({"programme": "dibao"}, {"dibao"}),
        ({"status": "ended"}, {"old"}),
        ({"status": "all"}, {"dibao", "care", "tekun", "old"}),
    ],
)
def test_search_and_filters(caseload, users, params, expected):
    html = client_for(users["township_officer"]).get(reverse(URL), params).content.decode()
    assert _shown(html) == {caseload[name].pk for name in expected}


def test_search_by_id_number_of_any_member(caseload, users):
    kid = caseload["kids"][1]
    html = client_for(users["township_officer"]).get(reverse(URL), {"q": kid.id_number}).content.decode()
    assert _shown(html) == {caseload["dibao"].pk, caseload["care"].pk}


def test_a_village_worker_sees_only_the_village(caseload, users):
    html = client_for(users["village_worker"]).get(reverse(URL)).content.decode()
    assert _shown(html) == {caseload["dibao"].pk, caseload["care"].pk}
    assert 'id="export-xlsx"' not in html


def test_a_payment_warning_shows_on_the_enrolment(caseload, users):
    html = client_for(users["township_officer"]).get(reverse(URL), {"programme": "dibao"}).content.decode()
    assert "发放提醒" in html and "未登记银行账号" in html


def _rows(response) -> list[list]:
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_export_holds_the_search_masked_and_is_logged(caseload, users):
    client = client_for(users["township_officer"])
    response = client.get(reverse(URL), {"export": "xlsx", "region": "430981114201"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _rows(response)
    assert tuple(rows[0]) == HEADERS and len(rows) == 3
    by_programme = {r[6]: r for r in rows[1:]}
    dibao = by_programme["最低生活保障"]
    head = caseload["heads"][caseload["lixin"].pk]
    assert dibao[:6] == [
        "草尾镇",
        "立新村",
        caseload["lixin"].number,
        "王立新",
        "王立新",
        mask_id_number(head.id_number),
    ]
    assert dibao[8] == "正常发放" and dibao[9] == 1234.5 and dibao[10] == 3 and dibao[11] == "2025-01"
    assert dibao[16].startswith("未登记银行账号")
    log = RecordAccess.objects.get(channel="export")
    assert log.actor == users["township_officer"] and "导出保障对象名册 2 条" in log.detail
    assert "region=430981114201" in log.detail


@pytest.mark.parametrize("user", ["village_worker", "auditor"])
def test_roles_without_enrolment_management_may_not_export(caseload, users, user):
    response = client_for(users[user]).get(reverse(URL), {"export": "xlsx"})
    assert response.status_code == 403 and not RecordAccess.objects.filter(channel="export").exists()


def test_another_township_exports_only_its_own(caseload, users):
    rows = _rows(client_for(users["other_township_officer"]).get(reverse(URL), {"export": "xlsx"}))
    assert [r[3] for r in rows[1:]] == ["赵韩家"]
    assert client_for(users["foreign_county_reviewer"]).get(reverse(URL), {"q": "王立新"}).status_code == 200
    html = client_for(users["foreign_county_reviewer"]).get(reverse(URL), {"q": "王立新"}).content.decode()
    assert _shown(html) == set() and "没有保障记录" in html
