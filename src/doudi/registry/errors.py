"""Error codes of the registry; messages are Chinese and name the field and the reason."""

from enum import StrEnum


class RegistryErrorCode(StrEnum):
    ID_INVALID = "id_number_invalid"
    ID_MISMATCH = "id_number_mismatch"
    DUPLICATE_PERSON = "duplicate_person"
    ALREADY_IN_HOUSEHOLD = "already_in_household"
    HEAD_REQUIRED = "head_required"
    HEAD_EXISTS = "head_exists"
    REGION_INVALID = "region_invalid"
    FIELD_INVALID = "field_invalid"
    EVIDENCE_INVALID = "evidence_invalid"
