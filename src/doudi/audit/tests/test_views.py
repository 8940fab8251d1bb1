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


class _Sink:
    def write(self, _text):
        pass

    def flush(self):
        pass


@pytest.fixture
def demo_events(regions, users, activity):
    """The audit trail of a demo county: ``generate_demo``'s own event beside the workers' events."""
    from django.core.management import call_command

    call_command("generate_demo", households=20, county="430981", seed=7, replace=True, stdout=_Sink())


def test_the_demo_event_is_shown_with_labels(client, users, demo_events):
    client.force_login(users["administrator"])
    response = client.get(reverse("audit:event_list"), {"action": "generate_demo"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "生成演示数据" in page and "家庭数：20" in page and "随机种子：7" in page


def test_an_event_with_plain_values_in_changes_is_still_shown(client, users, regions):
    """Rows written before every writer used {label, old, new} still render, under the field's name."""
    from doudi.audit.models import AuditEvent

    AuditEvent.objects.create(
        action="generate_demo",
        target_type="region",
        target_id="430981000000",
        target_label="旧演示数据",
        region_code="430981000000",
        changes={"households": 3000, "seed": None, "note": ["a"]},
    )
    client.force_login(users["administrator"])
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 200
    assert "户数：3000" in response.content.decode()


@pytest.mark.parametrize("role", ["administrator", "city_supervisor", "county_reviewer", "auditor"])
@pytest.mark.parametrize("page", ["-1", "abc", "999999", "0", "", "1.5", "9" * 40])
def test_any_page_number_answers_a_page(client, users, demo_events, role, page):
    from doudi.audit.views import PAGE_SIZE

    client.force_login(users[role])
    response = client.get(reverse("audit:event_list"), {"page": page})
    assert response.status_code == 200
    shown = response.context["page"]
    assert 1 <= shown.number <= shown.paginator.num_pages
    assert len(shown.object_list) <= PAGE_SIZE


def test_full_record_views_name_the_person_household_and_region(client, users, activity):
    """The auditor reads who was seen: names, not bare ids (#5296) and region codes (430981114201)."""
    mine, _theirs = activity
    head = Person.objects.get(household=mine, relation="head")
    client.force_login(users["village_worker"])
    client.get(reverse("registry:household_detail", args=[mine.pk]), {"reveal": head.pk})
    client.force_login(users["auditor"])
    page = client.get(reverse("audit:event_list"), {"kind": "access"}).content.decode()
    row = page[page.index("<tbody>") : page.index("</tbody>")]
    assert f">{head.name}</a>" in row and ">王建国户</a>" in row
    assert '<td data-label="区划">立新村</td>' in row and f">#{head.pk}</a>" not in row
