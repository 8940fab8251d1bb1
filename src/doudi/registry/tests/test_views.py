"""Registry pages: scope (404), read-only roles (403), masking, the access log, form errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from doudi.audit.models import AuditEvent, RecordAccess
from doudi.registry import services
from doudi.registry.models import Household, Income, Membership, Person
from doudi.registry.tests import factories as f

IN_SCOPE = ["village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator"]
OUT_OF_SCOPE = ["other_village_worker", "other_township_officer", "foreign_county_reviewer", "no_region"]
READ_ONLY = ["city_supervisor", "auditor"]
EDITORS = ["village_worker", "township_officer", "county_reviewer", "administrator"]


@pytest.fixture
def hh(regions, users):
    """A household of 立新村 with a head (phone and bank account) and one child."""
    head = f.person_input("王建国", phone="13812345678", bank_name="农商银行", bank_account="6217001234567890123")
    kid = f.person_input("王小明", "child", date(2012, 3, 1))
    return services.do_create_household(
        users["village_worker"],
        region_code=regions["lixin"].code,
        head=head,
        members=[kid],
        address="立新村1组",
        joined_on=date(2020, 1, 1),
    )


@pytest.fixture
def head(hh):
    return Person.objects.get(household=hh, relation="head")


def client_for(client, user):
    client.force_login(user)
    return client


def counts():
    return (Household.objects.count(), Person.objects.count(), Membership.objects.count(), AuditEvent.objects.count())


def page_urls(hh, head):
    income = Income.objects.filter(person=head).first()
    urls = [
        reverse("registry:household_detail", args=[hh.pk]),
        reverse("registry:household_detail", args=[hh.pk]) + "?tab=history",
        reverse("registry:household_detail", args=[hh.pk]) + "?tab=as_of&on=2025-01-01",
        reverse("registry:person_detail", args=[head.pk]),
    ]
    edit_urls = [
        reverse("registry:household_edit", args=[hh.pk]),
        reverse("registry:member_add", args=[hh.pk]),
        reverse("registry:person_edit", args=[head.pk]),
        reverse("registry:member_remove", args=[head.pk]),
        reverse("registry:evidence_create", args=[head.pk, "income"]),
        reverse("registry:evidence_correct", args=["income", income.pk]),
        reverse("registry:evidence_end", args=["income", income.pk]),
    ]
    return urls, edit_urls


@pytest.fixture
def income(users, head):
    return services.do_record_evidence(
        users["village_worker"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("1200")},
        valid_from=date(2024, 1, 1),
    )


# --- scope and roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", IN_SCOPE)
def test_every_in_scope_role_reads_the_household_pages(client, users, hh, head, income, role):
    urls, _edit = page_urls(hh, head)
    client_for(client, users[role])
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", OUT_OF_SCOPE)
def test_out_of_scope_users_get_404_on_every_page(client, users, hh, head, income, role):
    urls, edit_urls = page_urls(hh, head)
    client_for(client, users[role])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "不在您的管辖范围内" in response.content.decode()
    # Editors of other regions get the same 404 on the forms, on GET and on POST.
    if users[role].can("edit_registry"):
        for url in edit_urls:
            assert client.get(url).status_code == 404, url
            assert client.post(url, {}).status_code == 404, url


def test_missing_records_answer_like_foreign_ones(client, users):
    client_for(client, users["county_reviewer"])
    assert client.get(reverse("registry:household_detail", args=[999999])).status_code == 404
    assert client.get(reverse("registry:person_detail", args=[999999])).status_code == 404
    assert client.get(reverse("registry:evidence_correct", args=["nonsense", 1])).status_code == 404


@pytest.mark.parametrize("role", READ_ONLY)
def test_read_only_roles_see_no_edit_buttons_and_get_403_on_post(client, users, hh, head, income, role):
    _urls, edit_urls = page_urls(hh, head)
    client_for(client, users[role])
    page = client.get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert "添加成员" not in page and "迁出/死亡" not in page and "修改家庭信息" not in page
    assert "新建家庭" not in client.get(reverse("registry:household_list")).content.decode()
    before = counts()
    for url in [*edit_urls, reverse("registry:household_create")]:
        assert client.post(url, {"name": "只读"}).status_code == 403, url
    assert counts() == before


@pytest.mark.parametrize("role", EDITORS)
def test_editors_see_the_edit_buttons(client, users, hh, role):
    client_for(client, users[role])
    page = client.get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert "添加成员" in page and "迁出/死亡" in page


def test_login_is_required(client, hh):
    response = client.get(reverse("registry:household_detail", args=[hh.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- list and search -----------------------------------------------------------------------------


def test_list_masks_id_numbers_and_phones(client, users, hh, head):
    client_for(client, users["village_worker"])
    page = client.get(reverse("registry:household_list")).content.decode()
    assert hh.number in page and "王建国" in page
    assert head.id_number not in page and "13812345678" not in page
    assert head.id_number[-4:] in page and "138****5678" in page
    assert not RecordAccess.objects.exists()


@pytest.mark.parametrize(
    "query", ["id_number", "name", "number", "lowercase_x"], ids=["by ID", "by name", "by household number", "x"]
)
def test_search_finds_the_household(client, users, hh, head, query):
    q = {
        "id_number": head.id_number,
        "name": "王小明",
        "number": hh.number,
        "lowercase_x": head.id_number.lower(),
    }[query]
    client_for(client, users["county_reviewer"])
    response = client.get(reverse("registry:household_list"), {"q": q})
    assert [row[0].pk for row in response.context["rows"]] == [hh.pk]


def test_search_does_not_cross_the_region_border(client, users, hh, head):
    client_for(client, users["other_village_worker"])
    response = client.get(reverse("registry:household_list"), {"q": head.id_number})
    assert response.context["rows"] == []
    assert "没有找到" in response.content.decode()


def test_region_filter_offers_only_the_users_subtree(client, users, regions, hh):
    client_for(client, users["township_officer"])
    response = client.get(reverse("registry:household_list"))
    offered = {code for code, _label in response.context["form"].fields["region"].choices}
    assert regions["lixin"].code in offered and regions["hanjiacha"].code not in offered
    response = client.get(reverse("registry:household_list"), {"region": regions["hanjiacha"].code})
    assert response.context["form"].errors["region"] and response.context["rows"] == []
    response = client.get(reverse("registry:household_list"), {"region": regions["shengtian"].code})
    assert response.context["rows"] == []
    response = client.get(reverse("registry:household_list"), {"region": regions["lixin"].code})
    assert [row[0].pk for row in response.context["rows"]] == [hh.pk]


def test_list_is_paginated(client, users, regions):
    for i in range(23):
        f.household(regions["lixin"], actor=users["village_worker"], head_name=f"户主{'甲乙丙丁戊己庚辛壬癸'[i % 10]}")
    client_for(client, users["village_worker"])
    first = client.get(reverse("registry:household_list"))
    assert len(first.context["rows"]) == 20 and "第 1 / 2 页" in first.content.decode()
    second = client.get(reverse("registry:household_list"), {"page": 2})
    assert len(second.context["rows"]) == 3


# --- household page, full record access ------------------------------------------------------------


def test_household_page_masks_until_asked_and_logs_the_reveal(client, users, hh, head):
    client_for(client, users["auditor"])
    url = reverse("registry:household_detail", args=[hh.pk])
    page = client.get(url).content.decode()
    assert head.id_number not in page and "6217001234567890123" not in page and "13812345678" not in page
    assert not RecordAccess.objects.exists()

    page = client.get(url, {"reveal": head.pk}).content.decode()
    assert head.id_number in page and "6217001234567890123" in page and "13812345678" in page
    access = RecordAccess.objects.get()
    assert (access.actor, access.person_id, access.household_id) == (users["auditor"], head.pk, hh.pk)
    assert access.region_code == hh.region_id and access.channel == "page"
    kid = Person.objects.get(household=hh, relation="child")
    assert kid.id_number not in page  # only the member asked for


def test_reveal_all_logs_one_row_per_member(client, users, hh):
    client_for(client, users["village_worker"])
    client.get(reverse("registry:household_detail", args=[hh.pk]), {"reveal": "all"})
    assert set(RecordAccess.objects.values_list("person_id", flat=True)) == set(
        Person.objects.filter(household=hh).values_list("pk", flat=True)
    )


def test_person_page_reveal_is_logged(client, users, head):
    client_for(client, users["township_officer"])
    url = reverse("registry:person_detail", args=[head.pk])
    assert head.id_number not in client.get(url).content.decode()
    assert head.id_number in client.get(url, {"reveal": "1"}).content.decode()
    assert RecordAccess.objects.filter(person_id=head.pk, actor=users["township_officer"]).count() == 1


def test_household_page_groups_current_evidence_by_kind(client, users, head, hh, income):
    services.do_record_evidence(
        users["village_worker"],
        head,
        kind="disability",
        values={"category": "physical", "grade": 2},
        valid_from=date(2020, 1, 1),
    )
    services.do_correct_evidence(users["village_worker"], income, reason="录入错误", values={"monthly_amount": 900})
    client_for(client, users["village_worker"])
    page = client.get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert "肢体残疾" in page and "2级" in page and "工资性收入" in page
    assert "900.00" in page and "1,200.00" not in page  # superseded rows are not current


def test_history_tab_shows_who_when_and_old_to_new(client, users, head, hh):
    services.do_update_person(users["village_worker"], head, expected_version=head.version, phone="13900001111")
    client_for(client, users["county_reviewer"])
    page = client.get(reverse("registry:household_detail", args=[hh.pk]), {"tab": "history"}).content.decode()
    assert "修改人员信息" in page and users["village_worker"].display_name in page
    assert "138****5678" in page and "139****1111" in page and "13900001111" not in page


def test_as_of_view_shows_the_members_of_that_day(client, users, hh, head):
    services.do_remove_member(users["village_worker"], head, left_on=timezone.localdate(), reason="迁往外地")
    client_for(client, users["village_worker"])
    url = reverse("registry:household_detail", args=[hh.pk])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    then = client.get(url, {"tab": "as_of", "on": yesterday})
    assert [ms.person.pk for ms, _rel, _groups in then.context["snapshot_members"]].count(head.pk) == 1
    today = client.get(url, {"tab": "as_of", "on": timezone.localdate().isoformat()})
    assert head.pk not in [ms.person.pk for ms, _rel, _groups in today.context["snapshot_members"]]
    assert client.get(url, {"tab": "as_of", "on": "2025-02-30"}).context["form"].errors["on"]


# --- create household ----------------------------------------------------------------------------


def _person_post(prefix: str, **values) -> dict:
    return {f"{prefix}-{k}": v for k, v in values.items()}


def _create_post(region_code: str, head_id: str, members: list[dict] = ()) -> dict:
    data = {"region": region_code, "address": "立新村3组", "note": "", "joined_on": ""}
    data.update(_person_post("head", id_number=head_id, name="赵大海", relation="head"))
    data.update({"m-TOTAL_FORMS": str(max(1, len(members))), "m-INITIAL_FORMS": "0"})
    for i, member in enumerate(members):
        data.update(_person_post(f"m-{i}", **member))
    return data


def test_create_household_with_a_member(client, users, regions):
    client_for(client, users["village_worker"])
    kid = {"id_number": f.id_number(date(2015, 1, 2), male=False), "name": "赵小花", "relation": "child"}
    response = client.post(
        reverse("registry:household_create"), _create_post(regions["lixin"].code, f.id_number(), [kid])
    )
    household = Household.objects.get(head_name="赵大海")
    assert response.status_code == 302 and response["Location"].endswith(f"/households/{household.pk}/")
    assert household.member_count == 2 and household.region == regions["lixin"]


def test_create_household_with_a_bad_member_id_writes_nothing(client, users, regions):
    client_for(client, users["village_worker"])
    good = f.id_number(date(2015, 1, 2))
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = counts()
    response = client.post(
        reverse("registry:household_create"),
        _create_post(regions["lixin"].code, f.id_number(), [{"id_number": bad, "name": "赵小花", "relation": "child"}]),
    )
    assert response.status_code == 200 and counts() == before
    member_form = response.context["member_forms"].forms[0]
    assert "校验码错误" in member_form.errors["id_number"][0]
    assert not response.context["head_form"].errors


def test_create_household_refuses_a_person_already_registered(client, users, regions, head, hh):
    client_for(client, users["township_officer"])
    before = counts()
    response = client.post(
        reverse("registry:household_create"), _create_post(regions["shengtian"].code, head.id_number)
    )
    assert response.status_code == 200 and counts() == before
    error = response.context["head_form"].errors["id_number"][0]
    assert hh.number in error and "同一人只能属于一个在册家庭" in error


def test_create_household_refuses_the_same_id_twice_in_one_form(client, users, regions):
    client_for(client, users["village_worker"])
    number = f.id_number()
    response = client.post(
        reverse("registry:household_create"),
        _create_post(regions["lixin"].code, number, [{"id_number": number, "name": "赵二", "relation": "sibling"}]),
    )
    assert "重复" in response.context["member_forms"].forms[0].errors["id_number"][0]
    assert not Household.objects.exists()


def test_create_household_offers_only_villages_in_scope(client, users, regions):
    client_for(client, users["village_worker"])
    response = client.get(reverse("registry:household_create"))
    choices = [c for c, _ in response.context["form"].fields["region"].widget.choices if c]
    assert choices == [regions["lixin"].code]
    before = counts()
    response = client.post(reverse("registry:household_create"), _create_post(regions["hanjiacha"].code, f.id_number()))
    assert response.status_code == 200 and counts() == before
    assert "不是您管辖范围内的村/社区" in response.context["form"].errors["region"][0]


def test_create_household_shows_required_field_errors_in_chinese(client, users, regions):
    client_for(client, users["village_worker"])
    response = client.post(reverse("registry:household_create"), _create_post(regions["lixin"].code, ""))
    assert response.context["head_form"].errors["id_number"] == ["公民身份号码：不能为空。"]


# --- add member, edit, remove ---------------------------------------------------------------------


def test_add_member_with_a_wrong_id_number_shows_the_reason_and_writes_nothing(client, users, hh):
    client_for(client, users["village_worker"])
    before = counts()
    response = client.post(
        reverse("registry:member_add", args=[hh.pk]),
        {"id_number": "43098119800517001", "name": "王小红", "relation": "child"},
    )
    assert response.status_code == 200 and counts() == before
    assert response.context["form"].errors["id_number"] == [
        "公民身份号码“43098119800517001”无效：应为 18 位，实际 17 位。"
    ]
    assert "应为 18 位" in response.content.decode()


def test_add_member_gender_mismatch_is_shown_on_the_gender_field(client, users, hh):
    client_for(client, users["village_worker"])
    number = f.id_number(date(2016, 6, 1), male=True)
    response = client.post(
        reverse("registry:member_add", args=[hh.pk]),
        {"id_number": number, "name": "王小红", "relation": "child", "gender": "F"},
    )
    assert "公民身份号码显示为“男”" in response.context["form"].errors["gender"][0]


def test_add_member_then_see_it_in_the_history(client, users, hh):
    client_for(client, users["village_worker"])
    number = f.id_number(date(2016, 6, 1), male=False)
    response = client.post(
        reverse("registry:member_add", args=[hh.pk]), {"id_number": number, "name": "王小红", "relation": "child"}
    )
    assert response.status_code == 302
    person = Person.objects.get(id_number=number)
    assert person.household == hh and person.gender == "F" and person.birth_date == date(2016, 6, 1)
    history = client.get(reverse("registry:household_detail", args=[hh.pk]), {"tab": "history"}).content.decode()
    assert "添加成员" in history and "王小红（子女）" in history


def test_edit_household_with_a_stale_version_tells_of_the_conflict(client, users, hh):
    client_for(client, users["village_worker"])
    url = reverse("registry:household_edit", args=[hh.pk])
    stale = hh.version
    services.do_update_household(users["township_officer"], hh, expected_version=stale, address="他人修改的地址")
    response = client.post(
        url, {"region": hh.region_id, "address": "我的地址", "note": "", "reason": "", "expected_version": stale}
    )
    assert response.status_code == 200
    assert "他人已修改" in response.content.decode()
    hh.refresh_from_db()
    assert hh.address == "他人修改的地址"


def test_edit_household_saves_and_records_the_change(client, users, hh):
    client_for(client, users["village_worker"])
    response = client.post(
        reverse("registry:household_edit", args=[hh.pk]),
        {"region": hh.region_id, "address": "立新村5组", "note": "", "reason": "搬家", "expected_version": hh.version},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="update_household").get()
    assert event.changes["address"]["new"] == "立新村5组" and event.reason == "搬家"


def test_person_edit_page_logs_the_full_record_access(client, users, head):
    client_for(client, users["village_worker"])
    page = client.get(reverse("registry:person_edit", args=[head.pk])).content.decode()
    assert "6217001234567890123" in page
    assert RecordAccess.objects.filter(person_id=head.pk, channel="page").count() == 1


def _person_edit_post(head, **changes) -> dict:
    data = {
        "name": head.name,
        "relation": head.relation,
        "hukou_type": "",
        "hukou_region_code": "",
        "residence_address": "",
        "phone": head.phone,
        "bank_name": head.bank_name,
        "bank_account": head.bank_account,
        "reason": "",
        "expected_version": head.version,
    }
    return {**data, **changes}


def test_person_edit_bad_phone_shows_error_and_writes_nothing(client, users, head):
    client_for(client, users["village_worker"])
    before = counts()
    response = client.post(reverse("registry:person_edit", args=[head.pk]), _person_edit_post(head, phone="12345"))
    assert "手机号" in response.context["form"].errors["phone"][0] and counts() == before
    head.refresh_from_db()
    assert head.phone == "13812345678"


def test_person_edit_conflict(client, users, head):
    client_for(client, users["village_worker"])
    post = _person_edit_post(head, phone="13700000000")
    services.do_update_person(users["county_reviewer"], head, expected_version=head.version, phone="13600000000")
    response = client.post(reverse("registry:person_edit", args=[head.pk]), post)
    assert "他人已修改" in response.content.decode()
    head.refresh_from_db()
    assert head.phone == "13600000000"


def test_person_edit_saves(client, users, head):
    client_for(client, users["village_worker"])
    response = client.post(
        reverse("registry:person_edit", args=[head.pk]), _person_edit_post(head, phone="13700000000", reason="换号")
    )
    assert response.status_code == 302
    head.refresh_from_db()
    assert head.phone == "13700000000"


def test_remove_member_as_deceased(client, users, hh):
    kid = Person.objects.get(household=hh, relation="child")
    client_for(client, users["village_worker"])
    day = timezone.localdate()
    response = client.post(
        reverse("registry:member_remove", args=[kid.pk]), {"kind": "died", "left_on": day.isoformat(), "reason": "病故"}
    )
    assert response.status_code == 302
    kid.refresh_from_db()
    assert kid.household is None and kid.death_date == day
    assert Membership.objects.get(person=kid).reason == "死亡：病故"


def test_remove_member_needs_reason_and_a_past_date(client, users, hh):
    kid = Person.objects.get(household=hh, relation="child")
    client_for(client, users["village_worker"])
    before = counts()
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("registry:member_remove", args=[kid.pk]), {"kind": "moved_out", "left_on": future, "reason": ""}
    )
    errors = response.context["form"].errors
    assert errors["reason"] == ["变动原因：不能为空。"] and "不能晚于今天" in errors["left_on"][0]
    assert counts() == before


# --- evidence ------------------------------------------------------------------------------------


def test_record_income(client, users, head):
    client_for(client, users["village_worker"])
    response = client.post(
        reverse("registry:evidence_create", args=[head.pk, "income"]),
        {"category": "wages", "monthly_amount": "1500.50", "valid_from": "2025-01-01", "source": "declared"},
    )
    assert response.status_code == 302
    assert Income.objects.get(person=head).monthly_amount == Decimal("1500.50")


def test_record_income_refuses_a_negative_amount_and_bad_dates(client, users, head):
    client_for(client, users["village_worker"])
    before = counts()
    response = client.post(
        reverse("registry:evidence_create", args=[head.pk, "income"]),
        {
            "category": "wages",
            "monthly_amount": "-1",
            "valid_from": "2025-03-01",
            "valid_to": "2025-01-01",
            "source": "declared",
        },
    )
    errors = response.context["form"].errors
    assert "monthly_amount" in errors and "应晚于生效日期" in errors["valid_to"][0]
    assert counts() == before


@pytest.mark.parametrize("kind", ["asset", "disability", "illness", "labourcapacity", "selfcare", "schooling"])
def test_every_evidence_kind_has_a_working_form(client, users, head, kind):
    client_for(client, users["village_worker"])
    url = reverse("registry:evidence_create", args=[head.pk, kind])
    assert client.get(url).status_code == 200
    values = {
        "asset": {"kind_of_asset": "vehicle", "value": "30000", "quantity": "1"},
        "disability": {"category": "visual", "grade": "1"},
        "illness": {"diagnosis": "尿毒症", "serious": "on", "monthly_self_paid": "800"},
        "labourcapacity": {"level": "none"},
        "selfcare": {"unable_walk": "on", "unable_bathe": "on"},
        "schooling": {"stage": "junior", "institution": "草尾镇中学", "full_time": "on"},
    }[kind]
    response = client.post(url, {**values, "valid_from": "2025-01-01", "source": "survey"})
    assert response.status_code == 302, response.context["form"].errors
    assert AuditEvent.objects.filter(action=f"record_{kind}").count() == 1


def test_correct_evidence_supersedes_the_old_row(client, users, income, head):
    client_for(client, users["village_worker"])
    response = client.post(
        reverse("registry:evidence_correct", args=["income", income.pk]),
        {"category": "wages", "monthly_amount": "1000", "valid_from": "2024-01-01", "reason": "核对后更正"},
    )
    assert response.status_code == 302
    income.refresh_from_db()
    assert income.superseded_at is not None
    current = Income.objects.get(person=head, superseded_at__isnull=True)
    assert current.monthly_amount == Decimal("1000")
    # The old row may not be corrected again.
    again = client.post(
        reverse("registry:evidence_correct", args=["income", income.pk]),
        {"category": "wages", "monthly_amount": "1", "valid_from": "2024-01-01", "reason": "再改"},
    )
    assert "已被更正过" in again.content.decode()


def test_correct_evidence_needs_a_reason(client, users, income):
    client_for(client, users["village_worker"])
    before = counts()
    response = client.post(
        reverse("registry:evidence_correct", args=["income", income.pk]),
        {"category": "wages", "monthly_amount": "1000", "valid_from": "2024-01-01", "reason": ""},
    )
    assert response.context["form"].errors["reason"] == ["更正原因：不能为空。"] and counts() == before


def test_end_evidence(client, users, income, head):
    client_for(client, users["village_worker"])
    response = client.post(
        reverse("registry:evidence_end", args=["income", income.pk]), {"valid_to": "2023-12-01", "reason": "停工"}
    )
    assert "应晚于生效日期" in response.context["form"].errors["valid_to"][0]
    response = client.post(
        reverse("registry:evidence_end", args=["income", income.pk]), {"valid_to": "2025-06-01", "reason": "停工"}
    )
    assert response.status_code == 302
    assert Income.objects.get(person=head, superseded_at__isnull=True).valid_to == date(2025, 6, 1)
