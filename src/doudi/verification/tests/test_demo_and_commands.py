"""The demo month of feeds, the ``feeds`` command and the retention purge."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doudi.registry.tests.factories import id_number
from doudi.verification.feeds.retention import cutoff, purge_expired
from doudi.verification.feeds.schemas import SCHEMAS
from doudi.verification.feeds.selectors import current_batches
from doudi.verification.models import FeedBatch, FeedRowError
from doudi.verification.tests.helpers import csv_bytes


def test_generate_demo_writes_a_month_of_feeds_with_known_anomalies(regions):
    out = io.StringIO()
    call_command(
        "generate_demo", households=60, county="430981", seed=7, feeds=True, feeds_period="2026-05",
        anomaly_share=0.25, stdout=out,
    )  # fmt: skip
    assert "部门数据" in out.getvalue() and "异常" in out.getvalue()
    death = current_batches("death", "430981").get()
    assert death.bad_count == 0 and death.good_count >= 1 and death.encoding == "GBK/GB18030"
    assert current_batches("vehicle", "430981").get().good_count >= 1
    assert FeedBatch.objects.filter(bad_count__gt=0).count() == 0
    assert set(FeedBatch.objects.values_list("department", flat=True)) <= set(SCHEMAS)


@pytest.fixture
def death_file(tmp_path):
    path = tmp_path / "死亡.csv"
    path.write_bytes(csv_bytes("death", [{"id_number": id_number(), "name": "甲", "death_date": "2026-02-01"}]))
    return path


def test_feeds_load_command(users, death_file):
    out = io.StringIO()
    args = ["feeds", "load", str(death_file), "--department", "death", "--period", "2026-02"]
    call_command(*args, "--user", users["county_reviewer"].username, stdout=out)
    assert "已导入" in out.getvalue()
    call_command(*args, "--region", "430981", stdout=out)
    assert "此前已上传" in out.getvalue() and FeedBatch.objects.count() == 1
    with pytest.raises(CommandError, match="无权"):
        call_command(*args, "--user", users["township_officer"].username)
    with pytest.raises(CommandError, match="所属期"):
        call_command(
            "feeds", "load", str(death_file), "--department", "death", "--period", "2026/2", "--region", "430981"
        )
    listing = io.StringIO()
    call_command("feeds", "list", stdout=listing)
    assert "death" in listing.getvalue()


def test_purge_deletes_raw_rows_but_keeps_the_batch(users, death_file, django_capture_on_commit_callbacks):
    call_command("feeds", "load", str(death_file), "--department", "death", "--period", "2024-01", "--region", "430981")
    batch = FeedBatch.objects.get()
    path = batch.parquet_file
    FeedRowError.objects.create(batch=batch, row_number=3, column="姓名", reason="不能为空")
    assert cutoff(24, date(2026, 3, 15)) == "2024-03"
    assert purge_expired(months=24, today=date(2026, 3, 15), dry_run=True) == [batch]
    with django_capture_on_commit_callbacks(execute=True):
        purged = purge_expired(months=24, today=date(2026, 3, 15))
    batch.refresh_from_db()
    assert purged == [batch] and batch.purged_at is not None and batch.good_count == 1
    assert not path.exists()
    assert not FeedRowError.objects.filter(batch=batch).exists()
    assert list(current_batches("death")) == []
    assert purge_expired(months=24, today=date(2026, 3, 15)) == []


def test_purge_task(users, death_file):
    from doudi.verification.tasks import purge_feeds

    call_command("feeds", "load", str(death_file), "--department", "death", "--period", "2020-01", "--region", "430981")
    assert purge_feeds.call(on_iso="2026-03-15") == {"purged_batches": 1}
