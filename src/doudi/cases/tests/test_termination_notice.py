"""停止社会救助决定书: the written notice of an enrolment ended by a review (停发) — the programme,
the last month paid, the reason and the appeal rights as on the decisions; none for a live enrolment;
404 outside the user's region; printing is logged; the link on the enrolment list and the review list."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from doudi.audit.models import RecordAccess
from doudi.cases import services
from doudi.cases.models import Enrolment, ReviewTask
from doudi.cases.tests.test_pdf import _assert_cjk_embedded, _save, _text, needs_font, needs_poppler

OUT = Path("/tmp/notice")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def enrolled(walk, household):
    walk.to_enrolled(household, programmes=["dibao"])
    return Enrolment.objects.get(household=household, programme="dibao")


def _end_by_review(enrolled, users) -> Enrolment:
    task = ReviewTask.objects.get(household=enrolled.household, kind="periodic", status="open")
    services.do_complete_review(
        users["county_reviewer"],
        task,
        outcome="end",
        reasons="户主就业，家庭人均收入超过低保标准",
        today=date(2025, 9, 20),
    )
    enrolled.refresh_from_db()
    assert enrolled.status == "ended" and enrolled.end_month == date(2025, 9, 1)
    return enrolled


def _url(enrolment) -> str:
    return reverse("cases:termination_pdf", args=[enrolment.pk])


@needs_font
@needs_poppler
def test_notice_of_an_enrolment_ended_by_review_states_programme_end_month_reason_and_rights(enrolled, users):
    ended = _end_by_review(enrolled, users)
    response = client_for(users["county_reviewer"]).get(_url(ended))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "filename*=utf-8''" in response["Content-Disposition"]
    path = _save(response.content, "termination")
    text = _text(path)
    assert "停止社会救助决定书" in text and "沅江市民政局" in text
    assert "最低生活保障" in text
    assert "自2025年10月起停止发放" in text and "最后发放月份为2025年9月" in text
    assert "户主就业，家庭人均收入超过低保标准" in text and "定期复核" in text
    assert "964.00" in text  # the last month paid, as in the decision tests
    # The appeal rights worded as on the refusal letter.
    assert "自收到本决定书之日起60日内向沅江市人民政府申请行政复议" in text
    assert "自收到本决定书之日起6个月内向人民法院提起行政诉讼" in text
    assert "2025年9月20日" in text  # the date of the review
    _assert_cjk_embedded(path)
    access = RecordAccess.objects.get(actor=users["county_reviewer"], person_id=ended.person_id)
    assert access.channel == "page" and "停止社会救助决定书" in access.detail
    if shutil.which("pdftoppm"):
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path), str(OUT / "termination")], check=True
        )
        assert next(OUT.glob("termination*.png")).stat().st_size > 10_000


def test_a_live_enrolment_has_no_notice_and_no_link(enrolled, users):
    client = client_for(users["county_reviewer"])
    assert client.get(_url(enrolled)).status_code == 404
    page = client.get(reverse("cases:enrolment_list"), {"household": enrolled.household_id, "status": "all"})
    assert page.status_code == 200 and _url(enrolled) not in page.content.decode()
    assert not RecordAccess.objects.filter(person_id=enrolled.person_id, detail__contains="停止社会救助").exists()


def test_another_county_or_village_is_refused_with_404(enrolled, users):
    ended = _end_by_review(enrolled, users)
    assert client_for(users["foreign_county_reviewer"]).get(_url(ended)).status_code == 404
    assert client_for(users["other_village_worker"]).get(_url(ended)).status_code == 404
    assert client_for(users["township_officer"]).get(_url(ended)).status_code == 200
    assert not RecordAccess.objects.filter(actor=users["foreign_county_reviewer"]).exists()


def test_the_enrolment_list_links_the_notice_of_an_ended_enrolment(enrolled, users):
    ended = _end_by_review(enrolled, users)
    for who in ("county_reviewer", "township_officer"):
        page = client_for(users[who]).get(
            reverse("cases:enrolment_list"), {"household": ended.household_id, "status": "ended"}
        )
        html = page.content.decode()
        assert f'href="{_url(ended)}"' in html and "停止社会救助决定书（PDF）" in html


def test_the_review_list_links_the_notice_after_a_stop(enrolled, users):
    task = ReviewTask.objects.get(household=enrolled.household, kind="periodic", status="open")
    client = client_for(users["county_reviewer"])
    response = client.post(
        reverse("cases:review_complete"), {"task": task.pk, "outcome": "end", "reasons": "家庭收入超过标准"}
    )
    assert response.status_code == 302
    html = client.get(reverse("cases:review_list")).content.decode()
    assert f'href="{_url(enrolled)}"' in html and "停止社会救助决定书（PDF）" in html


@needs_font
@needs_poppler
def test_notice_of_an_enrolment_ended_through_a_change_case_names_the_change(enrolled, users):
    from doudi.cases.services.enrolment import end_enrolment
    from doudi.registry.models import Person

    head = Person.objects.get(household=enrolled.household, relation="head")
    case = services.do_report_change(
        users["village_worker"],
        enrolled.household,
        change_kind="income_change",
        occurred_on=date(2025, 5, 1),
        note="户主外出务工",
        person=head,
        today=date(2025, 5, 6),
    )
    end_enrolment(users["county_reviewer"], enrolled, last_month=date(2025, 5, 1), reason="家庭收入超过标准", case=case)
    response = client_for(users["township_officer"]).get(_url(enrolled))
    assert response.status_code == 200
    text = _text(_save(response.content, "termination-change"))
    assert "经家庭情况变更审核" in text and "自2025年6月起停止发放" in text and "最后发放月份为2025年5月" in text
    assert "家庭收入超过标准" in text and "申请行政复议" in text and "提起行政诉讼" in text
