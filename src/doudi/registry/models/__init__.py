"""The social registry: households, persons, membership history and dated evidence."""

from doudi.registry.imports.models import ImportBatch, ImportRow  # noqa: F401  (staging tables of batch imports)
from doudi.registry.models.evidence import (
    EVIDENCE_MODELS,
    Asset,
    AssetKind,
    Disability,
    DisabilityCategory,
    Evidence,
    EvidenceSource,
    Illness,
    Income,
    IncomeCategory,
    LabourCapacity,
    LabourCapacityLevel,
    Schooling,
    SchoolStage,
    SelfCare,
)
from doudi.registry.models.household import (
    Gender,
    Household,
    HouseholdStatus,
    Membership,
    Person,
    Relation,
)

__all__ = [
    "EVIDENCE_MODELS",
    "Asset",
    "AssetKind",
    "Disability",
    "DisabilityCategory",
    "Evidence",
    "EvidenceSource",
    "Gender",
    "Household",
    "HouseholdStatus",
    "Illness",
    "Income",
    "IncomeCategory",
    "LabourCapacity",
    "LabourCapacityLevel",
    "Membership",
    "Person",
    "Relation",
    "SchoolStage",
    "Schooling",
    "SelfCare",
]
