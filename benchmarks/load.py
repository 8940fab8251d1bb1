"""Load: simulated users on PostgreSQL behind gunicorn, mixing the day's work; errors, p50/p95, connections.

    .venv/bin/python benchmarks/load.py [--database-url postgres://postgres@127.0.0.1:5432/doudi_bench_load]
                                        [--users 50] [--duration 600] [--think 5] [--rare-pause 30]
                                        [--workers 2] [--threads 4]

The database is created if missing, migrated and given 沅江市's villages, the demo users, the policies, a
synthetic county (``generate_demo --households 3000 --county 430981``) and demo cases on first use.
doudi runs as in production: gunicorn (gthread) and ``manage.py run_worker``, on 127.0.0.1 only.

Every simulated user logs in through the login form with its own session and works through the web pages
(CSRF tokens included), waiting a random think time (exponential, mean ``--think`` s) between requests,
in a loop bounded by ``--duration`` and by a number of rounds; importers and exporters also pause
``--rare-pause`` s (exponential) between two files:

- readers (county reviewer, township officer, two village workers): search by ID number, by name or by
  household number, open the household found, page through a village's households, the home page and
  the case inbox;
- case workers (township officer of 草尾镇, each with its own households): 发起申请 through the intake
  form, 受理, 录入核对结果, 撤回 (so the household can apply again), reading the case page between steps;
- importers (county reviewer): upload a CSV of 20 new persons, follow the progress bar until validated,
  import the valid rows, follow it until imported;
- exporters (county reviewer): the XLSX export of a township's households.

First every kind of work is done by a single user alone (the single-user figures), then by ``--users`` at
once for ``--duration`` seconds. Reported: errors (any answer that is not the page or redirect expected,
a refused form, a failed import; must be 0), p50/p95 per kind of request, and the database's connections
(``pg_stat_activity`` sampled every second). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import liveserver as live

CAOWEI = "430981114"  # 草尾镇, the township officer's scope


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Stats:
    """Latencies and errors per kind of request, shared by the user threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.ms[kind].append(ms)
            if not ok:
                self.errors[kind] += 1
                if len(self.samples) < 20:
                    self.samples.append(f"{kind}: {detail}")

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            if len(self.samples) < 20:
                self.samples.append(f"{kind}: {detail}")


class Stop(Exception):
    pass


class User:
    """One simulated person: a logged-in session, a think time, a deadline, the shared stats."""

    def __init__(self, run: Run, username: str, number: int, *, think: float, deadline: float):
        self.run, self.number, self.think, self.deadline = run, number, think, deadline
        self.rng = random.Random(number)
        self.site = live.Site(run.args.port, username, timeout=300)

    def pause(self) -> None:
        if time.monotonic() >= self.deadline:
            raise Stop
        if self.think:
            time.sleep(min(self.rng.expovariate(1 / self.think), self.think * 5))

    def rest(self, mean: float) -> None:
        """Wait between two imports or exports (rarer than page reads), without passing the deadline."""
        if mean:
            time.sleep(max(0.0, min(self.rng.expovariate(1 / mean), self.deadline - time.monotonic())))

    def request(self, kind: str, method: str, path: str, *, expect=(200,), data=None, files=None, check=None):
        """Send one request, time it, and count it as an error unless its status (and ``check``) is right."""
        self.pause()
        started = time.perf_counter()
        try:
            if method == "GET":
                answer = self.site.get(path, allow_redirects=False)
            else:
                answer = self.site.post(path, data or {}, files=files, allow_redirects=False)
        except Exception as exc:
            self.run.stats.add(kind, (time.perf_counter() - started) * 1000, False, f"{path}: {exc!r}")
            return None
        elapsed = (time.perf_counter() - started) * 1000
        ok = answer.status_code in expect and (check is None or check(answer))
        detail = "" if ok else f"{method} {path} → HTTP {answer.status_code} {answer.headers.get('Location', '')}"
        if not ok and answer.status_code in (200, 400, 409):
            alert = re.search(r'class="(?:alert[^"]*|errorlist[^"]*)"[^>]*>(.{0,200})', answer.text, re.S)
            detail += f" {re.sub(r'<[^>]+>', ' ', alert.group(1)).strip()[:160] if alert else ''}"
        self.run.stats.add(kind, elapsed, ok, detail)
        return answer if ok else None


# --- the kinds of work -------------------------------------------------------------------------------


def reader_round(user: User, people: list[tuple]) -> None:
    household_id, id_number, name, number, region = user.rng.choice(people)
    choice = user.rng.random()
    if choice < 0.4:
        user.request("search: ID number", "GET", f"/registry/?q={id_number}", check=lambda a: number in a.text)
    elif choice < 0.7:
        user.request("search: name", "GET", f"/registry/?q={name}")
    else:
        user.request("search: household number", "GET", f"/registry/?q={number}", check=lambda a: number in a.text)
    user.request("household page", "GET", f"/registry/households/{household_id}/", check=lambda a: number in a.text)
    if user.rng.random() < 0.3:
        user.request("household list (village, page k)", "GET", f"/registry/?region={region}&page=1")
    if user.rng.random() < 0.2:
        user.request("home page", "GET", "/")
    if user.rng.random() < 0.2:
        user.request("case inbox", "GET", "/cases/")


def _version(html: str, case_id: int, step: str) -> str | None:
    match = re.search(
        rf'action="/cases/{case_id}/do/{step}/".*?name="{step}-expected_version" value="(\d+)"', html, re.S
    )
    return match.group(1) if match else None


def case_round(user: User, households: list[tuple[int, int]], programme: str) -> None:
    """发起申请, 受理, 核对, 撤回 on the next household of this user's own share."""
    household_id, head_id = households[user.rng.randrange(len(households))]
    form = user.request("case: intake form", "GET", f"/cases/new/{household_id}/")
    if form is None:
        return
    opened = user.request(
        "case: 发起申请 (POST)",
        "POST",
        f"/cases/new/{household_id}/",
        expect=(302,),
        data={
            "kind": "application",
            "programmes": programme,
            "applicant": head_id,
            "channel": "window",
            "authorised": "on",
            "note": "压力测试",
        },
    )
    if opened is None:
        return
    case_id = int(re.search(r"/cases/(\d+)/", opened.headers["Location"]).group(1))
    steps = [
        ("accept_application", "case: 受理 (POST)", {"authorised": "on"}),
        (
            "record_verification",
            "case: 录入核对结果 (POST)",
            {"result": "consistent", "summary": "经核对，家庭收入与财产与申报一致。", "checked_on": date.today()},
        ),
        ("withdraw_case", "case: 撤回 (POST)", {"reason": "申请人主动撤回（压力测试）"}),
    ]
    for step, kind, data in steps:
        page = user.request("case page", "GET", f"/cases/{case_id}/")
        if page is None:
            return
        version = _version(page.text, case_id, step)
        if version is None:
            user.run.stats.error(kind, f"case {case_id}: the page offers no {step}")
            return
        done = user.request(
            kind,
            "POST",
            f"/cases/{case_id}/do/{step}/",
            expect=(302,),
            data={f"{step}-{k}": v for k, v in {**data, "expected_version": version}.items()},
        )
        if done is None:
            return


def import_round(user: User) -> None:
    path = user.run.next_file()
    user.pause()
    started = time.perf_counter()
    try:
        batch_id = user.site.upload(path)
        user.run.stats.add("import: upload (POST)", (time.perf_counter() - started) * 1000, True)
    except Exception as exc:
        user.run.stats.add("import: upload (POST)", (time.perf_counter() - started) * 1000, False, repr(exc))
        return
    job_started = time.monotonic()
    state = _follow(user, batch_id, "validated")
    if state is None:
        return
    if state["invalid_rows"]:
        user.run.stats.error("import: progress", f"batch {batch_id}: {state['invalid_rows']} rows refused")
        return
    user.run.stats.add("import: validation job (s → ms)", (time.monotonic() - job_started) * 1000, True)
    user.request(
        "import: commit (POST)", "POST", f"/registry/imports/{batch_id}/commit/", expect=(302,), data={"mode": "valid"}
    )
    job_started = time.monotonic()
    if _follow(user, batch_id, "imported") is not None:
        user.run.stats.add("import: commit job (s → ms)", (time.monotonic() - job_started) * 1000, True)


def _follow(user: User, batch_id: int, wanted: str) -> dict | None:
    """Poll the progress bar's JSON (once a second, as the page does) until the batch is ``wanted``."""
    limit = time.monotonic() + 300
    while time.monotonic() < limit:
        time.sleep(1)
        started = time.perf_counter()
        try:
            state = user.site.get(f"/registry/imports/{batch_id}/progress/").json()
        except Exception as exc:
            user.run.stats.add("import: progress", (time.perf_counter() - started) * 1000, False, repr(exc))
            return None
        user.run.stats.add("import: progress", (time.perf_counter() - started) * 1000, True)
        if state["done"]:
            if state["status"] != wanted:
                user.run.stats.error(
                    "import: progress", f"batch {batch_id}: {state['status']} {state['error_message']}"
                )
                return None
            return state
    user.run.stats.error("import: progress", f"batch {batch_id} not {wanted} after 300 s")
    return None


def export_round(user: User, townships: list[str]) -> None:
    township = user.rng.choice(townships)
    user.request(
        "export: township XLSX",
        "GET",
        f"/registry/imports/export/?region={township}",
        check=lambda a: a.content[:2] == b"PK" and int(a.headers.get("X-Doudi-Rows", "0")) > 0,
    )


# --- the run -----------------------------------------------------------------------------------------


class Run:
    def __init__(self, args):
        self.args = args
        self.url = args.database_url
        self.work = Path(tempfile.mkdtemp(prefix="doudi-load-"))
        self.env = live.environment(self.url, self.work / "data")
        self.log = self.work / "processes.log"
        self.stats = Stats()
        self.file_lock = threading.Lock()
        self.files = 0

    def next_file(self) -> Path:
        with self.file_lock:
            self.files += 1
            path = self.work / f"import-{self.files}.csv"
            _households, _ids, self.next_birth = live.write_people_csv(
                path, 20, self.villages, start=self.next_birth, tag=f"L{self.files}-"
            )
            return path

    def people(self, prefix: str, count: int = 400) -> list[tuple]:
        return live.sql(
            self.url,
            "SELECT h.id, p.id_number, p.name, h.number, h.region_id FROM registry_person p "
            "JOIN registry_household h ON h.id = p.household_id "
            "WHERE h.region_id LIKE %s AND h.status = 'active' ORDER BY md5(p.id::text) LIMIT %s",
            [prefix + "%", count],
        )

    def case_households(self) -> list[tuple[int, int]]:
        """Return (household, head) of 草尾镇 that may apply: active, with a head, no case in progress."""
        return live.sql(
            self.url,
            "SELECT h.id, p.id FROM registry_household h JOIN registry_person p ON p.household_id = h.id "
            "AND p.relation = 'head' WHERE h.region_id LIKE %s AND h.status = 'active' AND NOT EXISTS "
            "(SELECT 1 FROM cases_case c WHERE c.household_id = h.id AND c.status <> 'withdrawn') ORDER BY h.id",
            [CAOWEI + "%"],
        )

    def plan(self, users: int) -> list[tuple[str, str]]:
        """Return (kind, username) for each simulated user: the day's mix scaled to ``users``."""
        mix = [("reader", 0.5), ("case", 0.3), ("import", 0.1), ("export", 0.1)]
        kinds = []
        for kind, share in mix:
            kinds += [kind] * max(1, round(users * share))
        kinds = (kinds + ["reader"] * users)[:users]
        readers = ["county_reviewer", "township_officer", "village_worker", "village_worker2"]
        usernames = {"case": "township_officer", "import": "county_reviewer", "export": "county_reviewer"}
        return [(k, usernames.get(k) or readers[i % len(readers)]) for i, k in enumerate(kinds)]

    def scopes(self) -> dict[str, list[tuple]]:
        return {
            "county_reviewer": self.people("430981"),
            "township_officer": self.people(CAOWEI),
            "village_worker": self.people("430981114201"),
            "village_worker2": self.people("430981006001"),
        }

    def work_loop(self, user: User, kind: str, rounds: int, shares: dict, rare: float) -> None:
        try:
            for _ in range(rounds):
                if kind == "reader":
                    reader_round(user, shares["people"][user.site.username])
                elif kind == "case":
                    case_round(user, shares["case"][user.number], shares["programme"])
                elif kind == "import":
                    import_round(user)
                    user.rest(rare)
                else:
                    export_round(user, shares["townships"])
                    user.rest(rare)
        except Stop:
            pass

    def sample_connections(self, stop: threading.Event, samples: list[tuple[int, int]]) -> None:
        with live.connect(self.url) as conn:
            while not stop.wait(1):
                samples.append(
                    conn.execute(
                        "SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    ).fetchone()
                )

    def phase(self, plan, *, think: float, seconds: float, rounds: int, shares: dict, rare: float = 0.0):
        case_users = [i for i, (k, _u) in enumerate(plan) if k == "case"]
        households = self.case_households()
        shares["case"] = {
            i: households[n :: len(case_users)] for n, i in enumerate(case_users)
        }  # each case worker its own households: two never apply for the same one
        users = [User(self, username, i, think=think, deadline=0) for i, (_k, username) in enumerate(plan)]
        deadline = time.monotonic() + seconds  # the logins above (password hashing) are not part of the run
        for user in users:
            user.deadline = deadline
        samples: list[tuple[int, int]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=self.sample_connections, args=(stop, samples))
        sampler.start()
        threads = [
            threading.Thread(target=self.work_loop, args=(user, kind, rounds, shares, rare))
            for user, (kind, _u) in zip(users, plan, strict=True)
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        stop.set()
        sampler.join()
        return elapsed, samples

    def report(self, title: str, stats: Stats, elapsed: float, samples, single: Stats | None = None) -> list[str]:
        lines = [title]
        total = sum(len(v) for v in stats.ms.values())
        errors = sum(stats.errors.values())
        lines.append(f"  {total} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s), errors {errors}")
        if samples:
            counts = [s[0] for s in samples]
            active = [s[1] for s in samples]
            lines.append(
                f"  PostgreSQL connections to the database (every 1 s, {len(samples)} samples): "
                f"max {max(counts)}, mean {statistics.mean(counts):.1f}; active max {max(active)}, "
                f"mean {statistics.mean(active):.1f}"
            )
        for kind in sorted(stats.ms):
            ms = stats.ms[kind]
            solo = ""
            if single and single.ms.get(kind):
                s = single.ms[kind]
                solo = f"   single user p50 {pct(s, 0.5):7.1f} p95 {pct(s, 0.95):7.1f} (n={len(s)})"
            lines.append(
                f"  {kind:<36} n={len(ms):>5} err={stats.errors.get(kind, 0):>3}  p50 {pct(ms, 0.5):7.1f} ms  "
                f"p95 {pct(ms, 0.95):7.1f} ms{solo}"
            )
        for sample in stats.samples:
            lines.append(f"  ! {sample}")
        return lines

    def main(self) -> None:
        args = self.args
        print(f"database {self.url}")
        live.prepare_database(self.url, self.env, demo_households=args.households)
        self.villages = live.villages(self.url)
        self.next_birth = live.first_free_birth_date(self.url)
        shares = {
            "people": self.scopes(),
            "households": self.case_households(),
            "townships": [
                r[0]
                for r in live.sql(
                    self.url,
                    "SELECT DISTINCT rpad(left(region_id, 9), 12, '0') FROM registry_household "
                    "WHERE region_id LIKE '430981%%' ORDER BY 1",
                )
            ],
            "programme": "dibao",
        }
        counts = live.sql(self.url, "SELECT count(*) FROM registry_household")[0][0]
        print(f"{counts:,} households; {len(shares['households'])} of 草尾镇 free to apply")
        self.server = live.start_gunicorn(self.env, args.port, workers=args.workers, threads=args.threads, log=self.log)
        self.worker = live.start_worker(self.env, log=self.log)
        try:
            print("machine: " + live.machine(self.url), flush=True)
            for kind in ("reader", "case", "import", "export"):  # warm-up, not counted
                self.phase([(kind, self._user_for(kind))], think=0, seconds=120, rounds=1, shares=dict(shares))
            self.stats = Stats()
            solo_elapsed = 0.0
            for kind, rounds in (("reader", args.single_rounds), ("case", 5), ("import", 3), ("export", 5)):
                plan = [(kind, self._user_for(kind))]
                elapsed, _ = self.phase(plan, think=0, seconds=300, rounds=rounds, shares=dict(shares))
                solo_elapsed += elapsed
            single = self.stats
            for line in self.report("single user, one kind of work at a time, no think time", single, solo_elapsed, []):
                print(line, flush=True)
            self.stats = Stats()
            plan = self.plan(args.users)
            mix = {k: sum(1 for kk, _u in plan if kk == k) for k in ("reader", "case", "import", "export")}
            load_before = os.getloadavg()[0]
            elapsed, samples = self.phase(
                plan,
                think=args.think,
                seconds=args.duration,
                rounds=args.max_rounds,
                shares=dict(shares),
                rare=args.rare_pause,
            )
            title = (
                f"{args.users} users ({', '.join(f'{v} {k}' for k, v in mix.items())}), think {args.think:g} s "
                f"(imports and exports {args.rare_pause:g} s more), "
                f"{args.duration:.0f} s; gunicorn {args.workers} workers × {args.threads} threads; load average "
                f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
            )
            for line in self.report(title, self.stats, elapsed, samples, single):
                print(line, flush=True)
            errors = sum(self.stats.errors.values()) + sum(single.errors.values())
            print(f"\nerrors in all: {errors}" + ("" if errors == 0 else "  (must be 0)"))
        finally:
            live.stop(self.worker)
            live.stop(self.server)
        print(f"process logs: {self.log}")

    @staticmethod
    def _user_for(kind: str) -> str:
        return {"reader": "county_reviewer", "case": "township_officer"}.get(kind, "county_reviewer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/doudi_bench_load")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 10 minutes)")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between a user's requests (s)")
    parser.add_argument(
        "--rare-pause", type=float, default=30.0, help="mean extra pause between one user's imports or exports (s)"
    )
    parser.add_argument("--max-rounds", type=int, default=100_000, help="bound on each user's rounds")
    parser.add_argument("--single-rounds", type=int, default=40, help="rounds of the single reader")
    parser.add_argument("--households", type=int, default=3000, help="size of the demo county on first use")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18751)
    args = parser.parse_args()
    live.with_database(args.database_url, "x")  # refuses anything but a local PostgreSQL
    Run(args).main()


if __name__ == "__main__":
    main()
