"""Turn a ``Chunk`` of columns into the engine's ``HouseholdFacts``, with as little Python per row as possible.

The vocabulary mappings are those of ``policy.facts_bridge`` (imported, not copied), so the facts
built here equal ``facts_from_snapshot(household_as_of(...))`` for the same household. Immutable
pieces that repeat (income facts, disabilities, dates, amounts) are built once and shared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from doudi.policy.engine.facts import (
    DisabilityFact,
    ExpenseFact,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    OtherBenefit,
    ParentFacts,
    VehicleFact,
)
from doudi.policy.facts_bridge import INCOME, RELATION, SCHOOLING
from doudi.policy.simulation.extract import EPOCH, FINANCIAL_ASSETS, NO_DAY, VOCABULARIES, Chunk

ZERO = Decimal(0)


class _Cache(dict):
    """A dict that builds a missing value with ``make(key)`` and keeps it."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


def fast_constructor(cls: type, names: tuple[str, ...]) -> Callable:
    """Return ``make(*values)`` building ``cls(**dict(zip(names, values)))`` (other fields at their defaults).

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; setting the
    slots through their descriptors is about twice as fast, which matters for millions of members.
    Falls back to the class itself when it validates in ``__post_init__`` or uses default factories,
    since bypassing ``__init__`` would skip them.
    """
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or any(f.default_factory is not dataclasses.MISSING for f in fields):
        return lambda *values: cls(**dict(zip(names, values, strict=True)))
    namespace: dict = {"new": object.__new__, "cls": cls}
    lines = [f"def make({', '.join(names)}):", "    o = new(cls)"]
    for f in fields:
        namespace[f"set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.name in names:
            lines.append(f"    set_{f.name}(o, {f.name})")
        else:
            namespace[f"default_{f.name}"] = f.default
            lines.append(f"    set_{f.name}(o, default_{f.name})")
    lines.append("    return o")
    exec("\n".join(lines), namespace)  # the code is generated from the dataclass's own field names
    return namespace["make"]


MEMBER = fast_constructor(
    MemberFacts,
    (
        "person_id",
        "birth_date",
        "relation",
        "name",
        "incomes",
        "disability",
        "serious_illness",
        "medical_costs_monthly",
        "labour_capacity",
        "self_care_unable",
        "schooling",
        "needs_long_term_care",
        "parents",
        "has_capable_supporter",
        "residence",
        "exclusion",
        "chronic_medication",
        "disability_costs_monthly",
        "job_refusals",
        "other_benefits",
        "child_benefit_choice",
    ),
)
HOUSEHOLD = fast_constructor(
    HouseholdFacts,
    (
        "as_of",
        "area_type",
        "members",
        "household_id",
        "financial_assets",
        "vehicles",
        "houses",
        "business_capital",
        "rigid_expenses_12m",
        "non_residential_properties",
    ),
)


def _mapped(vocabulary: str, mapping: dict[str, str] | None, default: str) -> list[str]:
    """Return the engine value of each code of a vocabulary; the last item answers code -1."""
    words = VOCABULARIES[vocabulary]
    out = [(mapping.get(w, default) if mapping is not None else w) for w in words]
    return [*out, default]


RELATIONS = _mapped("relation", RELATION, "other")
INCOMES = _mapped("income", INCOME, "other")
STAGES = _mapped("stage", SCHOOLING, "none")
LEVELS = _mapped("labour", None, "full")
DISABILITIES = _mapped("disability", None, "multiple")
EXPENSES = _mapped("expense", None, "other")
SITUATIONS = _mapped("situation", None, "present")
SETTINGS = _mapped("setting", None, "home")
BENEFITS = _mapped("benefit", None, "work_injury_care")
CHOICES = _mapped("choice", None, "auto")
EXCLUSIONS = _mapped("exclusion", None, "other")
AREAS = list(VOCABULARIES["area"])
ASSETS = VOCABULARIES["asset"]
FINANCIAL = frozenset(ASSETS.index(k) for k in FINANCIAL_ASSETS)
BUSINESS, REAL_ESTATE, NON_RESIDENTIAL, VEHICLE = (
    ASSETS.index(k) for k in ("business_share", "real_estate", "non_residential", "vehicle")
)

AMOUNTS = _Cache(lambda fen: Decimal(fen).scaleb(-2))
DATES = _Cache(lambda days: EPOCH + timedelta(days=days))
INCOME_FACTS = _Cache(lambda key: IncomeFact(category=INCOMES[key[0]], monthly_amount=AMOUNTS[key[1]]))
DISABILITY_FACTS = _Cache(lambda key: DisabilityFact(category=DISABILITIES[key[0]], grade=key[1]))


def _incomes(t) -> dict[int, tuple[IncomeFact, ...]]:
    out: dict[int, list[IncomeFact]] = {}
    for person, category, fen in zip(t["person"].tolist(), t["category"].tolist(), t["fen"].tolist(), strict=True):
        fact = INCOME_FACTS[(category, fen)]
        found = out.get(person)
        if found is None:
            out[person] = [fact]
        else:
            found.append(fact)
    return {p: tuple(v) for p, v in out.items()}


def _illness(t) -> tuple[set[int], dict[int, Decimal], set[int]]:
    serious: set[int] = set()
    chronic: set[int] = set()
    costs: dict[int, int] = {}
    rows = zip(t["person"].tolist(), t["serious"].tolist(), t["fen"].tolist(), t["chronic"].tolist(), strict=True)
    for person, flag, fen, medication in rows:
        if flag:
            serious.add(person)
        if medication:
            chronic.add(person)
        costs[person] = costs.get(person, 0) + fen
    return serious, {p: AMOUNTS[f] for p, f in costs.items()}, chronic


def _expenses(t) -> dict[int, list[ExpenseFact]]:
    """Return each person's rigid expenses in evidence order (the bridge adds them member by member)."""
    out: dict[int, list[ExpenseFact]] = {}
    for person, category, fen in zip(t["person"].tolist(), t["category"].tolist(), t["fen"].tolist(), strict=True):
        out.setdefault(person, []).append(ExpenseFact(category=EXPENSES[category], amount=AMOUNTS[fen]))
    return out


def _parent(t) -> dict[int, ParentFacts]:
    """Return each person's latest situation of one parent (``facts_bridge._parents``)."""
    rows = zip(t["person"].tolist(), t["situation"].tolist(), t["since"].tolist(), t["until"].tolist(), strict=True)
    return {
        person: ParentFacts(
            situation=SITUATIONS[situation], since=DATES[since], until=None if until == NO_DAY else DATES[until]
        )
        for person, situation, since, until in rows
    }


class _Assets:
    """Counted assets per household and vehicles per person (in evidence order)."""

    def __init__(self, t):
        self.financial: dict[int, int] = {}
        self.business: dict[int, int] = {}
        self.houses: dict[int, int] = {}
        self.non_residential: dict[int, int] = {}
        self.vehicles: dict[int, list[VehicleFact]] = {}
        rows = zip(
            t["hh"].tolist(),
            t["person"].tolist(),
            t["kind"].tolist(),
            t["exempt"].tolist(),
            t["fen"].tolist(),
            t["quantity"].tolist(),
            strict=True,
        )
        for hh, person, kind, exempt, fen, quantity in rows:
            if kind in FINANCIAL:
                self.financial[hh] = self.financial.get(hh, 0) + fen
            elif kind == BUSINESS:
                self.business[hh] = self.business.get(hh, 0) + fen
            elif kind == REAL_ESTATE:
                self.houses[hh] = self.houses.get(hh, 0) + quantity
            elif kind == NON_RESIDENTIAL:
                self.non_residential[hh] = self.non_residential.get(hh, 0) + quantity
            elif kind == VEHICLE:
                fact = VehicleFact(kind="disability_vehicle" if exempt else "car", value=AMOUNTS[fen])
                self.vehicles.setdefault(person, []).extend([fact] * quantity)


def build_facts(chunk: Chunk, on: date) -> list[HouseholdFacts]:
    """Return the facts of every household of the chunk on ``on``, in household-id order."""
    t = chunk.tables
    incomes = _incomes(t["income"])
    d = t["disability"]
    disability = {
        p: DISABILITY_FACTS[(c, g)]
        for p, c, g in zip(d["person"].tolist(), d["category"].tolist(), d["grade"].tolist(), strict=True)
    }
    disability_costs = {p: AMOUNTS[f] for p, f in zip(d["person"].tolist(), d["fen"].tolist(), strict=True) if f}
    serious, medical, chronic = _illness(t["illness"])
    lab = t["labour"]
    labour = {p: LEVELS[c] for p, c in zip(lab["person"].tolist(), lab["level"].tolist(), strict=True)}
    sc = t["selfcare"]
    self_care = dict(zip(sc["person"].tolist(), sc["unable"].tolist(), strict=True))
    s = t["schooling"]
    schooling = {
        p: STAGES[c] if full else "none"
        for p, c, full in zip(s["person"].tolist(), s["stage"].tolist(), s["full_time"].tolist(), strict=True)
    }
    assets = _Assets(t["asset"])
    care = {p for p, flag in zip(t["careneed"]["person"].tolist(), t["careneed"]["care"].tolist(), strict=True) if flag}
    sup = t["supporters"]
    supporters = {p: bool(c) for p, c in zip(sup["person"].tolist(), sup["capable"].tolist(), strict=True)}
    refusals: dict[int, int] = {}
    for p in t["jobrefusal"]["person"].tolist():
        refusals[p] = refusals.get(p, 0) + 1
    others: dict[int, list[OtherBenefit]] = {}
    ob = t["otherbenefit"]
    for p, b, f in zip(ob["person"].tolist(), ob["benefit"].tolist(), ob["fen"].tolist(), strict=True):
        others.setdefault(p, []).append(OtherBenefit(kind=BENEFITS[b], monthly_amount=AMOUNTS[f]))
    cc = t["childbenefitchoice"]
    choices = {p: CHOICES[c] for p, c in zip(cc["person"].tolist(), cc["choice"].tolist(), strict=True)}
    cs, ex = t["caresetting"], t["exclusion"]
    settings = {p: SETTINGS[c] for p, c in zip(cs["person"].tolist(), cs["setting"].tolist(), strict=True)}
    exclusions = {p: EXCLUSIONS[c] for p, c in zip(ex["person"].tolist(), ex["reason"].tolist(), strict=True)}
    father, mother = _parent(t["father"]), _parent(t["mother"])
    expenses = _expenses(t["rigidexpense"])
    household_expenses: dict[int, list[ExpenseFact]] = {}

    m = t["members"]
    member_rows = zip(
        m["hh"].tolist(), m["person"].tolist(), m["relation"].tolist(), m["birth"].tolist(), m["name"], strict=True
    )
    make_member, make_household = MEMBER, HOUSEHOLD
    by_household: dict[int, list[MemberFacts]] = {}
    vehicles: dict[int, list[VehicleFact]] = {}
    for hh, person, relation, birth, name in member_rows:
        member = make_member(
            str(person),
            DATES[birth],
            RELATIONS[relation],
            name,
            incomes.get(person, ()),
            disability.get(person),
            person in serious,
            medical.get(person, ZERO),
            labour.get(person, "full"),
            self_care.get(person),
            schooling.get(person, "none"),
            person in care,
            tuple(p for p in (father.get(person), mother.get(person)) if p is not None),
            supporters.get(person),
            settings.get(person, "home"),
            exclusions.get(person),
            person in chronic,
            disability_costs.get(person, ZERO),
            refusals.get(person, 0),
            tuple(others.get(person, ())),
            choices.get(person, "auto"),
        )
        if person in expenses:
            household_expenses.setdefault(hh, []).extend(expenses[person])
        found = by_household.get(hh)
        if found is None:
            by_household[hh] = [member]
        else:
            found.append(member)
        if person in assets.vehicles:
            vehicles.setdefault(hh, []).extend(assets.vehicles[person])

    h = t["households"]
    out = []
    for hh, area in zip(h["hh"].tolist(), h["area"].tolist(), strict=True):
        out.append(
            make_household(
                on,
                AREAS[area] if area >= 0 else "",
                tuple(by_household.get(hh, ())),
                str(hh),
                AMOUNTS[assets.financial[hh]] if hh in assets.financial else ZERO,
                tuple(vehicles.get(hh, ())),
                assets.houses.get(hh, 0),
                AMOUNTS[assets.business[hh]] if hh in assets.business else ZERO,
                tuple(household_expenses.get(hh, ())),
                assets.non_residential.get(hh, 0),
            )
        )
    return out
