"""An ID number registered elsewhere: details inside the user's scope, nothing outside it.

Whoever types an ID number learns that it is taken (one person, one household), but where, in which
household and under whose name only when that household is in their own region's subtree. Every way
of registering a person is tried: the service, the API (new household, new member) and the pages.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.core.errors import DomainError
from doudi.registry import services
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE, WITHOUT_HOUSEHOLD_MESSAGE
from doudi.registry.models import Household, Person
from doudi.registry.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(regions, users):
    """A household of 资阳区 (another county) whose head is 肖芝."""
    return services.do_create_household(
        users["foreign_county_reviewer"],
        region_code=regions["ziyang_village"].code,
        head=f.person_input("肖芝", birth=date(1975, 3, 9), male=False),
        address="南门桥社区5栋",
    )


@pytest.fixture
def taken(foreign) -> str:
    return Person.objects.get(household=foreign).id_number


@pytest.fixture
def own(regions, users):
    """A household of 立新村 (沅江市) to add members to."""
    return f.household(regions["lixin"], actor=users["village_worker"], head_name="王建国")


def _secrets(foreign) -> list[str]:
    """What a user of 沅江市 must not learn about the household of 资阳区."""
    head = Person.objects.get(household=foreign)
    return ["资阳区", "南门桥", "汽车路", foreign.number, "肖芝", foreign.address, f'"person_id": {head.pk}']


def _assert_neutral(text: str, foreign) -> None:
    for secret in _secrets(foreign):
        assert secret not in text, secret
    assert "管辖范围以外" in text and "迁出" in text and "县级民政部门" in text


def test_service_tells_an_outsider_only_that_the_person_is_registered_elsewhere(users, own, foreign, taken):
    with pytest.raises(DomainError) as info:
        services.do_add_member(users["county_reviewer"], own, person=f.PersonInput(taken, "某人", "spouse"))
    assert info.value.code == "duplicate_person"
    assert info.value.message == REGISTERED_OUTSIDE_SCOPE
    assert info.value.extra == {"field": "id_number", "id_number": taken}  # what the user typed, nothing more
    _assert_neutral(f"{info.value.message} {info.value.extra}", foreign)


def test_service_names_the_household_to_a_user_whose_scope_holds_it(regions, users, foreign, taken):
    with pytest.raises(DomainError) as info:
        services.do_create_household(
            users["foreign_county_reviewer"],
            region_code=regions["ziyang_village"].code,
            head=f.PersonInput(taken, "肖芝", "head"),
        )
    message = info.value.message
    assert foreign.number in message and "资阳区" in message and "肖芝" in message
    assert info.value.extra["household_number"] == foreign.number


def test_a_person_without_household_is_offered_to_join_and_named_nowhere(regions, users, own):
    """A member who moved out keeps the record; any region may take the person in (迁入), so every
    region learns that the person has no household, and only that (the record's id inside the scope)."""
    kid = f.person_input("周小", "child", date(2012, 1, 1), hukou_region_code=regions["lixin"].code)
    child = services.do_add_member(users["village_worker"], own, person=kid, joined_on=date(2020, 1, 1))
    services.do_remove_member(users["village_worker"], child, left_on=date(2021, 1, 1), reason="迁往外地")
    data = f.PersonInput(child.id_number, "周小", "child")
    other = f.household(regions["shengtian"], actor=users["township_officer"])
    with pytest.raises(DomainError) as inside:
        services.do_add_member(users["township_officer"], other, person=data)
    assert inside.value.code == "person_without_household" and "迁入本户" in inside.value.message
    assert inside.value.extra["person_id"] == child.pk
    mine = f.household(regions["ziyang_village"], actor=users["foreign_county_reviewer"])
    with pytest.raises(DomainError) as outside:
        services.do_add_member(users["foreign_county_reviewer"], mine, person=data)
    assert outside.value.message == WITHOUT_HOUSEHOLD_MESSAGE == inside.value.message
    assert set(outside.value.extra) == {"field", "id_number", "join"} and "立新" not in outside.value.message


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", ["village_worker", "township_officer", "county_reviewer", "administrator"])
def test_api_new_member_and_new_household_tell_outsiders_nothing(users, own, foreign, taken, role):
    """The administrator of 湖南省 sees both counties, so for it the details are in scope."""
    client = _api(users[role])
    before = (Household.objects.count(), Person.objects.count())
    member = client.post(
        reverse("api:member_add", args=[own.pk]),
        {"id_number": taken, "name": "某人", "relation": "spouse"},
        format="json",
    )
    created = client.post(
        reverse("api:household_create"),
        {"region": "430981114201", "head": {"id_number": taken, "name": "某人"}},
        format="json",
    )
    assert (Household.objects.count(), Person.objects.count()) == before
    for response in (member, created):
        assert 400 <= response.status_code < 500
        assert response.json()["code"] == "duplicate_person"
        text = response.content.decode()
        if role == "administrator":
            assert foreign.number in response.json()["message"] and "肖芝" in response.json()["message"]
        else:
            _assert_neutral(response.json()["message"], foreign)
            _assert_neutral(text + str(response.json()), foreign)


def test_api_member_add_names_the_household_inside_scope(users, foreign, taken, regions):
    mine = f.household(regions["ziyang_village"], actor=users["foreign_county_reviewer"], head_name="李大")
    response = _api(users["foreign_county_reviewer"]).post(
        reverse("api:member_add", args=[mine.pk]),
        {"id_number": taken, "name": "肖芝", "relation": "spouse"},
        format="json",
    )
    assert response.json()["code"] == "duplicate_person"
    assert foreign.number in response.json()["message"] and "肖芝" in response.json()["message"]


def _person_post(prefix: str, **values) -> dict:
    return {f"{prefix}-{k}": v for k, v in values.items()}


def test_member_form_tells_an_outsider_nothing(client, users, own, foreign, taken):
    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:member_add", args=[own.pk]), {"id_number": taken, "name": "某人", "relation": "spouse"}
    )
    assert response.status_code == 200 and Person.objects.filter(id_number=taken).count() == 1
    assert response.context["form"].errors["id_number"] == [REGISTERED_OUTSIDE_SCOPE]
    _assert_neutral(response.content.decode(), foreign)


def test_household_form_tells_an_outsider_nothing(client, users, regions, foreign, taken):
    client.force_login(users["county_reviewer"])
    data = {"region": regions["lixin"].code, "address": "立新村3组", "note": "", "joined_on": ""}
    data.update(_person_post("head", id_number=taken, name="某人", relation="head"))
    data.update({"m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0"})
    before = Household.objects.count()
    response = client.post(reverse("registry:household_create"), data)
    assert response.status_code == 200 and Household.objects.count() == before
    assert response.context["head_form"].errors["id_number"] == [REGISTERED_OUTSIDE_SCOPE]
    _assert_neutral(response.content.decode(), foreign)


def test_household_form_names_the_household_inside_scope(client, users, regions, foreign, taken):
    client.force_login(users["foreign_county_reviewer"])
    data = {"region": regions["ziyang_village"].code, "address": "5栋", "note": "", "joined_on": ""}
    data.update(_person_post("head", id_number=taken, name="肖芝", relation="head"))
    data.update({"m-TOTAL_FORMS": "1", "m-INITIAL_FORMS": "0"})
    response = client.post(reverse("registry:household_create"), data)
    [error] = response.context["head_form"].errors["id_number"]
    assert foreign.number in error and "肖芝" in error
