"""API plumbing shared by every app: one handler turns every error into {code, message, extra}."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from doudi.core.errors import CoreErrorCode, DomainError

_STATUS = {
    CoreErrorCode.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    CoreErrorCode.PERMISSION_DENIED: status.HTTP_403_FORBIDDEN,
    CoreErrorCode.CONFLICT: status.HTTP_409_CONFLICT,
}


def exception_handler(exc, context):
    """Return ``{"code", "message", "extra"}`` for domain and framework errors alike."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": "invalid", "message": "提交的数据有误。", "extra": response.data}
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.data = {"code": "not_authenticated", "message": "请先登录。", "extra": {}}
    elif isinstance(exc, exceptions.PermissionDenied):
        response.data = {"code": "permission_denied", "message": "您无权执行此操作。", "extra": {}}
    elif isinstance(exc, exceptions.NotFound):
        response.data = {"code": "not_found", "message": "记录不存在或不在您的管辖范围内。", "extra": {}}
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = {"code": getattr(exc, "default_code", "error"), "message": str(detail), "extra": {}}
    return response
