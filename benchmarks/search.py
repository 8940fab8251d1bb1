"""Benchmark: household search and the household list page on the loaded demo province.

    .venv/bin/python benchmarks/search.py [--database doudi_bench] [--queries 500] [--users 20]
                                          [--requests 3000] [--seconds 60] [--workers 2] [--threads 4]

Needs the database filled by ``benchmarks/demo_data.py`` (1,000,000 households, 2.5 million persons).

(a) Search: ``doudi.registry.selectors.household_list`` evaluated to the first page of 20 results as
    the list view does (``Paginator`` count + page), by ID number and by exact name, for the province
    administrator (scope 43, the widest) and a county reviewer (scope 430981); p50/p95 over random
    queries. Floor: the same lookup as one raw SQL statement through psycopg.
(b) Page under load: gunicorn on 127.0.0.1, a county reviewer's session, ``GET /registry/?region=<village
    or township>&page=k`` by ``--users`` concurrent clients (threads, keep-alive where the server allows),
    bounded by ``--requests`` and ``--seconds``. Floor: the SQL those pages ran (captured in-process),
    replayed by the same number of threads on their own connections.
Only loopback addresses are used. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def line(label: str, ms: list[float], extra: str = "") -> str:
    return (
        f"  {label:<44} n={len(ms):>5}  p50 {pct(ms, 0.5):7.2f} ms  p95 {pct(ms, 0.95):7.2f} ms"
        f"  max {max(ms):8.2f} ms{extra}"
    )


def setup_django(url: str) -> None:
    os.environ["DOUDI_DATABASE_URL"] = url
    os.environ["DOUDI_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


# --------------------------------------------------------------------------------------------------
# (a) search through the selector
# --------------------------------------------------------------------------------------------------


def sample_people(rng: random.Random, count: int, prefix: str) -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(p.id), max(p.id) FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE h.region_id LIKE %s",
            [prefix + "%"],
        )
        low, high = cursor.fetchone()
        picks = [rng.randint(low, high) for _ in range(count * 4)]
        cursor.execute(
            "SELECT p.id_number, p.name FROM registry_person p JOIN registry_household h ON h.id = p.household_id "
            "WHERE p.id = ANY(%s) AND h.region_id LIKE %s ORDER BY p.id",
            [picks, prefix + "%"],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    return rows[:count]


def search_benchmark(args, rng: random.Random) -> None:
    import psycopg
    from django.core.paginator import Paginator

    from doudi.accounts.models import User
    from doudi.registry.selectors import household_list

    print("\n(a) household search: selector → first page of 20 (count + rows), as the list view does")
    floor_sql = {
        "id": (
            "SELECT h.id, h.number, h.head_name, h.region_id FROM registry_household h WHERE h.status = 'active' "
            "AND h.region_id LIKE %(scope)s AND h.id IN (SELECT household_id FROM registry_person "
            "WHERE id_number = %(q)s) ORDER BY h.region_id, h.number LIMIT 20"
        ),
        "name": (
            "SELECT h.id, h.number, h.head_name, h.region_id FROM registry_household h WHERE h.status = 'active' "
            "AND h.region_id LIKE %(scope)s AND h.id IN (SELECT household_id FROM registry_person "
            "WHERE name = %(q)s UNION SELECT id FROM registry_household WHERE head_name = %(q)s) "
            "ORDER BY h.region_id, h.number LIMIT 20"
        ),
    }
    raw = psycopg.connect(f"{PG}/{args.database}", autocommit=True)
    for username, scope in (("admin", "43"), ("county_reviewer", "430981")):
        actor = User.objects.select_related("region").get(username=username)
        people = sample_people(rng, args.queries, scope)
        for kind in ("id", "name"):
            values = [p[0] if kind == "id" else p[1] for p in people]
            for value in values[:20]:  # warm the caches, as a running server has them
                list(Paginator(household_list(actor=actor, q=value), 20).get_page(1).object_list)
            doudi_ms, floor_ms, hits = [], [], 0
            for value in values:
                start = time.perf_counter()
                page = Paginator(household_list(actor=actor, q=value), 20).get_page(1)
                rows = list(page.object_list)
                doudi_ms.append((time.perf_counter() - start) * 1000)
                hits += page.paginator.count
                assert rows, value
                start = time.perf_counter()
                raw.execute(floor_sql[kind], {"scope": scope + "%", "q": value}).fetchall()
                floor_ms.append((time.perf_counter() - start) * 1000)
            label = f"{username} ({scope}) by {'ID number' if kind == 'id' else 'exact name'}"
            print(line(f"doudi  {label}", doudi_ms, f"  (avg {hits / len(values):.1f} households)"))
            print(line(f"floor  {label}", floor_ms))
    raw.close()


# --------------------------------------------------------------------------------------------------
# (b) the list page under concurrent users
# --------------------------------------------------------------------------------------------------


def page_urls(rng: random.Random, count: int, county: str) -> list[str]:
    """Return ``count`` list-page URLs: a random village (70 %) or township of the county, a random page."""
    from django.db import connection
    from django.urls import reverse

    base = reverse("registry:household_list")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(region_id, 9), region_id, count(*) FROM registry_household "
            "WHERE region_id LIKE %s AND status = 'active' GROUP BY 1, 2",
            [county + "%"],
        )
        villages = cursor.fetchall()
    towns: dict[str, int] = {}
    for town, _village, n in villages:
        towns[town] = towns.get(town, 0) + n
    urls = []
    for _ in range(count):
        if rng.random() < 0.7:
            _town, code, n = rng.choice(villages)
        else:
            town = rng.choice(sorted(towns))
            code, n = town.ljust(12, "0"), towns[town]
        page = rng.randint(1, max(1, (n + 19) // 20))
        urls.append(f"{base}?region={code}&page={page}")
    return urls


def session_cookie(username: str) -> str:
    from django.test import Client

    from doudi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies["sessionid"].value


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not start on 127.0.0.1:{port}")


def drive(
    urls: list[str], *, port: int, cookie: str, users: int, seconds: float, think: float = 0.0
) -> tuple[list[float], int, float]:
    """Send the URLs with ``users`` threads; return latencies (ms), errors and elapsed seconds.

    Each user waits a random think time (exponential, mean ``think`` seconds) between requests;
    0 is a closed loop where every user fires again as soon as the last page arrived.
    """
    lock = threading.Lock()
    queue = iter(urls)
    latencies: list[float] = []
    errors = [0]
    deadline = time.monotonic() + seconds

    def user(number: int) -> None:
        pause = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": f"sessionid={cookie}", "Connection": "keep-alive"}
        while time.monotonic() < deadline:
            with lock:
                url = next(queue, None)
            if url is None:
                break
            start = time.perf_counter()
            ok = False
            for _attempt in range(2):  # a browser, too, resends once on a keep-alive socket the server closed
                try:
                    conn.request("GET", url, headers=headers)
                    response = conn.getresponse()
                    body = response.read()
                    ok = response.status == 200 and b"<table" in body
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors[0] += not ok
            if think:
                time.sleep(pause.expovariate(1 / think))
        conn.close()

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def captured_sql(urls: list[str], username: str) -> list[list[str]]:
    """Return, per URL, the SQL statements the page ran (rendered in-process, not timed)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from doudi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    pages = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        statements = [q["sql"] for q in ctx.captured_queries]
        pages.append([s for s in statements if not s.upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))])
    return pages


def replay(pages: list[list[str]], *, database: str, users: int, total: int) -> tuple[list[float], float]:
    import psycopg

    lock = threading.Lock()
    counter = iter(range(total))
    latencies: list[float] = []

    def user() -> None:
        with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                for statement in pages[i % len(pages)]:
                    cursor = conn.execute(statement)  # no parameters: sent as captured, % included
                    if cursor.description:
                        cursor.fetchall()
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=user) for _ in range(users)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - start


def page_benchmark(args, rng: random.Random) -> None:
    port = args.port
    url = f"{PG}/{args.database}"
    urls = page_urls(rng, args.requests, "430981")
    cookie = session_cookie("county_reviewer")
    env = {**os.environ, "DOUDI_DATABASE_URL": url, "DOUDI_DEBUG": "0", "PYTHONPATH": str(ROOT / "src")}
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "doudi.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_for_port(port)
        kind = f"gunicorn {args.workers} workers × {args.threads} thread(s)"
        print(f"\n(b) GET /registry/?region=<village|township of 430981>&page=k as county_reviewer, {kind}")
        drive(urls[:100], port=port, cookie=cookie, users=args.users, seconds=30)  # warm-up
        sent = 0
        for think in args.think:
            latencies, errors, elapsed = drive(
                urls, port=port, cookie=cookie, users=args.users, seconds=args.seconds, think=think
            )
            sent = sent or len(latencies)
            rps = len(latencies) / elapsed
            label = f"doudi  {args.users} users, think {think:g} s"
            print(line(label, latencies, f"  {rps:6.1f} req/s  errors {errors}"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    pages = captured_sql(urls[: min(len(urls), 300)], "county_reviewer")
    per_page = statistics.mean(len(p) for p in pages)
    floor, elapsed = replay(pages, database=args.database, users=args.users, total=sent)
    print(
        line(
            f"floor  same SQL, {args.users} threads, think 0",
            floor,
            f"  {len(floor) / elapsed:6.1f} pages/s  ({per_page:.1f} statements/page)",
        )
    )


def main() -> None:
    # settings.py refuses to start without a secret key outside the demo: a benchmark's sessions and
    # its subprocesses (manage.py, gunicorn) share one random key for the run.
    os.environ.setdefault("DOUDI_SECRET_KEY", secrets.token_urlsafe(50))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="doudi_bench")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18731)
    parser.add_argument(
        "--think", type=float, nargs="+", default=[0.0, 1.0], help="mean think time(s) between a user's requests"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args()
    setup_django(f"{PG}/{args.database}")
    from django.db import connection

    from doudi.registry.models import Household, Person

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [Person._meta.db_table])
        print(f"database {args.database}: {Household.objects.count():,} households, ~{cursor.fetchone()[0]:,} persons")
    rng = random.Random(args.seed)
    if not args.skip_search:
        search_benchmark(args, rng)
    if not args.skip_page:
        page_benchmark(args, rng)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
