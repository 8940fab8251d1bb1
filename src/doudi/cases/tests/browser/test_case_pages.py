"""A dibao application in Chromium, from the village worker's phone to the county's decision, and a
refusal with its written notice. Screenshots: test-output/screenshots/cases-*.png."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from doudi.cases.models import Case, NoticeStatus, PublicNotice
from doudi.registry.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 256
JPG = b"\xff\xd8\xff\xe0" + b"j" * 256


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _notice_over(case: Case) -> None:
    """Move the running notice seven days back: its period is over and the county may decide."""
    today = timezone.localdate()
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=4)
    )


def _pdf_text(path: Path) -> str:
    """Return the text poppler extracts; poppler is required (``scripts/setup --test`` installs it)."""
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is not installed: run scripts/setup --test"
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(out.split())


def _download(page, selector: str, tmp_path: Path, name: str) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    target = tmp_path / name
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF")
    return target


def test_dibao_application_from_the_village_to_enrolment(new_page, screenshot, users, household, co_worker, tmp_path):
    worker, township, county = users["village_worker"], users["township_officer"], users["county_reviewer"]
    head = Person.objects.get(household=household, relation="head")

    # 1. The village worker applies on a phone, with the authorisation and a photo of the form.
    phone = new_page(worker, **PHONE)
    phone.goto(f"/registry/households/{household.pk}/")
    phone.click("text=发起申请")
    phone.wait_for_selector("h1:has-text('发起申请')")
    phone.check("input[name=programmes][value=dibao]")
    phone.set_input_files(
        "#id_application_files", files=[{"name": "申请书.jpg", "mimeType": "image/jpeg", "buffer": JPG}]
    )
    phone.click("#open-form button[type=submit]")
    assert "授权核对" in phone.locator(".has-error").first.inner_text()  # not yet signed
    phone.check("#id_authorised")
    phone.set_input_files(
        "#id_application_files", files=[{"name": "申请书.jpg", "mimeType": "image/jpeg", "buffer": JPG}]
    )
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "cases-01-phone-application")
    phone.click("#open-form button[type=submit]")
    phone.wait_for_selector("#case-status:has-text('已申请待受理')")
    case = Case.objects.get(household=household)
    assert "申请书.jpg" in phone.locator("#files").inner_text()

    # 2. Accepted at once (materials complete).
    phone.check("#id_accept_application-authorised")
    phone.click("#step-accept_application button[type=submit]")
    phone.wait_for_selector("#case-status:has-text('已受理待调查')")
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "cases-02-phone-accepted")

    # 3. The township records the means verification.
    desk = new_page(township)
    desk.goto(f"/cases/{case.pk}/")
    desk.fill("#id_record_verification-summary", "与申报一致，无车辆、无商品房")
    desk.click("#step-record_verification button[type=submit]")
    desk.wait_for_selector(".messages >> text=已录入核对结果")

    # 4. The home survey on the phone: members present, conditions, two photos, the second investigator.
    phone.goto(f"/cases/{case.pk}/")
    phone.check(f"input[name=record_survey-members_present][value='{head.name}']")
    phone.fill("#id_record_survey-living_conditions", "砖木平房两间，家电简陋")
    phone.fill("#id_record_survey-findings", "户主务农，月收入约 200 元；一名子女在读")
    phone.select_option("#id_record_survey-co_investigator", str(co_worker.pk))
    phone.set_input_files(
        "#id_record_survey-photos",
        files=[
            {"name": "门口.jpg", "mimeType": "image/jpeg", "buffer": JPG},
            {"name": "室内.png", "mimeType": "image/png", "buffer": PNG},
        ],
    )
    assert _no_horizontal_scroll(phone)
    screenshot(phone, "cases-03-phone-survey-form")
    phone.click("#step-record_survey button[type=submit]")
    phone.wait_for_selector(f".messages >> text=待第二调查人 {co_worker.display_name} 登录签字")
    assert phone.locator("#step-countersign_survey").count() == 0
    assert phone.locator("#case-status").inner_text() == f"入户调查待第二调查人（{co_worker.display_name}）签字"

    second = new_page(co_worker, **PHONE)
    second.goto(f"/cases/{case.pk}/")
    assert "户主务农" in second.locator("#step-countersign_survey").inner_text()
    second.check("#id_countersign_survey-confirm")
    second.click("#step-countersign_survey button[type=submit]")
    second.wait_for_selector("#case-status:has-text('已调查待初审')")
    screenshot(second, "cases-04-phone-countersigned")

    # 5. The township gives its opinion and posts the notice; the village's notice board as a PDF.
    desk.goto(f"/cases/{case.pk}/")
    desk.click("#step-start_public_notice button[type=submit]")
    desk.wait_for_selector("#case-status:has-text('公示中')")
    notice_pdf = _download(desk, "#notice-pdf", tmp_path, "notice.pdf")
    text = _pdf_text(notice_pdf)
    assert household.head_name in text and "立新村" in text and head.id_number not in text
    # The household fixture: rural, head earning 200 (− employment cost 485 × 0.3 = 145.5 → 54.5
    # counted) and a child: 485 × 2 − 54.5 = 915.5, + minor supplement 48.50 = 964.00 a month.
    assert "964.00" in text
    desk.locator(".tl-assessment summary").first.click()
    assert "评估结果" in desk.locator(".tl-assessment").first.inner_text()
    screenshot(desk, "cases-05-notice-started")

    # 6. Seven days later the county approves from its inbox, start month and amounts pre-filled.
    _notice_over(case)
    reviewer = new_page(county)
    reviewer.goto("/cases/?step=confirm_case")
    reviewer.wait_for_selector(f"tr[data-case='{case.pk}']")
    screenshot(reviewer, "cases-06-county-inbox")
    reviewer.click(f"tr[data-case='{case.pk}'] a")
    assert reviewer.locator("#proposal-table").count() == 1
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=31)).replace(day=1)
    assert reviewer.input_value("#id_confirm_case-start_month") == f"{next_month:%Y-%m}"  # benefit_start
    reviewer.check("#id_confirm_case-decision_0")
    screenshot(reviewer, "cases-07-county-confirm-form")
    reviewer.click("#step-confirm_case button[type=submit]")
    reviewer.wait_for_selector("#case-status:has-text('已确认待纳入')")
    decision_pdf = _download(reviewer, "#decision-pdf", tmp_path, "decision.pdf")
    text = _pdf_text(decision_pdf)
    assert "社会救助审核确认决定书" in text and "行政复议" in text
    assert "最低生活保障" in text and "964.00" in text and f"自{next_month.year}年{next_month.month}月起" in text

    # 7. The township carries out the decision; the enrolment shows its amount history.
    desk.goto(f"/cases/{case.pk}/")
    desk.click("#step-enrol button[type=submit]")
    desk.wait_for_selector("#case-status:has-text('已执行')")
    screenshot(desk, "cases-08-enrolled")
    desk.click("text=金额变动记录 →")
    desk.wait_for_selector("article.enrolment")
    enrolment = desk.locator("article.enrolment").first.inner_text()
    assert "最低生活保障" in enrolment and "964.00" in enrolment
    screenshot(desk, "cases-09-enrolments")


def test_refusal_with_reasons_and_a_concurrent_decision(new_page, screenshot, users, household, walk, tmp_path):
    county = users["county_reviewer"]
    case = walk.to_notice(household, on=timezone.localdate(), programmes=["dibao"])
    _notice_over(case)

    first = new_page(county)
    first.goto(f"/cases/{case.pk}/")
    other = new_page(county)
    other.goto(f"/cases/{case.pk}/")

    first.check("#id_confirm_case-decision_1")
    first.click("#step-confirm_case button[type=submit]")
    assert "不予确认理由：须书面说明理由" in first.locator("#step-confirm_case .field-error").inner_text()
    first.fill("#id_confirm_case-reasons", "家庭人均收入高于当地低保标准。")
    first.click("#step-confirm_case button[type=submit]")
    first.wait_for_selector("#case-status:has-text('不予确认待告知')")

    # The same reviewer's other tab still shows the old version: told, and the typed text kept.
    other.check("#id_confirm_case-decision_0")
    other.fill("#id_confirm_case-reasons", "另一窗口填写的说明")
    other.click("#step-confirm_case button[type=submit]")
    other.wait_for_selector("#conflict")
    assert "已被他人处理，请刷新" in other.locator("#conflict").inner_text()
    assert "另一窗口填写的说明" in other.locator("#conflict").inner_text()
    screenshot(other, "cases-10-conflict")

    refusal_pdf = _download(first, "#decision-pdf", tmp_path, "refusal.pdf")
    text = _pdf_text(refusal_pdf)
    assert "不予确认" in text and "家庭人均收入高于当地低保标准。" in text and "6个月内" in text

    desk = new_page(users["township_officer"])
    desk.goto(f"/cases/{case.pk}/")
    desk.select_option("#id_record_refusal_notice-method", "当面送达")
    desk.click("#step-record_refusal_notice button[type=submit]")
    desk.wait_for_selector("#case-status:has-text('已办结')")
    assert "当面送达告知" in desk.locator("ol.timeline").inner_text()
    screenshot(desk, "cases-11-refusal-closed")
