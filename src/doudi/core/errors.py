"""The one error type that domain code raises, and how it is shown.

Every app defines its error codes as a ``StrEnum`` so that API clients can rely on stable
machine-readable values, while ``message`` is the Chinese sentence a worker reads: it names
the field (and the row, for imports) and the reason.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class DomainError(Exception):
    """A rule of the domain refused an operation."""

    def __init__(self, code: StrEnum | str, message: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "extra": self.extra}


class CoreErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    INVALID = "invalid"


class NotFound(DomainError):
    """Raised for both "does not exist" and "outside your region", so IDs cannot be probed."""

    def __init__(self, what: str = "记录"):
        super().__init__(CoreErrorCode.NOT_FOUND, f"{what}不存在或不在您的管辖范围内。")


class PermissionDenied(DomainError):
    def __init__(self, message: str = "您的角色无权执行此操作。"):
        super().__init__(CoreErrorCode.PERMISSION_DENIED, message)


class Conflict(DomainError):
    """Someone else changed the record since it was read."""

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试。"):
        super().__init__(CoreErrorCode.CONFLICT, message)
