"""Pages and API of department data and reports: upload, scope of rows, masking and logging, reports, actions."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doudi.audit.models import RecordAccess
from doudi.registry.models import Person
from doudi.registry.tests.factories import household, id_number
from doudi.verification.models import FeedBatch, VerificationReport
from doudi.verification.tests.helpers import csv_bytes


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _head(hh) -> Person:
    return Person.objects.filter(household=hh, relation="head").get()


@pytest.fixture
def two_townships(regions):
    return household(regions["lixin"], head_name="草尾户"), household(regions["hanjiacha"], head_name="琼湖户")


def _upload(user, data, department="death", period="2026-02", name="death.csv"):
    return client_for(user).post(
        reverse("verification:feed_list"),
        {"department": department, "period": period, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def _death_rows(*people):
    return [{"id_number": p.id_number, "name": p.name, "death_date": "2026-02-01"} for p in people]


def test_upload_page_then_township_sees_only_its_own_rows(users, two_townships):
    caowei, qionghu = (_head(h) for h in two_townships)
    response = _upload(users["county_reviewer"], csv_bytes("death", _death_rows(caowei, qionghu)))
    assert response.status_code == 302
    batch = FeedBatch.objects.get()
    page = client_for(users["township_officer"]).get(reverse("verification:batch_detail", args=[batch.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "草尾户" in text and "琼湖户" not in text
    assert caowei.id_number not in text and caowei.id_number[-4:] in text  # masked
    other = client_for(users["other_township_officer"]).get(reverse("verification:batch_detail", args=[batch.pk]))
    assert "琼湖户" in other.content.decode() and "草尾户" not in other.content.decode()
    foreign = client_for(users["foreign_county_reviewer"]).get(reverse("verification:batch_detail", args=[batch.pk]))
    assert foreign.status_code == 404


def test_full_row_is_scoped_and_logged(users, two_townships):
    caowei, qionghu = (_head(h) for h in two_townships)
    _upload(users["county_reviewer"], csv_bytes("death", _death_rows(caowei, qionghu)))
    batch = FeedBatch.objects.get()
    own = client_for(users["township_officer"]).get(reverse("verification:batch_row", args=[batch.pk, 2]))
    assert own.status_code == 200 and caowei.id_number in own.content.decode()
    assert RecordAccess.objects.filter(actor=users["township_officer"], person_id=caowei.pk).exists()
    refused = client_for(users["township_officer"]).get(reverse("verification:batch_row", args=[batch.pk, 3]))
    assert refused.status_code == 404


def test_upload_errors_are_shown_in_chinese_and_downloadable(users):
    bad = "公民身份号码,姓名,死亡日期\n430981198005170000,甲,2026-02-01\n".encode()
    response = _upload(users["county_reviewer"], bad)
    batch = FeedBatch.objects.get()
    page = client_for(users["county_reviewer"]).get(reverse("verification:batch_detail", args=[batch.pk]))
    assert "校验" in page.content.decode()
    download = client_for(users["county_reviewer"]).get(reverse("verification:batch_errors", args=[batch.pk]))
    assert download.status_code == 200 and "行号" in download.content.decode("utf-8-sig")
    refused = _upload(users["county_reviewer"], "姓名\n甲\n".encode(), period="2026-03")
    assert refused.status_code == 200 and "缺少必填列" in refused.content.decode()
    assert response.status_code == 302


def test_township_cannot_upload(users):
    response = _upload(users["township_officer"], csv_bytes("death", []))
    assert response.status_code == 404
    assert not FeedBatch.objects.exists()


def test_api_upload_is_idempotent(users):
    data = csv_bytes("death", [{"id_number": id_number(), "name": "甲", "death_date": "2026-02-01"}])
    client = client_for(users["county_reviewer"])
    url = reverse("api:verification_feeds")

    def send():
        return client.post(url, {"department": "death", "period": "2026-02", "file": SimpleUploadedFile("d.csv", data)})

    first, second = send(), send()
    assert first.status_code == 201 and second.status_code == 200 and second.json()["unchanged"]
    assert first.json()["batch"]["id"] == second.json()["batch"]["id"]
    listed = client.get(url).json()["results"]
    assert [b["id"] for b in listed] == [first.json()["batch"]["id"]]
    detail = client.get(reverse("api:verification_feed", args=[listed[0]["id"]]))
    assert detail.status_code == 200
    refused = client_for(users["township_officer"]).post(url, {"department": "death", "period": "2026-02"})
    assert refused.status_code == 403


def test_report_pages(users, two_townships):
    hh = two_townships[0]
    township = client_for(users["township_officer"])
    response = township.post(reverse("verification:household_reports", args=[hh.pk]), {"on": date.today().isoformat()})
    report = VerificationReport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/reports/{report.pk}/")
    page = township.get(reverse("verification:report_detail", args=[report.pk]))
    assert page.status_code == 200 and "核对报告" in page.content.decode()
    added = township.post(
        reverse("verification:report_action", args=[report.pk]),
        {"action": "manual", "topic": "other", "source_text": "村委会证明", "text": "无其他收入"},
    )
    assert added.status_code == 302 and report.items.filter(source="manual").exists()
    other = client_for(users["other_township_officer"])
    assert other.get(reverse("verification:report_detail", args=[report.pk])).status_code == 404
    assert other.get(reverse("verification:household_reports", args=[hh.pk])).status_code == 404
    api = township.post(reverse("api:verification_household_report", args=[hh.pk]), {}, content_type="application/json")
    assert api.status_code == 201 and api.json()["overall"] in ("within", "incomplete")


def test_layouts_example_and_mapping(users):
    county = client_for(users["county_reviewer"])
    assert "公民身份号码" in county.get(reverse("verification:layouts")).content.decode()
    example = county.get(reverse("verification:layout_example", args=["vehicle"]))
    assert "号牌号码" in example.content.decode("utf-8-sig")
    saved = county.post(reverse("verification:mapping", args=["death"]), {"col-death_date": "死亡时间，注销日期"})
    assert saved.status_code == 302
    data = f"公民身份号码,姓名,注销日期\n{id_number()},甲,2026-02-01\n".encode()
    assert _upload(users["county_reviewer"], data).status_code == 302
    assert FeedBatch.objects.get().good_count == 1
