"""The one place that decides which regions' data a user may see or change.

Every selector, page, API view, export and admin screen filters through ``scope_filter`` or
checks a single object with ``check_in_scope``. A user's scope is the subtree of the user's
region, found by the code prefix (see ``doudi.regions.models``); a user with no region, or an
inactive user, has an empty scope.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from doudi.accounts.roles import Capability
from doudi.core.errors import NotFound, PermissionDenied
from doudi.regions.models import PREFIX_LENGTH, Level, prefix_of

M = TypeVar("M", bound=Model)

NO_SCOPE = "no-scope"  # region codes are digits: nothing starts with it (and PostgreSQL text takes no NUL)


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


def sees_unknown_login_names(user) -> bool:
    """Return whether the user may see login attempts on user names that match no user.

    Such a name belongs to no region (a typo, a guess, sometimes a password typed into the
    wrong box), so no region's administrator owns it: only an administrator (``manage_users``)
    of a whole province, the root of the region tree, sees those. A superuser flag adds
    nothing, as everywhere in doudi's admin.
    """
    prefix = scope_prefix(user)
    return prefix != NO_SCOPE and len(prefix) == PREFIX_LENGTH[Level.PROVINCE] and user.can(Capability.MANAGE_USERS)


def login_name_scope_filter(user, queryset: QuerySet[M], name_path: str = "username") -> QuerySet[M]:
    """Return only the rows about login names the user may see (django-axes's attempts and logs).

    A row is about the user whose user name it holds: it is in scope when that user's region
    lies in the user's subtree. Rows on names that match no user (or on no name) are shown
    only to those for whom ``sees_unknown_login_names`` is true. Names compare exactly, as
    the login does.
    """
    from doudi.accounts.models import User  # the models module imports the roles, not this one

    prefix = scope_prefix(user)
    if prefix == NO_SCOPE:
        return queryset.none()
    names_in_scope = User.objects.filter(region__code__startswith=prefix).values("username")
    condition = Q(**{f"{name_path}__in": names_in_scope})
    if sees_unknown_login_names(user):
        condition |= ~Q(**{f"{name_path}__in": User.objects.values("username")})
        condition |= Q(**{f"{name_path}__isnull": True})
    return queryset.filter(condition)
