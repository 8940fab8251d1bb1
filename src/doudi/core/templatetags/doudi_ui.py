"""Template filters of the web pages: masking, the label map of ``doudi.core.labels`` and evidence values."""

from __future__ import annotations

from decimal import Decimal

from django import template

from doudi.core import labels, masking

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
    return labels.action_label(value)


@register.filter
def programme_label(value):
    return labels.programme_label(value)


@register.filter
def policy_value(value, choice_labels=None):
    return labels.policy_value(value, choice_labels)


@register.filter
def rule_section(value):
    """``§1.7 [L S35]`` → ``§1.7``: the section of the national rules; the source ids are for the rules file."""
    return labels.rule_section(value)


@register.filter
def yes_no(value):
    return labels.yes_no(value)


@register.filter
def money(value):
    """``{{ amount|money }}`` → ``1,234.50``."""
    return labels.money(value)


@register.filter
def percent(value):
    """``{{ ratio|percent }}`` → ``20%``."""
    return labels.percent(value)


# Names of the changes some writers store as plain values (a monitoring run, a department file's batch,
# the demo data, an alert's assignment): shown in Chinese rather than as ``opened：0``.
PLAIN_CHANGE_LABELS = {
    "on": "监测日期",
    "opened": "新开预警",
    "closed": "自动关闭",
    "unchanged": "维持不变",
    "rows": "行数",
    "good": "合格行数",
    "bad": "问题行数",
    "households": "户数",
    "assigned_to": "分派给",
}


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
        elif isinstance(change, list | tuple) and len(change) == 2:  # [old, new], e.g. an alert's assignment
            rows.append((PLAIN_CHANGE_LABELS.get(name, name), change[0] or "", change[1] or ""))
        else:
            rows.append((PLAIN_CHANGE_LABELS.get(name, name), "", change))
    return [
        (label, _shown(old), _shown(new)) for label, old, new in rows if old not in (None, "") or new not in (None, "")
    ]


def _shown(value):
    """A stored change value as read: booleans (written before the trail stored 是/否) as 是/否."""
    return labels.yes_no(value) if isinstance(value, bool) else value


@register.filter
def has_old_values(rows) -> bool:
    """Return whether any change row had a value before (a creation has none: show only the new values)."""
    return any(old not in (None, "") for _label, old, _new in rows)


def _display(instance, name: str, *, full: bool = False) -> str:
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value in (None, ""):
        return "—"
    if not full:
        value = masking.mask_field(name, value)
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    if isinstance(value, bool):
        return labels.yes_no(value)
    if isinstance(value, Decimal):
        return labels.money(value)
    return str(value)


@register.filter
def evidence_values(evidence, full=False):
    """Return ``[(label, display)]`` for the fields a user filled in on this piece of evidence.

    Identifiers (a 残疾人证号 contains the ID number) are masked unless ``full``: the page shows them in
    full only where it shows the ID number in full, after logging the access.
    """
    if evidence.kind() == "selfcare":
        unable = [str(evidence._meta.get_field(f).verbose_name) for f in evidence.value_fields if getattr(evidence, f)]
        rows = [("评估结果", f"{evidence.tier_label}（{evidence.unable_count}/6 项不能自理）")]
        if unable:
            rows.append(("不能自理项目", "、".join(unable)))
        return rows
    return [
        (str(evidence._meta.get_field(f).verbose_name), _display(evidence, f, full=bool(full)))
        for f in evidence.value_fields
    ]


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
