"""Masking of personal identifiers in lists and exports.

Lists never show a full ID number, phone or bank account; the full value is only on the
record page, and opening it is logged (see ``doudi.audit.services.log_record_access``).
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Keep the region code's first 3 and the last 4 characters: 430***********123X."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Keep the first 3 and last 4 digits: 138****5678."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_account(value: str | None) -> str:
    """Keep only the last 4 digits, as banks do on statements."""
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_name(value: str | None) -> str:
    """Keep the family name: 张** (used on public notices, not in staff lists)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


# Fields that hold an identifier, by name, with their masker. A 残疾人证号 is the holder's ID number
# followed by the category and grade digits, so it is masked as an ID number is.
MASKED_FIELDS = {
    "id_number": mask_id_number,
    "card_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
}


def mask_field(name: str, value):
    """Return ``value`` masked when field ``name`` holds an identifier, unchanged otherwise."""
    masker = MASKED_FIELDS.get(name)
    return masker(value) if masker and value else value
