"""A set-aside row's ID number is masked in its reason too, on the batch page and in the API (not only in 原值)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doudi.core.masking import mask_id_number
from doudi.verification.models import FeedBatch

BAD_ID = "430981198005170000"  # wrong check digit


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_bad_id_number_is_masked_in_the_reason(users):
    client = _client(users["county_reviewer"])
    data = f"公民身份号码,姓名,死亡日期\n{BAD_ID},甲,2026-02-01\n".encode()
    client.post(
        reverse("verification:feed_list"),
        {"department": "death", "period": "2026-02", "file": SimpleUploadedFile("d.csv", data, "text/csv")},
    )
    batch = FeedBatch.objects.get()
    assert BAD_ID in batch.errors.get().reason  # the stored reason keeps the value (downloaded, and logged)
    page = client.get(reverse("verification:batch_detail", args=[batch.pk])).content.decode()
    assert "校验码错误" in page and BAD_ID not in page and mask_id_number(BAD_ID) in page
    api = client.get(reverse("api:verification_feed", args=[batch.pk])).json()
    assert "校验码错误" in api["errors"][0]["reason"] and BAD_ID not in str(api)
