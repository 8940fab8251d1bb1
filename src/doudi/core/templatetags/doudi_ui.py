"""Template filters of the web pages: masking, audit labels and evidence values."""

from __future__ import annotations

from decimal import Decimal

from django import template

from doudi.audit.labels import action_label as _action_label
from doudi.core import masking

register = template.Library()


@register.filter
def mask_id(value):
    return masking.mask_id_number(value)


@register.filter
def mask_phone(value):
    return masking.mask_phone(value)


@register.filter
def mask_bank(value):
    return masking.mask_bank_account(value)


@register.filter
def action_label(value):
    return _action_label(value)


@register.filter
def change_rows(changes):
    """Return ``[(label, old, new)]`` from an AuditEvent's ``changes``.

    Writers store ``{field: {"label", "old", "new"}}``; rows written before that rule (or by a
    command that stored plain values, ``{"households": 3000}``) are shown as a new value under the
    field's name rather than breaking the whole audit page.
    """
    if not isinstance(changes, dict):
        return []
    rows = []
    for name, change in changes.items():
        if isinstance(change, dict):
            rows.append((change.get("label") or name, change.get("old", ""), change.get("new", "")))
        else:
            rows.append((name, "", change))
    return [(label, old, new) for label, old, new in rows if old not in (None, "") or new not in (None, "")]


@register.filter
def has_old_values(rows) -> bool:
    """Return whether any change row had a value before (a creation has none: show only the new values)."""
    return any(old not in (None, "") for _label, old, _new in rows)


def _display(instance, name: str) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


@register.filter
def evidence_values(evidence):
    """Return ``[(label, display)]`` for the fields a user filled in on this piece of evidence."""
    if evidence.kind() == "selfcare":
        unable = [str(evidence._meta.get_field(f).verbose_name) for f in evidence.value_fields if getattr(evidence, f)]
        rows = [("评估结果", f"{evidence.tier_label}（{evidence.unable_count}/6 项不能自理）")]
        if unable:
            rows.append(("不能自理项目", "、".join(unable)))
        return rows
    return [(str(evidence._meta.get_field(f).verbose_name), _display(evidence, f)) for f in evidence.value_fields]


@register.filter
def age(birth_date, on=None):
    """Return the age in whole years on ``on`` (default today)."""
    if not birth_date:
        return ""
    from django.utils import timezone

    today = on or timezone.localdate()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """Return the current query string with ``changes`` applied (for pagers and tabs)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode() if query else "?"
