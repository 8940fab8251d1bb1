"""Printing the register: the document for the actor's villages, identifiers always masked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from django.db import transaction

from doudi.audit.services import record_event
from doudi.core.errors import DomainError
from doudi.payments.models import Payroll
from doudi.payments.register.documents import register_pdf, register_xlsx
from doudi.payments.register.selectors import register_lines, register_rows

# A PDF of a whole county is thousands of pages: printed village by village.
PDF_MAX_PAYEES = 3000


@dataclass
class Printed:
    content: bytes | None
    handle: IO[bytes] | None
    file_name: str
    content_type: str


@transaction.atomic
def do_print_register(actor, payroll: Payroll, *, village: str | None, fmt: str, channel: str = "export") -> Printed:
    """Return the register of ``payroll`` (one village or all the actor's villages) as PDF or XLSX.

    The register is signed in the village, in front of everyone on it: ID numbers and bank
    accounts are masked whatever the actor's role (even one allowed unmasked exports), so no
    access to full identifiers is logged (``channel``, page or API, is kept for the callers).
    Raises ``NotFound`` for a village outside the scope and ``DomainError`` for a PDF too large
    to print at once.
    """
    lines = register_lines(actor, payroll, village)
    where = "全部村（社区）"
    if village:
        from doudi.regions.models import Region

        where = Region.objects.filter(pk=village).values_list("name", flat=True).first() or village
    name = f"发放名册_{payroll.region.name}_{payroll.month:%Y%m}_{payroll.get_programme_display()}"
    if village:
        name += f"_{village}"
    if fmt == "pdf":
        payees = lines.values("person_id").distinct().count()
        if payees > PDF_MAX_PAYEES:
            raise DomainError(
                "register_too_large",
                f"发放名册共 {payees:,} 人，超过一次打印上限 {PDF_MAX_PAYEES:,} 人：请按村（社区）打印，或下载 XLSX。",
            )
        printed = Printed(
            register_pdf(payroll, register_rows(actor, payroll, village), masked=True),
            None,
            name + ".pdf",
            "application/pdf",
        )
    else:
        printed = Printed(
            None,
            register_xlsx(payroll, register_rows(actor, payroll, village)),
            name + ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    record_event(
        actor,
        action="print_payroll_register",
        target=payroll,
        household_id=None,
        region_code=village or payroll.region_id,
        changes={
            "format": {"label": "格式", "old": "", "new": fmt.upper()},
            "where": {"label": "范围", "old": "", "new": where},
        },
        label=f"{payroll.region.name} {payroll}",
    )
    return printed
