"""A case step that takes a user by id never tells who that user is when the choice is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh

SURVEYED_ON = ACCEPTED_ON.replace(day=ACCEPTED_ON.day + 2)


def _survey(user, case, co_investigator_id):
    client = APIClient()
    client.force_authenticate(user)
    body = {
        "expected_version": fresh(case).version,
        "visited_on": SURVEYED_ON.isoformat(),
        "findings": "家中确实困难",
        "co_investigator_id": co_investigator_id,
    }
    return client.post(reverse("api:case_survey", kwargs={"case_id": case.pk}), body, format="json")


@pytest.fixture
def verified(walk, household):
    case = walk.accept(walk.open(household))
    walk.verify(case, SURVEYED_ON)
    return case


def test_a_second_investigator_from_another_county_is_refused_without_a_name(regions, users, verified):
    stranger = UserFactory(role=Role.VILLAGE_WORKER, region=regions["ziyang_village"], full_name="欧阳远山")
    auditor = UserFactory(role=Role.AUDITOR, region=regions["heshan"], full_name="司马静")
    answers = [_survey(users["village_worker"], verified, pk) for pk in (stranger.pk, auditor.pk, 10**9)]
    for response in answers:
        assert response.status_code == 400, response.json()
        text = response.content.decode() + str(response.json())
        assert "欧阳远山" not in text and "司马静" not in text and stranger.username not in text
    # A user of another county, a user without the capability and a missing id are told the same.
    assert len({r.json()["message"] for r in answers}) == 1
    assert answers[0].json()["message"].startswith("第二调查人：所选人员不存在")
    assert not fresh(verified).surveys.exists()


def test_the_actor_as_second_investigator_is_told_so(users, verified):
    response = _survey(users["village_worker"], verified, users["village_worker"].pk)
    assert response.status_code == 400 and "不能选择本人" in response.json()["message"]


def test_a_second_investigator_of_the_village_is_accepted(users, co_worker, verified):
    response = _survey(users["village_worker"], verified, co_worker.pk)
    assert response.status_code == 200, response.json()


def test_the_administrator_is_neither_offered_nor_accepted_as_second_investigator(regions, users, verified):
    """The administrator holds every capability to run the system, not to visit families."""
    from doudi.cases.views.steps import co_investigators

    admin = UserFactory(role=Role.ADMINISTRATOR, region=regions["lixin"], full_name="赵管理员")
    peer = UserFactory(role=Role.VILLAGE_WORKER, region=regions["lixin"], full_name="钱村干")
    offered = co_investigators(verified, users["village_worker"])
    assert peer in offered and admin not in offered
    response = _survey(users["village_worker"], verified, admin.pk)
    assert response.status_code == 400 and response.json()["message"].startswith("第二调查人：所选人员不存在")
    assert not fresh(verified).surveys.exists()
