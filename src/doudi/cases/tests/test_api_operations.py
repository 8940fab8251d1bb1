"""Every case API operation over HTTP: its success path and its refusals.

For each step: the right user succeeds and the answer shows the change; a role without the step
gets 403 naming who may take it (before any lookup); a user of another region gets 404 (the same
answer as a missing case); a case at the wrong stage gets 400 naming the current status in
Chinese; a stale ``expected_version`` gets 409 "已被他人处理". The cases are brought to each stage
through the services (``walk``), then the step under test is taken over HTTP.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.cases import services
from doudi.cases.models import CommunityReview, Enrolment, ReviewTask
from doudi.cases.services.enrolment import create_enrolment
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh, poor_household
from doudi.registry.models import Person

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 64
NOTICE_DAY = "2025-03-05"  # inside the walker's notice 2025-03-03 … 2025-03-09


def _post(user, name, body=None, **kw):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(reverse(f"api:{name}", kwargs=kw), body or {}, format="json")


def _ok(response, status=200) -> dict:
    assert response.status_code == status, response.json()
    return response.json()


def _refused(response, status: int, *fragments: str) -> dict:
    """Assert an error answer with its status, and that its Chinese message names each fragment."""
    body = response.json()
    assert response.status_code == status, body
    assert set(body) >= {"code", "message"}
    for fragment in fragments:
        assert fragment in body["message"], body["message"]
    return body


def _head(household) -> Person:
    return Person.objects.get(household=household, relation="head")


def _not_found(response, what: str) -> None:
    body = _refused(response, 404, f"{what}不存在或不在您的管辖范围内")
    assert body["code"] == "not_found"


def _stale(response) -> None:
    _refused(response, 409, "已被他人处理")


# ---------------------------------------------------------------- intake: withdraw, relatives, referrals


def test_withdraw(walk, household, users):
    case = walk.accept(walk.open(household))
    body = {"expected_version": case.version, "reason": "申请人自愿撤回"}
    _refused(
        _post(users["county_reviewer"], "case_withdraw", body, case_id=case.pk), 403, "“撤回申请”须由村（社区）专干"
    )
    _not_found(_post(users["other_village_worker"], "case_withdraw", body, case_id=case.pk), "案件")
    _stale(
        _post(users["village_worker"], "case_withdraw", {**body, "expected_version": case.version - 1}, case_id=case.pk)
    )
    assert (
        _refused(
            _post(
                users["village_worker"],
                "case_withdraw",
                {"expected_version": case.version, "reason": ""},
                case_id=case.pk,
            ),
            400,
        )["extra"]["field"]
        == "reason"
    )
    done = _ok(_post(users["village_worker"], "case_withdraw", body, case_id=case.pk))
    assert done["case"]["status"] == "withdrawn" and done["case"]["closed_on"] == date.today().isoformat()
    assert done["events"][-1]["label"] == "撤回申请" and done["events"][-1]["note"] == "申请人自愿撤回"
    again = _post(
        users["village_worker"], "case_withdraw", {**body, "expected_version": fresh(case).version}, case_id=case.pk
    )
    _refused(again, 400, "案件当前状态为“已撤回”，不能撤回申请")


def test_an_approved_case_cannot_be_withdrawn(walk, household, users):
    case = walk.to_approved(household)
    response = _post(
        users["village_worker"], "case_withdraw", {"expected_version": case.version, "reason": "撤回"}, case_id=case.pk
    )
    _refused(response, 400, "案件当前状态为“已确认待纳入”，不能撤回申请")


def test_declare_and_check_a_near_relative(walk, household, users):
    case = walk.to_notice(household)
    body = {
        "expected_version": case.version,
        "staff_name": "王主任",
        "staff_position": "村委会主任",
        "relation": "兄弟",
    }
    _refused(_post(users["county_reviewer"], "case_declare_relative", body, case_id=case.pk), 403, "无权")
    _not_found(_post(users["other_village_worker"], "case_declare_relative", body, case_id=case.pk), "案件")
    _stale(_post(users["village_worker"], "case_declare_relative", {**body, "expected_version": 1}, case_id=case.pk))
    declared = _ok(_post(users["village_worker"], "case_declare_relative", body, case_id=case.pk))
    assert declared["case"]["relative_flag"] is True
    [relative] = declared["relatives"]
    assert (relative["staff_name"], relative["relation"], relative["status"]) == ("王主任", "兄弟", "declared")

    # Until the county has visited, the case cannot be confirmed.
    confirm = _post(
        users["county_reviewer"],
        "case_confirm",
        {"expected_version": declared["case"]["version"], "approve": True},
        case_id=case.pk,
    )
    assert _refused(confirm, 400, "须经县级入户核查后方可审核确认")["code"] == "relative_unchecked"

    check = {
        "expected_version": declared["case"]["version"],
        "visited_on": "2025-03-06",
        "findings": "经入户核查，情况属实",
    }
    rid = relative["id"]
    _refused(_post(users["township_officer"], "case_check_relative", check, declaration_id=rid), 403, "无权")
    _not_found(_post(users["foreign_county_reviewer"], "case_check_relative", check, declaration_id=rid), "近亲属备案")
    future = {**check, "visited_on": "2999-01-01"}
    assert (
        _refused(
            _post(users["county_reviewer"], "case_check_relative", future, declaration_id=rid), 400, "县级入户核查日期"
        )["extra"]["field"]
        == "visited_on"
    )
    checked = _ok(_post(users["county_reviewer"], "case_check_relative", check, declaration_id=rid))
    assert checked["relatives"][0]["status"] == "checked"
    assert checked["relatives"][0]["findings"] == "经入户核查，情况属实"
    assert checked["events"][-1]["note"] == "未发现违规：经入户核查，情况属实"
    again = {**check, "expected_version": checked["case"]["version"]}
    _stale(_post(users["county_reviewer"], "case_check_relative", again, declaration_id=rid))


def test_a_closed_case_takes_no_declaration(walk, household, users):
    case = walk.to_enrolled(household)
    body = {"expected_version": case.version, "staff_name": "王主任", "staff_position": "主任", "relation": "兄弟"}
    _refused(_post(users["village_worker"], "case_declare_relative", body, case_id=case.pk), 400, "已办结")


def test_referral_and_its_outcome(walk, household, users):
    case = walk.open(household)
    body = {"to_department": "县人社局", "need": "就业援助"}
    _refused(_post(users["county_reviewer"], "case_referral_create", body, case_id=case.pk), 403, "无权")
    _not_found(_post(users["other_village_worker"], "case_referral_create", body, case_id=case.pk), "案件")
    assert (
        _refused(_post(users["village_worker"], "case_referral_create", {**body, "need": ""}, case_id=case.pk), 400)[
            "extra"
        ]["field"]
        == "need"
    )
    created = _ok(_post(users["village_worker"], "case_referral_create", body, case_id=case.pk))
    [referral] = created["referrals"]
    assert (referral["to_department"], referral["need"], referral["status"]) == ("县人社局", "就业援助", "open")
    assert created["events"][-1]["note"] == "转介县人社局：就业援助"

    rid, outcome = referral["id"], {"outcome": "已安排公益性岗位"}
    _refused(_post(users["county_reviewer"], "case_referral_outcome", outcome, referral_id=rid), 403, "无权")
    _not_found(_post(users["other_village_worker"], "case_referral_outcome", outcome, referral_id=rid), "转介")
    done = _ok(_post(users["village_worker"], "case_referral_outcome", outcome, referral_id=rid))
    assert done["referrals"][0]["status"] == "done" and done["referrals"][0]["outcome"] == "已安排公益性岗位"
    _stale(_post(users["village_worker"], "case_referral_outcome", outcome, referral_id=rid))


# ---------------------------------------------------------------- change reports


def test_report_change_of_an_enrolled_household(walk, household, users):
    body = {
        "household_id": household.pk,
        "change_kind": "income_change",
        "occurred_on": "2025-05-01",
        "note": "户主外出务工",
    }
    _refused(_post(users["village_worker"], "case_report_change", body), 400, "没有正在享受的救助，请按新申请办理")
    walk.to_enrolled(household)
    _refused(_post(users["auditor"], "case_report_change", body), 403, "无权")
    _not_found(_post(users["other_village_worker"], "case_report_change", body), "家庭")
    future = {**body, "occurred_on": "2999-01-01"}
    assert (
        _refused(_post(users["village_worker"], "case_report_change", future), 400, "变化日期")["extra"]["field"]
        == "occurred_on"
    )
    opened = _ok(_post(users["village_worker"], "case_report_change", body), 201)
    assert (opened["case"]["kind"], opened["case"]["status"]) == ("change", "accepted")
    assert opened["change"]["label"] == "收入变化" and opened["change"]["note"] == "户主外出务工"
    assert [e["programme"] for e in opened["enrolments"]] == ["dibao"]
    second = _post(users["village_worker"], "case_report_change", body)
    _refused(second, 400, f"已有办理中的变更（{opened['case']['number']}）")


# ---------------------------------------------------------------- investigation and notice


def test_community_review(walk, household, users):
    case = walk.accept(walk.open(household))
    body = {
        "expected_version": case.version,
        "held_on": "2025-03-04",
        "attendees": 9,
        "approvals": 8,
        "summary": "多数同意",
    }
    _refused(
        _post(users["township_officer"], "case_community_review", body, case_id=case.pk),
        400,
        "案件当前状态为“已受理待调查”，不能录入民主评议",
    )
    walk.verify(case, ACCEPTED_ON)
    walk.survey(case, ACCEPTED_ON)
    body["expected_version"] = fresh(case).version
    _refused(
        _post(users["village_worker"], "case_community_review", body, case_id=case.pk),
        403,
        "“录入民主评议”须由乡镇经办人员办理",
    )
    _not_found(_post(users["other_township_officer"], "case_community_review", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_community_review", {**body, "expected_version": 1}, case_id=case.pk))
    too_many = {**body, "approvals": 10}
    assert (
        _refused(_post(users["township_officer"], "case_community_review", too_many, case_id=case.pk), 400, "同意人数")[
            "extra"
        ]["field"]
        == "approvals"
    )
    done = _ok(_post(users["township_officer"], "case_community_review", body, case_id=case.pk))
    assert done["case"]["status"] == "surveyed"
    assert done["events"][-1]["note"] == "到会 9 人，同意 8 人：多数同意"
    row = CommunityReview.objects.get(case_id=case.pk)
    assert (row.held_on, row.attendees, row.approvals) == (date(2025, 3, 4), 9, 8)
    recorded = {
        "id": row.pk,
        "held_on": "2025-03-04",
        "attendees": 9,
        "approvals": 8,
        "summary": "多数同意",
        "recorded_by": users["township_officer"].display_name,
    }
    assert done["community_reviews"] == [recorded]
    # The case page's API shows the review too, also to the village worker who cannot record one.
    client = APIClient()
    client.force_authenticate(users["village_worker"])
    detail = _ok(client.get(reverse("api:case_detail", kwargs={"case_id": case.pk})))
    assert detail["community_reviews"] == [recorded]


def test_objection_and_its_resolution(walk, household, users):
    case = walk.to_notice(household)
    body = {
        "expected_version": case.version,
        "content": "其子有稳定收入",
        "raised_by": "村民甲",
        "received_on": NOTICE_DAY,
    }
    _refused(
        _post(users["village_worker"], "case_objection", body, case_id=case.pk),
        403,
        "“登记公示异议”须由乡镇经办人员办理",
    )
    _not_found(_post(users["other_township_officer"], "case_objection", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_objection", {**body, "expected_version": 1}, case_id=case.pk))
    late = {**body, "received_on": "2025-03-10"}
    _refused(
        _post(users["township_officer"], "case_objection", late, case_id=case.pk),
        400,
        "异议须在公示期内提出（2025-03-03 至 2025-03-09）",
    )
    raised = _ok(_post(users["township_officer"], "case_objection", body, case_id=case.pk))
    assert raised["case"]["status"] == "objection"
    [objection] = raised["objections"]
    assert (objection["content"], objection["raised_by"], objection["status"]) == ("其子有稳定收入", "村民甲", "open")
    assert raised["notices"][0]["status"] == "interrupted"
    again = {**body, "expected_version": raised["case"]["version"]}
    _refused(
        _post(users["township_officer"], "case_objection", again, case_id=case.pk),
        400,
        "案件当前状态为“公示异议复查中”，不能登记公示异议",
    )

    resolve = {
        "expected_version": raised["case"]["version"],
        "upheld": False,
        "findings": "其子无固定收入",
        "opinion": "维持原意见",
        "place": "村务公开栏",
    }
    _refused(_post(users["village_worker"], "case_objection_resolve", resolve, case_id=case.pk), 403, "乡镇经办人员")
    _not_found(_post(users["other_township_officer"], "case_objection_resolve", resolve, case_id=case.pk), "案件")
    _stale(
        _post(users["township_officer"], "case_objection_resolve", {**resolve, "expected_version": 1}, case_id=case.pk)
    )
    resolved = _ok(_post(users["township_officer"], "case_objection_resolve", resolve, case_id=case.pk))
    assert resolved["case"]["status"] == "in_notice"
    assert (
        resolved["objections"][0]["status"] == "dismissed" and resolved["objections"][0]["findings"] == "其子无固定收入"
    )
    rounds = {n["round"]: n for n in resolved["notices"]}
    assert rounds[1]["status"] == "ended" and rounds[2]["status"] == "running"
    assert rounds[2]["opinion"].startswith("维持原意见（拟纳入：")
    again = {**resolve, "expected_version": resolved["case"]["version"]}
    _refused(
        _post(users["township_officer"], "case_objection_resolve", again, case_id=case.pk),
        400,
        "案件当前状态为“公示中”，不能异议复查并重新公示",
    )


# ---------------------------------------------------------------- decision, refusal notice, enrolment


def test_confirm_approves_with_the_posted_amounts_or_refuses_with_reasons(walk, household, users, regions):
    case = walk.to_notice(household)  # the notice ran 2025-03-03 … 2025-03-09: it is over
    body = {"expected_version": case.version, "approve": True}
    _refused(
        _post(users["township_officer"], "case_confirm", body, case_id=case.pk), 403, "“审核确认”须由县级审核人员办理"
    )
    _not_found(_post(users["foreign_county_reviewer"], "case_confirm", body, case_id=case.pk), "案件")
    _stale(_post(users["county_reviewer"], "case_confirm", {**body, "expected_version": 1}, case_id=case.pk))
    approved = _ok(
        _post(users["county_reviewer"], "case_confirm", {**body, "start_month": "2025-04-01"}, case_id=case.pk)
    )
    assert approved["case"]["status"] == "approved"
    [decision] = approved["decisions"]
    assert (decision["outcome"], decision["start_month"], decision["review_months"]) == ("approved", "2025-04-01", 6)
    # Rural 485 × 2 − (wages 200 − 145.5) + the child's 48.50 = 964.00, as posted.
    assert [(line["programme"], line["monthly_amount"]) for line in decision["lines"]] == [("dibao", "964.00")]
    again = {**body, "expected_version": approved["case"]["version"]}
    _refused(
        _post(users["county_reviewer"], "case_confirm", again, case_id=case.pk),
        400,
        "案件当前状态为“已确认待纳入”，不能审核确认",
    )

    other = walk.to_notice(poor_household(regions["lixin"], users["county_reviewer"]))
    refuse = {"expected_version": other.version, "approve": False, "reasons": ""}
    no_reasons = _post(users["county_reviewer"], "case_confirm", refuse, case_id=other.pk)
    assert _refused(no_reasons, 400, "不予确认理由：须书面说明理由")["extra"]["field"] == "reasons"
    refused = _ok(
        _post(users["county_reviewer"], "case_confirm", {**refuse, "reasons": "存款超过规定"}, case_id=other.pk)
    )
    assert refused["case"]["status"] == "refused"
    assert (refused["decisions"][0]["outcome"], refused["decisions"][0]["reasons"]) == ("refused", "存款超过规定")
    assert refused["decisions"][0]["lines"] == []


def test_refusal_notice(walk, household, users):
    case = walk.to_notice(household)
    walk.confirm(case, date(2025, 3, 10), approve=False, reasons="家庭财产超过规定")
    case = fresh(case)
    body = {"expected_version": case.version, "notified_on": "2025-03-12", "method": "当面送达"}
    _refused(
        _post(users["village_worker"], "case_refusal_notice", body, case_id=case.pk),
        403,
        "“书面告知不予确认”须由乡镇经办人员办理",
    )
    _not_found(_post(users["other_township_officer"], "case_refusal_notice", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_refusal_notice", {**body, "expected_version": 1}, case_id=case.pk))
    early = {**body, "notified_on": "2025-03-09"}
    assert (
        _refused(
            _post(users["township_officer"], "case_refusal_notice", early, case_id=case.pk),
            400,
            "告知日期：应在决定日期与今天之间",
        )["extra"]["field"]
        == "notified_on"
    )
    done = _ok(_post(users["township_officer"], "case_refusal_notice", body, case_id=case.pk))
    assert done["case"]["status"] == "closed"
    assert done["decisions"][0]["notified_on"] == "2025-03-12"
    assert done["events"][-1]["note"] == "2025-03-12 当面送达告知：家庭财产超过规定"


def test_an_approved_case_takes_no_refusal_notice(walk, household, users):
    case = walk.to_approved(household)
    body = {"expected_version": case.version, "notified_on": "2025-03-12", "method": "当面送达"}
    _refused(
        _post(users["township_officer"], "case_refusal_notice", body, case_id=case.pk),
        400,
        "案件当前状态为“已确认待纳入”，不能书面告知不予确认",
    )


def test_enrol(walk, household, users):
    case = walk.to_notice(household)
    early = {"expected_version": case.version}
    _refused(
        _post(users["township_officer"], "case_enrol", early, case_id=case.pk),
        400,
        "案件当前状态为“公示中”，不能纳入保障（执行决定）",
    )
    walk.confirm(case, date(2025, 3, 10))
    body = {"expected_version": fresh(case).version}
    _refused(
        _post(users["village_worker"], "case_enrol", body, case_id=case.pk),
        403,
        "“纳入保障（执行决定）”须由乡镇经办人员办理",
    )
    _not_found(_post(users["other_township_officer"], "case_enrol", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_enrol", early, case_id=case.pk))
    done = _ok(_post(users["township_officer"], "case_enrol", body, case_id=case.pk))
    assert done["case"]["status"] == "enrolled"
    # The household fixture: rural, head earning 200 (− employment cost 485 × 0.3 = 145.5 → 54.5
    # counted) and a child. 485 × 2 − 54.5 = 915.5, + the child's minor supplement 48.50 = 964.00.
    [enrolment] = done["enrolments"]
    assert (enrolment["programme"], enrolment["monthly_amount"], enrolment["start_month"]) == (
        "dibao",
        "964.00",
        "2025-04-01",
    )
    assert enrolment["changes"] == [
        {
            "effective_month": "2025-04-01",
            "monthly_amount": "964.00",
            "status": "active",
            "reason": enrolment["changes"][0]["reason"],
        }
    ]
    assert enrolment["changes"][0]["reason"].startswith(f"案件 {done['case']['number']} 确认")
    _refused(
        _post(users["township_officer"], "case_enrol", {"expected_version": done["case"]["version"]}, case_id=case.pk),
        400,
        "案件当前状态为“已执行”",
    )


# ---------------------------------------------------------------- temporary assistance: fast grant and paperwork


def _emergency(walk, household, amount="20000"):
    need = {"kind": "emergency", "event": "fire", "occurred_on": "2025-03-01", "amount": amount, "fast": True}
    return walk.open(household, kind="temporary", programmes=["temporary"], temporary_need=need)


def test_fast_grant(walk, household, users):
    case = _emergency(walk, household)
    body = {"expected_version": case.version, "track": "fast_grant", "amount": "485.00", "reasons": "房屋失火"}
    _refused(_post(users["village_worker"], "case_fast_grant", body, case_id=case.pk), 403, "乡镇经办人员")
    _not_found(_post(users["other_township_officer"], "case_fast_grant", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_fast_grant", {**body, "expected_version": 9}, case_id=case.pk))
    # Rural standard 485 × temporary.fast_grant_multiple 1 = 485.00 is the ceiling (§4).
    over = _refused(
        _post(users["township_officer"], "case_fast_grant", {**body, "amount": "485.01"}, case_id=case.pk),
        400,
        "金额 485.01 元超过小额快救上限 485.00 元",
    )
    assert over["code"] == "fast_grant_refused" and over["extra"]["cap"] == "485.00"
    done = _ok(_post(users["township_officer"], "case_fast_grant", body, case_id=case.pk))
    assert done["case"]["status"] == "paperwork_pending"
    [decision] = done["decisions"]
    assert decision["outcome"] == "fast_grant"
    assert [(line["programme"], line["one_off_amount"], line["monthly_amount"]) for line in decision["lines"]] == [
        ("temporary", "485.00", "0.00")
    ]
    again = {**body, "expected_version": done["case"]["version"]}
    _refused(
        _post(users["township_officer"], "case_fast_grant", again, case_id=case.pk),
        400,
        "案件当前状态为“已先行救助待补办手续”",
    )


def test_fast_grant_refused_for_an_ordinary_application(walk, household, users):
    case = walk.open(household)
    body = {"expected_version": case.version, "track": "help_first", "amount": "100", "reasons": "困难"}
    response = _post(users["township_officer"], "case_fast_grant", body, case_id=case.pk)
    assert _refused(response, 400, "先行救助只适用于急难型临时救助申请")["code"] == "fast_grant_refused"


def test_paperwork(walk, household, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = _emergency(walk, household)
    early = _post(
        users["township_officer"],
        "case_paperwork",
        {"expected_version": case.version, "summary": "补齐"},
        case_id=case.pk,
    )
    _refused(early, 400, "案件当前状态为“已申请待受理”，不能补办手续")
    services.do_decide_fast_grant(
        users["township_officer"], case, track="fast_grant", amount="300", reasons="失火", expected_version=case.version
    )
    body = {"expected_version": fresh(case).version, "summary": "已补交申请书"}
    _refused(_post(users["village_worker"], "case_paperwork", body, case_id=case.pk), 403, "乡镇经办人员")
    _not_found(_post(users["other_township_officer"], "case_paperwork", body, case_id=case.pk), "案件")
    _stale(_post(users["township_officer"], "case_paperwork", {**body, "expected_version": 1}, case_id=case.pk))
    missing = _post(users["township_officer"], "case_paperwork", body, case_id=case.pk)
    assert _refused(missing, 400, "补办手续须先上传申请书或调查记录")["extra"]["field"] == "attachments"
    services.do_add_attachment(
        users["village_worker"],
        fresh(case),
        upload=SimpleUploadedFile("申请书.png", PNG),
        original_name="申请书.png",
        category="application",
    )
    body["expected_version"] = fresh(case).version
    done = _ok(_post(users["township_officer"], "case_paperwork", body, case_id=case.pk))
    assert done["case"]["status"] == "closed" and done["events"][-1]["note"] == "已补交申请书"


# ---------------------------------------------------------------- enrolments: suspend and resume


def test_suspend_and_resume(walk, household, users):
    walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household)
    body = {"expected_version": e.version, "from_month": "2025-06-01", "reason": "长期失联"}
    _refused(_post(users["village_worker"], "enrolment_resume", body, enrolment_id=e.pk), 403, "无权")
    _refused(_post(users["village_worker"], "enrolment_suspend", body, enrolment_id=e.pk), 403, "无权")
    _not_found(_post(users["other_township_officer"], "enrolment_suspend", body, enrolment_id=e.pk), "保障记录")
    _stale(
        _post(
            users["township_officer"],
            "enrolment_suspend",
            {**body, "expected_version": e.version + 1},
            enrolment_id=e.pk,
        )
    )
    not_suspended = _post(users["township_officer"], "enrolment_resume", body, enrolment_id=e.pk)
    assert _refused(not_suspended, 400, "只有暂停发放的保障可以恢复")["extra"]["field"] == "status"

    suspended = _ok(_post(users["township_officer"], "enrolment_suspend", body, enrolment_id=e.pk))
    assert suspended["status"] == "suspended" and suspended["monthly_amount"] == "964.00"  # entitlement kept
    assert [(c["effective_month"], c["monthly_amount"], c["status"]) for c in suspended["changes"]] == [
        ("2025-04-01", "964.00", "active"),
        ("2025-06-01", "0.00", "suspended"),
    ]
    twice = {**body, "expected_version": suspended["version"]}
    _refused(
        _post(users["township_officer"], "enrolment_suspend", twice, enrolment_id=e.pk),
        400,
        "保障状态为“暂停发放”，不能暂停",
    )

    resume = {"expected_version": suspended["version"], "from_month": "2025-08-01", "reason": "已取得联系"}
    _not_found(_post(users["other_township_officer"], "enrolment_resume", resume, enrolment_id=e.pk), "保障记录")
    _stale(_post(users["township_officer"], "enrolment_resume", {**resume, "expected_version": 1}, enrolment_id=e.pk))
    resumed = _ok(_post(users["county_reviewer"], "enrolment_resume", resume, enrolment_id=e.pk))
    assert resumed["status"] == "active" and resumed["monthly_amount"] == "964.00"
    assert [(c["effective_month"], c["monthly_amount"]) for c in resumed["changes"]] == [
        ("2025-04-01", "964.00"),
        ("2025-06-01", "0.00"),
        ("2025-08-01", "964.00"),
    ]


# ---------------------------------------------------------------- reviews: schedule and complete


def test_schedule_reviews(household, users, published):
    create_enrolment(
        None,
        household=household,
        person=_head(household),
        programme="dibao",
        start_month=date(2025, 4, 1),
        monthly_amount=Decimal("964.00"),
        reason="测试",
        review_months=12,
    )
    _refused(_post(users["village_worker"], "review_schedule"), 403, "无权")
    # Another township's officer schedules nothing here: the household is outside the scope.
    assert _ok(_post(users["other_township_officer"], "review_schedule")) == {"created": 0}
    assert _ok(_post(users["township_officer"], "review_schedule")) == {"created": 1}
    task = ReviewTask.objects.get(household=household, kind="periodic")
    assert (task.status, task.due_on) == ("open", date(2026, 4, 1))  # start month + 12 months
    assert _ok(_post(users["township_officer"], "review_schedule")) == {"created": 0}


def test_complete_review(walk, household, users):
    walk.to_enrolled(household)
    task = ReviewTask.objects.get(household=household, kind="periodic", status="open")
    body = {"outcome": "unchanged", "reasons": ""}
    _refused(_post(users["township_officer"], "review_complete", body, task_id=task.pk), 403, "无权")
    _not_found(_post(users["foreign_county_reviewer"], "review_complete", body, task_id=task.pk), "复核任务")
    no_reason = _post(users["county_reviewer"], "review_complete", {"outcome": "adjust"}, task_id=task.pk)
    assert _refused(no_reason, 400, "复核理由：不能为空")["extra"]["field"] == "reasons"
    done = _ok(_post(users["county_reviewer"], "review_complete", body, task_id=task.pk))
    assert (done["status"], done["outcome"], done["completed_on"]) == ("done", "unchanged", date.today().isoformat())
    _refused(_post(users["county_reviewer"], "review_complete", body, task_id=task.pk), 409, "已被他人处理")
    # The next review is scheduled a review interval after today; the amount is unchanged.
    assert ReviewTask.objects.filter(household=household, kind="periodic", status="open").count() == 1
    assert Enrolment.objects.get(household=household).monthly_amount == Decimal("964.00")


def test_an_age_check_is_not_completed_by_hand(walk, household, users):
    walk.to_enrolled(household)
    e = Enrolment.objects.get(household=household)
    age_check = ReviewTask.objects.create(
        kind="age_check",
        household=household,
        person=e.person,
        enrolment=e,
        region_id=e.region_id,
        due_on=date(2030, 1, 1),
    )
    response = _post(users["county_reviewer"], "review_complete", {"outcome": "unchanged"}, task_id=age_check.pk)
    assert _refused(response, 400, "该任务由系统按到期规则自动办理")["extra"]["field"] == "task"


@pytest.mark.parametrize(
    "name,kw",
    [
        ("case_report_change", {}),
        ("case_withdraw", {"case_id": 1}),
        ("case_community_review", {"case_id": 1}),
        ("case_objection", {"case_id": 1}),
        ("case_objection_resolve", {"case_id": 1}),
        ("case_refusal_notice", {"case_id": 1}),
        ("case_enrol", {"case_id": 1}),
        ("case_fast_grant", {"case_id": 1}),
        ("case_paperwork", {"case_id": 1}),
        ("case_declare_relative", {"case_id": 1}),
        ("case_check_relative", {"declaration_id": 1}),
        ("case_referral_create", {"case_id": 1}),
        ("case_referral_outcome", {"referral_id": 1}),
        ("enrolment_suspend", {"enrolment_id": 1}),
        ("enrolment_resume", {"enrolment_id": 1}),
        ("review_schedule", {}),
        ("review_complete", {"task_id": 1}),
    ],
)
def test_every_operation_needs_a_login(client, db, name, kw):
    assert client.post(reverse(f"api:{name}", kwargs=kw), {}, content_type="application/json").status_code in (401, 403)
