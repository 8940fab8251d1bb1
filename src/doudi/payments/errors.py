"""Error codes of payments; every message is the Chinese sentence the county worker reads."""

from __future__ import annotations

from enum import StrEnum

from doudi.core.errors import DomainError


class PaymentErrorCode(StrEnum):
    INVALID = "payment_invalid"
    LOCKED = "payroll_locked"
    WRONG_STATUS = "payroll_wrong_status"
    SAME_PERSON = "maker_cannot_approve"
    OPEN_FINDINGS = "open_findings"
    STALE = "payroll_stale"


class PaymentError(DomainError):
    pass


def locked(payroll) -> PaymentError:
    return PaymentError(
        PaymentErrorCode.LOCKED,
        f"{payroll}发放名册已审批锁定，不能修改；更正请在下月发放名册中作调整。",
    )
