"""Helpers shared by the server-rendered pages: domain errors to HTTP answers and to form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404

from doudi.core.errors import DomainError, NotFound
from doudi.core.errors import PermissionDenied as DomainPermissionDenied


def or_404(selector: Callable, /, **kwargs):
    """Call a ``*_get`` selector; "missing" and "not yours" both become the same 404 page."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def http_errors(view):
    """Turn the domain's NotFound into the 404 page and its PermissionDenied into the 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except DomainPermissionDenied as exc:
            raise HttpForbidden(exc.message) from exc

    return wrapper


def require_capability(capability: str, *, reads_allowed: bool = False):
    """Refuse (403) users whose role lacks ``capability``, before anything is looked up.

    The role is checked first, so a refused user learns nothing about which records exist. With
    ``reads_allowed`` only unsafe methods (POST) are refused, for pages every role may read.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not (reads_allowed and request.method in ("GET", "HEAD")) and not request.user.can(capability):
                raise HttpForbidden("您的角色无权执行此操作。")
            return view(request, *args, **kwargs)

        return http_errors(wrapper)

    return decorator


def add_domain_error(form, exc: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Show ``exc.message`` next to the field named in ``exc.extra["field"]``, else above the form."""
    field = (exc.extra or {}).get("field")
    field = (field_map or {}).get(field, field)
    if field in form.fields:
        # add_error removes the field from cleaned_data, which is harmless after a failed write.
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)
