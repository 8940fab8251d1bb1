"""Writing the audit trail. Callers write inside their own transaction, so a change and its
audit row commit or roll back together."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.labels import yes_no
from doudi.core.masking import MASKED_FIELDS

# Identifiers are never copied into the trail in full: the trail is readable by auditors.
_MASKERS = MASKED_FIELDS


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, bool):  # the trail is read by people: 是/否, never True/False
        return yes_no(value)
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def diff_fields(instance: models.Model, old: dict[str, Any], fields: Iterable[str]) -> dict[str, dict]:
    """Return ``{field: {label, old, new}}`` for the fields whose value changed."""
    changes = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = field.attname
        new = getattr(instance, attname)
        before = old.get(attname)
        if before == new:
            continue
        masker = _MASKERS.get(name)
        display_old, display_new = _plain(before), _plain(new)
        if field.choices:
            choices = dict(field.flatchoices)
            display_old = str(choices.get(before, display_old)) if before not in (None, "") else ""
            display_new = str(choices.get(new, display_new)) if new not in (None, "") else ""
        if masker:
            display_old, display_new = masker(before), masker(new)
        changes[name] = {"label": str(field.verbose_name), "old": display_old, "new": display_new}
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {instance._meta.get_field(f).attname: getattr(instance, instance._meta.get_field(f).attname) for f in fields}


def record_event(
    actor,
    *,
    action: str,
    target: models.Model,
    household_id: int | None,
    region_code: str,
    changes: dict | None = None,
    reason: str = "",
    label: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_label=(label or str(target))[:120],
        household_id=household_id,
        region_code=region_code or "",
        changes=changes or {},
        reason=reason[:200],
    )


def log_record_access(
    actor, *, person_id: int | None, household_id: int | None, region_code: str, channel: str, detail: str = ""
) -> None:
    """Record that ``actor`` saw full identifiers of a person or household."""
    RecordAccess.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        person_id=person_id,
        household_id=household_id,
        region_code=region_code or "",
        channel=channel,
        detail=detail[:200],
    )
