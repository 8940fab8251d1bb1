"""Template helpers of the case pages: capability checks, programme names, the home-page to-do box."""

from __future__ import annotations

from django import template

from doudi.core import labels

register = template.Library()


@register.filter
def can(user, capability: str) -> bool:
    """Return whether ``user``'s role has ``capability`` (``{% if user|can:"accept_application" %}``)."""
    return bool(getattr(user, "is_authenticated", False)) and user.can(capability)


@register.filter
def programme_label(code: str) -> str:
    return labels.programme_label(code)


@register.inclusion_tag("cases/_todo_summary.html", takes_context=True)
def todo_summary(context):
    """Show the user's to-do counts by step and the overdue count (on the home page)."""
    from doudi.cases.selectors import inbox
    from doudi.cases.views.inbox import step_label

    user = context["request"].user
    box = inbox(actor=user)
    counts = [(name, step_label(name), n) for name, n in box.counts.items()]
    return {"box": box, "counts": counts, "total": box.total + len(box.reviews)}


@register.filter
def case_status(value: str) -> str:
    """Return the Chinese name of a case status code."""
    from doudi.cases.workflow import CaseStatus

    return CaseStatus(value).label if value in CaseStatus.values else value
