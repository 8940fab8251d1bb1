"""The existing caseload moved in: the evidence file and the roster of current beneficiaries.

Families are first registered through the household import (as a county's first load does), then
their evidence and their roster are imported through the same staged, all-or-nothing batches.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from doudi.audit.models import AuditEvent
from doudi.cases.models import Enrolment, EnrolmentChange, ReviewTask
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.imports.caseload_columns import EVIDENCE, EVIDENCE_EXAMPLES, EVIDENCE_TYPES, ROSTER
from doudi.registry.imports.models import ImportKind, RosterDiscrepancy
from doudi.registry.imports.services import do_commit_import, do_stage_import
from doudi.registry.imports.tests.conftest import (
    csv_bytes,
    errors_of,
    family,
    person_row,
    pid,
    upload,
)
from doudi.registry.models import (
    CareSetting,
    Disability,
    Exclusion,
    Illness,
    Income,
    LegalSupporter,
    Person,
    RigidExpense,
)

pytestmark = pytest.mark.django_db


def table_bytes(headers, rows: list[dict], *, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(headers), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode(encoding)


def stage_kind(actor, data: bytes, kind: str, *, capture, name: str = "导入.csv"):
    with capture(execute=True):
        batch = do_stage_import(actor, upload(data, name), kind=kind)
    batch.refresh_from_db()
    return batch


def commit(actor, batch, *, capture):
    with capture(execute=True):
        do_commit_import(actor, batch, valid_only=True)
    batch.refresh_from_db()
    return batch


def register(actor, rows, capture):
    batch = stage_kind(actor, csv_bytes(rows), ImportKind.PERSONS, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    batch = commit(actor, batch, capture=capture)
    assert batch.status == "imported", batch.error_message


def evidence_row(person: dict, kind: str, **cells) -> dict:
    row = {"公民身份号码": person["公民身份号码"], "姓名": person["姓名"], "证据类型": kind, "生效日期": "2026-01-01"}
    row.update(cells)
    return row


def roster_row(person: dict, programme="最低生活保障", amount="650.00", **cells) -> dict:
    row = {
        "救助项目": programme,
        "公民身份号码": person["公民身份号码"],
        "姓名": person["姓名"],
        "月金额": amount,
        "起始月份": "2024-03",
        "下次复核日期": "2026-09-30",
        "开户银行": "沅江农商银行",
        "银行账号": "6230901234567890123",
    }
    row.update(cells)
    return row


# --- evidence -------------------------------------------------------------------------------------------


def test_every_evidence_kind_is_imported_and_a_second_import_changes_nothing(users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("E1", members=3)
    register(actor, rows, capture)
    head, spouse, child = rows
    evidence = [
        evidence_row(head, "收入", 类别="工资性收入", 金额="1,200"),
        evidence_row(head, "财产", 类别="银行存款", 金额="8000"),
        evidence_row(head, "残疾", 类别="肢体残疾", 残疾等级="二级", 残疾人证号="43098119800617001142", 金额="150"),
        evidence_row(spouse, "疾病", **{"名称/说明": "尿毒症", "是否": "是", "金额": "600", "类别": "慢特病长期服药"}),
        evidence_row(spouse, "劳动能力", 类别="无劳动能力"),
        evidence_row(spouse, "生活自理能力", 不能自理项目="吃饭、穿衣、如厕、洗澡"),
        evidence_row(child, "就学", 类别="小学", **{"名称/说明": "草尾镇中心小学"}),
        evidence_row(spouse, "刚性支出", 类别="医疗支出（自付）", 金额="36000"),
        evidence_row(child, "父母情况", **{"父/母": "父亲", "类别": "服刑在押", "名称/说明": "张三"}),
        evidence_row(head, "长期照护需求", **{"名称/说明": "县残联评估"}),
        evidence_row(head, "法定义务人情况", 类别="无法定义务人"),
        evidence_row(head, "供养方式", 类别="机构（集中供养/集中养育）", **{"名称/说明": "草尾镇敬老院"}),
        evidence_row(child, "不计入家庭成员", 类别="现役义务兵", 失效日期="2027-09-01"),
        evidence_row(spouse, "拒绝就业", **{"名称/说明": "县人社局推荐的保洁岗位"}),
        evidence_row(head, "其他部门待遇", 类别="工伤保险生活护理费", 金额="1200"),
        evidence_row(child, "儿童保障选择", 类别="儿童基本生活费", **{"名称/说明": "祖母"}),
    ]
    data = table_bytes(EVIDENCE.headers, evidence)
    batch = stage_kind(actor, data, ImportKind.EVIDENCE, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    assert batch.summary["evidence_new"] == 16
    batch = commit(actor, batch, capture=capture)
    assert batch.status == "imported", batch.error_message
    assert batch.summary["result"]["evidence_created"] == 16
    income = Income.objects.get(person__id_number=head["公民身份号码"])
    assert (income.monthly_amount, income.category, income.source) == (Decimal("1200.00"), "wages", "import")
    assert (Disability.objects.get().grade, Disability.objects.get().monthly_costs) == (2, Decimal("150.00"))
    assert Illness.objects.get().chronic_medication is True
    assert RigidExpense.objects.get().amount_12m == Decimal("36000.00")
    assert LegalSupporter.objects.get().situation == "none"
    assert (CareSetting.objects.get().setting, Exclusion.objects.get().valid_to) == ("institution", date(2027, 9, 1))
    assert AuditEvent.objects.filter(action="record_income").count() == 1

    again = stage_kind(actor, data, ImportKind.EVIDENCE, capture=capture)
    assert (again.summary["evidence_new"], again.summary["evidence_unchanged"]) == (0, 16)
    again = commit(actor, again, capture=capture)
    assert again.summary["result"]["evidence_created"] == 0
    assert Income.objects.count() == 1


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"证据类型": "收入", "类别": "工资性收入", "金额": "-5"}, "金额", "不能为负数"),
        ({"证据类型": "残疾", "类别": "肢体残疾", "残疾等级": "5"}, "残疾等级", "不在 1 至 4 级之间"),
        ({"证据类型": "收入", "类别": "工资性收入", "金额": "10", "生效日期": "2099-01-01"}, "生效日期", "晚于今天"),
        (
            {"证据类型": "收入", "类别": "工资性收入", "金额": "10", "生效日期": "1970-01-01"},
            "生效日期",
            "早于该人员的出生日期",
        ),
        ({"证据类型": "工资", "类别": "工资性收入", "金额": "10"}, "证据类型", "不是有效值"),
        ({"证据类型": "收入", "类别": "奖金", "金额": "10"}, "类别", "不是有效的收入类别"),
        ({"证据类型": "疾病", "金额": "10"}, "名称/说明", "须填写疾病名称"),
        ({"证据类型": "疾病", "名称/说明": "感冒", "类别": "小病"}, "类别", "只能填“慢特病长期服药”或留空"),
        ({"证据类型": "生活自理能力", "不能自理项目": "跑步"}, "不能自理项目", "不是评估项目"),
        ({"证据类型": "父母情况", "类别": "死亡", "父/母": "舅舅"}, "父/母", "应为 父亲 或 母亲"),
        ({"证据类型": "法定义务人情况", "类别": "法定义务人无履行能力"}, "名称/说明", "须写明认定依据"),
        ({"证据类型": "法定义务人情况", "类别": "有儿子"}, "类别", "不是有效的法定义务人情况"),
        ({"证据类型": "供养方式", "类别": "机构（集中供养/集中养育）"}, "名称/说明", "须填写供养服务机构名称"),
        (
            {"证据类型": "收入", "类别": "工资性收入", "金额": "10", "失效日期": "2025-01-01"},
            "失效日期",
            "应晚于生效日期",
        ),
        ({"证据类型": "收入", "类别": "工资性收入", "金额": "10", "姓名": "王五"}, "姓名", "不一致"),
    ],
)
def test_impossible_evidence_is_refused_naming_row_and_field(
    users, django_capture_on_commit_callbacks, cells, column, fragment
):
    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("E2", members=1)
    register(actor, rows, capture)
    good = evidence_row(rows[0], "劳动能力", 类别="有劳动能力")
    bad = evidence_row(rows[0], "收入")
    bad.update(cells)
    batch = stage_kind(actor, table_bytes(EVIDENCE.headers, [good, bad]), ImportKind.EVIDENCE, capture=capture)
    found = errors_of(batch)
    assert [(r, c) for r, c, _ in found] == [(3, column)], found
    assert fragment in found[0][2]


def test_evidence_for_an_unknown_or_foreign_person_is_refused(users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    register(users["other_village_worker"], [person_row("F1", region="430981006001")], capture)
    foreign = Person.objects.get()
    rows = [
        {
            "公民身份号码": pid(),
            "姓名": "无此人",
            "证据类型": "劳动能力",
            "生效日期": "2026-01-01",
            "类别": "有劳动能力",
        },
        {
            "公民身份号码": foreign.id_number,
            "姓名": foreign.name,
            "证据类型": "劳动能力",
            "生效日期": "2026-01-01",
            "类别": "有劳动能力",
        },
        {
            "公民身份号码": "430981198013320011",
            "姓名": "错号",
            "证据类型": "劳动能力",
            "生效日期": "2026-01-01",
            "类别": "有劳动能力",
        },
    ]
    batch = stage_kind(
        users["village_worker"], table_bytes(EVIDENCE.headers, rows), ImportKind.EVIDENCE, capture=capture
    )
    found = errors_of(batch)
    assert [(r, c) for r, c, _ in found] == [(2, "公民身份号码"), (3, "公民身份号码"), (4, "公民身份号码")]
    assert "没有人员登记记录" in found[0][2]
    assert "不在您的管辖范围内" in found[1][2] and foreign.name not in found[1][2]


def test_the_evidence_template_examples_are_refused(users, client, django_capture_on_commit_callbacks):
    client.force_login(users["village_worker"])
    response = client.get("/registry/imports/template/?format=csv&kind=evidence")
    assert response.status_code == 200
    batch = stage_kind(
        users["village_worker"], response.content, ImportKind.EVIDENCE, capture=django_capture_on_commit_callbacks
    )
    assert batch.valid_rows == 0 and batch.invalid_rows == len(EVIDENCE_EXAMPLES) == len(EVIDENCE_TYPES)
    assert all("示例" in m for _, _, m in errors_of(batch))
    assert client.get("/registry/imports/template/?format=xlsx&kind=roster").status_code == 200


# --- roster -----------------------------------------------------------------------------------------------


def test_a_roster_row_becomes_a_migrated_enrolment_with_its_review_task(
    users,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    rows = family("R1", members=2)
    register(actor, rows, capture)
    data = table_bytes(ROSTER.headers, [roster_row(rows[0], amount="650.00", 档次="一类")])
    batch = stage_kind(actor, data, ImportKind.ROSTER, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    batch = commit(actor, batch, capture=capture)
    assert batch.status == "imported", batch.error_message
    enrolment = Enrolment.objects.get()
    assert (enrolment.programme, enrolment.monthly_amount, enrolment.start_month, enrolment.case_id) == (
        "dibao",
        Decimal("650.00"),
        date(2024, 3, 1),
        None,
    )
    assert sorted(enrolment.covered) == sorted(Person.objects.values_list("id", flat=True))
    change = EnrolmentChange.objects.get()
    assert change.reason.startswith("迁移导入") and change.case_id is None
    task = ReviewTask.objects.get(kind="periodic")
    assert (task.household_id, task.due_on) == (enrolment.household_id, date(2026, 9, 30))
    assert AuditEvent.objects.filter(action="migrate_enrolment").count() == 1

    again = stage_kind(actor, data, ImportKind.ROSTER, capture=capture)
    assert (again.invalid_rows, again.summary["enrolments_unchanged"]) == (0, 1)
    commit(actor, again, capture=capture)
    assert (Enrolment.objects.count(), EnrolmentChange.objects.count(), ReviewTask.objects.count()) == (1, 1, 1)

    changed = table_bytes(ROSTER.headers, [roster_row(rows[0], amount="700.00")])
    refused = stage_kind(actor, changed, ImportKind.ROSTER, capture=capture)
    [(row, column, message)] = errors_of(refused)
    assert (row, column) == (2, "公民身份号码") and "已在保" in message and "650.00" in message


# --- 迁入: a registered person without a household joins through the import ---------------------------------


@pytest.mark.parametrize("into", ["new", "existing"])
def test_a_person_who_left_a_household_joins_another_through_the_import(
    users, django_capture_on_commit_callbacks, into
):
    from doudi.registry.models import Household, Membership
    from doudi.registry.services import do_remove_member

    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("J1", members=2)
    register(actor, rows, capture)
    bride = Person.objects.get(id_number=rows[1]["公民身份号码"])
    old_household = bride.household
    Membership.objects.filter(person=bride).update(valid_from=date(2020, 1, 1))  # married in years ago
    do_remove_member(actor, bride, left_on=date.today(), reason="出嫁")
    if into == "existing":
        register(actor, family("J2", members=1), capture)
        target = Household.objects.exclude(pk=old_household.pk).get()
        file_rows = [person_row(target.number, name=bride.name, id_number=bride.id_number, relation="配偶")]
    else:
        file_rows = [
            person_row("J3", name="王大", relation="户主"),
            person_row("J3", name=bride.name, id_number=bride.id_number, relation="配偶"),
        ]
    batch = stage_kind(actor, csv_bytes(file_rows), ImportKind.PERSONS, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    assert batch.summary["persons_joined"] == 1
    assert list(batch.rows.values_list("action", flat=True)).count("join") == 1
    batch = commit(actor, batch, capture=capture)
    assert batch.status == "imported", batch.error_message
    assert batch.summary["result"]["persons_joined"] == 1
    bride.refresh_from_db()
    assert bride.household_id not in (None, old_household.pk) and bride.relation == "spouse"
    history = list(Membership.objects.filter(person=bride).order_by("valid_from", "id"))
    assert [m.household_id for m in history] == [old_household.pk, bride.household_id]
    assert history[0].valid_to is not None and history[1].valid_to is None
    assert AuditEvent.objects.filter(action="join_household", target_id=str(bride.pk)).count() == 1
    assert bride.household.member_count == len(file_rows) + (1 if into == "existing" else 0)


def test_a_deceased_person_without_a_household_is_still_refused(users, django_capture_on_commit_callbacks):
    from doudi.registry.models import Membership
    from doudi.registry.services import do_remove_member

    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("D1", members=2)
    register(actor, rows, capture)
    person = Person.objects.get(id_number=rows[1]["公民身份号码"])
    Membership.objects.filter(person=person).update(valid_from=date(2020, 1, 1))
    do_remove_member(actor, person, left_on=date.today(), reason="死亡", death_date=date.today())
    batch = stage_kind(
        actor,
        csv_bytes([person_row("D2", name=person.name, id_number=person.id_number)]),
        ImportKind.PERSONS,
        capture=capture,
    )
    [(_row, column, message)] = errors_of(batch)
    assert column == "公民身份号码" and "已登记死亡" in message


def test_the_review_list_page_shows_both_amounts_and_takes_a_confirmation(
    users,
    published,  # noqa: F811
    client,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    rows = family("V1", members=2)
    register(actor, rows, capture)
    data = table_bytes(ROSTER.headers, [roster_row(rows[0], amount="1.00")])
    commit(actor, stage_kind(actor, data, ImportKind.ROSTER, capture=capture), capture=capture)
    item = RosterDiscrepancy.objects.get()
    assert item.roster_amount == Decimal("1.00") and item.computed_amount != item.roster_amount

    client.force_login(actor)
    page = client.get("/registry/imports/roster-review/").content.decode()
    assert "迁移导入金额与测算不一致" in page and "1.00" in page and f"{item.computed_amount:,.2f}" in page
    assert rows[0]["公民身份号码"] not in page  # masked
    client.force_login(users["other_township_officer"])
    assert "没有待核对的记录" in client.get("/registry/imports/roster-review/").content.decode()
    assert client.post(f"/registry/imports/roster-review/{item.pk}/confirm/").status_code == 404
    client.force_login(users["village_worker"])
    assert client.get("/registry/imports/roster-review/").status_code == 403
    client.force_login(actor)
    response = client.post(f"/registry/imports/roster-review/{item.pk}/confirm/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "confirmed" and item.resolved_by == actor
    assert Enrolment.objects.get().monthly_amount == Decimal("1.00")  # the roster's amount stays
