"""Turn what the registry knew about a household on a date into the engine's facts.

This is the only place that knows both vocabularies: registry categories (Django choices) on one
side, engine codes (``doudi.policy.engine.facts``) on the other.
"""

from __future__ import annotations

from decimal import Decimal

from doudi.policy.engine.facts import (
    DisabilityFact,
    ExpenseFact,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    ParentFacts,
    VehicleFact,
)
from doudi.policy.engine.facts import OtherBenefit as OtherBenefitFact  # the registry's model is OtherBenefit
from doudi.registry.selectors import HouseholdSnapshot

RELATION = {
    "head": "applicant",
    "spouse": "spouse",
    "child": "child",
    "parent": "parent",
    "grandparent": "grandparent",
    "grandchild": "grandchild",
    "sibling": "sibling",
}
INCOME = {
    "wages": "wage",
    "business": "business",
    "property": "property",
    "transfer": "transfer",
    "other": "other",
    "preferential_pension": "preferential_care",
    "family_planning": "family_planning",
    "scholarship": "scholarship",
    "heroism_award": "heroism_award",
    "assistance": "social_assistance",
    "basic_pension": "basic_pension_base",
    "disability_subsidy": "disability_subsidy",
    "local_exempt": "local_exempt",
}
SCHOOLING = {
    "preschool": "preschool",
    "primary": "compulsory",
    "junior": "compulsory",
    "senior": "high_school",
    "vocational": "secondary_vocational",
    "college": "higher",
    "undergraduate": "higher",
    "postgraduate": "postgraduate",
}
FINANCIAL = {"deposit", "securities", "insurance"}
ZERO = Decimal("0")


def _latest(rows):
    return max(rows, key=lambda r: (r.valid_from, r.pk)) if rows else None


def _parents(rows) -> tuple[ParentFacts, ...]:
    """Return the father's then the mother's latest situation valid on the day (at most one each).

    The registry's situation codes are the engine's; ``valid_from`` is when the situation began
    and ``valid_to`` when it ended (or a custody measure is due to end).
    """
    out = []
    for role in ("father", "mother"):
        row = _latest([r for r in rows if r.parent == role])
        if row is not None:
            out.append(ParentFacts(situation=row.situation, since=row.valid_from, until=row.valid_to))
    return tuple(out)


def facts_from_snapshot(snapshot: HouseholdSnapshot) -> HouseholdFacts:
    """Return the engine's view of a household snapshot (``registry.selectors.household_as_of``)."""
    members = []
    financial = business = ZERO
    houses = non_residential = 0
    vehicles = []
    expenses = []
    for m in snapshot.members:
        ev = m.evidence
        incomes = tuple(
            IncomeFact(category=INCOME[i.category], monthly_amount=i.monthly_amount) for i in ev.get("income", [])
        )
        disabilities = ev.get("disability", [])
        worst = min(disabilities, key=lambda d: (d.grade, d.pk)) if disabilities else None
        illnesses = ev.get("illness", [])
        capacity = _latest(ev.get("labourcapacity", []))
        self_care = _latest(ev.get("selfcare", []))
        school = _latest(ev.get("schooling", []))
        care = _latest(ev.get("careneed", []))
        supporters = _latest(ev.get("legalsupporter", []))
        setting = _latest(ev.get("caresetting", []))
        excluded = _latest(ev.get("exclusion", []))
        choice = _latest(ev.get("childbenefitchoice", []))
        expenses.extend(ExpenseFact(category=e.category, amount=e.amount_12m) for e in ev.get("rigidexpense", []))
        members.append(
            MemberFacts(
                person_id=str(m.person.pk),
                name=m.person.name,
                birth_date=m.person.birth_date,
                relation=RELATION.get(m.relation, "other"),
                incomes=incomes,
                disability=DisabilityFact(category=worst.category, grade=worst.grade) if worst else None,
                disability_costs_monthly=worst.monthly_costs if worst else ZERO,
                serious_illness=any(i.serious for i in illnesses),
                chronic_medication=any(i.chronic_medication for i in illnesses),
                medical_costs_monthly=sum((i.monthly_self_paid for i in illnesses), ZERO),
                labour_capacity=capacity.level if capacity else "full",
                self_care_unable=self_care.unable_count if self_care else None,
                schooling=SCHOOLING.get(school.stage, "none") if school and school.full_time else "none",
                needs_long_term_care=bool(care and care.needs_long_term_care),
                parents=_parents(ev.get("parentsituation", [])),
                # Not recorded: the engine says the supporters' situation is missing (no 特困).
                has_capable_supporter=None if supporters is None else supporters.situation == "capable",
                residence=setting.setting if setting else "home",
                exclusion=excluded.reason if excluded else None,
                job_refusals=len(ev.get("jobrefusal", [])),
                other_benefits=tuple(
                    OtherBenefitFact(kind=b.benefit, monthly_amount=b.monthly_amount)
                    for b in ev.get("otherbenefit", [])
                ),
                child_benefit_choice=choice.choice if choice else "auto",
            )
        )
        for asset in ev.get("asset", []):
            if asset.exempt and asset.kind_of_asset != "vehicle":
                continue
            if asset.kind_of_asset in FINANCIAL:
                financial += asset.value
            elif asset.kind_of_asset == "business_share":
                business += asset.value
            elif asset.kind_of_asset == "real_estate":
                houses += asset.quantity
            elif asset.kind_of_asset == "non_residential":
                non_residential += asset.quantity
            elif asset.kind_of_asset == "vehicle":
                kind = "disability_vehicle" if asset.exempt else "car"
                vehicles.extend(VehicleFact(kind=kind, value=asset.value) for _ in range(asset.quantity))
    return HouseholdFacts(
        as_of=snapshot.on,
        area_type=snapshot.household.area_type,
        members=tuple(members),
        household_id=str(snapshot.household.pk),
        financial_assets=financial,
        vehicles=tuple(vehicles),
        houses=houses,
        non_residential_properties=non_residential,
        business_capital=business,
        rigid_expenses_12m=tuple(expenses),
    )
