"""Why an enrolment cannot be paid as it stands: ``Enrolment.payment_warning``, kept current here.

An enrolment is paid into the enrolled person's bank account (``Person.bank_account``), or into the
account of ``Enrolment.account_holder`` when that is someone else (a guardian's for a child). The
warning names the first of these that holds, and the payroll refuses to pay while it is not blank:

1. the person has no bank account registered;
2. the account holder named is not a current member of the household;
3. the same account number is registered for a person outside the household (money to a stranger's
   account is the classic misappropriation of 低保金);
4. the enrolled person is no longer a member of the household.

``refresh_payment_warnings`` rewrites the warnings of the live enrolments of some households in
one UPDATE (set-based, for an import's thousands of households as for one enrolment: each rule is
one join over the enrolments concerned, not a subquery per row, and only warnings that change are
written), and returns the enrolments whose warning it set, so the caller can tell the worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from doudi.cases.models import Enrolment, EnrolmentStatus
from doudi.registry.models import Person

NO_ACCOUNT = "未登记银行账号，暂不能发放"
HOLDER_NOT_MEMBER = "账户户名“{}”不是本家庭现有成员，暂不能发放"
ACCOUNT_SHARED = "银行账号与非本家庭人员登记的账号相同，请核实账户户名后再发放"
NOT_MEMBER = "领取人已不是本家庭现有成员，暂不能发放"


def warning_for(
    *, bank_account: str, account_holder: str, member_names: Iterable[str], shared_outside: bool, is_member: bool
) -> str:
    """Return the warning of one enrolment from its facts (the rule the UPDATE below applies)."""
    if not (bank_account or "").strip():
        return NO_ACCOUNT
    holder = (account_holder or "").strip()
    if holder and holder not in set(member_names):
        return HOLDER_NOT_MEMBER.format(holder)
    if shared_outside:
        return ACCOUNT_SHARED
    if not is_member:
        return NOT_MEMBER
    return ""


def _warnings_sql(where: str) -> str:
    """Return the UPDATE that rewrites the warnings of the live enrolments selected by ``where`` (on ``e``).

    Set-based: the enrolments concerned are read once, each of the rules' facts is one join over
    them (the payee's account and household, the members bearing the holder's name, the persons
    outside the household holding the same account number), and only the rows whose warning
    changes are written. Plain SQL that PostgreSQL and SQLite (3.33+, ``UPDATE … FROM``) both run.
    """
    enrolment, person = Enrolment._meta.db_table, Person._meta.db_table
    return f"""
WITH c AS (
    SELECT e.id, e.person_id, e.household_id, e.account_holder, p.bank_account, p.household_id AS payee_household
    FROM {enrolment} e JOIN {person} p ON p.id = e.person_id
    WHERE e.status <> %(ended)s AND ({where})
), holder AS (
    SELECT DISTINCT c.id FROM c JOIN {person} m ON m.household_id = c.household_id AND m.name = c.account_holder
    WHERE c.account_holder <> ''
), shared AS (
    SELECT DISTINCT c.id FROM c JOIN {person} q ON q.bank_account = c.bank_account
    WHERE c.bank_account <> '' AND q.id <> c.person_id AND (q.household_id IS NULL OR q.household_id <> c.household_id)
), warned AS (
    SELECT c.id, CASE
        WHEN c.bank_account = '' THEN %(no_account)s
        WHEN c.account_holder <> '' AND holder.id IS NULL THEN %(holder_before)s || c.account_holder || %(holder_after)s
        WHEN shared.id IS NOT NULL THEN %(shared)s
        WHEN c.payee_household IS NULL OR c.payee_household <> c.household_id THEN %(not_member)s
        ELSE '' END AS warning
    FROM c LEFT JOIN holder ON holder.id = c.id LEFT JOIN shared ON shared.id = c.id
)
UPDATE {enrolment} SET payment_warning = warned.warning FROM warned
WHERE {enrolment}.id = warned.id AND {enrolment}.payment_warning <> warned.warning
"""


def _in(column: str, name: str, ids: list[int], params: dict) -> str:
    """Return the condition ``column`` in ``ids`` with the ids as one parameter, however many there are.

    An array on PostgreSQL, a JSON list read by ``json_each`` on SQLite: a parameter per id would meet
    SQLite's limit on parameters (32,766 in its default build) with a large county's roster, and binding
    tens of thousands of parameters is slow where the limit is higher."""
    if connection.vendor == "postgresql":
        params[name] = ids
        return f"{column} = ANY(%({name})s)"
    params[name] = json.dumps(ids)
    return f"{column} IN (SELECT value FROM json_each(%({name})s))"


def _id_set(ids: list[int]) -> RawSQL:
    """The ids as a subquery for an ``__in`` lookup, one parameter (as ``_in``)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


def refresh_payment_warnings(*, household_ids: Iterable[int] | None = None, person_ids: Iterable[int] | None = None):
    """Rewrite the warnings of the live enrolments of the households (or held by the persons); one UPDATE.

    Only enrolments whose warning changes are written. Returns the live enrolments concerned that
    now carry a warning (a queryset).
    """
    live = Enrolment.objects.exclude(status=EnrolmentStatus.ENDED)
    condition, parts = Q(), []
    holder_before, holder_after = HOLDER_NOT_MEMBER.split("{}")
    params: dict = {
        "ended": EnrolmentStatus.ENDED.value,
        "no_account": NO_ACCOUNT,
        "holder_before": holder_before,
        "holder_after": holder_after,
        "shared": ACCOUNT_SHARED,
        "not_member": NOT_MEMBER,
    }
    if household_ids is not None:
        households = [int(pk) for pk in household_ids]
        condition |= Q(household_id__in=_id_set(households))
        parts.append(_in("e.household_id", "households", households, params))
    if person_ids is not None:
        persons = [int(pk) for pk in person_ids]
        condition |= Q(person_id__in=_id_set(persons))
        parts.append(_in("e.person_id", "persons", persons, params))
    if not parts:
        return Enrolment.objects.none()
    with connection.cursor() as cursor:
        cursor.execute(_warnings_sql(" OR ".join(parts)), params)
    return live.filter(condition).exclude(payment_warning="").select_related("person")
