"""经办人员名单: the county keeps its workers and their close relatives (page form, CSV/XLSX import with
row errors in Chinese, idempotent), scoped and masked; the ``staff_relative`` rule and the payroll's
relatives check flag a beneficiary household holding a listed worker or a listed relative."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from doudi.audit.models import AuditEvent
from doudi.core.spreadsheets import csv_bytes
from doudi.monitoring.models import Alert, StaffMember
from doudi.monitoring.services.run import do_run_monitoring
from doudi.monitoring.services.staff import STAFF_HEADERS, do_add_relative, do_add_staff
from doudi.monitoring.tests.conftest import ON, client_for, head_of
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.models import Person
from doudi.registry.tests import factories as f

HEADERS = [h for h, _ in STAFF_HEADERS]


def upload(client, rows, name="名单.csv"):
    data = csv_bytes([HEADERS, *rows])
    return client.post(
        reverse("monitoring:staff"), {"action": "import", "file": SimpleUploadedFile(name, data)}, follow=True
    )


def test_page_adds_imports_idempotently_and_reports_bad_rows(regions, users):
    county = client_for(users["county_reviewer"])
    page = county.get(reverse("monitoring:staff"))
    assert page.status_code == 200 and "经办人员名单" in page.content.decode()
    worker, spouse = f.id_number(), f.id_number()
    added = county.post(
        reverse("monitoring:staff"),
        {"action": "add", "add-name": "王五", "add-id_number": worker, "add-post": "民政助理员", "add-region": ""},
        follow=True,
    )
    assert "已登记 王五" in added.content.decode()
    text = added.content.decode()
    assert worker not in text and worker[-4:] in text  # masked
    rows = [
        ["赵六", f.id_number(), "村委会主任", regions["lixin"].code, "2020-01-01", "", "", ""],
        ["钱七", spouse, "", "", "", "", "配偶", worker],
        ["", f.id_number(), "村会计", "", "", "", "", ""],
        ["孙八", "430981199901011234", "村会计", "", "", "", "", ""],
        ["周九", f.id_number(), "村会计", "110101000000", "", "", "", ""],
        ["吴十", f.id_number(), "", "", "", "", "表兄", worker],
    ]
    first = upload(county, rows)
    body = first.content.decode()
    assert "新增 2 人" in body and "问题行 4 行" in body
    for reason in ("姓名：不能为空", "公民身份号码", "不存在或不在您的管辖范围内", "近亲属关系：应为"):
        assert reason in body, reason
    assert StaffMember.objects.filter(relative_of__isnull=True).count() == 2
    assert StaffMember.objects.get(id_number=spouse).relative_of.id_number == worker
    events = AuditEvent.objects.filter(action__startswith="staff").count()
    again = upload(county, rows)
    assert "新增 0 人，更新 0 人，未变化 2 人" in again.content.decode()
    assert StaffMember.objects.count() == 3 and AuditEvent.objects.filter(action__startswith="staff").count() == events
    assert all(spouse not in e.changes.get("id_number", "") for e in AuditEvent.objects.all())


def test_scope_and_roles(regions, users):
    do_add_staff(users["county_reviewer"], region_code="", name="王五", id_number=f.id_number(), post="民政助理员")
    assert client_for(users["township_officer"]).get(reverse("monitoring:staff")).status_code == 403
    assert client_for(users["auditor"]).get(reverse("monitoring:staff")).status_code == 403
    foreign = client_for(users["foreign_county_reviewer"]).get(reverse("monitoring:staff"))
    assert foreign.status_code == 200 and "王五" not in foreign.content.decode()
    bad = client_for(users["county_reviewer"]).post(
        reverse("monitoring:staff"),
        {"action": "add", "add-name": "甲", "add-id_number": f.id_number(), "add-post": "x", "add-region": "431000"},
    )
    assert "不存在或不在您的管辖范围内" in bad.content.decode()


@pytest.fixture
def listed(beneficiary, users):
    """The beneficiary's head is a listed worker's spouse; the child is a listed (ended) worker."""
    head = head_of(beneficiary)
    child = Person.objects.get(household=beneficiary, relation="child")
    worker = do_add_staff(
        users["county_reviewer"], region_code="", name="王五", id_number=f.id_number(), post="民政助理员"
    )
    do_add_relative(users["county_reviewer"], worker, name=head.name, id_number=head.id_number, relation="配偶")
    return worker, head, child


def test_rule_flags_a_listed_worker_or_relative(listed, users):
    worker, head, child = listed
    do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds={})
    alert = Alert.objects.get(rule="staff_relative")
    assert alert.fact == f"staff:{worker.pk}" and alert.household_id == head.household_id
    assert "民政助理员 王五的配偶" in alert.summary and head.id_number not in alert.summary
    # The worker himself in the household, but his post ended before the run: no second alert.
    do_add_staff(
        users["county_reviewer"], region_code="", name=child.name, id_number=child.id_number, post="村会计",
        start_on=date(2020, 1, 1), end_on=date(2024, 12, 31),
    )  # fmt: skip
    do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds={})
    assert Alert.objects.filter(rule="staff_relative").count() == 1


def test_rule_quiet_without_a_match(beneficiary, users):
    do_add_staff(users["county_reviewer"], region_code="", name="王五", id_number=f.id_number(), post="民政助理员")
    do_run_monitoring(users["county_reviewer"], "430981", on=ON, feeds={})
    assert not Alert.objects.filter(rule="staff_relative").exists()


def test_payroll_relatives_check_reads_the_list(regions, users, published):  # noqa: F811
    from doudi.payments.models import PayrollFinding
    from doudi.payments.services.generation import generate_payroll
    from doudi.payments.tests.conftest import enrol, payee

    maker = users["county_reviewer"]
    person = payee(regions["lixin"], maker)
    enrol(person, start=date(2025, 1, 1))

    def findings():
        payroll = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 1, 1))
        return list(PayrollFinding.objects.filter(payroll=payroll, status="open", check_code="worker_relative"))

    assert findings() == []
    worker = do_add_staff(maker, region_code="", name="王五", id_number=f.id_number(), post="民政助理员")
    do_add_relative(maker, worker, name=person.name, id_number=person.id_number, relation="兄弟姐妹")
    (hit,) = findings()
    assert hit.subject == f"household:{person.household_id}"
    assert "民政助理员王五的兄弟姐妹（经办人员名单）" in hit.detail


def test_page_registers_a_relative_and_ends_a_post(regions, users):
    county = client_for(users["county_reviewer"])
    worker = do_add_staff(users["county_reviewer"], region_code="", name="王五", id_number=f.id_number(), post="村会计")
    relative = f.id_number()
    added = county.post(
        reverse("monitoring:staff"),
        {"action": "relative", "rel-worker": worker.pk, "rel-name": "钱七", "rel-id_number": relative,
         "rel-relation": "子女"},
        follow=True,
    )  # fmt: skip
    assert "已登记 王五 的子女 钱七" in added.content.decode()
    ended = county.post(
        reverse("monitoring:staff"), {"action": "end", "end-staff": worker.pk, "end-end_on": "2025-06-30"}, follow=True
    )
    assert "已记录 王五 任职结束" in ended.content.decode()
    worker.refresh_from_db()
    assert worker.end_on == date(2025, 6, 30) and worker.relatives.get().id_number == relative
    # Another county's worker is not found from this county.
    other = client_for(users["foreign_county_reviewer"]).post(
        reverse("monitoring:staff"), {"action": "end", "end-staff": worker.pk, "end-end_on": "2025-07-31"}
    )
    assert other.status_code == 200 and "未找到或不在您的管辖范围内" in other.content.decode()
    worker.refresh_from_db()
    assert worker.end_on == date(2025, 6, 30)
    template = county.get(reverse("monitoring:staff"), {"template": 1})
    assert template.status_code == 200 and "所属工作人员身份号码" in template.content.decode("utf-8-sig")
