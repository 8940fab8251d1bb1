"""The region browser and the administrator's urban/rural correction."""

from __future__ import annotations

import pytest
from django.urls import reverse

from doudi.audit.models import AuditEvent
from doudi.core.errors import DomainError, NotFound, PermissionDenied
from doudi.regions.models import Region
from doudi.regions.services import do_set_area_type
from doudi.registry.models import Household
from doudi.registry.tests import factories as f


def test_browser_starts_at_the_users_region_with_counts(client, users, regions):
    f.household(regions["lixin"], actor=users["village_worker"], members=2)
    f.household(regions["hanjiacha"], actor=users["county_reviewer"])
    client.force_login(users["county_reviewer"])
    response = client.get(reverse("regions:browse"))
    assert response.context["region"] == regions["yuanjiang"]
    assert response.context["total"] == (2, 4)
    by_code = {child.code: (hh, p) for child, hh, p in response.context["rows"]}
    assert by_code[regions["caowei"].code] == (1, 3) and by_code[regions["qionghu"].code] == (1, 1)


@pytest.mark.parametrize("role", ["other_village_worker", "other_township_officer", "foreign_county_reviewer"])
def test_regions_outside_scope_are_404(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("regions:browse_code", args=["430981114"]))
    assert response.status_code == 404
    assert "草尾镇" not in response.content.decode() and "立新村" not in response.content.decode()


def test_a_user_without_region_sees_a_notice(client, users):
    client.force_login(users["no_region"])
    assert "尚未分配管辖区划" in client.get(reverse("regions:browse")).content.decode()


def test_administrator_corrects_a_village_and_its_households_follow(client, users, regions):
    hh = f.household(regions["lixin"], actor=users["village_worker"])
    client.force_login(users["administrator"])
    url = reverse("regions:set_area_type", args=[regions["lixin"].code])
    response = client.post(url, {"area_type": "urban", "reason": "撤村建居"})
    assert response.status_code == 302
    village = Region.objects.get(pk=regions["lixin"].pk)
    assert (village.area_type, village.area_type_source) == ("urban", "manual")
    hh.refresh_from_db()
    assert hh.area_type == "urban" and hh.version == 2
    event = AuditEvent.objects.get(action="set_area_type")
    assert event.changes["area_type"] == {"label": "城乡类别", "old": "农村", "new": "城镇"}
    assert event.reason == "撤村建居" and event.actor == users["administrator"]
    assert AuditEvent.objects.filter(action="area_type_follows_region", household_id=hh.pk).exists()


def test_a_village_page_says_where_its_type_comes_from(client, users, regions):
    """A derived type is labelled as read from the division code, a corrected one as the administrator's."""
    client.force_login(users["administrator"])
    page = reverse("regions:browse_code", args=[regions["lixin"].code])
    assert "按区划代码推定" in client.get(page).content.decode()
    do_set_area_type(users["administrator"], regions["lixin"], area_type="urban", reason="撤村建居")
    shown = client.get(page).content.decode()
    assert "管理员更正" in shown and "按区划代码推定" not in shown


def test_area_type_form_needs_a_reason(client, users, regions):
    client.force_login(users["administrator"])
    response = client.post(reverse("regions:set_area_type", args=[regions["lixin"].code]), {"area_type": "urban"})
    assert response.context["form"].errors["reason"] == ["更正原因：不能为空。"]
    assert Region.objects.get(pk=regions["lixin"].pk).area_type == "rural"


@pytest.mark.parametrize("role", ["village_worker", "county_reviewer", "auditor", "city_supervisor"])
def test_only_administrators_correct_area_types(client, users, regions, role):
    client.force_login(users[role])
    url = reverse("regions:set_area_type", args=[regions["lixin"].code])
    assert client.post(url, {"area_type": "urban", "reason": "x"}).status_code == 403
    assert Region.objects.get(pk=regions["lixin"].pk).area_type == "rural"
    assert "更正城乡类别" not in client.get(reverse("regions:browse_code", args=["430981114201"])).content.decode()


def test_service_refuses_non_villages_foreign_regions_and_other_roles(users, regions):
    with pytest.raises(DomainError, match="只有村/社区"):
        do_set_area_type(users["administrator"], regions["caowei"], area_type="urban")
    with pytest.raises(PermissionDenied):
        do_set_area_type(users["county_reviewer"], regions["lixin"], area_type="urban")
    admin = users["administrator"]
    admin.region = regions["yuanjiang"]
    admin.save()
    with pytest.raises(NotFound):
        do_set_area_type(admin, regions["ziyang_village"], area_type="rural")
    assert not AuditEvent.objects.exists()
    assert Household.objects.count() == 0
