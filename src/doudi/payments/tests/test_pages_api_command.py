"""Payroll pages, API and command: the flow through the web, scope, the household page's payments."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from doudi.payments.models import Payroll, PayrollLine
from doudi.payments.tests.conftest import enrol, payee

pytestmark = pytest.mark.django_db

JAN = date(2025, 1, 1)


@pytest.fixture
def person(regions, maker):
    p = payee(regions["lixin"], maker)
    enrol(p, start=JAN)
    return p


def test_pages_generate_submit_approve(client, person, maker, finance):
    client.force_login(maker)
    assert "生成沅江市发放名册" in client.get("/payments/").content.decode()
    r = client.post("/payments/generate/", {"month": "2025-01", "programme": "dibao"})
    payroll = Payroll.objects.get()
    assert r.status_code == 302 and r.url == f"/payments/{payroll.pk}/"
    page = client.get(r.url).content.decode()
    assert "草尾镇" in page and "500.00" in page and "没有核查发现" in page
    drill = client.get(f"/payments/{payroll.pk}/regions/430981114000/").content.decode()
    assert "张三" in drill and person.bank_account not in drill and person.bank_account[-4:] in drill
    client.post(f"/payments/{payroll.pk}/submit/", {"version": payroll.version})
    payroll.refresh_from_db()
    assert payroll.status == "submitted"
    client.post(f"/payments/{payroll.pk}/approve/", {"version": payroll.version})
    payroll.refresh_from_db()
    assert payroll.status == "submitted"  # the maker's role has no approval right: 403
    client.force_login(finance)
    client.post(f"/payments/{payroll.pk}/approve/", {"version": payroll.version})
    payroll.refresh_from_db()
    assert payroll.status == "approved" and payroll.checker == finance
    household = client.get(f"/registry/households/{person.household_id}/").content.decode()
    assert "发放记录（按月）" in household and "2025年1月" in household
    enrolment = PayrollLine.objects.get().enrolment_id
    assert "当月发放" in client.get(f"/payments/enrolments/{enrolment}/").content.decode()


def test_pages_refuse_another_county(client, person, maker, users):
    client.force_login(maker)
    client.post("/payments/generate/", {"month": "2025-01", "programme": "dibao"})
    payroll = Payroll.objects.get()
    client.force_login(users["foreign_county_reviewer"])
    assert client.get(f"/payments/{payroll.pk}/").status_code == 404
    assert "2025年1月" not in client.get("/payments/").content.decode()
    r = client.post("/payments/generate/", {"month": "2025-02", "programme": "dibao"})
    assert r.status_code == 302  # its own county's payroll, never 沅江市's
    assert set(Payroll.objects.values_list("region_id", "month")) == {
        ("430981000000", JAN),
        ("430902000000", date(2025, 2, 1)),
    }


def test_api_flow_and_scope(client, person, maker, finance, users):
    client.force_login(maker)
    r = client.post("/api/payments/payrolls/generate/", {"region": "430981", "month": "2025-01", "programme": "dibao"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["line_count"] == 1 and body["total_amount"] == "500.00" and body["month"] == "2025-01"
    pid = body["id"]
    assert client.post(f"/api/payments/payrolls/{pid}/submit/", {}).status_code == 400  # no version
    body = client.post(f"/api/payments/payrolls/{pid}/submit/", {"expected_version": body["version"]}).json()
    assert body["status"] == "submitted"
    v = {"expected_version": body["version"]}
    assert client.post(f"/api/payments/payrolls/{pid}/approve/", v).status_code == 403
    client.force_login(finance)
    assert client.post(f"/api/payments/payrolls/{pid}/approve/", v).json()["status"] == "approved"
    assert [p["id"] for p in client.get("/api/payments/payrolls/").json()] == [pid]
    ledger = client.get("/api/payments/ledger/").json()
    assert ledger[0]["planned"] == "500.00" and ledger[0]["region"] == "430981114201"
    client.force_login(users["foreign_county_reviewer"])
    assert client.get(f"/api/payments/payrolls/{pid}/").status_code == 404
    assert client.get("/api/payments/payrolls/").json() == []
    r = client.post("/api/payments/payrolls/generate/", {"region": "430981", "month": "2025-02", "programme": "dibao"})
    assert r.status_code == 404


def test_command_generate_and_list(person, maker):
    out = StringIO()
    call_command(
        "payroll", "generate", "--region", "430981", "--month", "2025-01", "--user", maker.username, stdout=out
    )
    assert "1 笔" in out.getvalue() and "500.00" in out.getvalue()
    call_command(
        "payroll", "generate", "--region", "430981", "--month", "2025-01", "--user", maker.username, stdout=out
    )
    assert Payroll.objects.count() == 1 and PayrollLine.objects.count() == 1
    out = StringIO()
    call_command("payroll", "list", stdout=out)
    assert "草稿" in out.getvalue()
    with pytest.raises(CommandError, match="不是 YYYY-MM"):
        call_command("payroll", "generate", "--region", "430981", "--month", "2025/13", "--user", maker.username)


def test_refused_submit_shows_the_finding_still_found(client, regions, maker):
    """A 已解决 finding whose line is still in the payroll: the refused submit must leave it 待处理 on the
    page (with its form), not 已解决 with 待处理 0 项 while every submit says 还有 1 项未处理."""
    from doudi.payments.models import FindingStatus, PayrollFinding
    from doudi.registry.models import Person

    dead = payee(regions["lixin"], maker)
    enrol(dead, start=JAN)
    Person.objects.filter(pk=dead.pk).update(death_date=date(2024, 12, 20))
    client.force_login(maker)
    client.post("/payments/generate/", {"month": "2025-01", "programme": "dibao"})
    payroll = Payroll.objects.get()
    finding = PayrollFinding.objects.get(payroll=payroll, check_code="deceased")
    client.post(f"/payments/{payroll.pk}/findings/{finding.pk}/", {"how": "resolved", "explanation": "已停发"})
    payroll.refresh_from_db()
    r = client.post(f"/payments/{payroll.pk}/submit/", {"version": payroll.version}, follow=True)
    page = r.content.decode()
    assert "还有 1 项核查发现未处理" in page
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    assert "核查发现（待处理 1 项）" in page
    assert f'action="/payments/{payroll.pk}/findings/{finding.pk}/"' in page


@pytest.mark.parametrize("action", ["submit", "approve"])
def test_api_refused_for_open_findings_shows_the_finding_still_found(client, regions, maker, finance, action):
    """As on the page (32c8b9a): a submit or approval refused for open findings keeps the re-run checks,
    so the API's detail lists the finding as open and the error names it (not ids rolled back)."""
    from doudi.payments.models import FindingStatus, PayrollFinding
    from doudi.registry.models import Person

    person = payee(regions["lixin"], maker)
    enrol(person, start=JAN)
    client.force_login(maker)
    r = client.post("/api/payments/payrolls/generate/", {"region": "430981", "month": "2025-01", "programme": "dibao"})
    pid = r.json()["id"]
    Person.objects.filter(pk=person.pk).update(death_date=date(2024, 12, 20))
    if action == "submit":
        from doudi.payments.services.checks import run_checks

        run_checks(Payroll.objects.get(pk=pid))
        finding = PayrollFinding.objects.get(payroll_id=pid, check_code="deceased")
        r = client.post(f"/api/payments/findings/{finding.pk}/", {"how": "resolved", "explanation": "已停发"})
        assert r.json()["status"] == "resolved"
    else:
        Person.objects.filter(pk=person.pk).update(death_date=None)
        body = client.get(f"/api/payments/payrolls/{pid}/").json()
        body = client.post(f"/api/payments/payrolls/{pid}/submit/", {"expected_version": body["version"]}).json()
        assert body["status"] == "submitted"
        Person.objects.filter(pk=person.pk).update(death_date=date(2024, 12, 20))
        client.force_login(finance)
    body = client.get(f"/api/payments/payrolls/{pid}/").json()
    r = client.post(f"/api/payments/payrolls/{pid}/{action}/", {"expected_version": body["version"]})
    assert r.status_code == 400 and r.json()["code"] == "open_findings"
    assert "还有 1 项核查发现未处理" in r.json()["message"]
    finding = PayrollFinding.objects.get(payroll_id=pid, check_code="deceased")
    assert finding.status == FindingStatus.OPEN
    assert r.json()["extra"]["findings"] == [finding.pk]
    detail = client.get(f"/api/payments/payrolls/{pid}/").json()
    assert [(f["id"], f["status"]) for f in detail["findings"]] == [(finding.pk, "open")]
