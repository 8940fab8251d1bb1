"""Leases: a lock a background job holds while it works, and that dies with the job's process.

A job that is killed (SIGKILL, the out-of-memory killer, a crashed machine) cannot record that it
stopped, and django-tasks' database backend then shows its task as running for ever. A lease tells
a live job from a dead one without heartbeats or time-outs:

- on PostgreSQL it is a session-level advisory lock taken on the job's own connection; the server
  releases it when that connection ends, whether the process died or the server restarted;
- on SQLite, which serves a single machine, it is an exclusive ``flock`` on a small file in
  ``DATA_DIR/leases/``; the kernel releases it when the process dies.

A job holds its lease with ``lease(name, key)``; whoever wants to know whether the job still lives
calls ``try_lease(name, key)``: if it can take the lease, nobody holds it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections

_INT4 = 2**31


def _pg_keys(name: str, key: int) -> tuple[int, int]:
    """Return the two signed 32-bit integers of ``pg_advisory_lock(int, int)`` for (name, key)."""
    return zlib.crc32(name.encode()) - _INT4, key % _INT4


def _lock_path(using: str, name: str, key: int) -> Path:
    # One directory per database, so test databases and a running demo never share a lease. An
    # in-memory database (the SQLite test database) lives in one process: its name is not unique.
    name_of_database = str(connections[using].settings_dict["NAME"])
    if name_of_database == ":memory:" or "mode=memory" in name_of_database:
        name_of_database += f"#{os.getpid()}"
    database = hashlib.sha1(name_of_database.encode()).hexdigest()[:12]
    folder = Path(settings.DATA_DIR) / "leases" / database
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}-{key}.lock"


@contextmanager
def _flock(path: Path, *, wait: bool) -> Iterator[bool]:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


@contextmanager
def _advisory(using: str, name: str, key: int, *, wait: bool) -> Iterator[bool]:
    connection = connections[using]
    keys = _pg_keys(name, key)
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", keys)
            taken = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
            taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)
            except DatabaseError:
                # The connection is gone (server restarted): the server dropped the lock with it.
                pass


@contextmanager
def lease(name: str, key: int, *, using: str = "default") -> Iterator[None]:
    """Hold the lease ``(name, key)`` for the block, waiting while someone else holds it.

    On PostgreSQL the lease lives on the connection ``using``; the block must use that same
    connection for its work, so that losing the connection also loses the lease.
    """
    if connections[using].vendor == "postgresql":
        with _advisory(using, name, key, wait=True):
            yield
    else:
        with _flock(_lock_path(using, name, key), wait=True):
            yield


@contextmanager
def try_lease(name: str, key: int, *, using: str = "default") -> Iterator[bool]:
    """Take the lease ``(name, key)`` for the block if nobody holds it; yield whether it was taken.

    Taking it proves that no live job holds it; holding it for the block keeps a job that starts
    meanwhile waiting until the caller has finished.
    """
    if connections[using].vendor == "postgresql":
        with _advisory(using, name, key, wait=False) as taken:
            yield taken
    else:
        with _flock(_lock_path(using, name, key), wait=False) as taken:
            yield taken
