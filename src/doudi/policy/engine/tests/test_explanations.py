"""The explanation a family reads, pinned word for word for every boundary household (approval test).

The decision letter quotes these steps, so a changed figure, a lost name or a wrong rule reference
in a sentence is a defect even when the amount is right. ``explanations.golden.txt`` holds the
full explanation of every household in ``test_boundaries.ROWS``, ``test_rule_switches.SWITCHES`` and
the dibao and tekun tables;
after an intended change of wording, regenerate it and read the diff before committing:

    DOUDI_UPDATE_GOLDEN=1 .venv/bin/python -m pytest src/doudi/policy/engine/tests/test_explanations.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

from ..cascade import assess
from ..explain import Assessment
from .factories import household, make_policy, member, sample_policy
from .test_boundaries import ROWS
from .test_dibao import CASES as DIBAO_CASES
from .test_extreme_poverty import CASES as TEKUN_CASES
from .test_rule_switches import SWITCHES

GOLDEN = Path(__file__).with_name("explanations.golden.txt")


def render(name: str, a: Assessment) -> list[str]:
    """Return the assessment as the lines a reviewer reads: status, each programme, each step."""
    lines = [f"## {name}", f"status {a.status}"]
    for p in a.programmes:
        mark = "+" if p.eligible else "-"
        figures = f"月 {p.monthly_amount} 一次性 {p.one_off_amount}"
        extra = f" 有效期至 {p.valid_until.isoformat()}" if p.valid_until else ""
        shares = " ".join(f"{k}={v}" for k, v in sorted(p.per_member.items()))
        lines.append(f"{mark} {p.label} [{p.tier}] {p.person_id} {figures}{extra} {shares}".rstrip())
        lines += [f"    {s.rule_ref} | {s.text_zh}" for s in p.steps]
    lines += [f"  note {s.rule_ref} | {s.text_zh}" for s in a.notes]
    return lines


def all_lines() -> list[str]:
    lines: list[str] = []
    for row in (*ROWS, *SWITCHES):
        policy = make_policy(row.overrides) if row.overrides else sample_policy()
        lines += render(row.name, assess(row.facts, policy))
    for name, members, area, overrides, kwargs, *_ in DIBAO_CASES:
        policy = make_policy(overrides) if overrides else sample_policy()
        lines += render(name, assess(household(*members, area=area, **kwargs), policy))
    for name, kwargs, area, *_ in TEKUN_CASES:
        kwargs = {"has_capable_supporter": False, **kwargs}
        lines += render(name, assess(household(member("T", **kwargs), area=area), sample_policy()))
    return lines


def test_explanations_match_the_reviewed_text():
    lines = all_lines()
    if os.environ.get("DOUDI_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8").splitlines()
    if lines != expected:
        diff = "\n".join(list(difflib.unified_diff(expected, lines, "golden", "now", lineterm="", n=2))[:60])
        raise AssertionError(f"explanations differ from {GOLDEN.name} (first lines of the diff):\n{diff}")
