"""Bad input on the case pages gets a Chinese message that names the field (as "调查日期：不能晚于
今天。" does), never Django's own "该字段是必填项。" or "确保该变量包含不超过 … 字符", and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.cases.models import Attachment, Case, CaseEvent, NoticeStatus, PublicNotice
from doudi.cases.tests.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


DJANGO_OWN = ("该字段是必填项", "确保该变量", "确保该值", "This field is required", "Ensure this value")


def _post(user, case, step: str, data: dict):
    client = Client()
    client.force_login(user)
    body = {f"{step}-expected_version": fresh(case).version}
    body.update({f"{step}-{k}": v for k, v in data.items()})
    return client.post(reverse("cases:step", args=[case.pk, step]), body)


def _state(case) -> tuple[int, int, str]:
    case = fresh(case)
    return case.version, CaseEvent.objects.filter(case=case).count(), case.status


def _refused(response, *messages: str) -> str:
    body = response.content.decode()
    assert response.status_code == 400
    for message in messages:
        assert message in body, message
    for text in DJANGO_OWN:
        assert text not in body, text
    return body


def test_the_survey_names_the_empty_and_the_too_long_fields(walk, household, users, co_worker):
    today = timezone.localdate()
    case = walk.open(household, on=today)
    walk.accept(case, on=today)
    before = _state(case)
    empty = _post(users["village_worker"], case, "record_survey", {"visited_on": "", "findings": ""})
    _refused(empty, "调查日期：必填，请填写。", "调查情况：必填，请填写。", "第二调查人：入户调查须由两人进行")
    long = _post(
        users["village_worker"],
        case,
        "record_survey",
        {
            "visited_on": today.isoformat(),
            "methods": ["home_visit"],
            "living_conditions": "住" * 1001,
            "findings": "查" * 3001,
            "co_investigator": co_worker.pk,
        },
    )
    _refused(
        long,
        "居住及生活条件：不能超过 1000 个字（现有 1001 个字）。",
        "调查情况：不能超过 3000 个字（现有 3001 个字）。",
    )
    assert _state(case) == before


def test_the_county_confirmation_names_the_conclusion_and_the_review_interval(walk, household, users):
    today = timezone.localdate()
    case = walk.to_notice(household, on=today, programmes=["dibao"])
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=4)
    )
    before = _state(case)
    _refused(_post(users["county_reviewer"], case, "confirm_case", {}), "审核结论：必填，请填写。")
    negative = _post(users["county_reviewer"], case, "confirm_case", {"decision": "approve", "review_months": "-3"})
    _refused(negative, "复核间隔：不能小于 1。")
    words = _post(users["county_reviewer"], case, "confirm_case", {"decision": "approve", "review_months": "三"})
    _refused(words, "复核间隔：请填写整数。")
    assert _state(case) == before


def test_a_change_report_names_its_empty_fields(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    client = Client()
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("cases:change_report", args=[household.pk]), {"change_kind": "", "occurred_on": "", "note": ""}
    )
    _refused(response, "变更类型：必填，请填写。", "变化日期：必填，请填写。", "变化情况：必填，请填写。")
    assert not Case.objects.filter(kind="change").exists()


def test_a_referral_an_attachment_and_an_application_name_their_fields(walk, household, users):
    today = timezone.localdate()
    case = walk.open(household, on=today)
    walk.accept(case, on=today)
    before = _state(case)
    client = Client()
    client.force_login(users["village_worker"])
    referral = client.post(
        reverse("cases:referral_create", args=[case.pk]), {"referral-to_department": "", "referral-need": ""}
    )
    _refused(referral, "转介单位：必填，请填写。", "需求：必填，请填写。")
    png = SimpleUploadedFile("户口簿.png", b"\x89PNG\r\n\x1a\n" + b"p" * 64, "image/png")
    upload = client.post(
        reverse("cases:upload", args=[case.pk]),
        {"upload-files": png, "upload-category": "identity", "upload-note": "说" * 201},
    )
    _refused(upload, "说明：不能超过 200 个字（现有 201 个字）。")
    assert _state(case) == before and not Attachment.objects.exists()
    application = client.post(
        reverse("cases:open", args=[household.pk]),
        {"kind": "temporary", "need_amount": "-5", "need_other_aid": "-1", "authorised": "on"},
    )
    _refused(application, "困难金额：不能小于 0。", "已获其他救助：不能小于 0。")
    assert Case.objects.count() == 1
