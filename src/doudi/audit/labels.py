"""Chinese names of the audit trail's actions: kept as an import path; the map is ``doudi.core.labels``."""

from __future__ import annotations

from doudi.core.labels import BASE_ACTIONS, action_choices, action_label

__all__ = ["BASE_ACTIONS", "action_choices", "action_label"]
