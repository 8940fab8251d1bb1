"""Reads of the accounts app: a user's own API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from doudi.accounts.models import ApiToken
from doudi.core.errors import NotFound

# Ended tokens (expired or revoked) stay in the list this long, then only the audit log has them.
ENDED_SHOWN_FOR = timedelta(days=30)


def _own_tokens(actor) -> QuerySet[ApiToken]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user_id=actor.pk).select_related("user").order_by("-created_at", "-id")


def api_token_list(*, actor) -> QuerySet[ApiToken]:
    """Return the actor's own tokens, newest first: valid ones and those ended in the last 30 days.

    A script that obtains a new token every night under the same name revokes one a day; the
    list stays short while the audit log keeps the whole story.
    """
    cutoff = timezone.now() - ENDED_SHOWN_FOR
    recent = Q(revoked_at__isnull=True, expires_at__gte=cutoff) | Q(revoked_at__gte=cutoff)
    return _own_tokens(actor).filter(recent)


def api_token_get(*, actor, id: int) -> ApiToken:
    """Return one of the actor's own tokens; another user's token is "not found", like a missing one."""
    token = _own_tokens(actor).filter(pk=id).first()
    if token is None:
        raise NotFound("令牌")
    return token
