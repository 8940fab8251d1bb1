"""The one place that decides which regions' data a user may see or change.

Every selector, page, API view, export and admin screen filters through ``scope_filter`` or
checks a single object with ``check_in_scope``. A user's scope is the subtree of the user's
region, found by the code prefix (see ``doudi.regions.models``); a user with no region, or an
inactive user, has an empty scope.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

from doudi.core.errors import NotFound, PermissionDenied
from doudi.regions.models import prefix_of

M = TypeVar("M", bound=Model)

NO_SCOPE = "\x00no-scope"


def scope_prefix(user) -> str:
    """Return the code prefix of the user's subtree, or a value no code starts with."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    region_id = getattr(user, "region_id", None)
    if not region_id:
        return NO_SCOPE
    return prefix_of(region_id)


def scope_filter(user, queryset: QuerySet[M], code_path: str = "region__code") -> QuerySet[M]:
    """Return only the rows of ``queryset`` whose region code lies in the user's subtree.

    ``code_path`` is the lookup path to a 12-digit region code: ``region__code`` for a foreign
    key (Django reads the key column itself, no join), ``code`` for regions, ``region_code``
    for the audit tables.
    """
    prefix = scope_prefix(user)
    if prefix == NO_SCOPE:
        return queryset.none()
    return queryset.filter(**{f"{code_path}__startswith": prefix})


def region_in_scope(user, region_code: str | None) -> bool:
    prefix = scope_prefix(user)
    return bool(region_code) and prefix != NO_SCOPE and region_code.startswith(prefix)


def check_in_scope(user, region_code: str | None, what: str = "记录") -> None:
    """Raise NotFound (not "forbidden": IDs must not be probeable) when outside the user's subtree."""
    if not region_in_scope(user, region_code):
        raise NotFound(what)


def check_capability(user, capability: str, message: str | None = None) -> None:
    if user is None or not user.can(capability):
        raise PermissionDenied(message or "您的角色无权执行此操作。")
