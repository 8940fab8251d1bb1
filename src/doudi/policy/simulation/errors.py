"""Error codes of the simulation."""

from enum import StrEnum


class SimulationErrorCode(StrEnum):
    INVALID_OVERRIDE = "invalid_override"
    INVALID_SCENARIO = "invalid_scenario"
    NOT_A_DRAFT = "not_a_draft"
    DRAFT_NOT_APPLICABLE = "draft_not_applicable"
    INVALID_REGION = "invalid_region"
    NO_POLICY = "no_policy"
    RUN_NOT_FOUND = "run_not_found"
