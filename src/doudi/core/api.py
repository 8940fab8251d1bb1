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
