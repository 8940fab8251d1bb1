"""Pure-Python policy engine for tiered social assistance (no Django, no database).

Typical use::

    from doudi.policy.engine import assess, facts_from_dict, load_document, resolve
    policy = resolve([province_doc, city_doc, county_doc], on=date(2025, 3, 1))
    result = assess(facts_from_dict(payload), policy)
    result.to_dict()

Every rule cites a section of ``shared/domain/rules.md``; the policy file format and every
parameter are documented in ``docs/policy-format.md``.
"""

from .cascade import assess
from .documents import (
    PolicyDocument,
    document_from_mapping,
    document_to_dict,
    load_document,
    validate_document,
)
from .errors import EngineError, FactsError, PolicyError
from .explain import Assessment, ProgrammeResult, Step
from .facts import HouseholdFacts, MemberFacts
from .facts_loader import facts_from_dict
from .policy import Policy, resolve

__all__ = [
    "Assessment",
    "EngineError",
    "FactsError",
    "HouseholdFacts",
    "MemberFacts",
    "Policy",
    "PolicyDocument",
    "PolicyError",
    "ProgrammeResult",
    "Step",
    "assess",
    "document_from_mapping",
    "document_to_dict",
    "facts_from_dict",
    "load_document",
    "resolve",
    "validate_document",
]
