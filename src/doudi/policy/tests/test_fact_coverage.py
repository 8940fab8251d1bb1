"""Every fact the engine reads has a way in: the registry, the worksheet and the import (issue 11).

``RECORDED`` maps each field of the engine's facts (``policy/engine/facts.py``) to where it is
recorded on each road: a registry model field (``kind.field`` for an evidence kind of
``EVIDENCE_MODELS``, ``Model.field`` for a person, membership, household or case field), a
worksheet form field (``household.<field>`` / ``member.<field>``) and an import road: a column key
of the household and persons file (``registry/imports/columns.py``) or ``evidence:<kind>``, a kind of
the evidence file (``registry/imports/caseload_columns.py``). Every reference is checked to exist,
so renaming a field or a column breaks this test instead of silently cutting a fact off.

Two lists say where no road exists:

- ``DERIVED``: facts nobody types because doudi derives them, each with its reason;
- ``NOT_YET``: the roads still missing, each with its reason. A new engine fact fails this test
  until it is mapped; a road that is built fails it until its ``NOT_YET`` entry is removed, so the
  list can only shrink. The facts of issue 11's three programmes have no registry or worksheet gap.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.apps import apps

from doudi.policy.engine.facts import ExpenseFact, HouseholdFacts, MemberFacts, ParentFacts
from doudi.policy.forms import HouseholdWorksheetForm, MemberWorksheetForm
from doudi.registry.imports.caseload_columns import EVIDENCE_TYPES
from doudi.registry.imports.columns import BY_KEY
from doudi.registry.models import EVIDENCE_MODELS

# fact: (registry, worksheet, import column); None where ``NOT_YET`` explains the gap.
RECORDED: dict[str, tuple[str | None, str | None, str | None]] = {
    "MemberFacts.birth_date": ("registry.Person.birth_date", "member.birth_date", "birth_date"),
    "MemberFacts.relation": ("registry.Membership.relation", "member.relation", "relation"),
    "MemberFacts.name": ("registry.Person.name", "member.name", "name"),
    "MemberFacts.incomes": ("income.monthly_amount", "member.wage", "evidence:income"),
    "MemberFacts.disability": ("disability.grade", "member.disability_grade", "evidence:disability"),
    "MemberFacts.serious_illness": ("illness.serious", "member.serious_illness", "evidence:illness"),
    "MemberFacts.chronic_medication": ("illness.chronic_medication", "member.chronic_medication", "evidence:illness"),
    "MemberFacts.labour_capacity": ("labourcapacity.level", "member.labour_capacity", "evidence:labourcapacity"),
    "MemberFacts.self_care_unable": ("selfcare.unable_eat", "member.self_care_unable", "evidence:selfcare"),
    "MemberFacts.schooling": ("schooling.stage", "member.schooling", "evidence:schooling"),
    "MemberFacts.residence": ("caresetting.setting", "member.residence", "evidence:caresetting"),
    "MemberFacts.needs_long_term_care": (
        "careneed.needs_long_term_care",
        "member.needs_long_term_care",
        "evidence:careneed",
    ),
    "MemberFacts.medical_costs_monthly": (
        "illness.monthly_self_paid",
        "member.medical_costs_monthly",
        "evidence:illness",
    ),
    "MemberFacts.disability_costs_monthly": (
        "disability.monthly_costs",
        "member.disability_costs_monthly",
        "evidence:disability",
    ),
    "MemberFacts.job_refusals": ("jobrefusal.offer", "member.job_refusals", "evidence:jobrefusal"),
    "MemberFacts.exclusion": ("exclusion.reason", "member.exclusion", "evidence:exclusion"),
    "MemberFacts.parents": ("parentsituation.situation", "member.father_situation", "evidence:parentsituation"),
    "MemberFacts.has_capable_supporter": (
        "legalsupporter.situation",
        "member.has_capable_supporter",
        "evidence:legalsupporter",
    ),
    "MemberFacts.supporters": (None, None, None),
    "MemberFacts.other_benefits": ("otherbenefit.benefit", "member.other_benefit", "evidence:otherbenefit"),
    "MemberFacts.child_benefit_choice": (
        "childbenefitchoice.choice",
        "member.child_benefit_choice",
        "evidence:childbenefitchoice",
    ),
    "ParentFacts.situation": ("parentsituation.situation", "member.father_situation", "evidence:parentsituation"),
    "ParentFacts.since": ("parentsituation.valid_from", "member.father_since", "evidence:parentsituation"),
    "ParentFacts.until": ("parentsituation.valid_to", "member.father_until", "evidence:parentsituation"),
    "HouseholdFacts.area_type": ("registry.Household.area_type", "household.area_type", "region_code"),
    "HouseholdFacts.financial_assets": ("asset.value", "household.financial_assets", "evidence:asset"),
    "HouseholdFacts.vehicles": ("asset.kind_of_asset", "household.cars", "evidence:asset"),
    "HouseholdFacts.houses": ("asset.quantity", "household.houses", "evidence:asset"),
    "HouseholdFacts.non_residential_properties": (
        "asset.kind_of_asset",
        "household.non_residential_properties",
        "evidence:asset",
    ),
    "HouseholdFacts.business_capital": ("asset.value", "household.business_capital", "evidence:asset"),
    "HouseholdFacts.rigid_expenses_12m": (
        "rigidexpense.amount_12m",
        "household.expense_medical",
        "evidence:rigidexpense",
    ),
    "HouseholdFacts.income_12m": (None, "household.income_12m", None),
    "HouseholdFacts.temporary_need": ("cases.Case.temporary_need", None, None),
    "ExpenseFact.category": ("rigidexpense.category", "household.expense_education", "evidence:rigidexpense"),
    "ExpenseFact.amount": ("rigidexpense.amount_12m", "household.expense_other", "evidence:rigidexpense"),
}

DERIVED = {
    "MemberFacts.person_id": "the registry's person id, or the worksheet's row number",
    "HouseholdFacts.as_of": "the assessment date chosen when assessing, not a fact of the family",
    "HouseholdFacts.household_id": "the registry's household id, or 'worksheet'",
    "HouseholdFacts.members": "the memberships valid on the date; each member's facts are mapped above",
    "HouseholdFacts.current_dibao": "the dibao enrolment, read when a case is assessed (cases/assessing.py)",
}

_NO_IMPORT = "no registry road, so the import (which writes the registry) has none either"
NOT_YET: dict[tuple[str, str], str] = {
    **{
        (fact, "import"): _NO_IMPORT if registry is None else "recorded on its case, not a fact of the registry"
        for fact, (registry, _worksheet, column) in RECORDED.items()
        if column is None
    },
    ("MemberFacts.supporters", "registry"): "each supporter's own means test is not recorded: the township records "
    "its conclusion (legalsupporter), which the engine reads as has_capable_supporter",
    ("MemberFacts.supporters", "worksheet"): "a supporter's means test needs a form of its own",
    ("HouseholdFacts.income_12m", "registry"): "from the registry the 12 months' income is the recorded monthly "
    "incomes × 12 (the engine's default when no total is declared); a declared total is a worksheet override",
    ("HouseholdFacts.temporary_need", "worksheet"): "a temporary need is assessed in its case, not on the worksheet",
}

# The facts whose absence kept 刚性支出, 孤儿/事实无人抚养儿童 and 护理补贴 out of the web (issue 11).
ISSUE_11 = (
    "HouseholdFacts.rigid_expenses_12m",
    "ExpenseFact.category",
    "ExpenseFact.amount",
    "MemberFacts.parents",
    "ParentFacts.situation",
    "ParentFacts.since",
    "ParentFacts.until",
    "MemberFacts.needs_long_term_care",
)

CHANNELS = ("registry", "worksheet", "import")


def engine_facts() -> list[str]:
    """Return ``Class.field`` of every field of the household, member and nested facts the engine reads."""
    classes = (HouseholdFacts, MemberFacts, ParentFacts, ExpenseFact)
    return [f"{cls.__name__}.{f.name}" for cls in classes for f in dataclasses.fields(cls)]


def _registry_ref_exists(ref: str) -> bool:
    parts = ref.split(".")
    if len(parts) == 2:
        kind, field = parts
        model = EVIDENCE_MODELS.get(kind)
        return model is not None and field in (*model.value_fields, "valid_from", "valid_to")
    app, model_name, field = parts
    model = apps.get_model(app, model_name)
    return any(f.name == field for f in model._meta.get_fields())


def _import_ref_exists(ref: str) -> bool:
    """A column of the household and persons file, or ``evidence:<kind>``: a kind of the evidence file."""
    if ref.startswith("evidence:"):
        return ref.removeprefix("evidence:") in EVIDENCE_TYPES.values()
    return ref in BY_KEY


def _worksheet_ref_exists(ref: str) -> bool:
    form, field = ref.split(".")
    return field in {"household": HouseholdWorksheetForm, "member": MemberWorksheetForm}[form].base_fields


def test_every_engine_fact_is_mapped_or_derived():
    facts = engine_facts()
    unmapped = [f for f in facts if f not in RECORDED and f not in DERIVED]
    assert not unmapped, f"engine facts with no way to be recorded and no reason: {unmapped}"
    assert not set(RECORDED) & set(DERIVED)
    assert not (set(RECORDED) | set(DERIVED)) - set(facts), "the mapping names facts the engine no longer has"
    assert all(reason.strip() for reason in DERIVED.values())


@pytest.mark.parametrize("fact", sorted(RECORDED))
def test_each_road_of_a_fact_exists_or_its_gap_is_explained(fact):
    for channel, ref in zip(CHANNELS, RECORDED[fact], strict=True):
        gap = NOT_YET.get((fact, channel))
        if ref is None:
            assert gap, f"{fact} cannot be recorded through the {channel} and no reason is given"
            continue
        assert gap is None, f"{fact} is recorded through the {channel} ({ref}): remove its NOT_YET entry"
        exists = {
            "registry": _registry_ref_exists,
            "worksheet": _worksheet_ref_exists,
            "import": _import_ref_exists,
        }[channel](ref)
        assert exists, f"{fact}: {channel} reference {ref} does not exist"


def test_the_gap_list_names_only_real_facts_and_roads():
    for fact, channel in NOT_YET:
        assert fact in RECORDED and channel in CHANNELS, (fact, channel)


@pytest.mark.parametrize("fact", ISSUE_11)
def test_issue_11_facts_have_a_registry_and_a_worksheet_road(fact):
    registry, worksheet, _column = RECORDED[fact]
    assert registry and worksheet
