"""manage.py generate_demo: valid, plausible, reproducible data, and no accidental second run."""

from __future__ import annotations

from collections import Counter
from statistics import mean

import pytest
from django.core.management import CommandError, call_command

from doudi.audit.models import AuditEvent
from doudi.registry.demo import generator, loader
from doudi.registry.identity import parse_id_number
from doudi.registry.models import Disability, Household, Income, Membership, Person
from doudi.registry.tests import factories

pytestmark = pytest.mark.django_db

DEMO_AS_OF = generator.DEFAULT_AS_OF


def _generate(**options):
    options = {"households": 200, "county": "430981", "seed": 7, "stdout": _Sink(), **options}
    call_command("generate_demo", **options)


class _Sink:
    def write(self, _text):
        pass

    def flush(self):
        pass


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def test_every_id_number_validates_and_matches_gender_and_birth(regions):
    _generate()
    persons = list(Person.objects.all())
    assert len(persons) > 200
    ids = [p.id_number for p in persons]
    assert len(set(ids)) == len(ids)
    local = 0
    for person in persons:
        info = parse_id_number(person.id_number, today=DEMO_AS_OF)
        assert info.gender == person.gender
        assert info.birth_date == person.birth_date
        assert info.address_code[:2] == "43"
        local += info.address_code == "430981"
    assert local / len(persons) > 0.9  # migrants from other counties of the province are a few


def test_household_sizes_ages_and_heads_are_plausible(regions):
    _generate()
    households = list(Household.objects.all())
    assert len(households) == 200
    sizes = Counter(Person.objects.values_list("household_id", flat=True))
    assert 2.0 <= mean(sizes.values()) <= 3.0
    assert max(sizes.values()) <= 8
    for household in households:
        assert household.member_count == sizes[household.pk]
        head = Person.objects.get(household=household, relation="head")
        assert household.head_name == head.name
        assert household.number.startswith(household.region_id) and len(household.number) == 17
        assert household.note == generator.DEMO_NOTE
    ages = [(DEMO_AS_OF - p.birth_date).days / 365.25 for p in Person.objects.all()]
    assert min(ages) >= 0 and max(ages) < 101
    assert sum(a >= 60 for a in ages) / len(ages) > 0.2  # assistance applicants are often old
    for person in Person.objects.exclude(relation="head").select_related("household"):
        head = Person.objects.get(household=person.household_id, relation="head")
        if person.relation == "child":
            assert person.birth_date > head.birth_date
        if person.relation == "parent":
            assert person.birth_date < head.birth_date
    assert Membership.objects.filter(valid_to__isnull=True).count() == Person.objects.count()


def test_urban_or_rural_follows_the_village(regions):
    _generate()
    for household in Household.objects.select_related("region"):
        assert household.area_type == household.region.area_type
        natives = Person.objects.filter(household=household, hukou_region_id=household.region_id)
        assert set(natives.values_list("hukou_type", flat=True)) <= {household.region.area_type}
    assert {h.area_type for h in Household.objects.all()} == {"urban", "rural"}


def test_identifiers_and_evidence_are_well_formed(regions):
    _generate()
    for phone, account in Person.objects.values_list("phone", "bank_account"):
        assert phone == "" or (len(phone) == 11 and phone[0] == "1" and phone.isdigit())
        assert account == "" or (len(account) == 19 and _luhn_ok(account))
    for row in Disability.objects.select_related("person"):
        digit = generator.DISABILITY_CATEGORIES.index(row.category) + 1
        assert row.card_number == f"{row.person.id_number}{digit}{row.grade}"
    incomes = Income.objects.all()
    assert incomes.filter(category="wages").exists() and incomes.filter(category="basic_pension").exists()
    assert all(0 <= i.monthly_amount < 10000 for i in incomes)
    assert not Income.objects.exclude(source="import").exists()


def test_same_seed_gives_identical_data():
    villages = generator.VillageSet(
        codes=["430981114201", "430981006001"],
        names=["立新村委会", "韩家汊社区居委会"],
        urban=[False, True],
        township_names=["草尾镇", "琼湖街道"],
        county_names=["沅江市", "沅江市"],
        address_codes=["430981", "430981"],
        migrant_codes=["430902", "430981"],
    )
    first = generator.generate(villages, households=300, seed=11)
    again = generator.generate(villages, households=300, seed=11)
    other = generator.generate(villages, households=300, seed=12)
    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != other.fingerprint()


def test_same_seed_gives_identical_rows_after_replace(regions):
    _generate()
    before = list(Person.objects.order_by("id_number").values_list("id_number", "name", "relation", "phone"))
    _generate(replace=True)
    after = list(Person.objects.order_by("id_number").values_list("id_number", "name", "relation", "phone"))
    assert before == after


def test_a_second_run_is_refused_without_replace(regions):
    _generate(households=20)
    with pytest.raises(CommandError, match=r"已有 20 户家庭.*--replace"):
        _generate(households=20)
    assert Household.objects.count() == 20


def test_replace_keeps_households_registered_by_people(regions):
    kept = factories.household(regions["lixin"], head_name="王真实")
    with pytest.raises(CommandError, match="已有 1 户"):
        _generate(households=30)
    _generate(households=30, replace=True)
    _generate(households=30, replace=True)
    assert Household.objects.filter(pk=kept.pk).exists()
    assert loader.demo_households("430981").count() == 30
    lixin = sorted(Household.objects.filter(region=regions["lixin"]).values_list("number", flat=True))
    assert lixin[0] == kept.number and len(set(lixin)) == len(lixin)
    last = AuditEvent.objects.filter(action="generate_demo").order_by("-id").first()
    assert last.changes["households"]["new"] == 30 and last.changes["replaced_households"]["new"] == 30


def test_villages_must_be_loaded(regions):
    with pytest.raises(CommandError, match="load_regions"):
        _generate(county="110101")
