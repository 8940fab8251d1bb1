"""暂停发放 (hold): a finding's lines leave the payroll, and the month is paid later while still owed.

已说明（照常发放）is refused where paying as usual is never right (no account, deceased, exclusive
programmes) with what to do instead; submission and approval refuse a payroll its bank file could not
pay; the bank file never carries a line without an account.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from doudi.audit.models import AuditEvent
from doudi.core.errors import DomainError
from doudi.payments.bankfiles.services import do_write_bank_file
from doudi.payments.models import FindingStatus, LineKind, LineStatus, Payroll, PayrollFinding, PayrollLine
from doudi.payments.services import approval
from doudi.payments.services.checks import run_checks
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.bankfiles.helpers import layout
from doudi.payments.tests.conftest import enrol, payee
from doudi.payments.tests.test_deceased_alerts import death_alert
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db

JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)


def gen(actor, month=JAN, programme="dibao"):
    return generate_payroll(actor, region_code="430981", programme=programme, month=month)


def finding(payroll, code) -> PayrollFinding:
    return PayrollFinding.objects.get(payroll=payroll, check_code=code)


def lines(payroll, **kw):
    return sorted(
        (line.person.name, line.month_covered, line.kind, line.amount, line.status)
        for line in PayrollLine.objects.filter(payroll=payroll, **kw).select_related("person")
    )


def approve(maker, finance, payroll):
    approval.do_submit(maker, payroll.pk)
    return approval.do_approve(finance, payroll.pk)


@pytest.fixture
def two(regions, maker):
    """张三 (with an account, 500 a month) and 赵六 (no account, 300 a month), both in dibao from January."""
    ok = payee(regions["lixin"], maker, name="张三")
    enrol(ok, start=JAN, amount="500")
    nobody = payee(regions["lixin"], maker, name="赵六", with_account=False)
    enrol(nobody, start=JAN, amount="300")
    return ok, nobody


def _no_account(regions, maker):
    p = payee(regions["lixin"], maker, name="赵六", with_account=False)
    enrol(p, start=JAN)


def _deceased(regions, maker):
    p = payee(regions["lixin"], maker, name="钱七")
    enrol(p, start=JAN)
    death_alert(p, died=date(2024, 12, 20))  # still open: 核查处理前暂停发放


def _exclusive(regions, maker):
    p = payee(regions["lixin"], maker, name="孙八")
    enrol(p, start=JAN)
    enrol(p, "extreme_poverty", start=JAN, amount="900")


def _double(regions, maker):
    from doudi.cases.models import Enrolment

    p = payee(regions["lixin"], maker, name="周九")
    enrol(p, start=JAN)
    Enrolment.objects.filter(person=p).update(status="ended", end_month=date(2025, 6, 1))
    enrol(p, start=JAN, amount="300")


def _holder(regions, maker):
    p = payee(regions["lixin"], maker, name="吴十")
    enrol(p, start=JAN)
    stranger = payee(regions["shengtian"], maker, name="郑一", with_account=False)
    Person.objects.filter(pk=stranger.pk).update(bank_account=p.bank_account)


@pytest.mark.parametrize(
    "make, code, refused",
    [
        (_no_account, "no_account", "没有银行账号的明细无法照常发放：请登记银行账号（一卡通）后重新生成名册"),
        (
            _deceased,
            "deceased",
            "请选择“暂停发放”；如死亡信息有误，请更正死亡登记或将死亡预警核查为“无需处理”后重新核查",
        ),
        (_exclusive, "exclusive_programmes", "请停发其中一项保障后重新生成名册，或选择“暂停发放”"),
        (_double, "double_payment", None),
        (_holder, "holder_not_member", None),
    ],
)
def test_explained_only_where_paying_as_usual_can_be_right(regions, maker, make, code, refused):
    make(regions, maker)
    payroll = gen(maker)
    f = finding(payroll, code)
    if refused:
        with pytest.raises(DomainError, match=refused):
            approval.do_handle_finding(maker, f.pk, how="explained", explanation="已入户核实")
        f.refresh_from_db()
        assert f.status == FindingStatus.OPEN
        # An older 已说明 of such a kind (written before the rule) is open again at the next check.
        PayrollFinding.objects.filter(pk=f.pk).update(status=FindingStatus.EXPLAINED, explanation="照常发放")
        run_checks(payroll)
        f.refresh_from_db()
        assert f.status == FindingStatus.OPEN and f.explanation == ""
    else:
        approval.do_handle_finding(maker, f.pk, how="explained", explanation="已入户核实")
        f.refresh_from_db()
        assert f.status == FindingStatus.EXPLAINED
        run_checks(payroll)
        f.refresh_from_db()
        assert f.status == FindingStatus.EXPLAINED


def test_hold_takes_the_lines_out_in_one_step(two, maker, finance):
    _ok, nobody = two
    payroll = gen(maker)
    assert payroll.total_amount == Decimal("800.00")
    f = finding(payroll, "no_account")
    version = payroll.version
    approval.do_handle_finding(maker, f.pk, how="held", explanation="尚未办理一卡通")
    f.refresh_from_db()
    assert f.status == FindingStatus.RESOLVED and f.explanation == "暂停发放：尚未办理一卡通" and f.handled_by == maker
    line = PayrollLine.objects.get(payroll=payroll, person=nobody)
    assert line.status == LineStatus.CANCELLED and line.note == "暂停发放：尚未办理一卡通"
    payroll.refresh_from_db()
    assert (payroll.line_count, payroll.total_amount, payroll.version) == (1, Decimal("500.00"), version + 1)
    event = AuditEvent.objects.filter(action="handle_payroll_finding").latest("id")
    assert event.reason == "无银行账号：暂停发放 1 笔，合计 300.00 元（尚未办理一卡通）"
    run_checks(payroll)  # the held line is no longer checked: nothing reopens
    f.refresh_from_db()
    assert f.status == FindingStatus.RESOLVED
    with pytest.raises(DomainError, match="不需要再处理"):
        approval.do_handle_finding(maker, f.pk, how="held", explanation="再次")
    payroll = approve(maker, finance, payroll)
    result = do_write_bank_file(finance, payroll, layout=layout())
    with result.handle:
        content = result.handle.read().decode("gbk")
    assert result.bank_file.record_count == 1 and result.bank_file.total_amount == Decimal("500.00")
    assert "赵六" not in content and "张三" in content


@pytest.mark.parametrize(
    "account_by_feb, expected_feb",
    [
        # Account registered: February pays February and, as 补发, the January held.
        (
            "62170000555550001",
            [("赵六", FEB, LineKind.NORMAL, Decimal("300.00")), ("赵六", JAN, LineKind.ARREARS, Decimal("300.00"))],
        ),
        # Still no account: both months are found again (and can be held again).
        ("", [("赵六", FEB, LineKind.NORMAL, Decimal("300.00")), ("赵六", JAN, LineKind.ARREARS, Decimal("300.00"))]),
    ],
)
def test_a_held_month_is_paid_later_while_the_enrolment_is_live(two, maker, finance, account_by_feb, expected_feb):
    _ok, nobody = two
    jan = gen(maker)
    approval.do_handle_finding(maker, finding(jan, "no_account").pk, how="held", explanation="尚未办理一卡通")
    approve(maker, finance, jan)
    Person.objects.filter(pk=nobody.pk).update(bank_account=account_by_feb)
    feb = gen(maker, FEB)
    got = [(n, m, k, a) for n, m, k, a, _s in lines(feb, person=nobody)]
    assert sorted(got) == sorted(expected_feb)
    assert feb.total_amount == Decimal("1100.00")
    open_codes = set(PayrollFinding.objects.filter(payroll=feb, status="open").values_list("check_code", flat=True))
    if account_by_feb:
        assert open_codes == set()
        approve(maker, finance, feb)
    else:
        f = finding(feb, "no_account")
        assert len(f.lines) == 2
        approval.do_handle_finding(maker, f.pk, how="held", explanation="仍未办理一卡通")
        feb.refresh_from_db()
        assert feb.total_amount == Decimal("500.00")


@pytest.mark.parametrize(
    "settle, jan_arrears_in_feb",
    [
        ("registry_death", False),  # died 2024-12-20 (registered): January is never paid
        ("ended", False),  # the enrolment ended with the death: nothing in February at all
        ("dismissed", True),  # the alert was wrong (核实无需处理): January is paid as 补发
    ],
)
def test_a_held_month_of_a_death_alert(regions, maker, finance, settle, jan_arrears_in_feb):
    from doudi.cases.models import Enrolment

    p = payee(regions["lixin"], maker, name="钱七")
    enrolment = enrol(p, start=JAN)
    alert = death_alert(p, died=date(2024, 12, 20))
    jan = gen(maker)
    f = finding(jan, "deceased")
    approval.do_handle_finding(maker, f.pk, how="held", explanation="死亡预警待核查")
    approve(maker, finance, jan)
    assert lines(jan, status=LineStatus.CANCELLED) == [("钱七", JAN, "normal", Decimal("500.00"), "cancelled")]
    if settle == "registry_death":
        Person.objects.filter(pk=p.pk).update(death_date=date(2024, 12, 20))
        alert.status, alert.outcome = "resolved", "confirm_death"
    elif settle == "ended":
        Person.objects.filter(pk=p.pk).update(death_date=date(2024, 12, 20))
        Enrolment.objects.filter(pk=enrolment.pk).update(status="ended", end_month=date(2024, 12, 1))
        alert.status, alert.outcome = "resolved", "confirm_death"
    else:
        alert.status, alert.outcome = "resolved", "no_action"
    alert.save()
    feb = gen(maker, FEB)
    months = {(m, k) for _n, m, k, _a, _s in lines(feb, person=p)}
    assert ((JAN, "arrears") in months) is jan_arrears_in_feb
    if settle == "ended":
        assert months == set()
    if settle == "registry_death":  # February itself is found again: to be held, never paid as usual
        assert finding(feb, "deceased").status == FindingStatus.OPEN
    if settle == "dismissed":
        assert months == {(JAN, "arrears"), (FEB, "normal")}
        assert not PayrollFinding.objects.filter(payroll=feb, status="open").exists()


@pytest.mark.parametrize(
    "spoil, message",
    [
        ("total", "明细合计 500.00 元、应付 500.00 元，与名册合计 1,500.00 元不符"),
        ("account", "1 笔明细无银行账号，如 张三 2025年1月 当月发放 500.00 元"),
    ],
)
def test_submit_and_approve_refuse_a_payroll_without_a_bank_file(regions, maker, finance, spoil, message):
    """Whatever the findings say, a payroll its bank file could not pay is neither submitted nor approved."""
    p = payee(regions["lixin"], maker, name="张三")
    enrol(p, start=JAN)
    payroll = gen(maker)

    def do_spoil():
        if spoil == "total":
            Payroll.objects.filter(pk=payroll.pk).update(total_amount=Decimal("1500"))
        else:
            PayrollLine.objects.filter(payroll=payroll).update(bank_account="")

    do_spoil()
    if spoil == "account":  # its finding handled behind the service's back
        PayrollFinding.objects.filter(payroll=payroll).delete()
        import doudi.payments.services.approval as mod

        real = mod.run_checks
        mod.run_checks = lambda p: []
    try:
        with pytest.raises(DomainError, match=f"发放名册不能提交：{message}"):
            approval.do_submit(maker, payroll.pk)
        Payroll.objects.filter(pk=payroll.pk).update(status="submitted")
        with pytest.raises(DomainError, match=f"发放名册不能审批：{message}"):
            approval.do_approve(finance, payroll.pk)
    finally:
        if spoil == "account":
            mod.run_checks = real
    payroll.refresh_from_db()
    assert payroll.status == "submitted"


def test_hold_is_refused_on_a_submitted_payroll_and_without_lines(two, maker):
    payroll = gen(maker)
    f = finding(payroll, "no_account")
    PayrollFinding.objects.filter(pk=f.pk).update(lines=[])
    with pytest.raises(DomainError, match="没有可暂停发放的明细"):
        approval.do_handle_finding(maker, f.pk, how="held", explanation="尚未办理一卡通")
    f.refresh_from_db()
    assert f.status == FindingStatus.OPEN
    Payroll.objects.filter(pk=payroll.pk).update(status="submitted")
    with pytest.raises(DomainError, match="退回后才能处理核查发现"):
        approval.do_handle_finding(maker, f.pk, how="held", explanation="尚未办理一卡通")


def test_page_and_api_offer_the_same_choices(client, two, maker):
    _ok, nobody = two
    payroll = gen(maker)
    f = finding(payroll, "no_account")
    client.force_login(maker)
    page = client.get(f"/payments/{payroll.pk}/").content.decode()
    form = page[page.index(f'id="finding-{f.pk}"') :]
    form = form[: form.index("</article>")]
    assert "请登记银行账号（一卡通）后重新生成名册" in form
    assert '<option value="held">暂停发放（移出本名册）</option>' in form
    assert '<option value="resolved">已解决</option>' in form and "已说明（照常发放）" not in form
    r = client.post(f"/api/payments/findings/{f.pk}/", {"how": "explained", "explanation": "照常发放"})
    assert r.status_code == 400 and "请登记银行账号（一卡通）后重新生成名册" in r.json()["message"]
    r = client.post(f"/payments/{payroll.pk}/findings/{f.pk}/", {"how": "held", "explanation": "尚未办理一卡通"})
    page = client.get(r.url).content.decode()
    assert "已暂停发放该核查发现涉及的明细，名册合计已更新。" in page
    assert "说明：暂停发放：尚未办理一卡通" in page and "核查发现（待处理 0 项）" in page
    card = page[page.index(f'id="finding-{f.pk}"') :]
    assert '<span class="badge">已暂停发放</span>' in card[: card.index("</article>")]
    assert PayrollLine.objects.get(person=nobody).status == LineStatus.CANCELLED


def test_api_holds_a_finding(client, two, maker):
    payroll = gen(maker)
    f = finding(payroll, "no_account")
    client.force_login(maker)
    r = client.post(f"/api/payments/findings/{f.pk}/", {"how": "held", "explanation": "尚未办理一卡通"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "resolved" and r.json()["explanation"] == "暂停发放：尚未办理一卡通"
    body = client.get(f"/api/payments/payrolls/{payroll.pk}/").json()
    assert body["line_count"] == 1 and body["total_amount"] == "500.00"
