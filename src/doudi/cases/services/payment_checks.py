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
one UPDATE (set-based, for an import's thousands of households as for one enrolment), and returns
the enrolments whose warning it set, so the caller can tell the worker.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, CharField, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Concat

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


def _warning_expression():
    person = Person.objects.filter(pk=OuterRef("person_id"))
    account = Subquery(Person.objects.filter(pk=OuterRef(OuterRef("person_id"))).values("bank_account")[:1])
    has_account = Exists(person.exclude(bank_account=""))
    holder_is_member = Exists(
        Person.objects.filter(household_id=OuterRef("household_id"), name=OuterRef("account_holder"))
    )
    shared_outside = Exists(
        Person.objects.filter(bank_account=account)
        .exclude(bank_account="")
        .exclude(pk=OuterRef("person_id"))
        .filter(Q(household_id__isnull=True) | ~Q(household_id=OuterRef("household_id")))
    )
    is_member = Exists(person.filter(household_id=OuterRef("household_id")))
    holder_text = Concat(
        Value("账户户名“"), "account_holder", Value("”不是本家庭现有成员，暂不能发放"), output_field=CharField()
    )
    return Case(
        When(~has_account, then=Value(NO_ACCOUNT)),
        When(~Q(account_holder="") & ~holder_is_member, then=holder_text),
        When(shared_outside, then=Value(ACCOUNT_SHARED)),
        When(~is_member, then=Value(NOT_MEMBER)),
        default=Value(""),
        output_field=CharField(),
    )


def refresh_payment_warnings(*, household_ids: Iterable[int] | None = None, person_ids: Iterable[int] | None = None):
    """Rewrite the warnings of the live enrolments of the households (or held by the persons); one UPDATE.

    Returns the live enrolments concerned that now carry a warning (a queryset).
    """
    live = Enrolment.objects.exclude(status=EnrolmentStatus.ENDED)
    condition = Q()
    if household_ids is not None:
        condition |= Q(household_id__in=list(household_ids))
    if person_ids is not None:
        condition |= Q(person_id__in=list(person_ids))
    if not condition:
        return Enrolment.objects.none()
    concerned = live.filter(condition)
    concerned.update(payment_warning=_warning_expression())
    return concerned.exclude(payment_warning="").select_related("person")
