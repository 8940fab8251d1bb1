"""The payroll register (发放名册) for signing: one row per payee, village by village.

A payroll is made by the county; a township or village worker prints the register of the villages
in their own subtree (the lines are filtered by the user's scope), so the payroll itself is found
for any user whose region lies inside its county or whose scope holds the county.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby

from django.db.models import Exists, OuterRef, Q, QuerySet

from doudi.accounts.scope import NO_SCOPE, region_in_scope, scope_filter, scope_prefix
from doudi.core.errors import NotFound
from doudi.core.labels import money
from doudi.core.masking import mask_bank_account, mask_id_number
from doudi.payments.models import LineKind, LineStatus, Payroll, PayrollLine, PayrollStatus
from doudi.regions.models import PREFIX_LENGTH, Level, Region, pad_code

CENT = Decimal("0.01")


def register_payroll_get(*, actor, payroll_id: int) -> Payroll:
    """Return the payroll when its county holds the actor's region or lies in the actor's scope."""
    payroll = Payroll.objects.select_related("region").filter(pk=payroll_id).first()
    if payroll is None:
        raise NotFound("发放名册")
    prefix = scope_prefix(actor)
    if not (region_in_scope(actor, payroll.region_id) or prefix.startswith(payroll.region.prefix)):
        raise NotFound("发放名册")
    return payroll


REGISTER_STATUSES = (PayrollStatus.APPROVED, PayrollStatus.SENT, PayrollStatus.CLOSED)


def register_payrolls(actor, *, limit: int = 24) -> list[dict]:
    """The approved (sent, reconciled) payrolls holding lines in the actor's subtree, newest first,
    each with the villages the actor may print (``villages``): the village worker's register list.

    A payroll belongs to a county; the actor's region lies in it (its code starts with the
    county's six digits) or the county lies in the actor's scope. The lines, and so the villages,
    are filtered by ``scope_filter``: a village worker sees only the own village.
    """
    prefix = scope_prefix(actor)
    if prefix == NO_SCOPE:
        return []
    county = Q(region__code__startswith=prefix)
    if len(prefix) > PREFIX_LENGTH[Level.COUNTY]:
        county = Q(region_id=pad_code(prefix[: PREFIX_LENGTH[Level.COUNTY]]))
    in_scope = scope_filter(actor, PayrollLine.objects.filter(payroll=OuterRef("pk")))
    payrolls = (
        Payroll.objects.filter(county, status__in=REGISTER_STATUSES)
        .filter(Exists(in_scope))
        .select_related("region")
        .order_by("-month", "programme", "region_id")[:limit]
    )
    return [{"payroll": p, "villages": villages(actor, p)} for p in payrolls]


def register_lines(actor, payroll: Payroll, village: str | None = None) -> QuerySet[PayrollLine]:
    lines = scope_filter(actor, PayrollLine.objects.filter(payroll=payroll)).exclude(status=LineStatus.CANCELLED)
    if village:
        region = Region.objects.filter(pk=village).first()
        if region is None or not (region_in_scope(actor, region.code) or region.code.startswith(scope_prefix(actor))):
            raise NotFound("村（社区）")
        lines = lines.filter(region__code__startswith=region.prefix)
    return lines


def villages(actor, payroll: Payroll) -> list[dict]:
    """The villages of the payroll the actor may print, with payee counts (for the page's list)."""
    from django.db.models import Count, Sum

    rows = (
        register_lines(actor, payroll)
        .values("region_id", "region__name", "region__parent__name")
        .annotate(persons=Count("person_id", distinct=True), total=Sum("amount"))
        .order_by("region_id")
    )
    return [
        {
            "code": r["region_id"],
            "name": r["region__name"],
            "township": r["region__parent__name"] or "",
            "persons": r["persons"],
            "total": Decimal(r["total"] or 0).quantize(CENT),
        }
        for r in rows
    ]


@dataclass
class RegisterRow:
    seq: int
    name: str
    id_number: str
    covered: int
    account: str
    amount: Decimal
    detail: str


@dataclass
class VillageRegister:
    code: str
    name: str
    township: str
    rows: list[RegisterRow] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((r.amount for r in self.rows), Decimal(0))


def _detail(lines: list[tuple]) -> str:
    parts = []
    for kind, month, amount in lines:
        label = str(LineKind(kind).label)
        if kind == LineKind.NORMAL:
            parts.append(f"{label} {money(amount)}")
        else:
            parts.append(f"{label}（{month.year}年{month.month}月）{money(amount)}")
    return "；".join(parts)


def register_rows(actor, payroll: Payroll, village: str | None = None) -> Iterator[VillageRegister]:
    """Yield each village's register in code order, read line by line with a server-side cursor.

    The register is signed in the village, where every payee sees the sheet: ID numbers and bank
    accounts are always masked, whoever prints it (full identifiers go only to the bank file).
    """
    rows = (
        register_lines(actor, payroll, village)
        .order_by("region_id", "household_id", "person_id", "month_covered", "id")
        .values_list(
            "region_id",
            "region__name",
            "region__parent__name",
            "person_id",
            "person__name",
            "person__id_number",
            "account_holder",
            "bank_account",
            "enrolment__covered",
            "kind",
            "month_covered",
            "amount",
        )
        .iterator(chunk_size=2000)
    )
    for (code, name, township), village_lines in groupby(rows, key=lambda r: (r[0], r[1], r[2])):
        register = VillageRegister(code=code, name=name, township=township or "")
        for seq, (_person, person_lines) in enumerate(groupby(village_lines, key=lambda r: r[3]), start=1):
            person_lines = list(person_lines)
            first = person_lines[0]
            holder = first[6] or first[4]
            register.rows.append(
                RegisterRow(
                    seq=seq,
                    name=first[4] if holder == first[4] else f"{first[4]}（户名：{holder}）",
                    id_number=mask_id_number(first[5]),
                    covered=len(first[8] or []) or 1,
                    account=mask_bank_account(first[7]),
                    amount=sum((r[11] for r in person_lines), Decimal(0)).quantize(CENT),
                    detail=_detail([(r[9], r[10], r[11]) for r in person_lines]),
                )
            )
        yield register
