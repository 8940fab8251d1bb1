"""Template filters of the statistics pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def figure(value) -> str:
    """A count or a figure with thousands separators whatever the language's grouping (``12,345``,
    ``1,234.5``); the decimals the value has are kept. ``humanize.intcomma`` follows the Chinese locale,
    which does not group."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
