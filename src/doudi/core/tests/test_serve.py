"""``scripts/serve`` starts doudi as in production, answers, serves static files, logs, and stops.

It runs on the database kind of the test leg: a fresh SQLite file, or a fresh PostgreSQL database
created for the test and dropped after it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'serve.sqlite3'}"
        return
    name = f"doudi_serve_{os.getpid()}"
    admin = dict(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"] or None)
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def _wait_for(url: str, process: subprocess.Popen, seconds: float) -> tuple[int, dict, bytes]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"scripts/serve exited early with {process.returncode}")
        try:
            return _get(url)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"scripts/serve did not answer {url} within {seconds} s")


def test_serve_starts_answers_serves_static_files_logs_and_stops(tmp_path, database_url):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOUDI_") and k != "PYTEST_VERSION"}
    env.update(
        DOUDI_SECRET_KEY=secrets.token_urlsafe(50),
        DOUDI_DATABASE_URL=database_url,
        DOUDI_DATA_DIR=str(tmp_path / "data"),
        DOUDI_LOG_DIR=str(tmp_path / "logs"),
        DOUDI_ADDR=f"127.0.0.1:{port}",
        DOUDI_WEB_WORKERS="2",
    )
    out = (tmp_path / "serve.out").open("w")
    serve = [str(ROOT / "scripts" / "serve")]
    process = subprocess.Popen(serve, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        status, _, body = _wait_for(f"{base}/accounts/login/", process, 240)
        page = body.decode()
        assert status == 200
        assert "登录" in page

        # Static files: hashed names (collectstatic ran), cached for a year, gzip when asked.
        css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
        assert css, "the login page links no hashed stylesheet"
        status, headers, _ = _get(base + css.group(1), **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert "max-age=315360000" in headers["cache-control"]
        assert headers.get("content-encoding") == "gzip"

        # No debug pages in production: an unknown page is the plain 404, in Chinese.
        try:
            _get(f"{base}/no-such-page/")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            assert "Django" not in exc.read().decode()
        else:
            raise AssertionError("an unknown page answered 200")

        access = (tmp_path / "logs" / "access.log").read_text()
        assert "GET /accounts/login/ HTTP/1.1" in access
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=90)
        out.close()
    assert code == 0, (tmp_path / "serve.out").read_text()[-2000:]
    # Both processes are gone: nothing listens on the port any more.
    with socket.socket() as s, pytest.raises(OSError):
        s.connect(("127.0.0.1", port))


def test_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOUDI_")}
    done = subprocess.run(
        [str(ROOT / "scripts" / "serve")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "DOUDI_SECRET_KEY" in done.stderr


def test_logrotate_rotates_the_log_files_while_they_are_written(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "doudi.log").write_text("before rotation\n")
    config = tmp_path / "doudi.logrotate"
    config.write_text((ROOT / "deploy" / "logrotate.conf").read_text().replace("@LOG_DIR@", str(logs)))
    writer = (logs / "doudi.log").open("a")  # a process that keeps its file open, like gunicorn
    logrotate = shutil.which("logrotate") or "/usr/sbin/logrotate"
    subprocess.run([logrotate, "--force", "--state", str(tmp_path / "state"), str(config)], check=True, timeout=60)
    writer.write("after rotation\n")
    writer.close()
    rotated = [p for p in logs.iterdir() if p.name.startswith("doudi.log-")]
    assert len(rotated) == 1
    assert rotated[0].read_text() == "before rotation\n"
    assert (logs / "doudi.log").read_text() == "after rotation\n"
