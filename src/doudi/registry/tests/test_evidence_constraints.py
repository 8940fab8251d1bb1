"""The database itself refuses a negative amount on evidence, whatever road it came by (a raw bulk load,
a faulty import path, the shell): forms and the import refuse them first with a Chinese message, the
constraint is the last guard that an engine reading the registry never sees a negative cost."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from doudi.registry.models import Asset, Illness, Income, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db

CASES = [
    # (model, the amount field, other required values)
    (Income, "monthly_amount", {"category": "wages"}),
    (Asset, "value", {"kind_of_asset": "deposit"}),
    (Illness, "monthly_self_paid", {"diagnosis": "尿毒症"}),
]


@pytest.mark.parametrize(("model", "field", "values"), CASES, ids=[c[0].__name__ for c in CASES])
def test_negative_amount_refused_by_the_database(regions, users, model, field, values):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=0, joined_on=date(2015, 1, 1))
    person = Person.objects.get(household=hh, relation="head")
    common = {"person": person, "valid_from": date(2025, 1, 1), **values}
    model.objects.create(**common, **{field: Decimal("0.00")})  # zero is a legitimate amount
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(**common, **{field: Decimal("-0.01")})
    assert model.objects.filter(person=person).count() == 1
