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
