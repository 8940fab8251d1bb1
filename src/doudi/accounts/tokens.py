"""API tokens: one DRF token per user, issued after a password check that django-axes throttles."""

from __future__ import annotations

from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def do_issue_api_token(user) -> Token:
    """Return the user's API token, creating it on first use.

    The same token is returned to every client of the user, so logging in from a script does not
    sign out another; ``do_revoke_api_token`` ends them all.
    """
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def do_revoke_api_token(user) -> None:
    """Delete the user's API token; the next call with it is refused (401)."""
    Token.objects.filter(user=user).delete()
