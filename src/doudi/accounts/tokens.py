"""API tokens: one DRF token per user, issued after a password check that django-axes throttles."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from rest_framework.authtoken.models import Token


@transaction.atomic
def do_issue_api_token(user, *, request) -> Token:
    """Return the user's API token, creating it on first use, and record the login.

    The same token is returned to every client of the user, so logging in from a script does not
    sign out another; ``do_revoke_api_token`` ends them all. ``request`` is the Django request
    whose password check succeeded: ``user_logged_in`` is sent as a page login sends it, so
    ``last_login`` is updated and django-axes clears the user's earlier failures.
    """
    token, _ = Token.objects.get_or_create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token


@transaction.atomic
def do_revoke_api_token(user) -> None:
    """Delete the user's API token; the next call with it is refused (401)."""
    Token.objects.filter(user=user).delete()
