"""The column-wise evidence check (``caseload.check_evidence``) decides and says what the row-wise one does.

One file mixes plainly good rows of every kind, rows good only after the row-wise rules read them
(amounts with separators, dates with slashes, grades in words), repeated facts, facts already
recorded and every kind of mistake; both checks must give the same errors (row, column, message),
the same planned actions, the same cleaned values and the same summary.
"""

from __future__ import annotations

import json

import pytest

from doudi.registry.imports import caseload
from doudi.registry.imports.caseload_columns import EVIDENCE, EXAMPLE_ID, EXAMPLE_NAME
from doudi.registry.imports.models import ImportKind
from doudi.registry.imports.parsing import read_file
from doudi.registry.imports.tests.conftest import errors_of, family, person_row, pid
from doudi.registry.imports.tests.test_caseload import commit, evidence_row, register, stage_kind, table_bytes

pytestmark = pytest.mark.django_db


def _rows(rows: list[dict], foreign: dict) -> list[dict]:
    head, spouse, child = rows
    good = [
        evidence_row(head, "收入", 类别="工资性收入", 金额="1200"),
        evidence_row(head, "收入", 类别="转移净收入", 金额="35.5", 失效日期="2026-06-30", 备注="补贴"),
        evidence_row(head, "财产", 类别="银行存款", 金额="8000"),
        evidence_row(spouse, "财产", 类别="房产", 数量="2", 面积="96.5", 是否="是", **{"名称/说明": "自建房"}),
        evidence_row(head, "残疾", 类别="肢体", 残疾等级="2", 残疾人证号="43098119800617001142"),
        evidence_row(spouse, "疾病", **{"名称/说明": "尿毒症", "是否": "是", "金额": "600"}),
        evidence_row(spouse, "劳动能力", 类别="无劳动能力"),
        evidence_row(spouse, "生活自理能力", 不能自理项目="吃饭、穿衣、如厕、洗澡"),
        evidence_row(child, "就学", 类别="小学", **{"名称/说明": "草尾镇中心小学"}),
        evidence_row(spouse, "刚性支出", 类别="医疗支出（自付）", 金额="36000"),
        evidence_row(child, "父母情况", **{"父/母": "父亲", "类别": "服刑在押", "名称/说明": "张三"}),
        evidence_row(head, "长期照护需求", **{"名称/说明": "县残联评估"}),
    ]
    # Good, but only as the row-wise rules read them.
    unusual = [
        evidence_row(head, "收入", 类别="经营净收入", 金额="1,234.50元", 生效日期="2025/3/1"),
        evidence_row(head, "残疾", 类别="视力残疾", 残疾等级="一级", 生效日期="2025年4月1日"),
        evidence_row(child, "就学", 类别="primary", 是否="N", 生效日期="2025-09-01"),
    ]
    repeated = [good[0], dict(good[6]), evidence_row(head, "收入", 类别="工资性收入", 金额="1200.00")]
    bad = [
        evidence_row(head, "收入", 类别="工资性收入", 金额="-5"),
        evidence_row(head, "残疾", 类别="肢体残疾", 残疾等级="5"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 生效日期="2099-01-01"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 生效日期="1970-01-01"),
        evidence_row(head, "工资", 类别="工资性收入", 金额="10"),
        evidence_row(head, "收入", 类别="奖金", 金额="10"),
        evidence_row(head, "疾病", 金额="10"),
        evidence_row(head, "生活自理能力", 不能自理项目="跑步"),
        evidence_row(child, "父母情况", 类别="死亡", **{"父/母": "舅舅"}),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 失效日期="2025-01-01"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 姓名="王五"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 姓名=""),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10.123"),
        evidence_row(head, "收入", 类别="工资性收入"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 生效日期="2025-02-30"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 生效日期=""),
        evidence_row(head, "", 金额="10"),
        evidence_row(head, "财产", 类别="房产", 数量="0"),
        evidence_row(head, "收入", 类别="工资性收入", 金额="10", 备注="长" * 201),
        {**evidence_row(head, "劳动能力", 类别="有劳动能力"), "公民身份号码": pid()},
        {**evidence_row(head, "劳动能力", 类别="有劳动能力"), "公民身份号码": "430981198013320011"},
        {**evidence_row(head, "劳动能力", 类别="有劳动能力"), "公民身份号码": ""},
        {**evidence_row(head, "劳动能力", 类别="有劳动能力"), "公民身份号码": EXAMPLE_ID, "姓名": EXAMPLE_NAME},
        evidence_row(foreign, "劳动能力", 类别="有劳动能力"),
        {**evidence_row(head, "收入", 类别="奖金", 金额="-1"), "公民身份号码": pid()},
    ]
    return good + unusual + repeated + bad


def _parsed(data: bytes):
    return read_file("csv", data, spec=EVIDENCE)


def _compare(parsed, actor, monkeypatch):
    rowwise = caseload.check_evidence_rowwise(parsed, actor)
    by_row = []
    original = caseload._evidence_row
    monkeypatch.setattr(caseload, "_evidence_row", lambda checked, i, *a: by_row.append(i) or original(checked, i, *a))
    columnwise = caseload.check_evidence(parsed, actor)
    monkeypatch.setattr(caseload, "_evidence_row", original)
    # Only the rows not plainly good went through the row-wise checks.
    assert 0 < len(by_row) <= 28 + 3 + 3, by_row
    assert dict(columnwise.errors.by_row) == dict(rowwise.errors.by_row)
    assert columnwise.actions == rowwise.actions
    assert columnwise.summary == rowwise.summary
    bad = rowwise.errors.mask(rowwise.n)
    for i in range(rowwise.n):
        if not bad[i]:
            assert json.loads(columnwise.data_json[i]) == rowwise.data[i], i
    return rowwise


def test_the_column_wise_evidence_check_gives_the_row_wise_results(
    users, django_capture_on_commit_callbacks, monkeypatch
):
    capture = django_capture_on_commit_callbacks
    actor = users["village_worker"]
    rows = family("C1", members=3)
    register(actor, rows, capture)
    register(users["other_village_worker"], [person_row("C2", region="430981006001")], capture)
    from doudi.registry.models import Person

    outside = Person.objects.get(household__number__isnull=False, household__region_id="430981006001")
    foreign = {"公民身份号码": outside.id_number, "姓名": outside.name}
    data = table_bytes(EVIDENCE.headers, _rows(rows, foreign))

    checked = _compare(_parsed(data), actor, monkeypatch)
    assert checked.summary["evidence_new"] == 15
    assert len(checked.errors) == 28

    # Once the good rows are recorded, the same file is "unchanged" for them, by both checks.
    good = table_bytes(EVIDENCE.headers, _rows(rows, foreign)[:15])
    batch = stage_kind(actor, good, ImportKind.EVIDENCE, capture=capture)
    assert batch.invalid_rows == 0, errors_of(batch)
    assert commit(actor, batch, capture=capture).status == "imported"
    checked = _compare(_parsed(data), actor, monkeypatch)
    assert (checked.summary["evidence_new"], checked.summary["evidence_unchanged"]) == (0, 15)
