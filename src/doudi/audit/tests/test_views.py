"""The audit log page: only roles with view_audit, only their region, filters."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doudi.audit.models import RecordAccess
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


@pytest.fixture
def activity(regions, users):
    mine = f.household(regions["lixin"], actor=users["village_worker"], head_name="王建国")
    theirs = f.household(regions["ziyang_village"], actor=users["foreign_county_reviewer"], head_name="周四海")
    return mine, theirs


@pytest.mark.parametrize("role", ["village_worker", "township_officer"])
def test_roles_without_view_audit_get_403(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("audit:event_list")).status_code == 403


def test_county_sees_its_own_events_only(client, users, activity):
    client.force_login(users["auditor"])
    page = client.get(reverse("audit:event_list")).content.decode()
    assert "王建国" in page and "周四海" not in page


def test_filter_by_action_and_user(client, users, activity):
    client.force_login(users["county_reviewer"])
    response = client.get(reverse("audit:event_list"), {"action": "create_household"})
    assert [e.action for e in response.context["page"].object_list] == ["create_household"]
    response = client.get(reverse("audit:event_list"), {"actor": users["village_worker"].pk})
    assert {e.actor_id for e in response.context["page"].object_list} == {users["village_worker"].pk}
    response = client.get(reverse("audit:event_list"), {"date_from": "2000-01-01", "date_to": "2000-01-02"})
    assert list(response.context["page"].object_list) == []
    response = client.get(reverse("audit:event_list"), {"date_from": "2020-01-02", "date_to": "2020-01-01"})
    assert response.context["form"].errors["date_to"]


def test_full_record_views_are_listed(client, users, activity):
    mine, _theirs = activity
    head = Person.objects.get(household=mine, relation="head")
    client.force_login(users["village_worker"])
    client.get(reverse("registry:household_detail", args=[mine.pk]), {"reveal": head.pk})
    assert RecordAccess.objects.count() == 1
    client.force_login(users["city_supervisor"])
    response = client.get(reverse("audit:event_list"), {"kind": "access"})
    rows = list(response.context["page"].object_list)
    assert [(r.person_id, r.actor_id) for r in rows] == [(head.pk, users["village_worker"].pk)]
    assert "家庭页面显示完整信息" in response.content.decode()
    client.force_login(users["foreign_county_reviewer"])
    assert list(client.get(reverse("audit:event_list"), {"kind": "access"}).context["page"].object_list) == []
