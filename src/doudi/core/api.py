"""API plumbing shared by every app: one handler turns every error into {code, message, extra}.

That includes the unexpected ones (a JSON 500) and, through ``not_found_handler``, unknown URLs under
/api/ (a JSON 404): an API client never has to parse an HTML page.
"""

from __future__ import annotations

import logging

from django.core.signals import got_request_exception
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from doudi.core.errors import CoreErrorCode, DomainError

_STATUS = {
    CoreErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    CoreErrorCode.PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    CoreErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
}

logger = logging.getLogger("doudi.api")

SERVER_ERROR_MESSAGE = "服务器内部错误，请稍后重试；如果问题持续，请联系系统管理员。"


def exception_handler(exc, context):
    """Return ``{"code", "message", "extra"}`` for domain and framework errors alike."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST))
    response = drf_exception_handler(exc, context)
    if response is None:
        return server_error_response(exc, context)
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "message": "提交的数据有误。", "extra": response.data}
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # A refused API token says why (expired, revoked …) so that its client knows what to do.
        message = str(exc.detail) if getattr(exc, "explains_refusal", False) else "请先登录。"
        response.data = {"code": "not_authenticated", "message": message, "extra": {}}
    elif isinstance(exc, exceptions.PermissionDenied):
        response.data = {"code": "permission_denied", "message": "您无权执行此操作。", "extra": {}}
    elif isinstance(exc, exceptions.NotFound):
        response.data = {"code": "not_found", "message": "记录不存在或不在您的管辖范围内。", "extra": {}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"code": getattr(exc, "default_code", "error"), "message": str(detail), "extra": {}}
    return response


def server_error_response(exc: Exception, context) -> Response:
    """Return a JSON 500 for an exception no handler knows, after logging it with its traceback.

    An API client reads JSON, never Django's HTML error page; and as with Django's own 500s the
    traceback goes to the log (logger ``doudi.api``) and ``got_request_exception`` is sent, so
    error reporters and the test client still see the exception. The answer names nothing of it.
    """
    request = context.get("request")
    path = getattr(request, "path", "?")
    logger.error("接口内部错误：%s %s", getattr(request, "method", "?"), path, exc_info=exc)
    set_rollback()
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return Response(
        {"code": "server_error", "message": SERVER_ERROR_MESSAGE, "extra": {}},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found_handler(request, exception=None):
    """Answer an unknown URL: JSON under /api/, the 404 page elsewhere (``handler404``).

    Django calls this only with DEBUG off; the demo (DEBUG on) shows its debug page instead.
    ``CommonMiddleware`` still turns the answer into a redirect when the URL lacks only its
    final slash.
    """
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse(
        {"code": "not_found", "message": f"接口不存在：{request.path[:200]}，请查看接口文档 /api/docs/。", "extra": {}},
        status=status.HTTP_404_NOT_FOUND,
        json_dumps_params={"ensure_ascii": False},
    )


def server_error_handler(request):
    """Answer an error raised outside the API views (middleware, URL resolution): JSON under /api/."""
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse(
        {"code": "server_error", "message": SERVER_ERROR_MESSAGE, "extra": {}},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        json_dumps_params={"ensure_ascii": False},
    )


class ApiPagination(PageNumberPagination):
    """50 a page (``page_size`` up to 200); a bad ``page`` is a 400 naming the field, not a 404.

    DRF answers ``page=abc``, ``page=-1`` or a page past the last with 404 "Invalid page.", which
    the handler would show as "记录不存在…": the client asked for a page that cannot exist, which
    is bad input, and the message says which pages do.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view=view)
        except exceptions.NotFound:
            pages = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            value = request.query_params.get(self.page_query_param, "")[:20]
            raise DomainError(
                CoreErrorCode.INVALID,
                f"页码：“{value}”无效，应为 1 至 {pages} 之间的整数。",
                {"field": self.page_query_param, "pages": pages},
            ) from None


def validated(serializer_class, data, **kwargs) -> dict:
    """Return the serializer's validated data, or raise ``DomainError("invalid")`` naming the field.

    DRF's own messages ("该字段是必填项。") do not say which field they are about; the API's
    answer should read like the domain's: "出生日期：日期格式错误……", with the field's path in
    ``extra["field"]`` and every error in ``extra["errors"]``.
    """
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return serializer.validated_data
    path, labels, message = _first_error(serializer, serializer.errors)
    raise DomainError(
        CoreErrorCode.INVALID,
        f"{'·'.join(labels)}：{message}" if labels else str(message),
        {"field": ".".join(path), "errors": serializer.errors},
    )


def _first_error(field, errors, path=(), labels=()) -> tuple[list[str], list[str], str]:
    """Walk nested serializer errors to the first message, collecting field names and labels."""
    if isinstance(errors, list) and errors and not isinstance(errors[0], str):
        # A many=True serializer: one entry per item, empty for the items without errors.
        index = next(i for i, e in enumerate(errors) if e)
        return _step(getattr(field, "child", None), errors[index], path, labels, str(index))
    if isinstance(errors, dict):
        name, error = next(iter(errors.items()))
        fields = getattr(field, "fields", None)
        if fields is None:  # a ListField's errors are keyed by index, a DictField's by key
            return _step(getattr(field, "child", None), error, path, labels, str(name))
        if name == "non_field_errors":
            return _first_error(field, error, path, labels)
        sub = fields.get(name)
        label = str(sub.label) if sub is not None and sub.label else name
        return _first_error(sub, error, (*path, name), (*labels, label))
    if isinstance(errors, list):
        return list(path), list(labels), str(errors[0]) if errors else ""
    return list(path), list(labels), str(errors)


def _step(child, errors, path, labels, key: str):
    label = f"第 {int(key) + 1} 项" if key.isdigit() else key
    return _first_error(child, errors, (*path, key), (*labels, label))
