"""The household's assessment page writes amounts of 1,000 元 and more with thousands separators, in
the result and in the list of past assessments (a family of four earning 100 元 gets about 2,000 元)."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from doudi.core.labels import money
from doudi.policy.models import AssessmentRecord
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


def test_the_total_and_the_past_assessments_have_separators(client, published, users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=3, joined_on=date(2020, 1, 1))
    head = Person.objects.get(household=hh, relation="head")
    registry.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("100")},
        valid_from=date(2024, 1, 1),
    )
    client.force_login(users["village_worker"])
    url = reverse("policy:household_assessment", args=[hh.pk])
    client.post(url, {"on": "2025-06-01"})
    total = AssessmentRecord.objects.get(household=hh).total_monthly
    assert total >= 1000
    page = client.get(url).content.decode()
    assert f'data-label="月救助金">{money(total)}</td>' in page
    posted = client.post(url, {"on": "2025-06-01"}).content.decode()
    assert f'月救助金合计 <b class="num">{money(total)}</b> 元' in posted
