"""Backup and restore round-trip the database and the uploaded files, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from doudi.core.backup import BackupError, make_backup, restore_backup
from doudi.registry.models import Household, Person
from doudi.registry.tests.factories import household


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "身份证.jpg").write_bytes(b"\xff\xd8photo")
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_restore_brings_back_the_database_and_the_uploads_as_they_were(regions, media, tmp_path):
    kept = household(regions["lixin"], members=2, head_name="李保存")
    archive = tmp_path / "backup.tar.gz"
    manifest = make_backup(archive)
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["registry.Household"] == 1
    assert manifest["counts"]["registry.Person"] == 3

    # After the backup: a new household, a changed name, a lost photo and a stray file.
    household(regions["lixin"], head_name="王新增")
    Person.objects.filter(name="李保存").update(name="李已改")
    (media / "attachments" / "身份证.jpg").unlink()
    (media / "stray.txt").write_text("after")

    restore_backup(archive)

    assert list(Household.objects.values_list("id", flat=True)) == [kept.id]
    assert sorted(Person.objects.values_list("name", flat=True)) == sorted(["李保存", "张一", "张二"])
    assert (media / "attachments" / "身份证.jpg").read_bytes() == b"\xff\xd8photo"
    assert not (media / "stray.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_commands_back_up_and_refuse_to_restore_without_confirmation(regions, media, tmp_path):
    household(regions["lixin"])
    archive = tmp_path / "nightly.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert f"已备份到 {archive}" in out.getvalue()
    assert "registry.Household 1 行" in out.getvalue()
    with pytest.raises(CommandError, match="确认后请加 --yes"):
        call_command("restore", str(archive))
    out = io.StringIO()
    call_command("restore", str(archive), "--yes", stdout=out)
    assert "各表行数与备份一致" in out.getvalue()


def _archive(tmp_path, members: dict[str, bytes]):
    path = tmp_path / "bad.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("members", "message"),
    [
        (None, "备份文件已损坏或不是 doudi 的备份"),
        ({"database.dump": b""}, "缺少说明文件 manifest.json"),
        ({"manifest.json": json.dumps({"vendor": "oracle", "counts": {}}).encode()}, "不能恢复到"),
        ({"../escape.txt": b"x", "manifest.json": b"{}"}, "不安全的路径"),
    ],
)
def test_a_bad_archive_is_refused_and_nothing_changes(regions, media, tmp_path, members, message):
    household(regions["lixin"])
    if members is None:
        path = tmp_path / "not-a-backup.tar.gz"
        path.write_bytes(b"PK\x03\x04 this is a zip, not a backup")
    else:
        path = _archive(tmp_path, members)
    with pytest.raises(BackupError, match=message):
        restore_backup(path)
    assert Household.objects.count() == 1
    assert (media / "attachments" / "身份证.jpg").exists()


def test_a_missing_archive_is_named(tmp_path):
    with pytest.raises(BackupError, match="找不到备份文件"):
        restore_backup(tmp_path / "nowhere.tar.gz")
