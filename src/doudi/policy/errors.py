"""Error codes of the policy app."""

from enum import StrEnum


class PolicyErrorCode(StrEnum):
    INVALID_DOCUMENT = "invalid_policy"
    NOT_DRAFT = "not_draft"
    NO_POLICY = "no_policy"
    REGION_MISMATCH = "region_mismatch"
    UNKNOWN_REGION = "unknown_region"
