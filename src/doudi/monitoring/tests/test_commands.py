"""``doudi monitor run`` prints what it opened, closed and left unchanged; ``doudi alerts export`` lists the
open alerts with ID numbers masked and formulas neutralised."""

from __future__ import annotations

import io
from datetime import date
from unittest import mock

from django.core.management import call_command

from doudi.monitoring.models import Alert
from doudi.monitoring.tests.conftest import ON, head_of, vehicle_row, write_feed


def test_monitor_run_prints_counts_and_is_idempotent(beneficiary, tmp_path):
    head = head_of(beneficiary)
    feeds = {"vehicle": [write_feed(tmp_path, "vehicle", [vehicle_row(head, "湘H00001")])]}
    out = io.StringIO()
    with mock.patch("doudi.monitoring.services.run.feed_files", return_value=feeds):
        call_command("monitor", "run", "--region", "430981", "--on", ON.isoformat(), stdout=out)
        assert "新开 1 条，自动关闭 0 条，维持不变 0 条" in out.getvalue()
        assert "名下机动车超过限额：新开 1" in out.getvalue()
        out = io.StringIO()
        call_command("monitor", "run", "--region", "430981", "--on", ON.isoformat(), stdout=out)
    assert "新开 0 条，自动关闭 0 条，维持不变 1 条" in out.getvalue()


def test_alerts_export_masks_ids_and_neutralises_formulas(beneficiary, tmp_path, users):
    head = head_of(beneficiary)
    feeds = {"vehicle": [write_feed(tmp_path, "vehicle", [vehicle_row(head, "=HYPERLINK(1)")])]}
    with mock.patch("doudi.monitoring.services.run.feed_files", return_value=feeds):
        call_command("monitor", "run", "--region", "430981", "--on", ON.isoformat(), stdout=io.StringIO())
    target = tmp_path / "alerts.csv"
    call_command("alerts", "export", "--region", "430981114", "--format", "csv", "--output", str(target))
    text = target.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("规则代码,预警规则")
    assert "vehicle,名下机动车超过限额" in text
    assert head.id_number not in text and head.id_number[-4:] in text
    assert beneficiary.number in text
    assert ",=" not in text
    Alert.objects.update(status="resolved", outcome="no_action", outcome_reason="x")
    call_command("alerts", "export", "--region", "430981", "--output", str(target))
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 1


def test_nightly_task_runs_every_county(beneficiary):
    from doudi.monitoring.tasks import run_nightly

    with mock.patch("doudi.monitoring.services.run.feed_files", return_value={}):
        out = run_nightly(date(2025, 6, 16))
    assert set(out) == {"430981000000"}
