"""The case pages: each step through its form, refused roles (403), other regions (404), bad input
(a Chinese error and nothing written), stale versions, and the inbox with its filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.audit.models import AuditEvent
from doudi.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    Decision,
    MissingMaterialsNotice,
    NoticeStatus,
    PublicNotice,
    RelativeDeclaration,
    Survey,
    Verification,
)
from doudi.cases.tests.conftest import fresh
from doudi.registry.models import Person

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 64
JPG = b"\xff\xd8\xff\xe0" + b"j" * 64
EXE = b"MZ\x90\x00" + b"x" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step_url(case, step: str) -> str:
    return reverse("cases:step", args=[case.pk, step])


def post_step(user, case, step: str, data: dict | None = None, **files):
    body = {f"{step}-expected_version": fresh(case).version}
    body.update({f"{step}-{k}": v for k, v in (data or {}).items()})
    body.update({f"{step}-{k}": v for k, v in files.items()})
    return client_for(user).post(step_url(case, step), body)


def today() -> date:
    return timezone.localdate()


def _counts(case) -> tuple[int, int, int]:
    return (
        CaseEvent.objects.filter(case=case).count(),
        AuditEvent.objects.count(),
        Case.objects.get(pk=case.pk).version,
    )


# ---------------------------------------------------------------- opening an application


def test_village_worker_opens_an_application_with_authorisation_and_papers(household, users):
    head = Person.objects.get(household=household, relation="head")
    response = client_for(users["village_worker"]).post(
        reverse("cases:open", args=[household.pk]),
        {
            "kind": "application",
            "programmes": ["dibao"],
            "applicant": head.pk,
            "channel": "window",
            "authorised": "on",
            "application_files": [SimpleUploadedFile("申请书.jpg", JPG, "image/jpeg")],
            "authorisation_files": [SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 x", "application/pdf")],
        },
    )
    case = Case.objects.get(household=household)
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.pk])
    assert case.status == "submitted" and case.programmes == ["dibao"] and "核对授权书" in case.note
    assert sorted(Attachment.objects.filter(case=case).values_list("category", flat=True)) == [
        "application",
        "authorisation",
    ]


def test_opening_without_the_authorisation_or_with_a_renamed_exe_writes_nothing(household, users):
    head = Person.objects.get(household=household, relation="head")
    client = client_for(users["village_worker"])
    url = reverse("cases:open", args=[household.pk])
    base = {"kind": "application", "programmes": ["dibao"], "applicant": head.pk, "channel": "window"}
    response = client.post(url, base)
    assert response.status_code == 400
    assert "授权核对：须由申请人及家庭成员签署核对授权书" in response.content.decode()
    bad = client.post(url, {**base, "authorised": "on", "other_files": [SimpleUploadedFile("x.jpg", EXE)]})
    assert bad.status_code == 400 and "只接受 JPG、PNG 图片或 PDF 文件" in bad.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()


def test_opening_is_refused_to_a_county_reviewer_and_404_in_another_region(household, users):
    url = reverse("cases:open", args=[household.pk])
    assert client_for(users["county_reviewer"]).get(url).status_code == 403
    assert client_for(users["other_village_worker"]).get(url).status_code == 404


def test_household_page_offers_the_application(household, users):
    page = client_for(users["village_worker"]).get(reverse("registry:household_detail", args=[household.pk]))
    assert reverse("cases:open", args=[household.pk]) in page.content.decode()
    county = client_for(users["county_reviewer"]).get(reverse("registry:household_detail", args=[household.pk]))
    assert reverse("cases:open", args=[household.pk]) not in county.content.decode()


# ---------------------------------------------------------------- the case page


def test_case_page_shows_header_timeline_and_the_next_step(walk, household, users):
    case = walk.open(household, on=today(), programmes=["dibao"])
    page = client_for(users["village_worker"]).get(reverse("cases:detail", args=[case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert case.number in html and "已申请待受理" in html and "最低生活保障" in html
    assert 'id="step-accept_application"' in html and "登记申请" in html
    assert 'id="step-record_missing_materials"' in html and 'id="step-withdraw_case"' in html
    # A county reviewer sees the case but has no step to take on it.
    county = client_for(users["county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-accept_application"' not in county and 'id="no-steps"' in county
    # ... and is told who acts next.
    assert "当前没有需要您办理的事项（已申请待受理），下一步由乡镇（街道）受理。" in county


def test_case_page_of_another_region_is_404(walk, household, users):
    case = walk.open(household, on=today())
    assert client_for(users["other_village_worker"]).get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client_for(users["foreign_county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_accepting_needs_the_authorisation_confirmation(walk, household, users):
    case = walk.open(household, on=today())
    before = _counts(case)
    refused = post_step(users["village_worker"], case, "accept_application")
    assert refused.status_code == 400 and "已签署家庭经济状况核对授权书" in refused.content.decode()
    assert _counts(case) == before
    done = post_step(users["village_worker"], case, "accept_application", {"authorised": "on"})
    assert done.status_code == 302 and fresh(case).status == "accepted"


@pytest.mark.parametrize(
    ("user", "step", "status"),
    [
        ("auditor", "accept_application", 403),
        ("county_reviewer", "accept_application", 403),
        ("village_worker", "confirm_case", 403),
        ("township_officer", "confirm_case", 403),
        ("village_worker", "start_public_notice", 403),
        ("other_village_worker", "accept_application", 404),
        ("foreign_county_reviewer", "confirm_case", 404),
    ],
)
def test_steps_refuse_wrong_roles_with_403_and_other_regions_with_404(walk, household, users, user, step, status):
    case = walk.open(household, on=today())
    before = _counts(case)
    response = post_step(users[user], case, step, {"authorised": "on"})
    assert response.status_code == status
    assert _counts(case) == before


def test_wrong_role_is_refused_before_the_lookup(users):
    response = client_for(users["auditor"]).post(reverse("cases:step", args=[999999, "confirm_case"]), {})
    assert response.status_code == 403
    assert "“审核确认”须由县级审核人员办理，您的角色无权操作。" in response.content.decode()


def test_missing_materials_notice_and_its_pdf(walk, household, users):
    case = walk.open(household, on=today(), programmes=["dibao"])
    empty = post_step(users["village_worker"], case, "record_missing_materials", {"note": "x"})
    assert empty.status_code == 400 and "需补齐的材料：至少列出一项" in empty.content.decode()
    assert not MissingMaterialsNotice.objects.exists()
    done = post_step(
        users["village_worker"],
        case,
        "record_missing_materials",
        {"items": ["户口簿、身份证复印件"], "other_items": "房屋租赁合同\n"},
    )
    assert done.status_code == 302
    notice = MissingMaterialsNotice.objects.get(case=case)
    assert notice.items == ["户口簿、身份证复印件", "房屋租赁合同"] and fresh(case).status == "materials_pending"
    pdf = client_for(users["village_worker"]).get(reverse("cases:missing_pdf", args=[case.pk, notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    other = client_for(users["other_village_worker"]).get(reverse("cases:missing_pdf", args=[case.pk, notice.pk]))
    assert other.status_code == 404


def test_verification_result_in_chinese_errors_and_saved(walk, household, users):
    case = walk.open(household, on=today())
    walk.accept(case, on=today())
    future = (today() + timedelta(days=2)).isoformat()
    bad_date = post_step(
        users["township_officer"],
        case,
        "record_verification",
        {"summary": "一致", "checked_on": future},
    )
    assert "核对日期：不能晚于今天" in bad_date.content.decode()
    ok = post_step(
        users["township_officer"],
        case,
        "record_verification",
        {"summary": "一致"},
    )
    assert ok.status_code == 302
    verification = Verification.objects.get(case=case)
    assert verification.report.household_id == case.household_id  # the report built from the departments' data
    assert verification.summary.startswith("一致（")


def test_survey_with_photos_then_the_second_investigator_signs(walk, household, users, co_worker):
    case = walk.open(household, on=today())
    walk.accept(case, on=today())
    head = Person.objects.get(household=household, relation="head")
    response = post_step(
        users["village_worker"],
        case,
        "record_survey",
        {
            "visited_on": today().isoformat(),
            "methods": ["home_visit", "neighbour_visit"],
            "members_present": [head.name],
            "living_conditions": "土坯房两间",
            "findings": "户主务工收入低",
            "co_investigator": co_worker.pk,
        },
        photos=[SimpleUploadedFile("门口.jpg", JPG, "image/jpeg"), SimpleUploadedFile("室内.png", PNG, "image/png")],
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    survey = Survey.objects.get(case=case)
    assert survey.photos.count() == 2 and "在场成员：" in survey.findings and "土坯房两间" in survey.findings
    # The first investigator cannot sign twice; the second signs as another user.
    page = client_for(users["village_worker"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-countersign_survey"' not in page
    theirs = client_for(co_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-countersign_survey"' in theirs and "户主务工收入低" in theirs
    unconfirmed = post_step(co_worker, case, "countersign_survey")
    assert unconfirmed.status_code == 400 and "请确认本人参加了调查" in unconfirmed.content.decode()
    signed = post_step(co_worker, case, "countersign_survey", {"confirm": "on"})
    assert signed.status_code == 302 and fresh(case).status == "surveyed"


def test_survey_needs_a_second_investigator_and_refuses_non_images(walk, household, users, co_worker):
    case = walk.open(household, on=today())
    walk.accept(case, on=today())
    before = _counts(case)
    data = {"visited_on": today().isoformat(), "methods": ["home_visit"], "findings": "困难"}
    alone = post_step(users["village_worker"], case, "record_survey", data)
    assert alone.status_code == 400 and "第二调查人：入户调查须由两人进行" in alone.content.decode()
    fake = post_step(
        users["village_worker"],
        case,
        "record_survey",
        {**data, "co_investigator": co_worker.pk},
        photos=[SimpleUploadedFile("照片.jpg", b"%PDF-1.4 not an image", "image/jpeg")],
    )
    assert fake.status_code == 400 and "只接受 JPG、PNG 图片" in fake.content.decode()
    assert _counts(case) == before and not Attachment.objects.exists() and not Survey.objects.exists()


def test_public_notice_then_notice_board_pdf_in_scope_only(walk, household, users, co_worker):
    case = walk.open(household, on=today(), programmes=["dibao"])
    walk.accept(case, on=today())
    walk.verify(case, today())
    walk.survey(case, today())
    no_place = post_step(users["township_officer"], case, "start_public_notice", {"opinion": "同意", "place": ""})
    assert no_place.status_code == 400 and "公示地点：不能为空" in no_place.content.decode()
    assert not PublicNotice.objects.exists()
    ok = post_step(users["township_officer"], case, "start_public_notice", {"opinion": "同意", "place": "立新村公开栏"})
    assert ok.status_code == 302 and fresh(case).status == "in_notice"
    url = reverse("cases:notice_board_pdf", args=[case.region_id])
    pdf = client_for(users["village_worker"]).get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client_for(users["other_village_worker"]).get(url).status_code == 404
    page = client_for(users["township_officer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="notice-pdf"' in page and "查看评估说明" in page and "评估结果" in page


def test_objection_record_and_resolve(walk, household, users):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    post_step(users["township_officer"], case, "record_objection", {"content": "该户有车", "raised_by": ""})
    assert fresh(case).status == "objection"
    bad = post_step(
        users["township_officer"],
        case,
        "resolve_objection",
        {"upheld": "0", "findings": "", "opinion": "x", "place": "p"},
    )
    assert bad.status_code == 400 and fresh(case).status == "objection"
    post_step(
        users["township_officer"],
        case,
        "resolve_objection",
        {"upheld": "0", "findings": "车辆已报废", "opinion": "维持", "place": "公开栏"},
    )
    assert fresh(case).status == "in_notice" and PublicNotice.objects.filter(case=case).count() == 2


def _notice_over(case) -> None:
    """Move the running notice into the past, as if its seven days had passed."""
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today() - timedelta(days=10), ends_on=today() - timedelta(days=4)
    )


def test_county_approves_with_the_prefilled_start_month_and_gets_the_decision_pdf(walk, household, users):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    early = client_for(users["county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-confirm_case"' not in early  # notice still running
    _notice_over(case)
    page = client_for(users["county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-confirm_case"' in page and 'id="proposal-table"' in page
    next_month = (today().replace(day=1) + timedelta(days=32)).replace(day=1)
    assert f'value="{next_month:%Y-%m}"' in page
    response = post_step(
        users["county_reviewer"], case, "confirm_case", {"decision": "approve", "start_month": f"{next_month:%Y-%m}"}
    )
    assert response.status_code == 302
    decision = Decision.objects.get(case=case)
    assert decision.outcome == "approved" and decision.start_month == next_month
    pdf = client_for(users["township_officer"]).get(reverse("cases:decision_pdf", args=[case.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    enrol = post_step(users["township_officer"], case, "enrol")
    assert enrol.status_code == 302 and fresh(case).status == "enrolled"


def test_refusal_needs_written_reasons_then_is_notified(walk, household, users):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    _notice_over(case)
    before = _counts(case)
    bare = post_step(users["county_reviewer"], case, "confirm_case", {"decision": "refuse", "reasons": " "})
    assert bare.status_code == 400 and "不予确认理由：须书面说明理由" in bare.content.decode()
    assert _counts(case) == before and not Decision.objects.exists()
    post_step(users["county_reviewer"], case, "confirm_case", {"decision": "refuse", "reasons": "存款超过限额"})
    assert fresh(case).status == "refused"
    notify = post_step(
        users["township_officer"],
        case,
        "record_refusal_notice",
        {"notified_on": today().isoformat(), "method": "当面送达"},
    )
    assert notify.status_code == 302 and fresh(case).status == "closed"


def test_a_stale_version_says_already_handled_and_keeps_what_was_typed(walk, household, users):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    _notice_over(case)
    stale = fresh(case).version
    walk.confirm(case, today(), approve=False, reasons="他人先处理")
    response = client_for(users["county_reviewer"]).post(
        step_url(case, "confirm_case"),
        {
            "confirm_case-expected_version": stale,
            "confirm_case-decision": "refuse",
            "confirm_case-reasons": "我的理由文字",
        },
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "已被他人处理，请刷新" in html and "我的理由文字" in html
    assert Decision.objects.get(case=case).reasons == "他人先处理"


def test_relative_declaration_blocks_confirmation_until_the_county_checks(walk, household, users):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    post_step(
        users["village_worker"],
        case,
        "declare_relative",
        {"staff_name": "李主任", "staff_position": "村委会主任", "relation": "兄弟"},
    )
    assert fresh(case).relative_flag
    _notice_over(case)
    page = client_for(users["county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="relative-flag"' in page and 'id="step-check_relative"' in page and 'id="step-confirm_case"' not in page
    declaration = RelativeDeclaration.objects.get(case=case)
    post_step(
        users["county_reviewer"],
        case,
        "check_relative",
        {"declaration": declaration.pk, "visited_on": today().isoformat(), "findings": "情况属实"},
    )
    declaration.refresh_from_db()
    assert declaration.status == "checked"
    page = client_for(users["county_reviewer"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="step-confirm_case"' in page


def test_referral_and_its_outcome(walk, household, users):
    case = walk.open(household, on=today())
    client = client_for(users["village_worker"])
    bad = client.post(
        reverse("cases:referral_create", args=[case.pk]), {"referral-to_department": "", "referral-need": ""}
    )
    assert bad.status_code == 400 and case.referrals.count() == 0
    client.post(
        reverse("cases:referral_create", args=[case.pk]), {"referral-to_department": "医保局", "referral-need": "大病"}
    )
    referral = case.referrals.get()
    client.post(
        reverse("cases:referral_outcome", args=[case.pk, referral.pk]),
        {f"outcome{referral.pk}-referral": referral.pk, f"outcome{referral.pk}-outcome": "已报销"},
    )
    referral.refresh_from_db()
    assert referral.status == "done" and referral.outcome == "已报销"


def test_attachment_upload_refuses_what_is_not_jpg_png_or_pdf(walk, household, users):
    case = walk.open(household, on=today())
    client = client_for(users["village_worker"])
    url = reverse("cases:upload", args=[case.pk])
    bad = client.post(url, {"upload-files": [SimpleUploadedFile("病历.png", EXE)], "upload-category": "medical"})
    assert bad.status_code == 400 and "只接受 JPG、PNG 图片或 PDF 文件" in bad.content.decode()
    none = client.post(url, {"upload-category": "medical"})
    assert none.status_code == 400 and "文件：请选择要上传的文件" in none.content.decode()
    assert not Attachment.objects.exists()
    ok = client.post(url, {"upload-files": [SimpleUploadedFile("病历.png", PNG)], "upload-category": "medical"})
    assert ok.status_code == 302 and Attachment.objects.get().category == "medical"
    assert client_for(users["county_reviewer"]).post(url, {}).status_code == 403


def test_temporary_fast_grant_from_the_page(household, users):
    head = Person.objects.get(household=household, relation="head")
    client = client_for(users["township_officer"])
    client.post(
        reverse("cases:open", args=[household.pk]),
        {
            "kind": "temporary",
            "applicant": head.pk,
            "channel": "window",
            "authorised": "on",
            "need_kind": "emergency",
            "need_event": "fire",
            "need_occurred_on": today().isoformat(),
            "need_amount": "3000",
            "need_fast": "on",
        },
    )
    case = Case.objects.get(household=household, kind="temporary")
    too_much = post_step(
        users["township_officer"],
        case,
        "decide_fast_grant",
        {"track": "fast_grant", "amount": "99999", "reasons": "火灾"},
    )
    assert too_much.status_code == 400 and "超过小额快救上限" in too_much.content.decode()
    ok = post_step(
        users["township_officer"],
        case,
        "decide_fast_grant",
        {"track": "fast_grant", "amount": "300", "reasons": "火灾"},
    )
    assert ok.status_code == 302, ok.content.decode()[-3000:]
    assert fresh(case).status == "paperwork_pending"
    assert client.get(reverse("cases:decision_pdf", args=[case.pk])).status_code == 200


def test_withdrawal_needs_a_reason(walk, household, users):
    case = walk.open(household, on=today())
    assert post_step(users["village_worker"], case, "withdraw_case", {"reason": ""}).status_code == 400
    post_step(users["village_worker"], case, "withdraw_case", {"reason": "申请人撤回"})
    assert fresh(case).status == "withdrawn"


def test_unknown_step_is_404(walk, household, users):
    case = walk.open(household, on=today())
    assert client_for(users["village_worker"]).post(step_url(case, "pay_everyone"), {}).status_code == 404


def test_services_still_refuse_what_the_page_does_not_offer(walk, household, users):
    """Posting a step the page does not offer (notice still running) is refused with the rule's words."""
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    response = post_step(users["county_reviewer"], case, "confirm_case", {"decision": "approve"})
    assert response.status_code == 400 and "公示期满后方可审核确认" in response.content.decode()
    assert fresh(case).status == "in_notice" and fresh(case).version == case.version
    assert not Decision.objects.filter(case=case).exists()
