"""Reads behind a bank file: the layouts a user may use, the payee records and what they must add up to.

One record per payee: a person's lines in a payroll (the month's amount, arrears, a re-issue, a
negative offset of a recovery) are paid as one transfer to the account they were approved for.
Records are read with a server-side cursor (``.iterator()``), grouped and ordered by the database,
so the memory of the process stays flat whatever the number of lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from doudi.accounts.scope import scope_prefix
from doudi.core.labels import programme_label
from doudi.payments.bankfiles.models import BankLayout
from doudi.payments.models import Payroll

CENT = Decimal("0.01")


def layouts_for(region_code: str) -> QuerySet[BankLayout]:
    """Return the active layouts a payroll of ``region_code`` may be written in (own and ancestors' and global)."""
    prefixes = {region_code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)}
    return BankLayout.objects.filter(Q(region__isnull=True) | Q(region_id__in=prefixes), active=True)


def layout_list(*, actor) -> QuerySet[BankLayout]:
    """Return the layouts the actor may see: global ones, those of the actor's region and above, and below."""
    prefix = scope_prefix(actor)
    own = getattr(actor, "region_id", None) or ""
    ancestors = {own[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)} if own else set()
    return BankLayout.objects.filter(
        Q(region__isnull=True) | Q(region_id__in=ancestors) | Q(region__code__startswith=prefix)
    ).select_related("region")


def layout_get(*, actor, layout_id: int | None = None, name: str | None = None) -> BankLayout:
    from doudi.core.errors import NotFound

    qs = layout_list(actor=actor)
    found = qs.filter(pk=layout_id).first() if layout_id is not None else qs.filter(name=name).first()
    if found is None:
        raise NotFound("银行文件格式")
    return found


@dataclass(frozen=True)
class Expectation:
    """What a bank file of some payrolls must hold, from the lines, beside what the payrolls state."""

    records: int  # payees whose net amount is positive
    total: Decimal  # sum of those records
    zero_payees: int  # payees whose lines net to nothing (an offset took the whole month)
    payees: int  # payee groups (person, account)
    persons: int  # distinct persons per payroll, summed
    no_account: int
    stated_total: Decimal
    line_total: Decimal
    example_without_account: str = ""


_EXPECTATION_SQL = """
    SELECT COUNT(*) FILTER (WHERE net > 0), SUM(net) FILTER (WHERE net > 0), COUNT(*) FILTER (WHERE net <= 0),
           COUNT(*), COUNT(DISTINCT CAST(payroll_id AS TEXT) || '-' || CAST(person_id AS TEXT)), SUM(net),
           SUM(no_account), MIN(no_account_person)
    FROM (SELECT payroll_id, person_id, SUM(amount) AS net,
                 SUM(CASE WHEN bank_account = '' THEN 1 ELSE 0 END) AS no_account,
                 MIN(CASE WHEN bank_account = '' THEN person_id END) AS no_account_person
          FROM payments_payrollline
          WHERE payroll_id IN ({ids}) AND status <> 'cancelled'
          GROUP BY payroll_id, person_id, bank_account, account_holder) AS payee
"""


def expectation(payroll_ids: Sequence[int]) -> Expectation:
    """Return the counts and sums a bank file of ``payroll_ids`` must have (one pass over the lines)."""
    from django.db import connection

    from doudi.registry.models import Person

    ids = [int(i) for i in payroll_ids]
    with connection.cursor() as cursor:
        cursor.execute(_EXPECTATION_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
        records, total, zero, payees, persons, line_total, no_account, example_person = cursor.fetchone()
    stated = Payroll.objects.filter(pk__in=ids).aggregate(total=Sum("total_amount"))["total"]
    example = ""
    if no_account:
        example = Person.objects.filter(pk=example_person).values_list("name", flat=True).first() or ""
    return Expectation(
        records=records or 0,
        total=_cents(total),
        zero_payees=zero or 0,
        payees=payees or 0,
        persons=persons or 0,
        no_account=int(no_account or 0),
        stated_total=_cents(stated),
        line_total=_cents(line_total),
        example_without_account=example,
    )


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def reference(payroll_id: int, person_id: int) -> str:
    """The record's reference in the bank file and its return file: payroll and person."""
    return f"P{payroll_id}-{person_id}"


# The positions of a record's fields (``bank_records`` yields tuples, the writer picks by position).
RECORD_FIELDS = (
    "account",
    "name",
    "id_number",
    "amount",
    "programme",
    "village",
    "township",
    "bank_name",
    "month",
    "reference",
    "summary",
)

_RECORDS_SQL = """
    SELECT l.payroll_id, l.person_id, l.bank_account, COALESCE(NULLIF(l.account_holder, ''), p.name),
           p.id_number, SUM(l.amount), r.name, COALESCE(t.name, ''), l.bank_name
    FROM payments_payrollline l
    JOIN registry_person p ON p.id = l.person_id
    JOIN regions_region r ON r.code = l.region_id
    LEFT JOIN regions_region t ON t.code = r.parent_id
    WHERE l.payroll_id IN ({ids}) AND l.status <> 'cancelled'
    GROUP BY l.payroll_id, l.region_id, l.household_id, l.person_id, l.bank_account, l.account_holder, l.bank_name,
             p.name, p.id_number, r.name, t.name
    HAVING SUM(l.amount) > 0
    ORDER BY l.payroll_id, l.region_id, l.household_id, l.person_id, l.bank_account
"""


def bank_records(payroll_ids: Sequence[int], *, chunk_size: int = 10_000) -> Iterator[tuple]:
    """Yield one record per payee with a positive net amount (a tuple in ``RECORD_FIELDS`` order),
    ordered by payroll, village, household, person.

    One grouped query read through a server-side cursor (``chunked_cursor``: PostgreSQL streams the
    rows in chunks, so memory stays flat), without the ORM's per-row converters.
    """
    from django.db import connection

    payrolls = {
        p.pk: (f"{p.month.year}年{p.month.month}月", programme_label(p.programme))
        for p in Payroll.objects.filter(pk__in=list(payroll_ids))
    }
    ids = [int(i) for i in payroll_ids]
    with connection.chunked_cursor() as cursor:
        cursor.execute(_RECORDS_SQL.format(ids=", ".join(["%s"] * len(ids))), ids)
        while rows := cursor.fetchmany(chunk_size):
            for payroll_id, person_id, account, name, id_number, net, village, township, bank in rows:
                month, programme = payrolls[payroll_id]
                if not isinstance(net, Decimal):  # SQLite sums decimals as floats
                    net = Decimal(str(net)).quantize(CENT)
                yield (
                    account,
                    name,
                    id_number,
                    net,
                    programme,
                    village,
                    township,
                    bank,
                    month,
                    reference(payroll_id, person_id),
                    month + programme,
                )
