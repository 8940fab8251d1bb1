"""Fixtures of the import tests: jobs run immediately, files go to a temporary media root."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from doudi.registry.identity import make_id_number
from doudi.registry.imports.columns import HEADERS
from doudi.registry.imports.models import ImportBatch
from doudi.registry.imports.services import do_commit_import, do_stage_import

LIXIN = "430981114201"
SHENGTIAN = "430981114202"
HANJIACHA = "430981006001"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


_sequence = iter(range(1, 10**6))


def pid(birth: date = date(1980, 6, 17), *, male: bool = True, address: str = "430981") -> str:
    """Return a fresh valid ID number (another birth date than the registry factories', so never theirs)."""
    n = next(_sequence) * 2 % 1000
    return make_id_number(address, birth, n + 1 if male else n)


def person_row(key="H001", region=LIXIN, name="张三", id_number=None, relation="户主", **extra) -> dict:
    row = {
        "户编号": key,
        "村/社区区划代码": region,
        "居住地址": "草尾镇立新村1组",
        "姓名": name,
        "公民身份号码": id_number or pid(),
        "与户主关系": relation,
        "户籍地区划代码": "430981114201",
        "户籍性质": "农村",
        "手机号": "13812345678",
        "开户银行": "沅江农商银行",
        "银行账号": "6230901234567890123",
    }
    row.update(extra)
    return row


def family(key="H001", region=LIXIN, members=2) -> list[dict]:
    rows = [person_row(key, region, "张三", relation="户主")]
    names = ["李四", "张五", "张六", "张七"]
    relations = ["配偶", "子女", "子女", "父母"]
    for i in range(members - 1):
        rows.append(person_row(key, region, names[i], relation=relations[i], id_number=pid(date(1990 + i, 1, 2))))
    return rows


def csv_bytes(rows: list[dict], *, encoding: str = "utf-8", headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(headers), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def upload(data: bytes, name: str = "导入.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stage(actor, data: bytes, name: str = "导入.csv", *, capture) -> ImportBatch:
    """Stage a file and run its validation (the immediate task backend runs on commit)."""
    with capture(execute=True):
        batch = do_stage_import(actor, upload(data, name))
    batch.refresh_from_db()
    return batch


def commit(actor, batch: ImportBatch, *, capture, valid_only: bool = True) -> ImportBatch:
    with capture(execute=True):
        do_commit_import(actor, batch, valid_only=valid_only)
    batch.refresh_from_db()
    return batch


def errors_of(batch: ImportBatch) -> list[tuple[int, str, str]]:
    """Return [(row number, column, message)] of the batch's bad rows."""
    out = []
    for row in batch.rows.filter(status="invalid").order_by("row_number"):
        for error in row.errors:
            out.append((row.row_number, error["column"], error["message"]))
    return out
