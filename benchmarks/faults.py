"""Faults: the worker killed and PostgreSQL restarted in the middle of work; nothing half-written, doudi recovers.

    .venv/bin/python benchmarks/faults.py [--database-url postgres://postgres@127.0.0.1:5432/doudi_faults]
                                          [--persons 100000] [--restart-command "pg_ctlcluster 15 main restart -m fast"]

**It restarts the PostgreSQL server of ``--database-url``**: on a machine shared with other work, give it
a cluster of its own (``pg_createcluster 15 faults -p 5433 -- --auth-host=trust && pg_ctlcluster 15
faults start``, then ``--database-url postgres://postgres@127.0.0.1:5433/doudi_faults``). The database is
created, migrated and given 沅江市's villages and the demo users on first use.

It starts doudi as in production, gunicorn (2 gthread workers × 4 threads) and ``manage.py run_worker``,
logs in as the county reviewer through the login form and works only through the web pages (CSRF and
all), on 127.0.0.1. Scenarios, each with an import file of ``--persons`` new persons:

A1. the worker is SIGKILLed while it validates a file; a worker is started again at once;
A2. the worker is SIGKILLed while it commits a validated batch (its transaction writing); no worker runs
    until the batch page has been read;
B1. PostgreSQL restarts while pages load (a county export in flight, 4 users reading pages);
B2. PostgreSQL restarts while the worker commits a batch, and B3. while it validates one.

After each: SQL counts of what the batch could have half-written (its persons, any household, membership or
audit row, its staged rows), how the batch ended (status, message on its page) and how long that took,
that the same gunicorn and (for B) the same worker processes still serve, and that resubmitting works.
Not part of the test suite (the app's behaviour is tested in ``registry/imports/tests/test_recovery.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import liveserver as live

REGISTRY_TABLES = ("registry_household", "registry_person", "registry_membership", "audit_auditevent")


def default_restart(url: str) -> str:
    """Return the ``pg_ctlcluster`` command restarting the cluster that listens on the URL's port."""
    port = str(live.urlparse(url).port or 5432)
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        version, cluster, cluster_port = line.split()[:3]
        if cluster_port == port:
            return f"pg_ctlcluster {version} {cluster} restart -m fast"
    sys.exit(f"no local PostgreSQL cluster on port {port}: pass --restart-command")


class Run:
    def __init__(self, args):
        self.args = args
        self.url = live.with_database(args.database_url, live.urlparse(args.database_url).path.lstrip("/"))
        self.work = Path(tempfile.mkdtemp(prefix="doudi-faults-"))
        self.env = live.environment(self.url, self.work / "data")
        self.log = self.work / "processes.log"
        self.server = self.worker = None
        self.files = 0
        self.rows: list[dict] = []

    # --- helpers --------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {t: live.sql(self.url, f"SELECT count(*) FROM {t}")[0][0] for t in REGISTRY_TABLES}

    def batch(self, batch_id: int) -> dict:
        row = live.sql(
            self.url,
            "SELECT status, progress, phase, error_message, valid_rows, invalid_rows FROM registry_importbatch "
            "WHERE id = %s",
            [batch_id],
        )[0]
        staged = live.sql(self.url, "SELECT count(*) FROM registry_importrow WHERE batch_id = %s", [batch_id])[0][0]
        keys = ("status", "progress", "phase", "error_message", "valid_rows", "invalid_rows")
        return {**dict(zip(keys, row, strict=True)), "staged": staged}

    def persons_of(self, ids: list[str]) -> int:
        return live.sql(self.url, "SELECT count(*) FROM registry_person WHERE id_number = ANY(%s)", [ids])[0][0]

    def file(self, persons: int) -> tuple[Path, int, list[str]]:
        self.files += 1
        path = self.work / f"persons-{self.files}.csv"
        households, ids, self.next_birth = live.write_people_csv(
            path, persons, self.villages, start=self.next_birth, tag=f"F{self.files}"
        )
        return path, households, ids

    def wait_batch(self, batch_id: int, done, seconds: float = 600, every: float = 0.05) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            state = self.batch(batch_id)
            if done(state):
                return state
            if time.monotonic() > deadline:
                raise RuntimeError(f"batch {batch_id} still {state}")
            time.sleep(every)

    def worker_backend(self) -> tuple[int, float] | None:
        """Return (pid, seconds in transaction) of the worker's connection while its transaction has written."""
        rows = live.sql(
            self.url,
            "SELECT pid, extract(epoch FROM now() - xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'doudi-worker' "
            "AND backend_xid IS NOT NULL ORDER BY xact_start LIMIT 1",
        )
        return (rows[0][0], float(rows[0][1])) if rows else None

    def wait_writing(self, seconds: float = 1.0, limit: float = 600) -> float:
        """Wait until the worker's transaction has been writing for ``seconds``; return how long it has."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            backend = self.worker_backend()
            if backend and backend[1] >= seconds:
                return backend[1]
            time.sleep(0.05)
        raise RuntimeError("the worker never started writing")

    def kill_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait()

    def restart_postgres(self) -> float:
        started = time.monotonic()
        subprocess.run(shlex.split(self.args.restart_command), check=True, capture_output=True)
        live.connect(self.url, wait=120).close()
        return time.monotonic() - started

    def page_message(self, batch_id: int, needle: str, seconds: float = 120) -> tuple[float, str]:
        """Read the batch page until it shows ``needle``; return the seconds it took and the alert's text."""
        started = time.monotonic()
        while True:
            html = self.site.get(f"/registry/imports/{batch_id}/").text
            match = re.search(r'id="batch-error"><p>(.*?)</p>', html, re.S)
            if needle in html and match:
                return time.monotonic() - started, match.group(1)
            if time.monotonic() - started > seconds:
                raise RuntimeError(f"batch page {batch_id} never showed {needle!r}")
            time.sleep(1)

    def resubmit_commit(self, batch_id: int, persons: int) -> tuple[float, dict]:
        started = time.monotonic()
        self.site.post(f"/registry/imports/{batch_id}/commit/", {"mode": "valid"})
        state = self.wait_batch(batch_id, lambda s: s["status"] in ("imported", "failed", "validated"), every=0.2)
        return time.monotonic() - started, state

    def validated_batch(self, path: Path) -> int:
        batch_id = self.site.upload(path)
        state = self.wait_batch(batch_id, lambda s: s["status"] in ("validated", "failed"), every=0.2)
        if state["status"] != "validated" or state["invalid_rows"]:
            raise RuntimeError(f"validation of {path.name}: {state}")
        return batch_id

    def record(self, **row) -> None:
        self.rows.append(row)
        print("   " + "; ".join(f"{k}: {v}" for k, v in row.items()), flush=True)

    # --- scenarios ------------------------------------------------------------------------------

    def kill_during_validation(self) -> int:
        print("\nA1. worker SIGKILLed during validation, a new worker started at once", flush=True)
        path, _households, ids = self.file(self.args.persons)
        before = self.counts()
        batch_id = self.site.upload(path)
        state = self.wait_batch(batch_id, lambda s: s["status"] == "validating" and s["progress"] >= 25)
        self.kill_worker()
        killed_at = time.monotonic()
        at_kill = self.batch(batch_id)
        self.worker = live.start_worker(self.env, log=self.log)  # its sweep ends the dead job, no page read
        state = self.wait_batch(batch_id, lambda s: s["status"] != "validating", seconds=120, every=0.2)
        failed_after = time.monotonic() - killed_at
        _seconds, message = self.page_message(batch_id, "处理中断")
        after = self.counts()
        self.record(
            fault="A1 kill -9 worker during validation",
            at=f"{at_kill['phase']} ({at_kill['progress']} %)",
            ended=f"{state['status']} after {failed_after:.1f} s (worker's sweep)",
            message=message,
            half_written=f"persons of the file {self.persons_of(ids)}, registry rows "
            f"{sum(after.values()) - sum(before.values())}, staged rows {state['staged']}",
        )
        started = time.monotonic()
        again = self.validated_batch(path)
        self.record(
            fault="A1 resubmitted", ended=f"file uploaded again: validated in {time.monotonic() - started:.1f} s"
        )
        return again

    def kill_during_commit(self, batch_id: int, persons: int, households: int, ids: list[str]) -> None:
        print("\nA2. worker SIGKILLed during the commit's transaction, no worker until the page is read", flush=True)
        before = self.counts()
        self.site.post(f"/registry/imports/{batch_id}/commit/", {"mode": "valid"})
        writing = self.wait_writing(self.args.kill_after)
        self.kill_worker()
        killed_at = time.monotonic()
        deadline = time.monotonic() + 300
        while self.worker_backend() and time.monotonic() < deadline:  # the server notices and rolls back
            time.sleep(0.05)
        rolled_back = time.monotonic() - killed_at
        after = self.counts()
        stuck = self.batch(batch_id)
        _seconds, message = self.page_message(batch_id, "处理中断")
        shown = time.monotonic() - killed_at
        self.record(
            fault="A2 kill -9 worker during commit",
            at=f"transaction writing for {writing:.1f} s",
            ended=f"{self.batch(batch_id)['status']}: with no worker running the batch stayed {stuck['status']}; "
            f"the server had rolled back {rolled_back:.1f} s after the kill; the batch page showed the failure "
            f"{shown:.1f} s after the kill (the sweep leaves tasks younger than 10 s alone)",
            message=message,
            half_written=f"persons of the file {self.persons_of(ids)}, registry rows "
            + ", ".join(f"{t.split('_')[-1]} {after[t] - before[t]:+d}" for t in REGISTRY_TABLES),
        )
        self.worker = live.start_worker(self.env, log=self.log)
        took, state = self.resubmit_commit(batch_id, persons)
        after = self.counts()
        self.record(
            fault="A2 resubmitted",
            ended=f"{state['status']} in {took:.1f} s: persons {self.persons_of(ids)}/{persons}, "
            f"households {after['registry_household'] - before['registry_household']:+d}/{households}, "
            f"memberships {after['registry_membership'] - before['registry_membership']:+d}",
        )

    def restart_during_pages(self) -> None:
        print("\nB1. PostgreSQL restarted while pages load", flush=True)
        server_pid = self.server.pid
        stop_at = [0.0]
        outcomes: list[tuple[float, str]] = []
        lock = threading.Lock()
        paths = ["/registry/", "/", "/registry/imports/", "/cases/"]

        sites = [live.Site(self.args.port, "county_reviewer", timeout=60) for _ in range(4)]

        def reader(number: int) -> None:
            site = sites[number]
            i = number
            while not stop_at[0] or time.monotonic() < stop_at[0]:
                path = paths[i % len(paths)]
                i += 1
                try:
                    code = str(site.get(path).status_code)
                except Exception as exc:  # the connection itself failed
                    code = type(exc).__name__
                with lock:
                    outcomes.append((time.monotonic(), code))
                time.sleep(0.1)

        export: dict = {}

        def exporter() -> None:
            started = time.monotonic()
            try:
                answer = self.site.get(f"/registry/imports/export/?region={self.township}", timeout=300)
                export["result"] = f"HTTP {answer.status_code}, {len(answer.content) / 1048576:.1f} MB"
            except Exception as exc:
                export["result"] = type(exc).__name__
            export["seconds"] = time.monotonic() - started

        # The export of the township with the most persons: a request that reads for seconds.
        self.township = live.sql(
            self.url,
            "SELECT rpad(left(h.region_id, 9), 12, '0') FROM registry_household h "
            "WHERE h.region_id LIKE '430981%%' GROUP BY 1 ORDER BY sum(h.member_count) DESC LIMIT 1",
        )[0][0]
        readers = [threading.Thread(target=reader, args=(n,)) for n in range(4)]
        for t in readers:
            t.start()
        time.sleep(3)
        export_thread = threading.Thread(target=exporter)
        export_thread.start()
        time.sleep(self.args.export_delay)
        in_flight = export_thread.is_alive()
        restart_started = time.monotonic()
        took = self.restart_postgres()
        stop_at[0] = time.monotonic() + 15
        for t in readers:
            t.join()
        export_thread.join()
        during = [(t, c) for t, c in outcomes if t >= restart_started]
        errors = [(t, c) for t, c in during if c != "200"]
        last_error = max((t for t, _c in errors), default=restart_started)
        first_ok = min((t for t, c in during if c == "200" and t > last_error), default=None)
        kinds = sorted({c for _t, c in errors})
        self.record(
            fault="B1 PostgreSQL restart during page loads",
            restart=f"{took:.1f} s",
            export=f"{self.township} {'in flight' if in_flight else 'finished before'}: {export.get('result')} "
            f"after {export.get('seconds', 0):.1f} s",
            pages=f"{len(during)} after the restart began, {len(errors)} failed ({', '.join(kinds) or '-'}), "
            f"all answered 200 again {((first_ok or last_error) - restart_started):.1f} s after it began",
            gunicorn=f"same master pid {server_pid}: {self.server.poll() is None and self.server.pid == server_pid}",
        )
        answer = self.site.get("/registry/")
        self.record(fault="B1 afterwards", page=f"household list HTTP {answer.status_code} without restarting doudi")

    def restart_during_job(self, phase: str) -> None:
        label = "B2" if phase == "commit" else "B3"
        print(f"\n{label}. PostgreSQL restarted while the worker {'commits' if phase == 'commit' else 'validates'}")
        path, households, ids = self.file(self.args.persons)
        worker_pid = self.worker.pid
        if phase == "commit":
            batch_id = self.validated_batch(path)
            before = self.counts()
            self.site.post(f"/registry/imports/{batch_id}/commit/", {"mode": "valid"})
            at = f"transaction writing for {self.wait_writing(self.args.kill_after):.1f} s"
        else:
            before = self.counts()
            batch_id = self.site.upload(path)
            state = self.wait_batch(batch_id, lambda s: s["status"] == "validating" and s["progress"] >= 25)
            at = f"{state['phase']} ({state['progress']} %)"
        restarted_at = time.monotonic()
        took = self.restart_postgres()
        state = self.wait_batch(
            batch_id, lambda s: s["status"] not in ("importing", "validating", "staged"), seconds=180, every=0.2
        )
        ended = time.monotonic() - restarted_at
        after = self.counts()
        _seconds, message = (
            self.page_message(batch_id, "处理中断") if state["status"] == "failed" else (0, state["error_message"])
        )
        self.record(
            fault=f"{label} PostgreSQL restart during {'commit' if phase == 'commit' else 'validation'}",
            at=at,
            restart=f"{took:.1f} s",
            ended=f"{state['status']} {ended:.1f} s after the restart began",
            message=message,
            half_written=f"persons of the file {self.persons_of(ids)}, registry rows "
            + ", ".join(f"{t.split('_')[-1]} {after[t] - before[t]:+d}" for t in REGISTRY_TABLES)
            + f", staged rows {state['staged']}",
            worker=f"same pid {worker_pid} alive: {self.worker.poll() is None and self.worker.pid == worker_pid}",
        )
        started = time.monotonic()
        if phase == "commit":
            took, state = self.resubmit_commit(batch_id, self.args.persons)
            self.record(
                fault=f"{label} resubmitted",
                ended=f"{state['status']} in {took:.1f} s by the same worker: persons {self.persons_of(ids)}/"
                f"{self.args.persons}, households "
                f"{self.counts()['registry_household'] - before['registry_household']:+d}/{households}",
            )
        else:
            self.validated_batch(path)
            self.record(
                fault=f"{label} resubmitted",
                ended=f"uploaded again, validated in {time.monotonic() - started:.1f} s by the same worker",
            )

    # --- the run --------------------------------------------------------------------------------

    def main(self) -> None:
        print(f"database {self.url}; restart command: {self.args.restart_command}")
        live.prepare_database(self.url, self.env)
        self.villages = live.villages(self.url)
        self.next_birth = live.first_free_birth_date(self.url)
        print("machine: " + live.machine(self.url), flush=True)
        self.server = live.start_gunicorn(self.env, self.args.port, log=self.log)
        self.worker = live.start_worker(self.env, log=self.log)
        try:
            self.site = live.Site(self.args.port, "county_reviewer")
            wanted = set(self.args.scenarios.upper().split(","))
            if wanted & {"A1", "A2"}:
                batch_id = self.kill_during_validation()
                if "A2" in wanted:
                    ids = live.sql(
                        self.url,
                        "SELECT id_number FROM registry_importrow WHERE batch_id = %s AND status = 'valid'",
                        [batch_id],
                    )
                    households = live.sql(
                        self.url,
                        "SELECT count(DISTINCT household_key) FROM registry_importrow WHERE batch_id = %s",
                        [batch_id],
                    )[0][0]
                    self.kill_during_commit(batch_id, self.args.persons, households, [r[0] for r in ids])
            if "B1" in wanted:
                self.restart_during_pages()
            if "B2" in wanted:
                self.restart_during_job("commit")
            if "B3" in wanted:
                self.restart_during_job("validate")
        finally:
            live.stop(self.worker)
            live.stop(self.server)
        print(f"\nload average after: {os.getloadavg()[0]:.1f}; process logs: {self.log}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/doudi_faults")
    parser.add_argument("--persons", type=int, default=100_000, help="persons in each import file")
    parser.add_argument("--restart-command", help="how to restart PostgreSQL (default: pg_ctlcluster of its port)")
    parser.add_argument("--kill-after", type=float, default=1.0, help="seconds the commit has written before a fault")
    parser.add_argument("--export-delay", type=float, default=0.5, help="seconds into the export before the restart")
    parser.add_argument("--port", type=int, default=18741)
    parser.add_argument("--scenarios", default="A1,A2,B1,B2,B3", help="which scenarios to run (A2 runs after A1)")
    args = parser.parse_args()
    args.restart_command = args.restart_command or default_restart(args.database_url)
    Run(args).main()


if __name__ == "__main__":
    main()
