"""The case API: the main path through HTTP, permissions before lookups, conflicts, file downloads."""

from datetime import date
from urllib.parse import quote

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.cases.models import Case
from doudi.cases.tests.conftest import fresh

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 64


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _post(user, name, body=None, **kw):
    return _client(user).post(reverse(f"api:{name}", kwargs=kw), body or {}, format="json")


def test_opening_and_accepting_through_the_api(household, users):
    response = _post(users["village_worker"], "case_open", {"household_id": household.pk, "programmes": ["dibao"]})
    assert response.status_code == 201, response.json()
    body = response.json()
    case_id, version = body["case"]["id"], body["case"]["version"]
    assert body["next_steps"] == [{"name": "accept_application", "label": "受理"}]
    assert body["events"][0]["label"] == "登记申请"
    accepted = _post(users["village_worker"], "case_accept", {"expected_version": version}, case_id=case_id)
    assert accepted.status_code == 200 and accepted.json()["case"]["status"] == "accepted"
    stale = _post(users["township_officer"], "case_accept", {"expected_version": version}, case_id=case_id)
    assert stale.status_code == 409 and "已被他人处理" in stale.json()["message"]


def test_a_role_without_the_step_is_refused_before_the_lookup(users):
    response = _post(users["auditor"], "case_confirm", {"expected_version": 1, "approve": True}, case_id=999999)
    assert response.status_code == 403 and "县级审核人员" in response.json()["message"]


def test_another_region_gets_404(walk, household, users):
    case = walk.open(household)
    assert _client(users["other_village_worker"]).get(reverse("api:case_detail", args=[case.pk])).status_code == 404
    response = _post(users["other_village_worker"], "case_accept", {"expected_version": case.version}, case_id=case.pk)
    assert response.status_code == 404


def test_confirming_during_the_notice_is_a_400_naming_the_end(walk, household, users):
    from django.utils import timezone

    case = walk.to_notice(household, on=timezone.localdate())
    response = _post(
        users["county_reviewer"], "case_confirm", {"expected_version": case.version, "approve": True}, case_id=case.pk
    )
    assert response.status_code == 400 and response.json()["code"] == "notice_running"


def test_validation_errors_name_the_field(walk, household, users):
    case = walk.open(household)
    response = _post(
        users["village_worker"],
        "case_missing_materials",
        {"expected_version": case.version, "items": []},
        case_id=case.pk,
    )
    assert response.status_code == 400 and response.json()["extra"]["field"] == "items"


def test_upload_then_download_only_as_an_attachment(walk, household, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = walk.open(household)
    client = _client(users["village_worker"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("<script>.html", PNG, content_type="text/html")
    response = client.post(
        reverse("api:case_attachment_upload", args=[case.pk]),
        {"file": upload, "category": "survey"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    attachment = response.json()
    assert attachment["content_type"] == "image/png"
    download = client.get(reverse("api:case_attachment_download", args=[attachment["id"]]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    # Saved under the extension of what it is, never the uploaded ".html".
    assert download["Content-Disposition"] == 'attachment; filename="<script>.png"'

    other = _client(users["foreign_county_reviewer"]).get(
        reverse("api:case_attachment_download", args=[attachment["id"]])
    )
    assert other.status_code == 404


def test_a_pdf_uploaded_as_html_is_downloaded_as_pdf(walk, household, users, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    case = walk.open(household)
    client = _client(users["village_worker"])
    pdf = b"%PDF-1.7\n<html><script>alert(1)</script></html>"
    for name, expected in [("evil.html", "evil.pdf"), ("家庭收入证明.pdf", "家庭收入证明.pdf")]:
        response = client.post(
            reverse("api:case_attachment_upload", args=[case.pk]),
            {"file": SimpleUploadedFile(name, pdf, content_type="text/html"), "category": "survey"},
            format="multipart",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["original_name"] == name  # the record keeps what was uploaded
        download = client.get(reverse("api:case_attachment_download", args=[response.json()["id"]]))
        assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["Content-Disposition"].endswith(
            f'filename="{expected}"' if expected.isascii() else f"filename*=utf-8''{quote(expected)}"
        )


def test_inbox_and_enrolments_endpoints(walk, household, users):
    walk.to_enrolled(household)
    inbox = _client(users["county_reviewer"]).get(reverse("api:case_inbox")).json()
    assert set(inbox) >= {"items", "reviews", "counts", "overdue", "total"}
    enrolments = _client(users["township_officer"]).get(reverse("api:enrolment_list"), {"month": "2025-04-01"}).json()
    row = enrolments["results"][0]
    # Rural 485 × 2 − (wages 200 − 145.5 employment cost) + 48.50 minor supplement = 964.00.
    assert row["programme"] == "dibao" and row["amount_in_month"] == row["monthly_amount"] == "964.00"
    assert row["changes"][0]["effective_month"] == "2025-04-01"


@pytest.mark.parametrize("name", ["case_list", "case_inbox", "enrolment_list", "review_list"])
def test_reads_need_a_login(client, db, name):
    assert client.get(reverse(f"api:{name}")).status_code in (401, 403)


def test_the_full_path_over_http(household, users, co_worker, published):
    """Open → accept → verify → survey (two signatures) → notice; the county's answer names the version."""
    vw, to = users["village_worker"], users["township_officer"]
    case_id = _post(vw, "case_open", {"household_id": household.pk}).json()["case"]["id"]

    def v():
        return Case.objects.get(pk=case_id).version

    assert _post(vw, "case_accept", {"expected_version": v()}, case_id=case_id).status_code == 200
    assert (
        _post(
            to,
            "case_verification",
            {"expected_version": v(), "summary": "一致"},
            case_id=case_id,
        ).status_code
        == 200
    )
    today = date.today().isoformat()
    r = _post(
        vw,
        "case_survey",
        {"expected_version": v(), "visited_on": today, "findings": "困难", "co_investigator_id": co_worker.pk},
        case_id=case_id,
    )
    assert r.status_code == 200, r.json()
    assert _post(co_worker, "case_survey_countersign", {"expected_version": v()}, case_id=case_id).status_code == 200
    r = _post(to, "case_notice_start", {"expected_version": v(), "opinion": "同意", "place": "公示栏"}, case_id=case_id)
    assert r.status_code == 200, r.json()
    assert r.json()["case"]["status"] == "in_notice" and r.json()["notices"][0]["round"] == 1
    assert fresh(Case.objects.get(pk=case_id)).opinion_assessment_id
