"""Export of a household search to XLSX: one row per person, identifiers masked unless the user may see more.

The households are exactly those of ``selectors.household_list`` with the same filters, so an export
never contains a row the user could not find on the page. Rows are read in chunks and written in
openpyxl's write-only mode to a temporary file, so 100,000 persons do not need 100,000 objects in
memory; ``core.spreadsheets`` writes them, so a name or address typed as a formula stays text. Full
ID numbers, phones and bank accounts are written only for a user with the capability
``export_unmasked`` who asks for them, and every person so exported is logged as a record access.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, scope_prefix
from doudi.audit.models import RecordAccess
from doudi.audit.services import log_record_access
from doudi.core import spreadsheets
from doudi.core.masking import mask_bank_account, mask_id_number, mask_phone
from doudi.registry.models import Gender, HouseholdStatus, Person, Relation
from doudi.registry.selectors import household_list

HEADERS = (
    "户编号",
    "村/社区区划代码",
    "所在村/社区",
    "家庭地址",
    "家庭状态",
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "与户主关系",
    "户籍地区划代码",
    "户籍性质",
    "手机号",
    "开户银行",
    "银行账号",
)
_RELATION = {value: str(label) for value, label in Relation.choices}
_GENDER = {value: str(label) for value, label in Gender.choices}
_STATUS = {value: str(label) for value, label in HouseholdStatus.choices}
_AREA = {"urban": "城镇", "rural": "农村"}
_CHUNK = 2000


@dataclass
class ExportResult:
    file: object  # a temporary binary file positioned at its start
    persons: int
    unmasked: bool


def export_persons(
    *,
    actor,
    q: str = "",
    region_code: str = "",
    status: str = "active",
    unmasked: bool = False,
    programme: str = "",
    benefit: str = "",
):
    """Return the persons of the actor's households matching the search, in household order, as value tuples."""
    households = household_list(
        actor=actor, q=q, region_code=region_code, status=status, programme=programme, benefit=benefit
    )
    head_first = Case(When(relation=Relation.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Person.objects.filter(household__in=households.values("pk"))
        .annotate(head_first=head_first)
        .order_by("household__region_id", "household__number", "head_first", "birth_date", "id")
        .values_list(
            "id",
            "household_id",
            "household__number",
            "household__region_id",
            "household__region__name",
            "household__address",
            "household__status",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "relation",
            "hukou_region_id",
            "hukou_type",
            "phone",
            "bank_name",
            "bank_account",
        )
    )


def export_households_xlsx(
    *,
    actor,
    q: str = "",
    region_code: str = "",
    status: str = "active",
    unmasked: bool = False,
    detail: str = "",
    programme: str = "",
    benefit: str = "",
) -> ExportResult:
    """Write the search result to a temporary XLSX file; refuse ``unmasked`` without ``export_unmasked``.

    Raises ``PermissionDenied`` when ``unmasked`` is asked by a user without the capability.
    """
    if unmasked:
        check_capability(actor, Capability.EXPORT_UNMASKED, "您的角色无权导出完整的证件号码、手机号和银行账号。")
    book = spreadsheets.workbook()
    sheet = book.create_sheet("家庭成员")
    spreadsheets.header(sheet, HEADERS)
    show_id, show_phone, show_account = (str, str, str) if unmasked else (mask_id_number, mask_phone, mask_bank_account)
    accessed: list[tuple[int, int, str]] = []
    count = 0
    rows = export_persons(
        actor=actor, q=q, region_code=region_code, status=status, programme=programme, benefit=benefit
    )
    for (
        person_id,
        household_id,
        number,
        region,
        region_name,
        address,
        household_status,
        name,
        id_number,
        gender,
        birth_date,
        relation,
        hukou_region,
        hukou_type,
        phone,
        bank_name,
        bank_account,
    ) in rows.iterator(chunk_size=_CHUNK):
        spreadsheets.append(
            sheet,
            [
                number,
                region,
                region_name,
                address,
                _STATUS.get(household_status, household_status),
                name,
                show_id(id_number),
                _GENDER.get(gender, gender),
                birth_date,
                _RELATION.get(relation, relation),
                hukou_region or "",
                _AREA.get(hukou_type, hukou_type),
                show_phone(phone),
                bank_name,
                show_account(bank_account),
            ],
        )
        count += 1
        if unmasked:
            accessed.append((person_id, household_id, region))
    handle = spreadsheets.xlsx_file(book)
    if unmasked:
        _log_unmasked(actor, accessed, detail=detail)
    return ExportResult(file=handle, persons=count, unmasked=unmasked)


@transaction.atomic
def _log_unmasked(actor, accessed: list[tuple[int, int, str]], *, detail: str) -> None:
    """Log the export once (``log_record_access``) and each person whose identifiers it showed in full."""
    summary = f"导出家庭查询结果（完整证件号码、手机号、银行账号），共 {len(accessed)} 人。{detail}"
    log_record_access(
        actor,
        person_id=None,
        household_id=None,
        region_code=scope_prefix(actor).ljust(12, "0")[:12],
        channel="export",
        detail=summary,
    )
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    for start in range(0, len(accessed), 5000):
        RecordAccess.objects.bulk_create(
            [
                RecordAccess(
                    actor_id=actor_id,
                    person_id=person_id,
                    household_id=household_id,
                    region_code=region,
                    channel="export",
                    detail="导出家庭查询结果",
                )
                for person_id, household_id, region in accessed[start : start + 5000]
            ]
        )
