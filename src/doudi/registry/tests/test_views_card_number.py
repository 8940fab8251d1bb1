"""A 残疾人证号 contains the ID number: masked wherever the ID number is, in full only with it (and logged)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.masking import mask_id_number
from doudi.registry import services
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


@pytest.fixture
def disabled_head(regions, users):
    household = services.do_create_household(
        users["village_worker"],
        region_code=regions["lixin"].code,
        head=f.person_input("王建国"),
        members=[],
        address="立新村1组",
        joined_on=date(2020, 1, 1),
    )
    head = Person.objects.get(household=household, relation="head")
    services.do_record_evidence(
        users["village_worker"],
        head,
        kind="disability",
        values={"category": "physical", "grade": "2", "card_number": f"{head.id_number}42"},
        valid_from=date(2020, 1, 1),
    )
    return head


def test_person_and_household_pages_mask_the_card_number_like_the_id_number(client, users, disabled_head):
    head = disabled_head
    card = f"{head.id_number}42"
    client.force_login(users["township_officer"])
    person = client.get(reverse("registry:person_detail", args=[head.pk])).content.decode()
    household = client.get(reverse("registry:household_detail", args=[head.household_id])).content.decode()
    for page in (person, household):
        assert card not in page and head.id_number not in page
        assert mask_id_number(card) in page
    assert not RecordAccess.objects.filter(person_id=head.pk).exists()


def test_the_card_number_is_shown_in_full_only_with_the_id_number_and_the_view_is_logged(client, users, disabled_head):
    head = disabled_head
    card = f"{head.id_number}42"
    client.force_login(users["township_officer"])
    person = client.get(reverse("registry:person_detail", args=[head.pk]), {"reveal": "1"}).content.decode()
    household = client.get(
        reverse("registry:household_detail", args=[head.household_id]), {"reveal": str(head.pk)}
    ).content.decode()
    assert card in person and card in household
    assert RecordAccess.objects.filter(person_id=head.pk, actor=users["township_officer"]).count() == 2


def test_the_audit_trail_keeps_the_card_number_masked(users, disabled_head):
    event = AuditEvent.objects.get(action="record_disability")
    stored = str(event.changes)
    assert disabled_head.id_number not in stored
    assert mask_id_number(f"{disabled_head.id_number}42") in stored


def test_the_api_masks_the_card_number_except_in_the_logged_full_record(users, disabled_head):
    from rest_framework.test import APIClient

    head = disabled_head
    card = f"{head.id_number}42"
    client = APIClient()
    client.force_authenticate(users["county_reviewer"])

    def card_of(answer):
        return next(e["values"]["card_number"] for e in answer.json()["evidence"] if e["kind"] == "disability")

    masked = client.get(reverse("api:person_detail", args=[head.pk]))
    assert masked.status_code == 200 and card_of(masked) == mask_id_number(card) and card not in masked.content.decode()
    assert not RecordAccess.objects.filter(person_id=head.pk).exists()
    full = client.get(reverse("api:person_full", args=[head.pk]))
    assert full.status_code == 200 and card_of(full) == card
    assert RecordAccess.objects.filter(person_id=head.pk, channel="api").count() == 1


def test_the_correction_form_shows_the_full_card_number_and_logs_it(client, users, disabled_head):
    from doudi.registry.models import Disability

    head = disabled_head
    evidence = Disability.objects.get(person=head)
    client.force_login(users["village_worker"])
    page = client.get(reverse("registry:evidence_correct", args=["disability", evidence.pk])).content.decode()
    assert f"{head.id_number}42" in page
    access = RecordAccess.objects.get(person_id=head.pk, actor=users["village_worker"])
    assert access.detail == "打开残疾更正页（显示完整残疾人证号）"
    # A disability without a card number shows nothing in full: nothing is logged.
    Disability.objects.filter(pk=evidence.pk).update(card_number="")
    client.get(reverse("registry:evidence_correct", args=["disability", evidence.pk]))
    assert RecordAccess.objects.filter(person_id=head.pk).count() == 1
