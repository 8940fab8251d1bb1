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
    # The ID number belongs to a person with no active household: offer 迁入 (join) instead.
    WITHOUT_HOUSEHOLD = "person_without_household"
    PERSON_NOT_FOUND = "person_not_found"
    MOVE_INVALID = "move_invalid"


# What a user learns of an ID number registered outside their region: that it is registered and how
# to proceed, never where, in which household or under whose name (a message says only what its
# reader may see, as "not found" and "not yours" give the same answer).
REGISTERED_OUTSIDE_SCOPE = (
    "公民身份号码：该人员已在您管辖范围以外登记，同一人只能属于一个在册家庭。"
    "如需在本地登记，请联系县级民政部门，由原登记地在原家庭办理“迁出”后协调迁入。"
)

# An ID number registered to a person who now belongs to no household (moved out, married out): the
# person may join a household of any region (迁入). The message says that and nothing more: not the
# registered name, not where the person lived before (the form shows only what the user typed).
WITHOUT_HOUSEHOLD_MESSAGE = (
    "公民身份号码：该人员已有登记记录，目前不属于任何在册家庭。请办理“迁入本户”，原有记录和家庭成员历史将保留。"
)
