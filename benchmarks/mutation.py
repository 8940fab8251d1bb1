"""Mutation score of the policy engine (mutmut 3): how many deliberate faults the engine tests catch.

    .venv/bin/python benchmarks/mutation.py [--target engine|payments|monitoring] [--max-children 1]
                                            [--workdir /tmp/doudi-mutation] [--modules FILE ...]
                                            [--keep] [--report] [--show] [--json FILE] [MUTANT ...]

mutmut changes one operator, constant or call at a time in ``src/doudi/policy/engine/`` (not its
``tests/``) and runs the engine's own tests (pure Python, no Django, no database) against each
change. A change that no test notices "survives": a fault that would reach families unnoticed.

The run happens in a copy (``--workdir``) of the engine package, so the working tree is never
touched and files other people edit meanwhile do not disturb it. ``--keep`` reuses the previous
copy's results (mutmut re-tests only the functions whose source changed; new tests alone do not
re-test old survivors, so the figure for docs/testing.md comes from a fresh run). ``--report``
prints the figures of the last run without running anything. Naming mutants (as printed in the
survivor list) re-tests only those, after the copy is refreshed.

Prints killed/total per module and overall, the run time, and every surviving mutant (with its diff
when ``--show``). ``--max-children`` defaults to 1: the machine's cores are shared. Hypothesis runs
with a fixed seed so that two runs over the same code give the same figure.

``--target payments`` and ``--target monitoring`` mutate the payroll and the matching (alert) rules.
Their logic is mostly SQL text, which mutmut leaves alone (it does not mutate f-strings or
triple-quoted strings, and a changed SQL word would only test the database's parser): the targets
mutate the pure-Python rule parts listed in ``TARGETS`` (month arithmetic, the month of death,
tolerance and ceiling read from the policy, each check's query parameters and sentence, recovery
grouping; the monitoring lookback dates, county parameters and their tables, the assembled query,
alert fingerprints and summaries) and run their ``test_rule_parts.py`` against each mutant: Django
is loaded (settings, models) but no database is opened, so a mutant takes about a second. The
copy then holds the whole ``src/`` tree. Functions under a decorator (``@transaction.atomic``:
``generate_payroll``, ``run_checks``, ``do_settle_recovery``) are never mutated by mutmut 3.

``--sql-faults`` reaches what mutmut cannot: each comparison of the alert rules' SQL listed in
``SQL_FAULTS`` (``>`` for ``>=``, ``<=`` for ``<``) is applied alone to a copy of ``rules.py`` and the
rule's at-the-limit tests (``monitoring/tests/test_rule_boundaries.py``, SQLite) must fail.

Not part of the test suite or CI (a full run takes minutes to tens of minutes). See docs/testing.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = Path("src/doudi/policy/engine")
PACKAGE_INITS = (Path("src/doudi/__init__.py"), Path("src/doudi/policy/__init__.py"))
# The parameter reference the docgen test compares with the catalogue.
ALSO = (*PACKAGE_INITS, Path("docs/policy-format.md"))

# mutmut's own configuration for the copy. The tests are the engine's folder alone; its pytest.ini
# turns Django off. The docgen test reads docs/policy-format.md beside src/, so docs/ is copied too.
# The Hypothesis property tests take nine tenths of the suite's time and would run for nearly every
# mutant; they are left out unless --with-properties, so the score measures the table tests, whose
# hand-computed rows are what catches an off-by-one. With them, a fixed seed keeps runs comparable.
# A mutant is a timeout after 15 × its tests' clean time + 20 s: generous, because on a shared,
# loaded machine a slow test process must not pass for a fault detected.
PROPERTIES = f"{ENGINE}/tests/test_properties.py"


def mutmut_config(with_properties: bool, modules: list[str]) -> str:
    """Return the ``[tool.mutmut]`` table for the copy (``modules``: engine file names, all if empty)."""
    extra = "" if with_properties else f', "--ignore={PROPERTIES}"'
    only = ", ".join(f'"{ENGINE}/{m}"' for m in modules)
    return f"""\
[tool.mutmut]
source_paths = ["src"]
only_mutate = [{only}]
do_not_mutate = ["src/doudi/__init__.py", "src/doudi/policy/__init__.py", "{ENGINE}/tests/*"]
pytest_add_cli_args_test_selection = ["{ENGINE}/tests"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "--hypothesis-seed=0", "-q"{extra}]
also_copy = ["docs/"]
use_git_change_detection = false
timeout_constant = 20.0
"""


@dataclass(frozen=True)
class Target:
    """A set of rule functions outside the engine and the pure tests run against each of their mutants."""

    functions: dict[str, tuple[str, ...]]  # source file → the functions mutated in it
    tests: tuple[str, ...]

    def patterns(self) -> list[str]:
        """mutmut mutant-name patterns of the functions (``doudi.x.y.x_func__mutmut_*``)."""
        out = []
        for path, names in self.functions.items():
            module = path.removeprefix("src/").removesuffix(".py").replace("/", ".")
            out += [f"{module}.x_{name}__mutmut_*" for name in names]
        return out

    def keeps(self, mutant: str) -> bool:
        return any(mutant.startswith(p.removesuffix("*")) for p in self.patterns())


TARGETS: dict[str, Target] = {
    "payments": Target(
        {
            "src/doudi/cases/services/common.py": ("add_months", "month_start"),
            "src/doudi/payments/services/generation.py": (
                "county_prefix",
                "month_range",
                "parse_month",
                "check_programme",
                "_split_by_reason",
            ),
            "src/doudi/payments/services/checks.py": (
                "_group",
                "_policy_values",
                "check_deceased",
                "check_double_payment",
                "check_exclusive",
                "check_accounts",
                "check_amount_range",
                "check_relatives",
                "check_change",
                "_day",
                "find_all",
            ),
            "src/doudi/payments/services/recovery.py": (
                "_months_taken",
                "record_overpayments",
                "flag_paid_after_death",
            ),
        },
        ("src/doudi/payments/tests/test_rule_parts.py",),
    ),
    "monitoring": Target(
        {
            "src/doudi/monitoring/params.py": ("months_before", "county_params", "write_params"),
            "src/doudi/monitoring/rules.py": ("wrapped",),
            "src/doudi/monitoring/engine.py": ("signals_sql", "empty_feed", "collapse"),
        },
        ("src/doudi/monitoring/tests/test_rule_parts.py",),
    ),
}

# pytest's configuration in the copy of a Django target: the project's settings, no database
# opened by the selected tests (DOUDI_DATA_DIR and DOUDI_DATABASE_URL point into the copy).
DJANGO_PYTEST_INI = """\
[pytest]
DJANGO_SETTINGS_MODULE = doudi.settings
python_files = test_*.py
filterwarnings =
    ignore::DeprecationWarning
"""


def target_config(target: Target) -> str:
    """Return the ``[tool.mutmut]`` table for the copy of a Django target."""
    only = ", ".join(f'"{path}"' for path in target.functions)
    tests = ", ".join(f'"{t}"' for t in target.tests)
    return f"""\
[tool.mutmut]
source_paths = ["src"]
only_mutate = [{only}]
do_not_mutate = ["src/conftest.py", "src/doudi/*/tests/*"]
pytest_add_cli_args_test_selection = [{tests}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "--hypothesis-seed=0", "-q"]
also_copy = ["pytest.ini"]
use_git_change_detection = false
timeout_constant = 20.0
"""


def prepare_target(workdir: Path, keep: bool, target: Target) -> None:
    """Copy the whole ``src/`` tree (Django imports every app) into ``workdir``."""
    if not keep and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "src").exists():
        shutil.rmtree(workdir / "src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "node_modules", "browser")
    shutil.copytree(ROOT / "src", workdir / "src", ignore=ignore)
    for test in target.tests:  # mutmut copies a file into mutants/ only once: refresh the tests
        mutated = workdir / "mutants" / test
        if mutated.parent.exists():
            shutil.copy2(ROOT / test, mutated)
    (workdir / "pytest.ini").write_text(DJANGO_PYTEST_INI, encoding="utf-8")
    (workdir / "pyproject.toml").write_text(target_config(target), encoding="utf-8")


# exit code of the test run for a mutant → what it means (mutmut.stats.status_by_exit_code)
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    24: "timeout",
    -24: "timeout",
    152: "timeout",
    255: "timeout",
    37: "caught by type check",
    None: "not checked",
}


def prepare(workdir: Path, keep: bool, with_properties: bool, modules: list[str]) -> None:
    """Copy the engine package (and the two package ``__init__`` files) into ``workdir``.

    A kept copy must be re-run over the same ``modules``: mutmut would otherwise leave the files of the
    modules mutated before without their trampolines ("Unable to force test failures").
    """
    if not keep and workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    chosen = workdir / "modules.json"
    if keep and chosen.exists() and json.loads(chosen.read_text()) != sorted(modules):
        before = json.loads(chosen.read_text())
        sys.exit(f"{workdir} was run over --modules {before}: use the same modules or another --workdir")
    chosen.write_text(json.dumps(sorted(modules)))
    target = workdir / ENGINE
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / ENGINE, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis"))
    for path in ALSO:
        (workdir / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, workdir / path)
    mutated_tests = workdir / "mutants" / ENGINE / "tests"
    if mutated_tests.exists():
        # mutmut copies a file into mutants/ only when it is not there yet: refresh the tests so that a
        # --keep run re-tests survivors against today's tests (new tests are found by their node ids).
        shutil.copytree(target / "tests", mutated_tests, dirs_exist_ok=True)
    (workdir / "pyproject.toml").write_text(mutmut_config(with_properties, modules), encoding="utf-8")


def run(workdir: Path, max_children: int, names: list[str]) -> float:
    """Run mutmut in ``workdir``; return the wall time in seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOUDI_")}
    env["PYTHONHASHSEED"] = "0"
    env["DOUDI_DATA_DIR"] = str(workdir.resolve() / "data")
    env["DOUDI_DATABASE_URL"] = f"sqlite:///{workdir.resolve() / 'data' / 'unused.sqlite3'}"
    started = time.monotonic()
    cmd = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *names]
    done = subprocess.run(cmd, cwd=workdir, env=env, check=False)
    if done.returncode:
        sys.exit(f"mutmut run failed (exit {done.returncode}); see its output above")
    return time.monotonic() - started


def collect(workdir: Path, target: Target | None = None) -> dict[str, dict[str, int | None]]:
    """Return {module file name: {mutant name: exit code}} from mutmut's result files.

    For a target outside the engine, only the mutants of its listed functions are counted.
    """
    results: dict[str, dict[str, int | None]] = {}
    if target is None:
        meta_dir = workdir / "mutants" / ENGINE
        for meta in sorted(meta_dir.glob("*.py.meta")):
            results[meta.name.removesuffix(".meta")] = json.loads(meta.read_text())["exit_code_by_key"]
        return results
    for path in target.functions:
        meta = workdir / "mutants" / f"{path}.meta"
        if meta.exists():
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            results[Path(path).name] = {k: v for k, v in codes.items() if target.keeps(k)}
    return results


def report(workdir: Path, results: dict[str, dict[str, int | None]], show: bool, label: str = "engine") -> dict:
    """Print the score per module and the survivors; return the same figures as a dict."""
    rows, total = [], Counter()
    survivors: list[str] = []
    for module, codes in results.items():
        counts = Counter(STATUS.get(code, "suspicious") for code in codes.values())
        total.update(counts)
        survivors += sorted(
            name
            for name, code in codes.items()
            if STATUS.get(code, "suspicious") != "killed" and STATUS.get(code) != "timeout"
        )
        rows.append((module, counts))

    def score(c: Counter) -> tuple[int, int, float]:
        detected = c["killed"] + c["timeout"]
        n = sum(c.values())
        return detected, n, (100.0 * detected / n if n else 100.0)

    print(f"\n{'module':<26}{'killed':>8}{'timeout':>9}{'survived':>10}{'other':>7}{'total':>7}{'score':>9}")
    for module, c in rows:
        detected, n, pct = score(c)
        other = n - c["killed"] - c["timeout"] - c["survived"]
        print(f"{module:<26}{c['killed']:>8}{c['timeout']:>9}{c['survived']:>10}{other:>7}{n:>7}{pct:>8.1f}%")
    detected, n, pct = score(total)
    print(
        f"{label:<26}{total['killed']:>8}{total['timeout']:>9}{total['survived']:>10}"
        f"{n - total['killed'] - total['timeout'] - total['survived']:>7}{n:>7}{pct:>8.1f}%"
    )
    print(f"\nscore: {detected}/{n} mutants detected = {pct:.1f}% (killed or timed out); statuses: {dict(total)}")
    print(f"\nsurviving or unchecked mutants ({len(survivors)}):")
    by_name = {name: code for codes in results.values() for name, code in codes.items()}
    for name in survivors:
        print(f"  {name}  [{STATUS.get(by_name[name], 'suspicious')}]")
        if show:
            diff = subprocess.run(
                [sys.executable, "-m", "mutmut", "show", name], cwd=workdir, capture_output=True, text=True
            ).stdout
            print("    " + "\n    ".join(diff.strip().splitlines()))
    return {
        "modules": {m: dict(c) for m, c in rows},
        "total": dict(total),
        "detected": detected,
        "mutants": n,
        "score": round(pct, 2),
        "survivors": survivors,
    }


# Comparison operators of the alert rules' SQL, which mutmut cannot reach: each fault is applied alone
# to a copy of rules.py and the boundary tests of its rule must fail (``--sql-faults``).
RULES_PY = "src/doudi/monitoring/rules.py"
SQL_FAULTS: tuple[tuple[str, str, str], ...] = (
    # (rule, SQL as written, SQL with the fault)
    ("tax_income", "WHERE f.income > p.annual_income", "WHERE f.income >= p.annual_income"),
    (
        "medical_cost",
        "WHERE f.settled_on > (SELECT MIN(medical_from)",
        "WHERE f.settled_on >= (SELECT MIN(medical_from)",
    ),
    ("medical_cost", "AND f.settled_on <= (SELECT MAX(on_date)", "AND f.settled_on < (SELECT MAX(on_date)"),
    ("medical_cost", "HAVING SUM(f.out_of_pocket) > (SELECT", "HAVING SUM(f.out_of_pocket) >= (SELECT"),
    ("medical_cost", "WHERE t.total > p.medical_out_of_pocket", "WHERE t.total >= p.medical_out_of_pocket"),
    ("hospital_stay", "WHERE f.hospital_days > p.hospital_days", "WHERE f.hospital_days >= p.hospital_days"),
    ("death", "WHERE f.death_date <= p.on_date", "WHERE f.death_date < p.on_date"),
    (
        "unemployment",
        "WHERE f.registered_on <= p.on_date AND (f.ended_on",
        "WHERE f.registered_on < p.on_date AND (f.ended_on",
    ),
    ("unemployment", "f.ended_on > p.on_date)", "f.ended_on >= p.on_date)"),
    ("unemployment", "p.working_age_from * 10000 <= p.on_key", "p.working_age_from * 10000 < p.on_key"),
    ("unemployment", "p.working_age_to * 10000 > p.on_key", "p.working_age_to * 10000 >= p.on_key"),
    ("age_milestone", "m.age * 10000 >= p.on_key", "m.age * 10000 > p.on_key"),
    ("age_milestone", "m.age * 10000 <= p.ahead_key", "m.age * 10000 < p.ahead_key"),
    ("hukou_out", "WHERE f.move_date <= p.on_date", "WHERE f.move_date < p.on_date"),
    ("business", "COALESCE(f.capital, 0) >= p.business_capital", "COALESCE(f.capital, 0) > p.business_capital"),
    ("poverty_watch_unassisted", "f.per_capita_income < CASE", "f.per_capita_income <= CASE"),
    ("disability_new", "(f.grade <= 2 OR f.needs_care)", "(f.grade < 2 OR f.needs_care)"),
    # Two rules compare twice (a pre-filter on the lowest threshold of the run's counties, then each
    # county's own): one of the two faulted alone is masked by the other in a one-county run, so the
    # pair is faulted together as well.
    (
        "medical_cost",
        "HAVING SUM(f.out_of_pocket) > (SELECT|WHERE t.total > p.medical_out_of_pocket",
        "HAVING SUM(f.out_of_pocket) >= (SELECT|WHERE t.total >= p.medical_out_of_pocket",
    ),
    (
        "hospital_stay",
        "WHERE hospital_days > (SELECT MIN(hospital_days)|WHERE f.hospital_days > p.hospital_days",
        "WHERE hospital_days >= (SELECT MIN(hospital_days)|WHERE f.hospital_days >= p.hospital_days",
    ),
)
BOUNDARY_TESTS = "src/doudi/monitoring/tests/test_rule_boundaries.py"


def sql_faults(workdir: Path, only: list[str]) -> dict:
    """Apply each of ``SQL_FAULTS`` (of the rules ``only``, default all) alone to a copy; return {fault: caught?}."""
    if workdir.exists():
        shutil.rmtree(workdir)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "node_modules", "browser")
    shutil.copytree(ROOT / "src", workdir / "src", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", workdir / "pyproject.toml")
    original = (ROOT / RULES_PY).read_text(encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOUDI_")}
    env.update(
        DOUDI_DATA_DIR=str(workdir.resolve() / "data"),
        DOUDI_DATABASE_URL=f"sqlite:///{workdir.resolve() / 'data' / 'db.sqlite3'}",
        PYTHONPATH=str(workdir.resolve() / "src"),
    )
    results = {}
    for rule, written, fault in SQL_FAULTS:
        if only and rule not in only:
            continue
        text = original
        for old, new in zip(written.split("|"), fault.split("|"), strict=True):  # "|": faults applied together
            assert text.count(old) == 1, f"{old!r} is not once in {RULES_PY}"
            text = text.replace(old, new)
        (workdir / RULES_PY).write_text(text, encoding="utf-8")
        cmd = [sys.executable, "-m", "pytest", BOUNDARY_TESTS, "-q", "-x", "-p", "no:cacheprovider", "-k", rule]
        done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False)
        caught = done.returncode == 1
        if done.returncode not in (0, 1):
            sys.exit(f"the boundary tests could not run (exit {done.returncode}):\n{done.stdout[-2000:]}")
        results[f"{rule}: {written} → {fault}"] = caught
        print(f"{'caught' if caught else 'MISSED'}  {rule}: {written}  →  {fault}", flush=True)
    (workdir / RULES_PY).write_text(original, encoding="utf-8")
    print(f"\n{sum(results.values())}/{len(results)} SQL faults caught by {BOUNDARY_TESTS}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutant names to re-test (default: all)")
    parser.add_argument("--max-children", type=int, default=1, help="parallel test processes (default 1)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/doudi-mutation"))
    parser.add_argument("--keep", action="store_true", help="reuse the previous run's results")
    parser.add_argument("--report", action="store_true", help="only print the last run's figures")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument(
        "--modules",
        nargs="+",
        default=[],
        metavar="FILE",
        help="mutate only these engine modules, e.g. means.py dibao.py (default: every module)",
    )
    parser.add_argument(
        "--with-properties",
        action="store_true",
        help="also run the Hypothesis property tests per mutant (about 20 times slower)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--target",
        choices=["engine", *TARGETS],
        default="engine",
        help="the policy engine (default), or the payroll or matching rules' Python parts (see TARGETS)",
    )
    parser.add_argument(
        "--sql-faults",
        action="store_true",
        help="instead of mutmut: apply each comparison fault of SQL_FAULTS to the alert rules' SQL in a copy "
        "and run the rule's boundary tests (monitoring/tests/test_rule_boundaries.py)",
    )
    args = parser.parse_args()

    if args.sql_faults:
        started = time.monotonic()
        results = sql_faults(args.workdir, args.names)
        print(f"run time {time.monotonic() - started:.0f} s")
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
        return
    target = TARGETS.get(args.target)
    elapsed = None
    if not args.report:
        keep = args.keep or bool(args.names)
        if target is None:
            prepare(args.workdir, keep=keep, with_properties=args.with_properties, modules=args.modules)
            names = args.names
        else:
            prepare_target(args.workdir, keep=keep, target=target)
            names = args.names or target.patterns()
        elapsed = run(args.workdir, args.max_children, names)
    figures = report(args.workdir, collect(args.workdir, target), args.show, label=args.target)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    if elapsed is not None:
        print(f"\nrun time {elapsed:.0f} s with {args.max_children} child process(es) on {machine}")
        figures.update(seconds=round(elapsed), max_children=args.max_children)
    figures["machine"] = machine
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
