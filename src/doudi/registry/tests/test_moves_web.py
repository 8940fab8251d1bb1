"""迁入, 分户 and 合户 through the pages and the API: forms render, writes happen, nothing of another region shows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.audit.models import AuditEvent
from doudi.registry import services
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE, WITHOUT_HOUSEHOLD_MESSAGE
from doudi.registry.models import Household, Membership, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db

# Her income shows as 3100.00 or 3,100.00 if it leaks; a bare "3100" would also match a record id in a link.
SECRETS = ("资阳区", "南门桥", "肖大", "3100.00", "3,100.00", "汽车路", "嫁往")


@pytest.fixture
def moved_out(regions, users):
    """肖芝 of 资阳区: registered there with an income, then moved out; her former household stays there."""
    actor = users["foreign_county_reviewer"]
    hh = f.household(regions["ziyang_village"], actor=actor, head_name="肖大", joined_on=date(2015, 1, 1))
    services.do_update_household(actor, hh, expected_version=hh.version, address="南门桥社区5栋")
    bride = services.do_add_member(
        actor, hh, person=f.person_input("肖芝", "child", date(1995, 3, 9), male=False), joined_on=date(2015, 1, 1)
    )
    services.do_record_evidence(
        actor,
        bride,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("3100")},
        valid_from=date(2023, 1, 1),
        note="汽车路工厂",
    )
    services.do_remove_member(actor, bride, left_on=date(2024, 5, 1), reason="嫁往沅江市")
    return Person.objects.get(pk=bride.pk)


@pytest.fixture
def own(regions, users):
    return f.household(
        regions["lixin"], actor=users["village_worker"], members=1, head_name="王建国", joined_on=date(2010, 1, 1)
    )


def _no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def test_household_page_offers_the_three_moves(client, users, own):
    client.force_login(users["village_worker"])
    html = client.get(reverse("registry:household_detail", args=[own.pk])).content.decode()
    for name in ("member_join", "household_split", "household_merge"):
        assert reverse(f"registry:{name}", args=[own.pk]) in html
    for name, text in (("member_join", "迁入本户"), ("household_split", "新户户主"), ("household_merge", "户编号")):
        response = client.get(reverse(f"registry:{name}", args=[own.pk]))
        assert response.status_code == 200 and text in response.content.decode()
    client.force_login(users["auditor"])
    assert client.get(reverse("registry:member_join", args=[own.pk])).status_code == 403


def test_member_form_offers_join_showing_only_what_was_typed(client, users, own, moved_out):
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:member_add", args=[own.pk]),
        {"id_number": moved_out.id_number, "name": "肖小芝", "relation": "spouse"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and WITHOUT_HOUSEHOLD_MESSAGE in html
    assert 'id="join-offer"' in html and "肖小芝" in html and "1995-03-09" in html
    _no_secrets(html)
    assert "肖芝<" not in html  # the registered name is not shown, only the typed one


def test_join_through_the_page_keeps_history_and_hides_the_other_region(client, users, own, moved_out):
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:member_join", args=[own.pk]),
        {
            "id_number": moved_out.id_number,
            "name": "肖芝",
            "relation": "spouse",
            "joined_on": "2024-06-01",
            "reason": "结婚迁入",
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=moved_out.pk).household_id == own.pk
    assert Membership.objects.filter(person=moved_out).count() == 2
    person_page = client.get(reverse("registry:person_detail", args=[moved_out.pk])).content.decode()
    assert "曾在辖区外家庭登记" in person_page and own.number in person_page and "结婚迁入" in person_page
    _no_secrets(person_page)
    household_page = client.get(reverse("registry:household_detail", args=[own.pk])).content.decode()
    assert "肖芝" in household_page and household_page.count("曾在辖区外家庭登记") == 1
    _no_secrets(household_page)
    history = client.get(reverse("registry:household_detail", args=[own.pk]) + "?tab=history").content.decode()
    assert "结婚迁入" in history
    _no_secrets(history)
    # The original region keeps its own record of her in its household's page and history.
    client.force_login(users["foreign_county_reviewer"])
    old = Membership.objects.filter(person=moved_out).order_by("valid_from").first().household
    page = client.get(reverse("registry:household_detail", args=[old.pk]) + "?tab=history").content.decode()
    assert "嫁往沅江市" in page
    assert own.number not in page


def test_join_page_refuses_a_person_in_a_household_elsewhere_neutrally(client, users, own, regions):
    other = f.household(regions["ziyang_village"], actor=users["foreign_county_reviewer"], head_name="肖大")
    head = Person.objects.get(household=other)
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:member_join", args=[own.pk]),
        {
            "id_number": head.id_number,
            "name": "肖大",
            "relation": "spouse",
            "joined_on": "2024-06-01",
            "reason": "迁入",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and REGISTERED_OUTSIDE_SCOPE in html and other.number not in html


def test_new_household_form_takes_in_a_person_after_confirmation(client, users, regions, moved_out):
    client.force_login(users["village_worker"])
    data = {"region": regions["lixin"].code, "address": "立新村3组", "note": "", "joined_on": "2024-07-01"}
    data.update({"head-id_number": moved_out.id_number, "head-name": "肖芝", "head-relation": "head"})
    data.update({"m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0"})
    first = client.post(reverse("registry:household_create"), data)
    assert first.status_code == 200 and 'id="join-existing"' in first.content.decode()
    _no_secrets(first.content.decode())
    second = client.post(reverse("registry:household_create"), {**data, "join_existing": "on", "join_reason": "投靠"})
    assert second.status_code == 302
    assert Person.objects.get(pk=moved_out.pk).household.head_name == "肖芝"


def test_split_and_merge_through_the_pages(client, users, regions):
    hh = f.household(
        regions["lixin"], actor=users["village_worker"], members=2, head_name="张父", joined_on=date(2010, 1, 1)
    )
    kids = {p.name: p for p in Person.objects.filter(household=hh)}
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:household_split", args=[hh.pk]),
        {
            "head": kids["张一"].pk,
            f"move_{kids['张二'].pk}": "on",
            f"rel_{kids['张二'].pk}": "sibling",
            "split_on": "2024-03-01",
            "reason": "成家分户",
        },
    )
    assert response.status_code == 302
    new = Household.objects.exclude(pk=hh.pk).get()
    assert new.head_name == "张一" and new.member_count == 2 and hh.number in new.note
    # Merge it back in two steps: the number first, then each member's relation.
    url = reverse("registry:household_merge", args=[hh.pk])
    step = {"source_number": new.number, "merged_on": date.today().isoformat(), "reason": "合户"}
    second = client.post(url, step)
    html = second.content.decode()
    assert second.status_code == 200 and "确认合户" in html and "张一" in html
    relations = {f"rel_{kids['张一'].pk}": "child", f"rel_{kids['张二'].pk}": "child"}
    done = client.post(url, {**step, **relations, "confirm": "1"})
    assert done.status_code == 302
    new.refresh_from_db()
    hh.refresh_from_db()
    assert new.status == "closed" and hh.member_count == 3 and new.member_count == 0
    assert AuditEvent.objects.filter(action__in=["split_household", "merge_household"]).count() == 4


def test_merge_page_does_not_find_a_household_outside_scope(client, users, regions):
    mine = f.household(regions["hanjiacha"], actor=users["other_village_worker"])
    theirs = f.household(regions["lixin"], actor=users["village_worker"])
    client.force_login(users["other_village_worker"])
    response = client.post(
        reverse("registry:household_merge", args=[mine.pk]),
        {"source_number": theirs.number, "merged_on": date.today().isoformat(), "reason": "合户"},
    )
    assert response.status_code == 200 and "没有在册家庭" in response.content.decode()
    assert "确认合户" not in response.content.decode()


# --- API ---------------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_member_add_points_to_join_and_join_works(users, own, moved_out):
    client = _api(users["village_worker"])
    refused = client.post(
        reverse("api:member_add", args=[own.pk]),
        {"id_number": moved_out.id_number, "name": "肖芝", "relation": "spouse"},
        format="json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "person_without_household"
    assert refused.json()["extra"]["join"] is True
    _no_secrets(refused.content.decode())
    joined = client.post(
        reverse("api:member_join", args=[own.pk]),
        {
            "id_number": moved_out.id_number,
            "name": "肖芝",
            "relation": "spouse",
            "joined_on": "2024-06-01",
            "reason": "结婚迁入",
        },
        format="json",
    )
    assert joined.status_code == 201 and joined.json()["household_id"] == own.pk
    detail = client.get(reverse("api:person_detail", args=[moved_out.pk]))
    assert detail.status_code == 200 and detail.json()["evidence"] == []
    _no_secrets(detail.content.decode())
    household = client.get(reverse("api:household_detail", args=[own.pk])).content.decode()
    _no_secrets(household)


def test_api_split_and_merge(users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=2, joined_on=date(2010, 1, 1))
    kids = {p.name: p for p in Person.objects.filter(household=hh)}
    client = _api(users["village_worker"])
    split = client.post(
        reverse("api:household_split", args=[hh.pk]),
        {
            "members": [{"person_id": kids["张二"].pk, "relation": "sibling"}],
            "head_id": kids["张一"].pk,
            "split_on": "2024-03-01",
            "reason": "分户",
        },
        format="json",
    )
    assert split.status_code == 201 and split.json()["head_name"] == "张一" and len(split.json()["members"]) == 2
    merged = client.post(
        reverse("api:household_merge", args=[hh.pk]),
        {"source_household_id": split.json()["id"], "merged_on": date.today().isoformat(), "reason": "合户"},
        format="json",
    )
    assert merged.status_code == 200 and len(merged.json()["members"]) == 3
    assert Household.objects.get(pk=split.json()["id"]).status == "closed"
    outsider = _api(users["other_village_worker"]).post(
        reverse("api:household_split", args=[hh.pk]),
        {"members": [], "head_id": kids["张一"].pk, "split_on": "2024-01-01", "reason": "x"},
        format="json",
    )
    assert outsider.status_code == 404
    auditor = _api(users["auditor"]).post(reverse("api:member_join", args=[hh.pk]), {}, format="json")
    assert auditor.status_code == 403
