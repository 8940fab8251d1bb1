"""``{% account_flags household=... %}``: the household's bank accounts the bank refused, on its record."""

from __future__ import annotations

from django import template

from doudi.accounts.scope import scope_filter
from doudi.core.masking import mask_bank_account
from doudi.payments.bankfiles.models import AccountFlag

register = template.Library()


@register.inclusion_tag("payments/_account_flags.html", takes_context=True)
def account_flags(context, household=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    if household is None or user is None:
        return {"flags": []}
    flags = list(
        scope_filter(user, AccountFlag.objects.filter(household_id=household.pk, cleared_at__isnull=True))
        .select_related("person")
        .order_by("-flagged_at")[:20]
    )
    for flag in flags:
        flag.masked_account = mask_bank_account(flag.bank_account)
        flag.corrected = flag.person.bank_account != flag.bank_account
    return {"flags": flags}
