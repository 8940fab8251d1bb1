"""Template filters for assessment results: Chinese status labels and members' names."""

from django import template

from doudi.policy.engine.parameters import HOUSEHOLD_STATUS_LABELS

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    """Return the Chinese name of a cascade status (低保, 特困 …)."""
    return HOUSEHOLD_STATUS_LABELS.get(status, "不属于低收入家庭" if status == "none" else status)


@register.filter
def member_name(person_id: str, names: dict | None) -> str:
    """Return the member's name for a person id, or the id itself."""
    return (names or {}).get(str(person_id), person_id)
