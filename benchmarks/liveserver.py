"""What ``faults.py`` and ``load.py`` share: a doudi database, its processes, a logged-in web client.

Only loopback addresses are used. The processes are the production ones: gunicorn (gthread) for the
site and ``manage.py run_worker`` (django-tasks' database worker, doudi's sweep) for the jobs.
"""

from __future__ import annotations

import csv
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PASSWORD = "doudi2025!"  # the demo users' password (create_demo_users)
HEADERS = [
    "户编号",
    "村/社区区划代码",
    "居住地址",
    "姓名",
    "公民身份号码",
    "与户主关系",
    "户籍地区划代码",
    "户籍性质",
    "手机号",
    "开户银行",
    "银行账号",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰德文春梅海波"
RELATIONS = ["配偶", "子女", "子女", "父母"]


# --- the database ------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit("needs a PostgreSQL URL: postgres://user@127.0.0.1:port/name")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("only a PostgreSQL server on this machine (127.0.0.1) is used")
    return urlunparse(parsed._replace(path=f"/{name}"))


def connect(url: str, *, wait: float = 0) -> psycopg.Connection:
    """Open an autocommit connection; keep trying for ``wait`` seconds while the server is down."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.3)


def sql(url: str, statement: str, params=None, *, wait: float = 60) -> list[tuple]:
    """Run one statement on a fresh connection (robust to server restarts) and return its rows."""
    with connect(url, wait=wait) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def prepare_database(url: str, env: dict, *, demo_households: int = 0) -> None:
    """Create the database if missing, migrate it, and give it 沅江市's villages and the demo users.

    With ``demo_households`` it also gets a synthetic county (``generate_demo``) and demo cases, once.
    """
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with connect(urlunparse(parsed._replace(path="/postgres"))) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--no-input", "-v0")
    if not sql(url, "SELECT 1 FROM regions_region WHERE code LIKE '430981%%' AND level = 5 LIMIT 1"):
        manage(env, "load_regions", "--villages", "430981")
    manage(env, "create_demo_users")
    if demo_households and not sql(url, "SELECT 1 FROM registry_household LIMIT 1"):
        manage(env, "load_policies")
        manage(env, "generate_demo", "--households", str(demo_households), "--county", "430981", "--seed", "2025")
        manage(env, "seed_demo_cases", "--seed", "2025")


def villages(url: str) -> list[str]:
    rows = sql(url, "SELECT code FROM regions_region WHERE code LIKE '430981%%' AND level = 5 ORDER BY code")
    return [r[0] for r in rows]


# --- import files ------------------------------------------------------------------------------------


def make_id_number(address: str, birth: date, sequence: int) -> str:
    body = f"{address}{birth:%Y%m%d}{sequence % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def first_free_birth_date(url: str) -> date:
    """Return the day after the latest birth date of the ID numbers these files use (a fresh range)."""
    row = sql(url, "SELECT max(birth_date) FROM registry_person WHERE id_number LIKE '430902%%'")[0][0]
    return (row + timedelta(days=1)) if row else date(1930, 1, 1)


def write_people_csv(
    path: Path, persons: int, village_codes: list[str], *, start: date, tag: str
) -> tuple[int, list[str], date]:
    """Write ``persons`` new persons in households of 1–5; return (households, ID numbers, next free date).

    ID numbers are born from ``start`` on, 500 a day, with 资阳区 (430902) as birthplace, which the demo
    data never uses; household keys begin with ``tag``.
    """
    ids: list[str] = []
    households = written = 0
    base = start
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        while written < persons:
            size = min(1 + households % 5, persons - written)
            village = village_codes[households % len(village_codes)]
            key = f"{tag}H{households:07d}"
            for m in range(size):
                k = written
                id_number = make_id_number(
                    "430902", base + timedelta(days=k // 500), (k % 500) * 2 + (1 if m % 2 == 0 else 0)
                )
                ids.append(id_number)
                writer.writerow(
                    [
                        key,
                        village,
                        f"{village[-3:]}组{households % 97 + 1}号",
                        SURNAMES[households % len(SURNAMES)] + GIVEN[k % len(GIVEN)] + GIVEN[(k // 7) % len(GIVEN)],
                        id_number,
                        "户主" if m == 0 else RELATIONS[m - 1],
                        village,
                        "农村",
                        f"139{k % 10**8:08d}",
                        "沅江农商银行",
                        f"62309{k:014d}",
                    ]
                )
                written += 1
            households += 1
    return households, ids, base + timedelta(days=written // 500 + 1)


# --- processes ---------------------------------------------------------------------------------------


def environment(url: str, data_dir: Path) -> dict:
    """Return the environment of doudi's production processes for this database (no debug, own key)."""
    return {
        **os.environ,
        "DOUDI_DATABASE_URL": url,
        "DOUDI_DEBUG": "0",
        "DOUDI_SECRET_KEY": os.environ.get("DOUDI_SECRET_KEY") or secrets.token_urlsafe(50),
        "DOUDI_DATA_DIR": str(data_dir),
        "DOUDI_TASK_BACKEND": "django_tasks_db.DatabaseBackend",
        "PYTHONPATH": str(ROOT / "src"),
    }


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not start on 127.0.0.1:{port}")


def start_gunicorn(env: dict, port: int, *, workers: int = 2, threads: int = 4, log: Path | None = None):
    command = [
        GUNICORN,
        "doudi.wsgi:application",
        "-k",
        "gthread",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "120",
        # Keep idle connections longer than a person pauses between pages (the default, 2 s, makes the
        # server close a connection just as the browser reuses it; a reverse proxy keeps 60–75 s).
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    out = log.open("ab") if log else subprocess.DEVNULL
    server = subprocess.Popen(command, env={**env, "PGAPPNAME": "doudi-web"}, cwd=ROOT, stdout=out, stderr=out)
    wait_for_port(port)
    return server


def start_worker(env: dict, *, log: Path | None = None) -> subprocess.Popen:
    """Start ``manage.py run_worker``; its database connections are named ``doudi-worker``."""
    out = log.open("ab") if log else subprocess.DEVNULL
    command = [PYTHON, str(ROOT / "manage.py"), "run_worker", "--queue-name", "*", "--interval", "0.5"]
    command += ["--no-reload", "--no-startup-delay"]
    return subprocess.Popen(command, env={**env, "PGAPPNAME": "doudi-worker"}, cwd=ROOT, stdout=out, stderr=out)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the web client ----------------------------------------------------------------------------------


class Site:
    """A logged-in browser session against the doudi at 127.0.0.1:``port`` (cookies, CSRF tokens)."""

    def __init__(self, port: int, username: str, *, timeout: float = 120):
        self.base = f"http://127.0.0.1:{port}"
        self.session = requests.Session()
        self.timeout = timeout
        self.username = username
        self.login()

    def login(self) -> None:
        page = self.session.get(self.base + "/accounts/login/", timeout=self.timeout)
        page.raise_for_status()
        answer = self.post("/accounts/login/", {"username": self.username, "password": PASSWORD})
        if "sessionid" not in self.session.cookies:
            raise RuntimeError(f"login as {self.username} failed: HTTP {answer.status_code}")

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.get(self.base + path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        data = {**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", "")}
        return self.session.post(
            self.base + path, data=data, timeout=self.timeout, headers={"Referer": self.base + path}, **kwargs
        )

    def upload(self, path: Path) -> int:
        """Upload an import file through the form; return the new batch's id."""
        with path.open("rb") as handle:
            answer = self.post("/registry/imports/", {}, files={"file": (path.name, handle, "text/csv")})
        match = re.search(r"/registry/imports/(\d+)/$", answer.url)
        if answer.status_code != 200 or not match:
            raise RuntimeError(f"upload refused: HTTP {answer.status_code} at {answer.url}")
        return int(match.group(1))


def csrf_field(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


# --- the machine -------------------------------------------------------------------------------------


def machine(url: str) -> str:
    model = "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except (OSError, AttributeError):
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    ram = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            ram = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    version = sql(url, "SHOW server_version")[0][0]
    return (
        f"{cores} CPUs (`nproc`), {model}, {ram} RAM, PostgreSQL {version}, Python {platform.python_version()}; "
        f"1-minute load average {os.getloadavg()[0]:.1f}"
    )
