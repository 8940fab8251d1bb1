"""What every benchmark script shares: the machine line of docs/benchmarks.md and running manage.py
against the database a benchmark was given.

The scripts are run as ``python benchmarks/NAME.py``, so this module is imported as ``common``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {cpu}, {mem / 2**20:.0f} GiB RAM, Python {platform.python_version()}"


def manage(*args: str, url: str) -> None:
    env = {**os.environ, "DOUDI_DATABASE_URL": url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)
