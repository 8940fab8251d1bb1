"""Builders for households and policies used across the engine tests.

Policies start from the 沅江 sample documents resolved on 2025-03-01 (urban 740, rural 485, tekun
962/631) and tests override single parameters with ``make_policy({...})``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from ..documents import PolicyDocument, load_document
from ..facts import DisabilityFact, HouseholdFacts, IncomeFact, MemberFacts, ParentFacts
from ..policy import Policy, resolve

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CHAIN = ("430000_hunan.toml", "430900_yiyang.toml", "430981_yuanjiang.toml")
ON = date(2025, 3, 1)
D = Decimal


@cache
def sample_documents() -> tuple[PolicyDocument, ...]:
    return tuple(load_document((SAMPLES / name).read_text(encoding="utf-8")) for name in CHAIN)


@cache
def sample_policy(on: date = ON) -> Policy:
    return resolve(list(sample_documents()), on)


def make_policy(overrides: dict[str, Any] | None = None, on: date = ON) -> Policy:
    """Return the sample policy with some parameters replaced (values already converted)."""
    values = dict(sample_policy(on).values)
    values.update(overrides or {})
    return Policy.build(values, on, "430981", "沅江市")


def member(
    pid: str = "A",
    born: str | date = "1980-06-15",
    income: str | int | None = None,
    category: str = "wage",
    incomes: tuple[tuple[str, str | int], ...] = (),
    disability: tuple[str, int] | None = None,
    parents: tuple[tuple, ...] = (),
    **kwargs: Any,
) -> MemberFacts:
    rows = [IncomeFact(c, D(str(a))) for c, a in incomes]
    if income is not None:
        rows.append(IncomeFact(category, D(str(income))))
    return MemberFacts(
        person_id=pid,
        birth_date=born if isinstance(born, date) else date.fromisoformat(born),
        incomes=tuple(rows),
        disability=DisabilityFact(*disability) if disability else None,
        parents=tuple(ParentFacts(p[0], *(date.fromisoformat(x) if x else None for x in p[1:])) for p in parents),
        **kwargs,
    )


def household(*members: MemberFacts, area: str = "urban", on: date = ON, **kwargs: Any) -> HouseholdFacts:
    return HouseholdFacts(as_of=on, area_type=area, members=tuple(members), **kwargs)
