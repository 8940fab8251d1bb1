"""上门受理 in one submit: a four-person family, its evidence, photos and the accepted application.

All or nothing (a refusal anywhere leaves no row and no file), the submission key replayed returns
the same household and case, every refusal names the member and the field in Chinese, and a village
worker cannot register a family in a village outside her scope.
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from doudi.cases.models import Attachment, Case, IntakeSubmission
from doudi.cases.services.family_intake import IntakeInvalid, do_register_family, estimate_family, parse_family
from doudi.cases.workflow import CaseStatus
from doudi.registry.models import CareNeed, Disability, Household, Income, Membership, Person, RigidExpense
from doudi.registry.tests import factories as f

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 256
JPG = b"\xff\xd8\xff\xe0" + b"j" * 256
EXE = b"MZ\x90\x00" + b"x" * 256


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def family(region_code: str, **extra) -> dict:
    """A rural family of four as the page posts it: a poor head, a disabled wife, a pupil, a frail father."""
    today = timezone.localdate().isoformat()
    doc = {
        "key": str(uuid.uuid4()),
        "region": region_code,
        "address": "立新村3组12号",
        "authorised": True,
        "accept": True,
        "channel": "window",
        "programmes": ["dibao"],
        "members": [
            {
                "name": "王大山",
                "id_number": f.id_number(date(1975, 4, 2)),
                "hukou_type": "rural",
                "phone": "13800000000",
                "evidence": [
                    {"kind": "income", "category": "wages", "monthly_amount": "300", "valid_from": today},
                    {"kind": "rigidexpense", "category": "medical", "amount_12m": "26000", "valid_from": today},
                ],
            },
            {
                "name": "李秀英",
                "id_number": f.id_number(date(1978, 9, 9), male=False),
                "relation": "spouse",
                "evidence": [
                    {"kind": "disability", "category": "physical", "grade": "1", "valid_from": "2020-01-01"},
                    {"kind": "careneed", "needs_long_term_care": True, "valid_from": "2024-01-01"},
                ],
            },
            {
                "name": "王小明",
                "id_number": f.id_number(date(2014, 6, 1)),
                "relation": "child",
                "evidence": [{"kind": "schooling", "stage": "primary", "full_time": True, "valid_from": "2021-09-01"}],
            },
            {
                "name": "王老汉",
                "id_number": f.id_number(date(1946, 2, 3)),
                "relation": "parent",
                "evidence": [
                    {"kind": "labourcapacity", "level": "none", "valid_from": "2020-01-01"},
                    {
                        "kind": "selfcare",
                        "unable_walk": True,
                        "unable_bathe": True,
                        "unable_dress": True,
                        "unable_toilet": True,
                        "valid_from": "2024-01-01",
                    },
                ],
            },
        ],
    }
    doc.update(extra)
    return doc


def register(actor, doc, photos=()):
    return do_register_family(actor, parse_family(actor, doc, submitting=True), photos=list(photos))


def counts() -> dict:
    return {
        "households": Household.objects.count(),
        "persons": Person.objects.count(),
        "cases": Case.objects.count(),
        "incomes": Income.objects.count(),
        "attachments": Attachment.objects.count(),
        "submissions": IntakeSubmission.objects.count(),
    }


def test_a_four_person_family_is_registered_and_its_application_accepted_in_one_submit(regions, users, published):
    worker = users["village_worker"]
    doc = family(regions["lixin"].code)
    outcome = register(worker, doc, [(PNG, "户口簿.png", "identity"), (JPG, "病历.jpg", "medical")])

    hh = outcome.household
    assert not outcome.replayed
    assert (hh.region_id, hh.member_count, hh.head_name) == (regions["lixin"].code, 4, "王大山")
    people = {p.name: p for p in Person.objects.filter(household=hh)}
    # Members inherit the head's 户籍性质 and the household's address.
    assert {p.hukou_type for p in people.values()} == {"rural"}
    assert {p.residence_address for p in people.values()} == {"立新村3组12号"}
    assert people["李秀英"].relation == "spouse" and people["李秀英"].gender == "F"
    assert Membership.objects.filter(household=hh, valid_to__isnull=True).count() == 4
    assert Disability.objects.get(person=people["李秀英"]).grade == 1
    assert CareNeed.objects.get(person=people["李秀英"]).needs_long_term_care
    assert RigidExpense.objects.get(person=people["王大山"]).amount_12m == 26000
    case = outcome.case
    assert (case.household_id, case.status, case.programmes) == (hh.pk, CaseStatus.ACCEPTED, ["dibao"])
    assert case.applicant == people["王大山"]
    files = list(Attachment.objects.filter(case=case).order_by("pk"))
    assert [(a.category, a.original_name) for a in files] == [("identity", "户口簿.png"), ("medical", "病历.jpg")]
    assert all(default_storage.exists(a.file.name) for a in files)
    assert IntakeSubmission.objects.get(key=doc["key"]).case == case


def test_the_same_key_submitted_again_returns_the_same_household_and_case(regions, users, published):
    worker = users["village_worker"]
    doc = family(regions["lixin"].code)
    first = register(worker, doc, [(PNG, "户口簿.png", "identity")])
    before = counts()

    again = register(worker, copy.deepcopy(doc), [(PNG, "户口簿.png", "identity")])

    assert again.replayed
    assert (again.household.pk, again.case.pk) == (first.household.pk, first.case.pk)
    assert counts() == before


def test_a_key_is_not_replayed_for_another_user(regions, users, published):
    doc = family(regions["lixin"].code)
    register(users["village_worker"], doc)
    with pytest.raises(Exception, match="已被他人使用"):
        register(users["township_officer"], copy.deepcopy(doc))


def test_a_refusal_late_in_the_submit_leaves_nothing_written_and_no_file(regions, users, published, tmp_path):
    worker = users["village_worker"]
    before = counts()
    with pytest.raises(IntakeInvalid) as caught:
        register(worker, family(regions["lixin"].code), [(PNG, "户口簿.png", "identity"), (EXE, "病历.jpg", "medical")])
    assert "第2张照片（病历.jpg）" in caught.value.message
    assert counts() == before
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_member_registered_elsewhere_is_named_and_nothing_is_written(regions, users, published):
    worker = users["village_worker"]
    other = f.household(regions["lixin"], actor=worker, head_name="赵四")
    taken = Person.objects.get(household=other, relation="head").id_number
    doc = family(regions["lixin"].code)
    doc["members"][2]["id_number"] = taken
    before = counts()
    with pytest.raises(IntakeInvalid) as caught:
        register(worker, doc)
    (problem,) = caught.value.problems
    assert (problem.member, problem.field) == (2, "id_number")
    assert problem.message.startswith("第3位成员（王小明）·公民身份号码")
    assert counts() == before


def test_a_member_without_household_is_told_how_to_take_him_in_afterwards(regions, users, published):
    from doudi.registry.services import do_remove_member

    worker = users["village_worker"]
    other = f.household(regions["lixin"], actor=worker, members=1, head_name="赵四", joined_on=date(2010, 1, 1))
    leaver = Person.objects.get(household=other, relation="child")
    do_remove_member(worker, leaver, left_on=date(2024, 5, 1), reason="外出务工")
    doc = family(regions["lixin"].code)
    doc["members"][3].update(id_number=leaver.id_number, name=leaver.name)
    with pytest.raises(IntakeInvalid) as caught:
        register(worker, doc)
    (problem,) = caught.value.problems
    assert (problem.member, problem.field) == (3, "id_number")
    assert "迁入成员" in problem.message and problem.message.startswith(f"第4位成员（{leaver.name}）")


def _set(path: tuple, value):
    def change(doc):
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


# (change to the document, member, evidence item, field, words the message must hold)
REFUSALS = [
    (_set(("members", 0, "evidence", 0, "monthly_amount"), "-5"), 0, 0, "monthly_amount", "第1位成员（王大山）·收入"),
    (_set(("members", 1, "evidence", 0, "grade"), "5"), 1, 0, "grade", "第2位成员（李秀英）·残疾·残疾等级"),
    (_set(("members", 2, "id_number"), "430981201406010000"), 2, None, "id_number", "第3位成员（王小明）·公民身份号码"),
    (_set(("members", 3, "name"), ""), 3, None, "name", "第4位成员·姓名：不能为空"),
    (_set(("members", 3, "relation"), ""), 3, None, "relation", "第4位成员（王老汉）·与户主关系"),
    (_set(("members", 2, "evidence", 0, "valid_to"), "2020-01-01"), 2, 0, "valid_to", "失效日期：应晚于生效日期"),
    (_set(("members", 2, "evidence", 0, "kind"), "lottery"), 2, 0, "kind", "第3位成员（王小明）·情况类别"),
    (_set(("members", 0, "evidence", 1, "amount_12m"), "很多"), 0, 1, "amount_12m", "刚性支出·近12个月支出（元）"),
    (_set(("members", 1, "evidence", 1, "valid_from"), "2024-13-01"), 1, 1, "valid_from", "生效日期"),
]


@pytest.mark.parametrize(("change", "member", "evidence", "field", "words"), REFUSALS)
def test_an_impossible_fact_is_refused_naming_member_and_field(regions, users, change, member, evidence, field, words):
    doc = family(regions["lixin"].code)
    change(doc)
    with pytest.raises(IntakeInvalid) as caught:
        parse_family(users["village_worker"], doc, submitting=True)
    problems = [(p.member, p.evidence, p.field) for p in caught.value.problems]
    assert (member, evidence, field) in problems, caught.value.problems
    assert any(words in p.message for p in caught.value.problems), caught.value.problems


def test_without_the_signed_authorisation_nothing_is_registered(regions, users):
    with pytest.raises(IntakeInvalid) as caught:
        parse_family(users["village_worker"], family(regions["lixin"].code, authorised=False), submitting=True)
    assert caught.value.problems[0].field == "authorised"


@pytest.mark.parametrize("village", ["hanjiacha", "shengtian_other_county"])
def test_a_village_worker_cannot_register_in_another_village(regions, users, village, published):
    code = regions["ziyang_village"].code if village == "shengtian_other_county" else regions[village].code
    before = counts()
    with pytest.raises(IntakeInvalid) as caught:
        register(users["village_worker"], family(code))
    assert caught.value.problems[0].field == "region"
    assert "不是您管辖范围内" in caught.value.problems[0].message
    assert counts() == before


def test_the_estimate_assesses_the_typed_family_and_writes_nothing(regions, users, published):
    worker = users["village_worker"]
    before = counts()
    result, versions, names = estimate_family(worker, parse_family(worker, family(regions["lixin"].code)))
    eligible = {p.programme for p in result.programmes if p.eligible}
    assert "dibao" in eligible or "extreme_poverty" in eligible
    assert "disability_care_subsidy" in eligible  # the wife: grade 1 and long-term care
    assert versions and set(names.values()) == {"王大山", "李秀英", "王小明", "王老汉"}
    assert counts() == before


# --- the pages ------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(client, doc, photos=()):
    data = {"payload": json.dumps(doc), "photos": [SimpleUploadedFile(n, b) for b, n in photos]}
    return client.post(reverse("cases:intake_submit"), data)


def test_the_page_is_the_village_workers_and_not_the_county_reviewers(regions, users):
    page = _client(users["village_worker"]).get(reverse("cases:intake"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    assert f'<option value="{regions["lixin"].code}" selected>' in html  # her only village, preselected
    assert _client(users["county_reviewer"]).get(reverse("cases:intake")).status_code == 403
    assert _client(users["auditor"]).get(reverse("cases:intake")).status_code == 403


def test_submitting_twice_through_the_page_makes_one_household_and_one_case(regions, users, published):
    client = _client(users["village_worker"])
    doc = family(regions["lixin"].code)
    first = _post(client, doc, [(PNG, "户口簿.png")])
    assert first.status_code == 200, first.content.decode()
    second = _post(client, doc, [(PNG, "户口簿.png")])
    a, b = first.json(), second.json()
    assert (a["replayed"], b["replayed"]) == (False, True)
    assert (a["household_url"], a["case_url"]) == (b["household_url"], b["case_url"])
    assert Household.objects.count() == 1 and Case.objects.count() == 1 and Attachment.objects.count() == 1


def test_a_refused_submission_answers_the_member_and_field(regions, users, published):
    doc = family(regions["lixin"].code)
    doc["members"][1]["evidence"][0]["grade"] = "7"
    answer = _post(_client(users["village_worker"]), doc)
    assert answer.status_code == 400
    problem = answer.json()["problems"][0]
    assert (problem["member"], problem["evidence"], problem["field"]) == (1, 0, "grade")
    assert problem["message"].startswith("第2位成员（李秀英）·残疾·残疾等级")
    assert Household.objects.count() == 0


def test_the_estimate_page_answers_a_chinese_fragment(regions, users, published):
    answer = _client(users["village_worker"]).post(
        reverse("cases:intake_estimate"), json.dumps(family(regions["lixin"].code)), content_type="application/json"
    )
    body = answer.json()
    assert body["ok"] and "月救助金合计" in body["html"] and "元" in body["summary"]
    assert Household.objects.count() == 0


def test_the_offline_worker_is_served_as_javascript(users):
    answer = _client(users["village_worker"]).get(reverse("cases:intake_worker"))
    assert answer["Content-Type"].startswith("text/javascript")
    assert reverse("cases:intake") in answer.content.decode()


def test_a_scope_too_large_for_a_list_types_the_village_code(users, monkeypatch):
    monkeypatch.setattr("doudi.cases.views.intake_flow.scoped_regions", lambda user, levels: None)
    html = _client(users["administrator"]).get(reverse("cases:intake")).content.decode()
    assert 'placeholder="12 位村/社区区划代码"' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql_only
def test_two_retries_of_one_submission_at_once_register_one_family(regions, users, published):
    import threading

    from django.db import connections

    worker = users["village_worker"]
    doc = family(regions["lixin"].code)
    barrier = threading.Barrier(2)
    outcomes: list = []

    def submit():
        try:
            barrier.wait()
            outcomes.append(register(worker, copy.deepcopy(doc)))
        except Exception as exc:  # reported by the assertion below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert len({(o.household.pk, o.case.pk) for o in outcomes}) == 1
    assert Household.objects.count() == 1 and Case.objects.count() == 1


def _member(name, birth, relation="", *, male=True, evidence=()):
    return {
        "name": name,
        "id_number": f.id_number(birth, male=male),
        "relation": relation,
        "evidence": list(evidence),
    }


def _today() -> str:
    return timezone.localdate().isoformat()


# The programmes that need issue 11's new evidence, each taken in through the one flow.
NEW_EVIDENCE_FAMILIES = {
    "rigid_expense": lambda: [
        _member("刘建国", date(1972, 3, 5), evidence=[{"kind": "income", "category": "wages", "monthly_amount": 1800}]),
        _member(
            "王桂芝",
            date(1974, 7, 9),
            "spouse",
            male=False,
            evidence=[
                {"kind": "income", "category": "wages", "monthly_amount": "1000"},
                {"kind": "rigidexpense", "category": "medical", "amount_12m": "36000", "description": "透析"},
                {"kind": "rigidexpense", "category": "disability_rehab", "amount_12m": "2000"},
            ],
        ),
    ],
    "de_facto_orphan": lambda: [
        _member(
            "周秀兰",
            date(1957, 4, 2),
            male=False,
            evidence=[{"kind": "income", "category": "transfer", "monthly_amount": "1600"}],
        ),
        _member(
            "周小军",
            date(2015, 6, 1),
            "grandchild",
            evidence=[
                {"kind": "parentsituation", "parent": "father", "situation": "deceased", "valid_from": "2019-11-03"},
                {"kind": "parentsituation", "parent": "mother", "situation": "lost_contact", "valid_from": "2024-9-2"},
            ],
        ),
    ],
    "disability_care_subsidy": lambda: [
        _member(
            "黄德明",
            date(1968, 1, 15),
            evidence=[
                {"kind": "income", "category": "wages", "monthly_amount": "3000"},
                {"kind": "disability", "category": "intellectual", "grade": "2", "valid_from": "2015-01-01"},
                {"kind": "careneed", "needs_long_term_care": True, "assessed_by": "县残联", "valid_from": "2023-01-01"},
            ],
        ),
    ],
}


@pytest.mark.parametrize("programme", sorted(NEW_EVIDENCE_FAMILIES))
def test_the_new_evidence_kinds_taken_in_are_what_the_registered_household_is_assessed_on(
    programme, regions, users, published
):
    """The estimate shown before registering is the assessment of the household as registered."""
    from doudi.policy.assessment import preview_household_assessment

    worker = users["village_worker"]
    members = NEW_EVIDENCE_FAMILIES[programme]()
    for m in members:
        for ev in m["evidence"]:
            ev.setdefault("valid_from", _today())
    doc = family(regions["lixin"].code, members=members, programmes=[programme])
    estimate, _versions, _names = estimate_family(worker, parse_family(worker, doc))
    assert programme in {p.programme for p in estimate.programmes if p.eligible}

    outcome = register(worker, doc)
    assessed, _versions, _facts = preview_household_assessment(worker, outcome.household)
    shown = [(p.programme, p.eligible, p.monthly_amount) for p in estimate.programmes]
    assert [(p.programme, p.eligible, p.monthly_amount) for p in assessed.programmes] == shown
    assert (assessed.status, assessed.total_monthly) == (estimate.status, estimate.total_monthly)
    assert outcome.case.programmes == [programme]
