"""Simulation runs kept on disk for the page: request, progress, summary and the changed-household list.

A run is a directory ``DATA_DIR/simulations/<id>/`` holding ``run.json`` (who asked what, status and
progress), ``result.json`` (the summary) and ``changed.arrow`` (the list, Arrow IPC). Runs live
outside the database on purpose: a simulation must never touch the live tables, and its results
are a working file of the person who ran it — only that person can read them (``run_get``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from doudi.core.errors import DomainError, NotFound
from doudi.policy.simulation.runner import SimulationRequest, simulate

logger = logging.getLogger(__name__)
KEEP_DAYS = 7


def root() -> Path:
    return Path(settings.DATA_DIR) / "simulations"


def _dir(run_id: str) -> Path:
    if not (len(run_id) == 32 and all(c in "0123456789abcdef" for c in run_id)):
        raise NotFound("模拟结果")
    return root() / run_id


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def create_run(actor, request: SimulationRequest, *, total: int, region_name: str) -> str:
    """Record a new run (status ``queued``) and return its id."""
    _prune()
    run_id = uuid.uuid4().hex
    folder = _dir(run_id)
    folder.mkdir(parents=True)
    _write_json(
        folder / "run.json",
        {
            "id": run_id,
            "actor_id": actor.pk,
            "request": request.to_dict(),
            "region_name": region_name,
            "status": "queued",
            "done": 0,
            "total": total,
            "error": "",
            "created_at": timezone.now().isoformat(),
        },
    )
    return run_id


def update_run(run_id: str, **fields) -> dict[str, Any]:
    path = _dir(run_id) / "run.json"
    data = {**_read_json(path), **fields}
    _write_json(path, data)
    return data


def run_get(*, actor, run_id: str) -> dict[str, Any]:
    """Return a run of ``actor``; raise ``NotFound`` for a missing run or someone else's."""
    path = _dir(run_id) / "run.json"
    if not path.exists():
        raise NotFound("模拟结果")
    data = _read_json(path)
    if actor is None or data.get("actor_id") != actor.pk:
        raise NotFound("模拟结果")
    return data


def result_of(run_id: str) -> dict[str, Any] | None:
    path = _dir(run_id) / "result.json"
    return _read_json(path) if path.exists() else None


def changed_of(run_id: str) -> pa.Table:
    with pa.memory_map(str(_dir(run_id) / "changed.arrow")) as source:
        return ipc.open_file(source).read_all()


def execute(run_id: str) -> None:
    """Run a recorded simulation as its requester, keeping progress and the result (or the error) on disk."""
    run = _read_json(_dir(run_id) / "run.json")
    actor = get_user_model().objects.filter(pk=run["actor_id"]).first()
    request = SimulationRequest.from_dict(run["request"])
    update_run(run_id, status="running", started_at=timezone.now().isoformat())
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done == total:
            last[0] = now
            update_run(run_id, done=done, total=total)

    try:
        if actor is None:
            raise NotFound("用户")
        result = simulate(actor, request, progress=progress)
    except DomainError as exc:
        update_run(run_id, status="failed", error=exc.message)
        return
    except Exception:
        logger.exception("simulation %s failed", run_id)
        update_run(run_id, status="failed", error="测算过程中出现系统错误，请联系管理员。")
        raise
    folder = _dir(run_id)
    with ipc.new_file(str(folder / "changed.arrow"), result.changed.schema) as writer:
        writer.write_table(result.changed)
    _write_json(folder / "result.json", {**result.to_dict(), "timings": result.timings})
    update_run(
        run_id,
        status="done",
        done=len(result.outcome),
        total=len(result.outcome),
        finished_at=timezone.now().isoformat(),
    )


def _prune() -> None:
    """Delete runs older than ``KEEP_DAYS`` days."""
    if not root().exists():
        return
    limit = time.time() - KEEP_DAYS * 86400
    for folder in root().iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
