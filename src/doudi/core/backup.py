"""Backup and restore of a bureau's whole doudi: the database and the uploaded files, in one archive.

An archive (``.tar.gz``) holds ``manifest.json`` (when, from which database, row counts of the main
tables, the last migration of each app), ``database.dump`` (``pg_dump --format=custom`` on
PostgreSQL, a consistent copy made with SQLite's online backup API on SQLite) and ``media/`` (the
uploaded attachments and import files, ``MEDIA_ROOT``). Restore refuses an archive of the other
database kind, replaces the database's content and the uploaded files, and checks the row counts
against the manifest, so a restore that silently lost rows fails loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

# Tables whose row counts the manifest records and a restore must reproduce.
COUNTED = (
    "regions.Region",
    "accounts.User",
    "registry.Household",
    "registry.Person",
    "registry.Membership",
    "cases.Case",
    "cases.Enrolment",
    "policy.PolicyVersion",
    "audit.AuditEvent",
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator, in Chinese."""


def _counts() -> dict[str, int]:
    counts = {}
    for label in COUNTED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        counts[label] = model.objects.count()
    return counts


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db: dict) -> list[str]:
    return ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres"]


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{args[0]} 执行失败：{done.stderr.strip()[:500]}")


def make_backup(target: Path, *, using: str = "default") -> dict:
    """Write the archive ``target``; return its manifest."""
    conn = connections[using]
    db = conn.settings_dict
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": conn.vendor,
        "database": str(db["NAME"]),
        "counts": _counts(),
        "migrations": {
            app: name
            for app, name in MigrationRecorder(conn).migration_qs.order_by("app", "name").values_list("app", "name")
        },
    }
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / "database.dump"
        if conn.vendor == "postgresql":
            _run(["pg_dump", *_pg_args(db), "--format=custom", "--no-owner", "-f", str(dump), db["NAME"]], _pg_env(db))
        elif conn.vendor == "sqlite":
            conn.ensure_connection()
            with sqlite3.connect(dump) as copy:
                conn.connection.backup(copy)
            copy.close()
        else:
            raise BackupError(f"不支持的数据库：{conn.vendor}")
        (Path(work) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(target, "w:gz") as archive:
            archive.add(Path(work) / "manifest.json", arcname="manifest.json")
            archive.add(dump, arcname="database.dump")
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
    return manifest


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or member.issym() or member.islnk():
            raise BackupError(f"备份文件含有不安全的路径：{member.name}")
        members.append(member)
    return members


def restore_backup(source: Path, *, using: str = "default") -> dict:
    """Replace the database's content and the uploaded files with the archive's; return its manifest."""
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    conn = connections[using]
    db = conn.settings_dict
    with tempfile.TemporaryDirectory() as work:
        try:
            with tarfile.open(source, "r:gz") as archive:
                archive.extractall(work, members=_safe_members(archive), filter="data")
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"备份文件已损坏或不是 doudi 的备份：{exc}") from exc
        try:
            manifest = json.loads((Path(work) / "manifest.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError("备份文件缺少说明文件 manifest.json") from exc
        if manifest.get("vendor") != conn.vendor:
            raise BackupError(f"备份来自 {manifest.get('vendor')} 数据库，不能恢复到 {conn.vendor} 数据库")
        dump = Path(work) / "database.dump"
        if conn.vendor == "postgresql":
            conn.close()
            _run(
                [
                    "pg_restore",
                    *_pg_args(db),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "-d",
                    db["NAME"],
                    str(dump),
                ],
                _pg_env(db),
            )
        else:
            conn.ensure_connection()
            with sqlite3.connect(dump) as copy:
                copy.backup(conn.connection)
            copy.close()
        media = Path(settings.MEDIA_ROOT)
        restored = Path(work) / "media"
        if media.exists():
            shutil.rmtree(media)
        if restored.is_dir():
            shutil.copytree(restored, media)
    conn.close()
    counts = _counts()
    lost = {k: (v, counts.get(k)) for k, v in manifest["counts"].items() if counts.get(k) != v}
    if lost:
        detail = "；".join(f"{k} 备份 {a} 行、恢复后 {b} 行" for k, (a, b) in lost.items())
        raise BackupError(f"恢复后行数与备份不符：{detail}")
    return manifest


def default_name() -> str:
    return f"doudi-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
