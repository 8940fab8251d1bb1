"""我的待办, the bulk actions, the home page's to-do counts, enrolments and the review tasks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from doudi.cases import services
from doudi.cases.models import Case, Decision, EnrolmentChange, NoticeStatus, PublicNotice, ReviewTask
from doudi.cases.tests.conftest import fresh, poor_household
from doudi.cases.tests.test_views import client_for
from doudi.cases.views import inbox as inbox_views


def today() -> date:
    return timezone.localdate()


def _awaiting_confirmation(walk, household):
    case = walk.to_notice(household, on=today(), programmes=["dibao"])
    PublicNotice.objects.filter(case=case, status=NoticeStatus.RUNNING).update(
        starts_on=today() - timedelta(days=10), ends_on=today() - timedelta(days=4)
    )
    return fresh(case)


def test_inbox_counts_steps_and_shows_overdue_cases_in_red(walk, household, users, regions):
    late = walk.open(household, on=date(2025, 3, 3), programmes=["dibao"])
    walk.accept(late, on=date(2025, 3, 3))  # the survey should have started within 3 working days
    other = poor_household(regions["shengtian"], users["county_reviewer"])
    fresh_case = services.do_open_application(users["township_officer"], other, programmes=["dibao"])
    page = client_for(users["township_officer"]).get(reverse("cases:inbox"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="todo-overdue"' in html and "stat-overdue" in html
    assert f'data-case="{late.pk}"' in html and f'data-case="{fresh_case.pk}"' in html
    late_row = html.split(f'data-case="{late.pk}"')[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in late_row
    assert "受理 <b>1</b>" in html and "录入信息核对结果 <b>1</b>" in html and "录入入户调查 <b>1</b>" in html


def test_inbox_filters_by_step_village_kind_and_overdue(walk, household, users, regions):
    late = walk.open(household, on=date(2025, 3, 3), programmes=["dibao"])
    walk.accept(late, on=date(2025, 3, 3))
    other = poor_household(regions["shengtian"], users["county_reviewer"])
    newer = services.do_open_application(users["township_officer"], other, programmes=["dibao"])
    client = client_for(users["township_officer"])

    def shown(**query) -> set[int]:
        html = client.get(reverse("cases:inbox"), query).content.decode()
        return {c.pk for c in (late, newer) if f'data-case="{c.pk}"' in html}

    assert shown(step="accept_application") == {newer.pk}
    assert shown(village=regions["shengtian"].code) == {newer.pk}
    assert shown(overdue="on") == {late.pk}
    assert shown(kind="temporary") == set()
    assert shown() == {late.pk, newer.pk}


def test_inbox_is_paginated(walk, household, users, regions, monkeypatch):
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 1)
    walk.open(household, on=today(), programmes=["dibao"])
    walk.open(poor_household(regions["lixin"], users["county_reviewer"]), on=today(), programmes=["dibao"])
    html = client_for(users["village_worker"]).get(reverse("cases:inbox")).content.decode()
    assert "第 1 / 2 页" in html and html.count("data-case=") == 1


def test_inbox_shows_only_the_users_region(walk, household, users):
    case = walk.open(household, on=today(), programmes=["dibao"])
    html = client_for(users["other_village_worker"]).get(reverse("cases:inbox")).content.decode()
    assert f'data-case="{case.pk}"' not in html and 'id="inbox-empty"' in html


def test_home_page_shows_the_to_do_counts(walk, household, users):
    late = walk.open(household, on=date(2025, 3, 3), programmes=["dibao"])
    walk.accept(late, on=date(2025, 3, 3))
    html = client_for(users["village_worker"]).get(reverse("core:home")).content.decode()
    assert 'id="home-todo-total"' in html and "我的待办" in html
    overdue = html.split('id="home-todo-overdue"')[1].split("</a>")[0]
    assert "<b>1</b>" in overdue
    assert reverse("cases:inbox") in html  # the navigation item


def test_bulk_approval_reports_each_case_and_spares_the_others(walk, household, users, regions):
    first = _awaiting_confirmation(walk, household)
    second = _awaiting_confirmation(walk, poor_household(regions["lixin"], users["county_reviewer"]))
    client = client_for(users["county_reviewer"])
    inbox_html = client.get(reverse("cases:inbox"), {"step": "confirm_case"}).content.decode()
    assert 'value="confirm_case"' in inbox_html and 'id="bulk-bar"' in inbox_html
    stale = first.version
    walk.confirm(first, today(), approve=False, reasons="他人已处理")  # someone else decided first
    response = client.post(
        reverse("cases:bulk"),
        {
            "action": "confirm_case",
            "case": [first.pk, second.pk],
            f"v{first.pk}": stale,
            f"v{second.pk}": second.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "成功 <b>1</b> 件" in html and "已被他人处理" in html
    assert fresh(second).status == "approved" and fresh(first).status == "refused"
    assert Decision.objects.get(case=first).reasons == "他人已处理"


def test_bulk_actions_are_refused_to_other_roles_and_need_a_selection(walk, household, users):
    case = _awaiting_confirmation(walk, household)
    body = {"action": "confirm_case", "case": [case.pk], f"v{case.pk}": case.version}
    assert client_for(users["township_officer"]).post(reverse("cases:bulk"), body).status_code == 403
    empty = client_for(users["county_reviewer"]).post(reverse("cases:bulk"), {"action": "confirm_case"})
    assert empty.status_code == 400 and "请先勾选要办理的案件" in empty.content.decode()
    assert fresh(case).status == "in_notice"


def test_bulk_approval_of_another_regions_case_fails_for_that_case_only(walk, household, users):
    case = _awaiting_confirmation(walk, household)
    response = client_for(users["foreign_county_reviewer"]).post(
        reverse("cases:bulk"), {"action": "confirm_case", "case": [case.pk], f"v{case.pk}": case.version}
    )
    assert response.status_code == 200 and "不在您的管辖范围内" in response.content.decode()
    assert fresh(case).status == "in_notice"


def test_bulk_enrolment(walk, household, users):
    case = walk.to_approved(household, programmes=["dibao"])
    response = client_for(users["township_officer"]).post(
        reverse("cases:bulk"), {"action": "enrol", "case": [case.pk], f"v{case.pk}": case.version}
    )
    assert "成功 <b>1</b> 件" in response.content.decode() and fresh(case).status == "enrolled"


def test_enrolment_list_shows_the_amount_history_in_scope_only(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    change = EnrolmentChange.objects.get()
    url = reverse("cases:enrolment_list")
    html = client_for(users["township_officer"]).get(url, {"household": household.pk}).content.decode()
    assert (change.effective_month, change.monthly_amount) == (date(2025, 4, 1), Decimal("964.00"))
    assert "最低生活保障" in html and "2025-04" in html and "964.00" in html  # 485 × 2 − 54.5 + 48.50
    other = client_for(users["other_village_worker"]).get(url, {"household": household.pk}).content.decode()
    assert 'id="enrolment-' not in other and "没有保障记录" in other


def test_review_tasks_completed_unchanged_in_bulk(walk, household, users, regions):
    walk.to_enrolled(household, programmes=["dibao"])
    walk.to_enrolled(poor_household(regions["lixin"], users["county_reviewer"]), programmes=["dibao"])
    tasks = list(ReviewTask.objects.filter(kind="periodic", status="open"))
    assert len(tasks) == 2
    client = client_for(users["county_reviewer"])
    page = client.get(reverse("cases:review_list")).content.decode()
    assert "批量维持不变" in page
    response = client.post(reverse("cases:review_complete"), {"tasks": [t.pk for t in tasks]}, follow=True)
    html = response.content.decode()
    assert "已完成 2 项复核" in html and 'id="review-results"' in html
    assert set(ReviewTask.objects.filter(pk__in=[t.pk for t in tasks]).values_list("outcome", flat=True)) == {
        "unchanged"
    }
    assert ReviewTask.objects.filter(kind="periodic", status="open").count() == 2  # the next reviews


def test_a_review_ended_without_reasons_is_refused_and_others_may_not_complete(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    task = ReviewTask.objects.get(kind="periodic", status="open")
    refused = client_for(users["township_officer"]).post(reverse("cases:review_complete"), {"tasks": [task.pk]})
    assert refused.status_code == 403
    response = client_for(users["county_reviewer"]).post(
        reverse("cases:review_complete"), {"task": task.pk, "outcome": "end", "reasons": ""}, follow=True
    )
    assert "复核理由：不能为空" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"


def test_case_search_lists_the_households_cases(walk, household, users):
    case = walk.open(household, on=today(), programmes=["dibao"])
    html = client_for(users["county_reviewer"]).get(reverse("cases:case_list"), {"q": case.number}).content.decode()
    assert case.number in html
    other = client_for(users["foreign_county_reviewer"]).get(reverse("cases:case_list")).content.decode()
    assert case.number not in other


def test_a_change_is_reported_from_the_enrolment_page(walk, household, users):
    walk.to_enrolled(household, programmes=["dibao"])
    client = client_for(users["village_worker"])
    page = client.get(reverse("cases:enrolment_list"), {"household": household.pk}).content.decode()
    url = reverse("cases:change_report", args=[household.pk])
    assert url in page
    bad = client.post(url, {"change_kind": "income_change", "occurred_on": today().isoformat(), "note": ""})
    assert bad.status_code == 400 and "变化情况" in bad.content.decode()
    response = client.post(url, {"change_kind": "income_change", "occurred_on": today().isoformat(), "note": "务工"})
    case = Case.objects.get(kind="change")
    assert response.status_code == 302 and case.status == "accepted"
    assert client_for(users["other_village_worker"]).get(url).status_code == 404
