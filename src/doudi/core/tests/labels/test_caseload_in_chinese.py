"""The caseload import reads in Chinese: the evidence and roster tabs and templates, a roster batch with
good and bad rows, its result, and the list of migrated amounts that differ from the policy engine."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from doudi.core.tests.labels.test_pages_in_chinese import SLOT, data_typed_by_people, document_text
from doudi.registry.imports.caseload_columns import ROSTER
from doudi.registry.imports.services import do_commit_import, do_stage_import


def _roster(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(ROSTER.headers), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def test_the_caseload_import_reads_in_chinese(world, sessions, db, settings, django_capture_on_commit_callbacks):
    from doudi.core.tests.labels.visible import problems_in

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    slot = world.slots[SLOT]
    officer = world.users["township_officer"]
    good = {
        "救助项目": "高龄津贴",
        "公民身份号码": slot.head.id_number,
        "姓名": slot.head.name,
        "月金额": "1.00",
        "起始月份": "2024-01",
        "下次复核日期": "2027-01-31",
    }
    bad = {**good, "救助项目": "扶贫补助", "月金额": "-3"}
    with django_capture_on_commit_callbacks(execute=True):
        batch = do_stage_import(officer, SimpleUploadedFile(f"{SLOT}.csv", _roster([good, bad])), kind="roster")
    batch.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        do_commit_import(officer, batch, valid_only=True)
    problems: list[str] = []
    client = Client()
    client.force_login(officer)
    urls = [
        (reverse("registry:imports:import_list"), {"kind": "evidence"}),
        (reverse("registry:imports:import_list"), {"kind": "roster"}),
        (reverse("registry:imports:import_template"), {"kind": "evidence", "format": "xlsx"}),
        (reverse("registry:imports:import_template"), {"kind": "roster", "format": "csv"}),
        (reverse("registry:imports:import_detail", args=[batch.pk]), {}),
        (reverse("registry:imports:import_rejected", args=[batch.pk]), {"format": "csv"}),
        (reverse("registry:imports:roster_review"), {"status": "all"}),
    ]
    for url, params in urls:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        text = document_text(response)
        ignore = (*data_typed_by_people(world, "township_officer"), "扶贫补助")
        problems += [f"{url} {params}: {p}" for p in problems_in(text or "", ignore=ignore)]
    assert not problems, "\n".join(sorted(set(problems)))
