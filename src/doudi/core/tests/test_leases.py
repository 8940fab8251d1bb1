"""Leases: held by a job, visible to others, released when the holder's process or connection dies."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from django.db import connection

from doudi.core import leases

pytestmark = pytest.mark.django_db


def _hold_on_thread(name: str, key: int):
    """Hold the lease on another thread (its own connection) until the returned event is set."""
    started, release = threading.Event(), threading.Event()

    def run():
        try:
            with leases.lease(name, key):
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    return release, thread


def test_a_free_lease_can_be_taken_and_is_free_again_afterwards():
    with leases.try_lease("test-lease", 7) as taken:
        assert taken
    with leases.lease("test-lease", 7), leases.try_lease("test-lease", 8) as other:
        assert other  # another key is another lease
    with leases.try_lease("test-lease", 7) as taken:
        assert taken


def test_a_lease_held_by_a_live_job_cannot_be_taken():
    release, thread = _hold_on_thread("test-lease", 11)
    try:
        with leases.try_lease("test-lease", 11) as taken:
            assert not taken
        with leases.try_lease("other-lease", 11) as taken:
            assert taken  # another name is another lease
    finally:
        release.set()
        thread.join(10)
    with leases.try_lease("test-lease", 11) as taken:
        assert taken


def test_a_lease_dies_with_its_holder():
    """A holder that is killed (its process, or on PostgreSQL its connection) leaves the lease free."""
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        holder = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"],
            host=settings["HOST"],
            port=settings["PORT"],
            autocommit=True,
        )
        holder.execute("SELECT pg_advisory_lock(%s, %s)", leases._pg_keys("test-lease", 13))
        with leases.try_lease("test-lease", 13) as taken:
            assert not taken
        pid = holder.info.backend_pid
        with connection.cursor() as cursor:
            # What a crash or a restart does; waits (up to 5 s) until the backend has exited.
            cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
        holder.close()
    else:
        path = leases._lock_path("default", "test-lease", 13)
        code = (
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(60)\n"
        )
        holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            with leases.try_lease("test-lease", 13) as taken:
                assert not taken
        finally:
            holder.kill()  # SIGKILL: no chance to release anything
            holder.wait(10)
    with leases.try_lease("test-lease", 13) as taken:
        assert taken
