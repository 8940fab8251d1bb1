"""The enrolment list (保障对象名册) as XLSX: exactly the rows of the search, identifiers masked, the export logged.

Rows are read with ``values_list`` in chunks and streamed into a write-only workbook by
``core.spreadsheets`` (a name typed as a formula stays text). ID numbers and bank accounts are
masked as on the page; every export is logged (``log_record_access``, channel 导出) with the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from doudi.accounts.scope import scope_prefix
from doudi.audit.services import log_record_access
from doudi.cases.models import Enrolment, EnrolmentStatus, Programme
from doudi.core import spreadsheets
from doudi.core.masking import mask_bank_account, mask_id_number

HEADERS = (
    "乡镇（街道）",
    "村/社区",
    "户编号",
    "户主",
    "领取人",
    "公民身份号码",
    "项目",
    "档次/类别",
    "状态",
    "当前月金额（元）",
    "保障人数",
    "起始月份",
    "最后发放月份",
    "下次复核",
    "开户银行",
    "银行账号",
    "发放提醒",
)
_PROGRAMME = {value: str(label) for value, label in Programme.choices}
_STATUS = {value: str(label) for value, label in EnrolmentStatus.choices}
_CHUNK = 2000
MONEY = "#,##0.00"


@dataclass
class EnrolmentExport:
    file: object  # a temporary binary file at its start
    rows: int


def export_enrolments_xlsx(qs: QuerySet[Enrolment], *, actor, detail: str = "") -> EnrolmentExport:
    """Write the enrolments of ``qs`` (a ``selectors.enrolment_search``) to a temporary XLSX file and log it."""
    book = spreadsheets.workbook()
    sheet = book.create_sheet("保障对象名册")
    spreadsheets.header(sheet, HEADERS)
    rows = qs.order_by("region_id", "household__number", "programme", "pk").values_list(
        "region__parent__name",
        "region__name",
        "household__number",
        "household__head_name",
        "person__name",
        "person__id_number",
        "programme",
        "tier",
        "status",
        "monthly_amount",
        "persons",
        "start_month",
        "end_month",
        "next_review",
        "person__bank_name",
        "person__bank_account",
        "payment_warning",
    )
    count = 0
    for (
        township,
        village,
        number,
        head,
        name,
        id_number,
        programme,
        tier,
        status,
        amount,
        persons,
        start,
        end,
        review,
        bank_name,
        account,
        warning,
    ) in rows.iterator(chunk_size=_CHUNK):
        spreadsheets.append(
            sheet,
            [
                township or "",
                village,
                number,
                head,
                name,
                mask_id_number(id_number),
                _PROGRAMME.get(programme, programme),
                tier,
                _STATUS.get(status, status),
                spreadsheets.cell(sheet, amount, number_format=MONEY),
                persons,
                f"{start:%Y-%m}",
                f"{end:%Y-%m}" if end else "",
                f"{review:%Y-%m-%d}" if review else "",
                bank_name,
                mask_bank_account(account),
                warning,
            ],
        )
        count += 1
    handle = spreadsheets.xlsx_file(book)
    log_record_access(
        actor,
        person_id=None,
        household_id=None,
        region_code=scope_prefix(actor).ljust(12, "0")[:12],
        channel="export",
        detail=f"导出保障对象名册 {count} 条（证件号码、银行账号已遮蔽）。{detail}"[:200],
    )
    return EnrolmentExport(file=handle, rows=count)
