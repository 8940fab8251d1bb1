"""``{% payments_by_month household=... %}``: the payments of a household or an enrolment, month by month."""

from __future__ import annotations

from django import template

from doudi.payments.selectors import payments_by_month as select

register = template.Library()


@register.inclusion_tag("payments/_payments_by_month.html", takes_context=True)
def payments_by_month(context, household=None, enrolment=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = select(
        actor=user,
        household_id=getattr(household, "pk", None),
        enrolment_id=getattr(enrolment, "pk", None),
    )
    return {**data, "request": request}
