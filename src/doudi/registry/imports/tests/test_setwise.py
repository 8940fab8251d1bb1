"""The set-based commit (``setwise``, PostgreSQL) writes the same rows as the row-wise one (``caseload``).

One evidence file with every kind of evidence, and values left blank where a kind allows it, is
staged once; its commit is run by each path in turn (the first rolled back) and the evidence and
audit rows they write are compared field by field, ids and clocks aside. The same for a roster of
every kind of programme: enrolments, their history, review tasks, bank accounts, audit rows and the
amounts listed as differing from the engine's.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from doudi.audit.models import AuditEvent
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.imports import caseload, setwise
from doudi.registry.imports.caseload_columns import EVIDENCE
from doudi.registry.imports.models import ImportKind
from doudi.registry.imports.tests.conftest import errors_of, family
from doudi.registry.imports.tests.test_caseload import evidence_row, register, stage_kind, table_bytes
from doudi.registry.models.evidence import EVIDENCE_MODELS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only,  # the set-based commit
]


def _evidence_file(rows: list[dict]) -> bytes:
    head, spouse, child = rows[:3]
    other = rows[3]
    lines = [
        evidence_row(head, "收入", 类别="工资性收入", 金额="1,200"),
        evidence_row(head, "收入", 类别="转移净收入", 金额="35.5", 失效日期="2026-06-30", 备注="低保以外的补贴"),
        evidence_row(head, "财产", 类别="银行存款", 金额="8000"),
        evidence_row(spouse, "财产", 类别="房产", 数量="2", 面积="96.5", 是否="是", **{"名称/说明": "自建房"}),
        evidence_row(head, "残疾", 类别="肢体残疾", 残疾等级="二级", 残疾人证号="43098119800617001142"),
        evidence_row(spouse, "疾病", **{"名称/说明": "尿毒症", "是否": "是", "金额": "600"}),
        evidence_row(other, "疾病", **{"名称/说明": "高血压"}),
        evidence_row(spouse, "劳动能力", 类别="无劳动能力"),
        evidence_row(other, "劳动能力", 类别="有劳动能力", 生效日期="2025-03-01"),
        evidence_row(spouse, "生活自理能力", 不能自理项目="吃饭、穿衣、如厕、洗澡"),
        evidence_row(child, "就学", 类别="小学", **{"名称/说明": "草尾镇中心小学"}),
        evidence_row(child, "就学", 类别="初中", 是否="否", 生效日期="2026-02-01"),
        evidence_row(spouse, "刚性支出", 类别="医疗支出（自付）", 金额="36000"),
        evidence_row(child, "父母情况", **{"父/母": "父亲", "类别": "服刑在押", "名称/说明": "张三"}),
        evidence_row(head, "长期照护需求", **{"名称/说明": "县残联评估"}),
        evidence_row(other, "长期照护需求", 是否="否"),
    ]
    return table_bytes(EVIDENCE.headers, lines)


def _written(batch) -> tuple[list, list]:
    """Return the evidence rows and the audit rows written for ``batch``, as comparable tuples."""
    evidence, by_id = [], {}
    for kind, model in EVIDENCE_MODELS.items():
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", "recorded_at")]
        for row in model.objects.filter(source="import").values("id", *names):
            key = (kind, *(row[n] for n in names))
            evidence.append(key)
            by_id[(model._meta.model_name, str(row["id"]))] = key
    audit = []
    for event in AuditEvent.objects.filter(action__startswith="record_").values():
        target = by_id.get((event["target_type"], event["target_id"]))
        assert target is not None, event  # every audit row names an evidence row written
        audit.append(
            (
                event["actor_id"],
                event["action"],
                event["target_label"],
                event["household_id"],
                event["region_code"],
                event["changes"],
                event["reason"],
                target,
            )
        )
    return sorted(evidence, key=repr), sorted(audit, key=repr)


def test_the_set_based_evidence_commit_writes_what_the_row_wise_one_writes(users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("S1", members=3) + family("S2", members=1)
    register(actor, rows, capture)
    batch = stage_kind(actor, _evidence_file(rows), ImportKind.EVIDENCE, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    reason = f"批量导入：{batch.original_name}（批次 {batch.pk}）"

    results = {}
    for name, write in (("rows", caseload.write_evidence), ("set", setwise.write_evidence)):
        with transaction.atomic():
            counts = write(batch, actor, reason)
            results[name] = (counts, _written(batch))
            transaction.set_rollback(True)

    (row_counts, (row_evidence, row_audit)), (set_counts, (set_evidence, set_audit)) = results["rows"], results["set"]
    assert row_counts == set_counts
    assert row_counts["evidence_created"] == 16 == len(row_evidence)
    assert set_evidence == row_evidence
    assert set_audit == row_audit
    assert len(set_audit) == 16


def test_the_set_based_evidence_commit_leaves_out_facts_already_recorded(users, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("S3", members=3) + family("S4", members=1)
    register(actor, rows, capture)
    batch = stage_kind(actor, _evidence_file(rows), ImportKind.EVIDENCE, capture=capture)
    reason = "测试"
    assert setwise.write_evidence(batch, actor, reason)["evidence_created"] == 16
    # Committed meanwhile by another batch: the same staged rows now write nothing.
    assert setwise.write_evidence(batch, actor, reason) == {"evidence_created": 0, "evidence_by_kind": {}}
    assert AuditEvent.objects.filter(action__startswith="record_").count() == 16


# --- roster ---------------------------------------------------------------------------------------------


def _roster_written() -> dict:
    """Return what a roster commit wrote, keyed by (person, programme) instead of ids."""
    from doudi.cases.models import Enrolment, EnrolmentChange, ReviewTask
    from doudi.registry.imports.models import RosterDiscrepancy
    from doudi.registry.models import Person

    key = {e.pk: (e.person.id_number, e.programme) for e in Enrolment.objects.select_related("person")}
    ids = ("id", "created_at", "updated_at", "at", "target_id", "enrolment_id", "batch_id")

    def rows(queryset, *, by: str = "enrolment_id") -> list:
        out = []
        for row in queryset.values():
            ref = row.get(by)
            ref = key.get(int(ref)) if ref and str(ref).isdigit() else ref
            out.append((ref, *(v for n, v in row.items() if n not in ids)))
        return sorted(out, key=repr)

    return {
        "enrolments": rows(Enrolment.objects.all(), by="id"),
        "changes": rows(EnrolmentChange.objects.all()),
        "tasks": rows(ReviewTask.objects.all()),
        "audit": rows(AuditEvent.objects.filter(action="migrate_enrolment"), by="target_id"),
        "bank_audit": sorted(
            AuditEvent.objects.filter(action="update_person").values_list(
                "target_id", "target_label", "household_id", "region_code", "changes", "reason"
            ),
            key=repr,
        ),
        "listed": rows(RosterDiscrepancy.objects.all()),
        "banks": sorted(Person.objects.values_list("id_number", "bank_name", "bank_account")),
    }


def test_the_set_based_roster_commit_writes_what_the_row_wise_one_writes(
    users,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from doudi.registry.imports.caseload_columns import ROSTER
    from doudi.registry.imports.tests.test_caseload import roster_row

    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    one, two = family("R1", members=3), family("R2", members=2)
    register(actor, one + two, capture)
    lines = [
        roster_row(one[0], 档次="一档", 下次复核日期="2026-12-31"),
        roster_row(one[1], programme="重度残疾人护理补贴", amount="100", 下次复核日期="2026-10-31", 账户户名="李四"),
        roster_row(one[2], programme="特困人员救助供养", amount="1,050.50", 起始月份="2025-01", 下次复核日期=""),
        roster_row(two[0], amount="480", 开户银行="沅江建设银行", 银行账号="6217001234567890"),
        roster_row(two[1], programme="困难残疾人生活补贴", amount="90.00", 银行账号="", 开户银行=""),
    ]
    batch = stage_kind(actor, table_bytes(ROSTER.headers, lines), ImportKind.ROSTER, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    assert not setwise.roster_may_collide(batch)
    reason = f"迁移导入：{batch.original_name}（批次 {batch.pk}）"

    results = {}
    for name, write in (("rows", caseload.write_roster), ("set", setwise.write_roster)):
        with transaction.atomic():
            counts, stale = write(batch, actor, reason)
            assert stale is None
            results[name] = (counts, _roster_written())
            transaction.set_rollback(True)

    (row_counts, row_written), (set_counts, set_written) = results["rows"], results["set"]
    assert row_counts == set_counts
    assert row_counts["enrolments_created"] == 5 and row_counts["bank_accounts_updated"] == 1
    assert row_counts["review_tasks_created"] == 2
    for part in row_written:
        assert set_written[part] == row_written[part], part
    assert len(set_written["enrolments"]) == 5 and len(set_written["audit"]) == 5
    assert len(set_written["bank_audit"]) == 1 and set_written["listed"]


def test_a_roster_of_enrolled_households_takes_the_row_wise_commit(
    users,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from doudi.registry.imports.caseload_columns import ROSTER
    from doudi.registry.imports.services import do_commit_import
    from doudi.registry.imports.tests.test_caseload import roster_row

    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    one = family("R3", members=2)
    register(actor, one, capture)
    first = stage_kind(actor, table_bytes(ROSTER.headers, [roster_row(one[0])]), ImportKind.ROSTER, capture=capture)
    with capture(execute=True):
        do_commit_import(actor, first, valid_only=False)
    lines = [roster_row(one[0]), roster_row(one[1], programme="重度残疾人护理补贴", amount="100")]
    again = stage_kind(actor, table_bytes(ROSTER.headers, lines), ImportKind.ROSTER, capture=capture)
    assert again.summary["enrolments_unchanged"] == 1
    assert setwise.roster_may_collide(again)
