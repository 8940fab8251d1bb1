"""The admin applies the same region scope, role capabilities and masking as the pages and the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.contrib import admin as django_admin
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.accounts.models import User
from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import PASSWORD, UserFactory
from doudi.audit.models import AuditEvent, RecordAccess
from doudi.registry.models import Income, Person
from doudi.registry.services import do_record_evidence
from doudi.registry.tests import factories as f

# The household under test lives in 立新村 (430981114201).
IN_SCOPE = ["village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator"]
OUT_OF_SCOPE = ["other_village_worker", "other_township_officer", "foreign_county_reviewer", "no_region"]
ALL_ROLES = IN_SCOPE + OUT_OF_SCOPE


@pytest.fixture
def hh(regions, users):
    return f.household(regions["lixin"], actor=users["village_worker"], members=1, head_name="王大山")


@pytest.fixture
def head(hh):
    return Person.objects.get(household=hh, relation="head")


@pytest.fixture
def county_admin(regions):
    """An administrator of 沅江市 only, so that 资阳区 and the province are outside the scope."""
    return UserFactory(role=Role.ADMINISTRATOR, region=regions["yuanjiang"], is_staff=True, username="yj_admin")


def staff_client(client, user):
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


# ---------------------------------------------------------------------------------------------
# Who reaches the admin
# ---------------------------------------------------------------------------------------------


def test_non_staff_users_do_not_reach_the_admin(users, client):
    client.force_login(users["county_reviewer"])
    response = client.get(url("index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_demo_style_administrator_sees_the_doudi_screens(users, client):
    client.force_login(users["administrator"])
    response = client.get(url("index"))
    assert response.status_code == 200
    for name in ("registry_household_changelist", "accounts_user_changelist", "audit_auditevent_changelist"):
        assert url(name) in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Registry: scoped, masked, read-only; a person's page is logged
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_household_changelist_and_page_follow_the_scope(users, hh, client, role):
    c = staff_client(client, users[role])
    listing = c.get(url("registry_household_changelist"))
    assert listing.status_code == 200
    assert (hh.number in listing.content.decode()) == (role in IN_SCOPE)
    page = c.get(url("registry_household_change", hh.pk))
    if role in IN_SCOPE:
        assert page.status_code == 200 and hh.number in page.content.decode()
    else:
        # The same answer as for a record that does not exist: back to the index.
        assert page.status_code == 302 and page["Location"] == url("index")


def test_missing_and_foreign_household_pages_answer_alike(users, hh, client):
    c = staff_client(client, users["other_village_worker"])
    foreign = c.get(url("registry_household_change", hh.pk))
    missing = c.get(url("registry_household_change", hh.pk + 1000))
    assert foreign.status_code == missing.status_code == 302
    assert foreign["Location"] == missing["Location"]


def test_person_changelist_masks_identifiers(users, head, client):
    Person.objects.filter(pk=head.pk).update(phone="13812345678", bank_account="6222021234567890123")
    c = staff_client(client, users["county_reviewer"])
    for name in ("registry_person_changelist", "registry_household_changelist"):
        html = c.get(url(name)).content.decode()
        assert head.id_number not in html and "13812345678" not in html
    html = c.get(url("registry_person_changelist")).content.decode()
    assert head.id_number[:3] + "*" * 11 + head.id_number[-4:] in html
    assert "138****5678" in html
    household_page = c.get(url("registry_household_change", head.household_id)).content.decode()
    assert head.id_number not in household_page and "13812345678" not in household_page
    assert not RecordAccess.objects.exists()


def test_search_by_full_id_number_finds_the_person_but_shows_it_masked(users, head, client):
    c = staff_client(client, users["township_officer"])
    html = c.get(url("registry_person_changelist"), {"q": head.id_number}).content.decode()
    masked = head.id_number[:3] + "*" * 11 + head.id_number[-4:]
    # The search term itself is echoed back in the page's links; the result column is masked.
    assert f'<td class="field-id_number_masked">{masked}</td>' in html
    assert f">{head.id_number}<" not in html


@pytest.mark.parametrize("role", ALL_ROLES)
def test_person_page_shows_identifiers_in_full_and_is_logged(users, head, client, role):
    c = staff_client(client, users[role])
    response = c.get(url("registry_person_change", head.pk))
    if role in OUT_OF_SCOPE:
        assert response.status_code == 302
        assert not RecordAccess.objects.exists()
        return
    assert response.status_code == 200 and head.id_number in response.content.decode()
    access = RecordAccess.objects.get()
    assert (access.actor, access.person_id, access.household_id) == (users[role], head.pk, head.household_id)
    assert access.channel == "admin" and access.region_code == "430981114201"


def test_evidence_changelist_is_scoped(users, head, regions, client):
    values = {"category": "wages", "monthly_amount": 900}
    do_record_evidence(users["village_worker"], head, kind="income", values=values, valid_from=date(2024, 1, 1))
    assert Income.objects.count() == 1
    inside = staff_client(client, users["township_officer"]).get(url("registry_income_changelist"))
    assert "王大山" in inside.content.decode()
    client.logout()
    outside = staff_client(client, users["other_township_officer"]).get(url("registry_income_changelist"))
    assert outside.status_code == 200 and "王大山" not in outside.content.decode()


def test_registry_admin_is_read_only_even_for_administrators(users, hh, head, client):
    c = staff_client(client, users["administrator"])
    assert c.get(url("registry_household_add")).status_code == 403
    assert c.get(url("registry_person_add")).status_code == 403
    before = AuditEvent.objects.count()
    response = c.post(url("registry_household_change", hh.pk), {"address": "改过的地址", "note": "x"})
    assert response.status_code == 403
    hh.refresh_from_db()
    assert hh.address == "测试地址1号" and AuditEvent.objects.count() == before
    assert c.post(url("registry_person_delete", head.pk), {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=head.pk).exists()


# ---------------------------------------------------------------------------------------------
# Users: an administrator manages the users of their own subtree only
# ---------------------------------------------------------------------------------------------


def test_user_changelist_shows_only_users_of_the_subtree(users, county_admin, client):
    html = staff_client(client, county_admin).get(url("accounts_user_changelist")).content.decode()
    for role in ("village_worker", "other_village_worker", "township_officer", "county_reviewer", "auditor"):
        assert users[role].username in html, role
    for role in ("foreign_county_reviewer", "city_supervisor", "administrator", "no_region"):
        assert f">{users[role].username}<" not in html, role


def test_foreign_user_pages_are_not_found(users, county_admin, client):
    c = staff_client(client, county_admin)
    foreign = users["foreign_county_reviewer"]
    assert c.get(url("accounts_user_change", foreign.pk)).status_code == 302
    assert c.get(url("auth_user_password_change", foreign.pk)).status_code == 404
    response = c.post(
        url("auth_user_password_change", foreign.pk), {"password1": "Ne1-passw0rd!", "password2": "Ne1-passw0rd!"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.check_password(PASSWORD)


def _user_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "role": user.role,
        "region": user.region_id,
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_region_outside_the_subtree_cannot_be_assigned(users, county_admin, client, regions):
    c = staff_client(client, county_admin)
    worker = users["village_worker"]
    response = c.post(url("accounts_user_change", worker.pk), _user_form(worker, region=regions["heshan"].code))
    assert response.status_code == 200  # the form comes back with an error
    assert response.context["adminform"].form.errors["region"]
    worker.refresh_from_db()
    assert worker.region_id == regions["lixin"].code


def test_a_region_inside_the_subtree_can_be_assigned(users, county_admin, client, regions):
    c = staff_client(client, county_admin)
    worker = users["village_worker"]
    response = c.post(url("accounts_user_change", worker.pk), _user_form(worker, region=regions["shengtian"].code))
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.region_id == regions["shengtian"].code


def test_a_region_is_required(users, county_admin, client):
    c = staff_client(client, county_admin)
    worker = users["village_worker"]
    response = c.post(url("accounts_user_change", worker.pk), _user_form(worker, region=""))
    assert response.status_code == 200 and response.context["adminform"].form.errors["region"]


def test_a_new_user_can_only_be_added_inside_the_subtree(county_admin, client, regions):
    c = staff_client(client, county_admin)
    base = {
        "username": "new_worker",
        "usable_password": "true",
        "password1": "Ne1-passw0rd!",
        "password2": "Ne1-passw0rd!",
        "full_name": "新专干",
        "role": Role.VILLAGE_WORKER,
    }
    refused = c.post(url("accounts_user_add"), {**base, "region": regions["ziyang_village"].code})
    assert refused.status_code == 200 and not User.objects.filter(username="new_worker").exists()
    created = c.post(url("accounts_user_add"), {**base, "region": regions["lixin"].code})
    assert created.status_code == 302
    assert User.objects.get(username="new_worker").region_id == regions["lixin"].code


def test_superuser_and_permission_fields_are_not_offered(users, county_admin, client):
    c = staff_client(client, county_admin)
    worker = users["village_worker"]
    c.post(url("accounts_user_change", worker.pk), _user_form(worker, is_superuser="on"))
    worker.refresh_from_db()
    assert not worker.is_superuser


def test_region_autocomplete_offers_only_the_subtree(county_admin, client):
    c = staff_client(client, county_admin)
    response = c.get(
        reverse("admin:autocomplete"),
        {"term": "", "app_label": "accounts", "model_name": "user", "field_name": "region"},
    )
    assert response.status_code == 200
    codes = [r["id"] for r in response.json()["results"]]
    assert codes and all(code.startswith("430981") for code in codes)


def test_the_save_check_refuses_an_object_outside_the_subtree(users, county_admin, regions):
    """Even a form that got past the region choices cannot save a user outside the subtree."""
    request = RequestFactory().post("/")
    request.user = county_admin
    worker = users["village_worker"]
    worker.region = regions["heshan"]
    with pytest.raises(PermissionDenied):
        django_admin.site._registry[User].save_model(request, worker, form=None, change=True)
    worker.refresh_from_db()
    assert worker.region_id == regions["lixin"].code


@pytest.mark.parametrize("role", ["village_worker", "county_reviewer", "auditor", "city_supervisor"])
def test_roles_without_user_management_cannot_open_users(users, client, role):
    c = staff_client(client, users[role])
    assert c.get(url("accounts_user_changelist")).status_code == 403
    assert c.get(url("accounts_user_change", users[role].pk)).status_code == 403


# ---------------------------------------------------------------------------------------------
# Audit: read-only, for roles that may view it, scoped by region code
# ---------------------------------------------------------------------------------------------


def test_audit_admin_is_scoped_read_only_and_for_auditing_roles(users, hh, regions, client):
    foreign = f.household(regions["ziyang_village"], head_name="李外县")
    c = staff_client(client, users["auditor"])
    html = c.get(url("audit_auditevent_changelist")).content.decode()
    assert hh.head_name in html and foreign.head_name not in html
    event = AuditEvent.objects.filter(household_id=hh.pk).first()
    assert c.get(url("audit_auditevent_change", event.pk)).status_code == 200
    assert c.post(url("audit_auditevent_change", event.pk), {"reason": "改写"}).status_code == 403
    assert c.post(url("audit_auditevent_delete", event.pk), {"post": "yes"}).status_code == 403
    assert c.get(url("audit_auditevent_add")).status_code == 403
    foreign_event = AuditEvent.objects.filter(household_id=foreign.pk).first()
    assert c.get(url("audit_auditevent_change", foreign_event.pk)).status_code == 302
    client.logout()
    assert staff_client(client, users["village_worker"]).get(url("audit_auditevent_changelist")).status_code == 403


def test_record_access_log_is_scoped(users, head, client):
    staff_client(client, users["village_worker"]).get(url("registry_person_change", head.pk))
    client.logout()
    inside = staff_client(client, users["auditor"]).get(url("audit_recordaccess_changelist"))
    assert inside.status_code == 200 and users["village_worker"].full_name in inside.content.decode()
    client.logout()
    outside = staff_client(client, users["foreign_county_reviewer"]).get(url("audit_recordaccess_changelist"))
    assert outside.status_code == 200 and users["village_worker"].full_name not in outside.content.decode()


# ---------------------------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------------------------


def test_region_admin_is_scoped_and_read_only(users, client, regions):
    c = staff_client(client, users["township_officer"])
    html = c.get(url("regions_region_changelist")).content.decode()
    assert "立新村" in html and "韩家汊社区" not in html
    assert c.get(url("regions_region_change", regions["hanjiacha"].code)).status_code == 302
    response = c.post(url("regions_region_change", regions["lixin"].code), {"area_type": "urban"})
    assert response.status_code == 403
    regions["lixin"].refresh_from_db()
    assert regions["lixin"].area_type == "rural"


# ---------------------------------------------------------------------------------------------
# Logins: failed API token requests lock the admin login too
# ---------------------------------------------------------------------------------------------


def test_failed_token_requests_lock_the_admin_login(users, client):
    admin_user = users["administrator"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(
            reverse("api:token_create"), {"username": admin_user.username, "password": "wrong"}, format="json"
        )
    response = client.post(url("login"), {"username": admin_user.username, "password": PASSWORD, "next": url("index")})
    assert response.status_code == 429
    assert client.get(url("index")).status_code == 302  # still not signed in
