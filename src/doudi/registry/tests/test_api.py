"""The registry API: the same region scope and masking as the pages, for every role."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.registry import services
from doudi.registry.models import Household, Income, Person
from doudi.registry.tests import factories as f

# The household under test lives in 立新村 (430981114201), 草尾镇, 沅江市.
IN_SCOPE = ["village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator"]
OUT_OF_SCOPE = ["other_village_worker", "other_township_officer", "foreign_county_reviewer", "no_region"]
EDITORS = ["village_worker", "township_officer", "county_reviewer", "administrator"]
READ_ONLY = ["city_supervisor", "auditor"]
ALL_ROLES = IN_SCOPE + OUT_OF_SCOPE

PHONE = "13812345678"
BANK = "6222021234567890123"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def hh(regions, users):
    """A household of 立新村: head with phone and bank account, and one child."""
    household = f.household(
        regions["lixin"], actor=users["village_worker"], members=1, head_name="王大山", joined_on=date(2020, 1, 1)
    )
    head = Person.objects.get(household=household, relation="head")
    services.do_update_person(
        users["village_worker"],
        head,
        expected_version=head.version,
        phone=PHONE,
        bank_name="农业银行",
        bank_account=BANK,
    )
    return household


@pytest.fixture
def head(hh):
    return Person.objects.get(household=hh, relation="head")


@pytest.fixture
def income(head, users):
    return services.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": "800.00"},
        valid_from=date(2024, 1, 1),
    )


def _writes() -> tuple[int, int, int]:
    return AuditEvent.objects.count(), Person.objects.count(), Household.objects.count()


# ---------------------------------------------------------------------------------------------
# Reading: in scope works, outside the scope is the same 404 as a missing record
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_household_list_shows_only_the_users_subtree(users, hh, regions, role):
    foreign = f.household(regions["ziyang_village"], head_name="李外县")
    response = client_for(users[role]).get(reverse("api:household_list"))
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert (hh.pk in ids) == (role in IN_SCOPE)
    assert (foreign.pk in ids) == (role in ("administrator", "city_supervisor", "foreign_county_reviewer"))


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("name", ["household_detail", "household_history", "household_as_of"])
def test_household_reads_refuse_outside_the_subtree_with_404(users, hh, role, name):
    url = reverse(f"api:{name}", args=[hh.pk])
    response = client_for(users[role]).get(url, {"on": timezone.localdate().isoformat()})
    assert response.status_code == (200 if role in IN_SCOPE else 404)
    if role in OUT_OF_SCOPE:
        assert response.json()["code"] == "not_found"
        assert "不在您的管辖范围内" in response.json()["message"]


def test_missing_and_foreign_household_get_the_same_answer(users, regions):
    foreign = f.household(regions["ziyang_village"])
    client = client_for(users["village_worker"])
    missing = client.get(reverse("api:household_detail", args=[foreign.pk + 1000]))
    not_yours = client.get(reverse("api:household_detail", args=[foreign.pk]))
    assert missing.status_code == not_yours.status_code == 404
    assert missing.json() == not_yours.json()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_person_full_record_is_scoped_and_logged(users, head, role):
    before = RecordAccess.objects.count()
    response = client_for(users[role]).get(reverse("api:person_full", args=[head.pk]))
    if role in OUT_OF_SCOPE:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "人员不存在或不在您的管辖范围内。", "extra": {}}
        assert RecordAccess.objects.count() == before
        return
    assert response.status_code == 200
    body = response.json()
    assert (body["id_number"], body["phone"], body["bank_account"]) == (head.id_number, PHONE, BANK)
    access = RecordAccess.objects.latest("id")
    assert RecordAccess.objects.count() == before + 1
    assert (access.actor, access.person_id, access.household_id) == (users[role], head.pk, head.household_id)
    assert access.channel == "api" and access.region_code == "430981114201"


def test_unknown_person_full_record_is_404_and_not_logged(users):
    response = client_for(users["county_reviewer"]).get(reverse("api:person_full", args=[999999]))
    assert response.status_code == 404
    assert not RecordAccess.objects.exists()


# ---------------------------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------------------------


def test_list_detail_history_and_as_of_never_show_identifiers_in_full(users, hh, head, income):
    client = client_for(users["county_reviewer"])
    urls = [
        reverse("api:household_list"),
        reverse("api:household_detail", args=[hh.pk]),
        reverse("api:household_history", args=[hh.pk]),
        reverse("api:household_as_of", args=[hh.pk]) + f"?on={timezone.localdate().isoformat()}",
        reverse("api:person_detail", args=[head.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        for secret in (head.id_number, PHONE, BANK):
            assert secret not in text, (url, secret)
    assert not RecordAccess.objects.exists()


def test_masked_values_keep_the_agreed_shape(users, hh, head):
    client = client_for(users["village_worker"])
    row = client.get(reverse("api:household_list")).json()["results"][0]
    assert row["head_id_number"] == head.id_number[:3] + "*" * 11 + head.id_number[-4:]
    member = next(
        m for m in client.get(reverse("api:household_detail", args=[hh.pk])).json()["members"] if m["id"] == head.pk
    )
    assert member["id_number"] == row["head_id_number"]
    assert member["phone"] == "138****5678"
    assert member["bank_account"] == "*" * (len(BANK) - 4) + BANK[-4:]


# ---------------------------------------------------------------------------------------------
# Searching and paging
# ---------------------------------------------------------------------------------------------


def test_household_list_searches_by_id_number_name_and_region(users, hh, head, regions):
    other = f.household(regions["shengtian"], actor=users["township_officer"], head_name="赵四")
    client = client_for(users["township_officer"])

    def ids(**params):
        return {r["id"] for r in client.get(reverse("api:household_list"), params).json()["results"]}

    assert ids(q=head.id_number) == {hh.pk}
    assert ids(q="赵四") == {other.pk}
    assert ids(region="430981114202") == {other.pk}
    assert ids(region="430981114") == {hh.pk, other.pk}
    bad = client.get(reverse("api:household_list"), {"region": "abc"})
    assert bad.status_code == 400 and bad.json()["message"].startswith("区划：")


def test_household_list_is_paginated(users, regions):
    for i in range(3):
        f.household(regions["lixin"], actor=users["village_worker"], head_name=f"王{'一二三'[i]}")
    body = client_for(users["village_worker"]).get(reverse("api:household_list"), {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


# ---------------------------------------------------------------------------------------------
# Writing: editors in scope succeed, outside the scope 404, read-only roles 403; nothing written
# ---------------------------------------------------------------------------------------------


def _expected_write_status(role: str, success: int) -> int:
    if role in READ_ONLY:
        return 403
    return success if role in EDITORS else 404


def _post(role, users, name, args, payload):
    before = _writes()
    response = client_for(users[role]).post(reverse(f"api:{name}", args=args), payload, format="json")
    if response.status_code >= 400:
        assert _writes() == before, "a refused write left rows behind"
        assert response.json()["message"]
    if response.status_code == 403:
        assert response.json() == {"code": "permission_denied", "message": "您的角色无权修改登记信息。", "extra": {}}
    return response


@pytest.mark.parametrize("role", ALL_ROLES)
def test_create_household(users, regions, role):
    payload = {
        "region": "430981114201",
        "address": "立新村 3 组",
        "head": {"id_number": f.id_number(), "name": "陈建国", "phone": PHONE},
        "members": [{"id_number": f.id_number(date(2012, 6, 1), male=False), "name": "陈小花", "relation": "child"}],
    }
    response = _post(role, users, "household_create", [], payload)
    assert response.status_code == _expected_write_status(role, 201)
    if response.status_code == 201:
        body = response.json()
        assert body["head_name"] == "陈建国" and body["member_count"] == 2
        assert body["members"][0]["phone"] == "138****5678"
        assert AuditEvent.objects.filter(household_id=body["id"], actor=users[role]).exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_add_member(users, hh, role):
    payload = {"id_number": f.id_number(date(1982, 2, 3), male=False), "name": "李梅", "relation": "spouse"}
    response = _post(role, users, "member_add", [hh.pk], payload)
    assert response.status_code == _expected_write_status(role, 201)
    if response.status_code == 201:
        assert response.json()["gender"] == "F" and response.json()["birth_date"] == "1982-02-03"
        assert Household.objects.get(pk=hh.pk).member_count == 3


@pytest.mark.parametrize("role", ALL_ROLES)
def test_update_household(users, hh, role):
    hh.refresh_from_db()
    payload = {"expected_version": hh.version, "address": "立新村 5 组 8 号", "reason": "门牌调整"}
    response = _post(role, users, "household_update", [hh.pk], payload)
    assert response.status_code == _expected_write_status(role, 200)
    if response.status_code == 200:
        assert response.json()["address"] == "立新村 5 组 8 号"
        assert response.json()["version"] == hh.version + 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_update_person(users, head, role):
    payload = {"expected_version": head.version, "phone": "13900001111", "reason": "换号"}
    response = _post(role, users, "person_update", [head.pk], payload)
    assert response.status_code == _expected_write_status(role, 200)
    if response.status_code == 200:
        assert response.json()["phone"] == "139****1111"
        event = AuditEvent.objects.filter(action="update_person").latest("id")
        assert event.changes["phone"]["new"] == "139****1111"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_remove_member(users, hh, role):
    child = Person.objects.get(household=hh, relation="child")
    payload = {"left_on": (timezone.localdate() + timedelta(days=1)).isoformat(), "reason": "外出务工迁出"}
    response = _post(role, users, "member_remove", [child.pk], payload)
    assert response.status_code == _expected_write_status(role, 200)
    if response.status_code == 200:
        assert response.json()["household_id"] is None
        assert Household.objects.get(pk=hh.pk).member_count == 1


@pytest.mark.parametrize("role", ALL_ROLES)
def test_record_evidence(users, head, role):
    payload = {
        "kind": "income",
        "valid_from": "2024-03-01",
        "values": {"category": "wages", "monthly_amount": "1200.50"},
    }
    response = _post(role, users, "evidence_record", [head.pk], payload)
    assert response.status_code == _expected_write_status(role, 201)
    if response.status_code == 201:
        body = response.json()
        assert body["kind"] == "income" and body["values"]["monthly_amount"] == "1200.50"
        assert Income.objects.get(pk=body["id"]).recorded_by == users[role]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_correct_evidence(users, income, role):
    payload = {"reason": "核对后更正", "values": {"monthly_amount": "950.00"}}
    response = _post(role, users, "evidence_correct", ["income", income.pk], payload)
    assert response.status_code == _expected_write_status(role, 201)
    income.refresh_from_db()
    if response.status_code == 201:
        assert response.json()["values"]["monthly_amount"] == "950.00"
        assert income.superseded_at is not None
    else:
        assert income.superseded_at is None


def test_correcting_a_superseded_row_is_a_conflict(users, income):
    client = client_for(users["village_worker"])
    url = reverse("api:evidence_correct", args=["income", income.pk])
    assert client.post(url, {"reason": "第一次"}, format="json").status_code == 201
    response = client.post(url, {"reason": "第二次"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_unknown_evidence_kind_is_404(users, income):
    url = reverse("api:evidence_correct", args=["salary", income.pk])
    response = client_for(users["village_worker"]).post(url, {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "证据不存在或不在您的管辖范围内。", "extra": {}}
    income.refresh_from_db()
    assert income.superseded_at is None


# ---------------------------------------------------------------------------------------------
# Bad input: a Chinese message naming the field, and nothing written
# ---------------------------------------------------------------------------------------------


def _create(users, head: dict, **extra):
    payload = {"region": "430981114201", "head": head, **extra}
    return _post("village_worker", users, "household_create", [], payload)


def test_bad_id_number_is_refused_with_the_reason(users, regions):
    valid = f.id_number()
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    response = _create(users, {"id_number": wrong, "name": "错号"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_number_invalid" and body["extra"]["field"] == "id_number"
    assert "公民身份号码" in body["message"] and "校验码错误" in body["message"]


def test_gender_contradicting_the_id_number_is_refused(users, regions):
    response = _create(users, {"id_number": f.id_number(male=True), "name": "张三", "gender": "F"})
    assert response.status_code == 400
    assert response.json()["code"] == "id_number_mismatch"
    assert response.json()["message"].startswith("性别：")


def test_unknown_region_is_refused(users, regions):
    response = _create(users, {"id_number": f.id_number(), "name": "张三"}, region="430981114999")
    assert response.status_code == 400
    assert response.json()["code"] == "region_invalid"
    assert "所在村/社区" in response.json()["message"]


def test_a_region_outside_the_subtree_is_not_found(users, regions):
    response = _create(users, {"id_number": f.id_number(), "name": "张三"}, region="430981006001")
    assert response.status_code == 404
    # The same answer as for a unit that does not exist: nothing tells the user it is real.
    assert response.json() == {"code": "not_found", "message": "村/社区不存在或不在您的管辖范围内。", "extra": {}}
    assert not Household.objects.filter(region_id="430981006001").exists()


def test_missing_field_is_named_in_chinese(users, regions):
    response = _create(users, {"id_number": f.id_number()})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["extra"]["field"] == "head.name"
    assert body["message"].startswith("户主·姓名：")


def test_bad_member_is_named_with_its_position(users, regions):
    members = [
        {"id_number": f.id_number(date(2010, 1, 1)), "name": "大儿", "relation": "child"},
        {"id_number": f.id_number(date(2012, 1, 1)), "name": "二儿", "relation": "cousin"},
    ]
    response = _create(users, {"id_number": f.id_number(), "name": "张三"}, members=members)
    assert response.status_code == 400
    assert response.json()["extra"]["field"] == "members.1.relation"
    assert response.json()["message"].startswith("其他成员·第 2 项·与户主关系：")


def test_bad_evidence_value_names_the_field(users, head):
    payload = {"kind": "income", "valid_from": "2024-03-01", "values": {"category": "wages", "monthly_amount": "x"}}
    response = _post("village_worker", users, "evidence_record", [head.pk], payload)
    assert response.status_code == 400
    assert response.json()["message"].startswith("收入·月收入（元）：")


def test_stale_version_is_a_conflict_and_changes_nothing(users, hh):
    hh.refresh_from_db()
    client = client_for(users["village_worker"])
    url = reverse("api:household_update", args=[hh.pk])
    first = client.post(url, {"expected_version": hh.version, "note": "第一次"}, format="json")
    assert first.status_code == 200
    before = _writes()
    stale = client.post(url, {"expected_version": hh.version, "note": "第二次"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "conflict" and "已被他人修改" in stale.json()["message"]
    assert _writes() == before and Household.objects.get(pk=hh.pk).note == "第一次"


def test_stale_person_version_is_a_conflict(users, head):
    client = client_for(users["village_worker"])
    url = reverse("api:person_update", args=[head.pk])
    response = client.post(url, {"expected_version": head.version - 1, "phone": "13900001111"}, format="json")
    assert response.status_code == 409
    head.refresh_from_db()
    assert head.phone == PHONE


# ---------------------------------------------------------------------------------------------
# History and "as of"
# ---------------------------------------------------------------------------------------------


def test_history_lists_the_audit_trail_newest_first(users, hh):
    body = client_for(users["auditor"]).get(reverse("api:household_history", args=[hh.pk])).json()
    actions = [e["action"] for e in body["results"]]
    assert actions[0] == "update_person" and "create_household" in actions
    assert body["results"][0]["actor"] == users["village_worker"].display_name


def test_as_of_answers_what_was_known_then(users, hh, head, income):
    before_correction = timezone.now()
    services.do_correct_evidence(users["village_worker"], income, reason="更正", values={"monthly_amount": "500"})
    client = client_for(users["county_reviewer"])
    url = reverse("api:household_as_of", args=[hh.pk])

    def income_of_head(**params):
        body = client.get(url, params).json()
        member = next(m for m in body["members"] if m["person"]["id"] == head.pk)
        return [e["values"]["monthly_amount"] for e in member["evidence"] if e["kind"] == "income"]

    assert income_of_head(on="2024-06-01") == ["500.00"]
    assert income_of_head(on="2024-06-01", known_at=before_correction.isoformat()) == ["800.00"]
    assert income_of_head(on="2023-06-01") == []


def test_as_of_requires_a_date(users, hh):
    response = client_for(users["village_worker"]).get(reverse("api:household_as_of", args=[hh.pk]), {"on": "昨天"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("日期：")


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("household_list", [], "get"),
        ("household_detail", [1], "get"),
        ("household_create", [], "post"),
        ("person_full", [1], "get"),
        ("person_update", [1], "post"),
        ("evidence_correct", ["income", 1], "post"),
    ],
)
def test_anonymous_requests_are_refused(db, name, args, method):
    response = getattr(APIClient(), method)(reverse(f"api:{name}", args=args), {}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
