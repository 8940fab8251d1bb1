"""A county's first load: a few thousand families, their evidence and their roster, in UTF-8 and GBK.

The families are generated here (three kinds, cycling): an old couple without income, a couple with
a child and a small wage, and a couple where the wife is severely disabled and needs care. They are
registered by the household import, their evidence by the evidence import, and what they are paid
today by the roster import. The roster pays the second kind 30 元 more than the policy computes:
those families, and only those, are listed for review, with both amounts, and keep the roster's.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from doudi.accounts.tests.factories import UserFactory
from doudi.cases.models import Enrolment, EnrolmentChange, ReviewTask
from doudi.core.errors import PermissionDenied
from doudi.policy.assessment import preview_household_assessment
from doudi.policy.tests.conftest import published  # noqa: F401  (fixture)
from doudi.registry.identity import make_id_number
from doudi.registry.imports import roster_review
from doudi.registry.imports.caseload_columns import EVIDENCE, ROSTER
from doudi.registry.imports.columns import HEADERS
from doudi.registry.imports.models import ImportKind, RosterDiscrepancy
from doudi.registry.imports.services import do_commit_import, do_stage_import
from doudi.registry.imports.tests.conftest import LIXIN, SHENGTIAN, errors_of, upload
from doudi.registry.models import Household, Person

pytestmark = pytest.mark.django_db

FAMILIES = 2000
EXTRA = Decimal("30.00")


def table_bytes(headers, rows: list[dict], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(headers), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run(actor, data: bytes, kind: str, capture, *, name: str = "名册.csv"):
    with capture(execute=True):
        batch = do_stage_import(actor, upload(data, name), kind=kind)
    batch.refresh_from_db()
    return batch


def commit(actor, batch, capture, *, valid_only=True):
    with capture(execute=True):
        do_commit_import(actor, batch, valid_only=valid_only)
    batch.refresh_from_db()
    return batch


def cn(i: int) -> str:
    return "".join("零一二三四五六七八九"[int(c)] for c in str(i))


def _person(key, region, name, id_number, relation) -> dict:
    return {
        "户编号": key,
        "村/社区区划代码": region,
        "居住地址": f"草尾镇{key}号",
        "姓名": name,
        "公民身份号码": id_number,
        "与户主关系": relation,
        "户籍地区划代码": region,
        "户籍性质": "农村",
        "开户银行": "沅江农商银行",
        "银行账号": f"62309{int(key[1:]):014d}",
    }


def county(n: int) -> list[list[dict]]:
    """Return ``n`` families of three kinds (cycling), with unique ID numbers, in two villages."""
    families = []
    for i in range(n):
        key = f"F{i:05d}"
        region = LIXIN if i % 2 else SHENGTIAN
        # Everyone of a kind is of the same age to the week: unique ID numbers come from the sequence digits.
        day = timedelta(days=i // 400)
        seq = 2 * (i % 400) + 101
        head = _person(key, region, f"户主{cn(i)}", make_id_number("430981", date(1955, 3, 1) + day, seq), "户主")
        spouse = _person(key, region, f"配偶{cn(i)}", make_id_number("430981", date(1957, 3, 1) + day, seq - 1), "配偶")
        members = [head, spouse]
        if i % 3 == 1:
            child_id = make_id_number("430981", date(2014, 3, 1) + day, seq)
            members.append(_person(key, region, f"子女{cn(i)}", child_id, "子女"))
        families.append(members)
    return families


def evidence(families) -> list[dict]:
    rows = []
    for i, members in enumerate(families):
        head, spouse = members[0], members[1]
        if i % 3 == 1:
            rows.append(_ev(head, "收入", 类别="工资性收入", 金额="500"))
            rows.append(_ev(members[2], "就学", 类别="小学"))
        elif i % 3 == 2:
            rows.append(_ev(spouse, "残疾", 类别="肢体残疾", 残疾等级="1"))
            rows.append(_ev(spouse, "长期照护需求", **{"是否": "是"}))
            rows.append(_ev(spouse, "劳动能力", 类别="无劳动能力"))
    return rows


def _ev(person, kind, **cells) -> dict:
    return {
        "公民身份号码": person["公民身份号码"],
        "姓名": person["姓名"],
        "证据类型": kind,
        "生效日期": "2025-06-01",
        **cells,
    }


def review_date(i: int) -> date:
    return date(2026, 1, 1) + timedelta(days=i % 300)


def roster(families, amounts) -> list[dict]:
    rows = []
    for i, members in enumerate(families):
        kind = i % 3
        head = members[0]
        dibao = amounts[kind]["dibao"] + (EXTRA if kind == 1 else 0)
        rows.append(_roster(head, "最低生活保障", dibao, i, 档次="A类" if kind == 2 else "B类"))
        if kind == 2:
            rows.append(_roster(members[1], "重度残疾人护理补贴", amounts[kind]["disability_care_subsidy"], i))
    return rows


def _roster(person, programme, amount, i, **cells) -> dict:
    return {
        "救助项目": programme,
        "公民身份号码": person["公民身份号码"],
        "姓名": person["姓名"],
        "月金额": f"{amount:.2f}",
        "起始月份": f"{2020 + i % 5}-{i % 12 + 1:02d}",
        "下次复核日期": review_date(i).isoformat(),
        "开户银行": "沅江农商银行",
        "银行账号": person["银行账号"],
        **cells,
    }


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_county_first_load_with_its_roster(users, published, encoding, django_capture_on_commit_callbacks):  # noqa: F811
    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    families = county(FAMILIES)
    persons = [p for f in families for p in f]

    batch = run(actor, table_bytes(HEADERS, persons, encoding), ImportKind.PERSONS, capture, name="户籍.csv")
    assert (batch.invalid_rows, batch.encoding in ("UTF-8", "GBK/GB18030", "")) == (0, True), errors_of(batch)[:3]
    assert commit(actor, batch, capture).status == "imported"
    assert Household.objects.count() == FAMILIES

    batch = run(actor, table_bytes(EVIDENCE.headers, evidence(families), encoding), ImportKind.EVIDENCE, capture)
    assert batch.invalid_rows == 0, errors_of(batch)[:3]
    batch = commit(actor, batch, capture)
    assert batch.summary["result"]["evidence_created"] == len(evidence(families))

    # What the policy engine computes for one family of each kind (the case path: snapshot → facts → engine).
    ids = {p["公民身份号码"]: p for p in persons}
    heads = {i: Person.objects.get(id_number=families[i][0]["公民身份号码"]) for i in range(3)}
    amounts = {}
    for kind, head in heads.items():
        result, _versions, _facts = preview_household_assessment(users["county_reviewer"], head.household)
        amounts[kind] = {"dibao": result.get("dibao").monthly_amount}
        assert amounts[kind]["dibao"] > 0
        if kind == 2:
            spouse = Person.objects.get(id_number=families[2][1]["公民身份号码"])
            care = result.get("disability_care_subsidy", str(spouse.pk))
            assert care is not None and care.eligible
            amounts[kind]["disability_care_subsidy"] = care.monthly_amount

    rows = roster(families, amounts)
    data = table_bytes(ROSTER.headers, rows, encoding)
    batch = run(actor, data, ImportKind.ROSTER, capture)
    assert batch.invalid_rows == 0, errors_of(batch)[:3]
    batch = commit(actor, batch, capture)
    assert batch.status == "imported", batch.error_message
    result = batch.summary["result"]
    assert result["enrolments_created"] == len(rows)
    assert result["review_tasks_created"] == FAMILIES

    # Amounts and start months as the roster says, history marked 迁移导入, no case.
    enrolments = {(e.person.id_number, e.programme): e for e in Enrolment.objects.select_related("person")}
    assert len(enrolments) == len(rows)
    for row in rows[:: max(1, len(rows) // 200)]:
        e = enrolments[
            (row["公民身份号码"], "dibao" if row["救助项目"] == "最低生活保障" else "disability_care_subsidy")
        ]
        assert e.monthly_amount == Decimal(row["月金额"]) and e.case_id is None
        assert e.start_month.strftime("%Y-%m") == row["起始月份"]
    assert EnrolmentChange.objects.count() == len(rows)
    assert set(EnrolmentChange.objects.values_list("reason", flat=True)) == {f"迁移导入：名册.csv（批次 {batch.pk}）"}

    # One review task per household, due on the roster's date.
    due = dict(ReviewTask.objects.filter(kind="periodic").values_list("household__head_name", "due_on"))
    assert len(due) == FAMILIES
    for i in range(0, FAMILIES, 97):
        assert due[f"户主{cn(i)}"] == review_date(i)

    # The review list: exactly the dibao of the second kind, with both amounts.
    listed = list(roster_review.discrepancy_list(actor=users["county_reviewer"]))
    assert result["discrepancies"] == len(listed) == len(range(1, FAMILIES, 3))
    assert {d.person.name for d in listed} == {f"户主{cn(i)}" for i in range(1, FAMILIES, 3)}
    assert {(d.roster_amount - d.computed_amount, d.programme) for d in listed} == {(EXTRA, "dibao")}
    assert listed[0].computed_amount == amounts[1]["dibao"]
    assert roster_review.discrepancy_list(actor=users["other_township_officer"]).count() == 0

    # The same roster again changes nothing.
    again = run(actor, data, ImportKind.ROSTER, capture)
    assert (again.invalid_rows, again.summary["enrolments_unchanged"]) == (0, len(rows))
    commit(actor, again, capture)
    assert (Enrolment.objects.count(), EnrolmentChange.objects.count()) == (len(rows), len(rows))
    assert (ReviewTask.objects.filter(kind="periodic").count(), RosterDiscrepancy.objects.count()) == (
        FAMILIES,
        len(listed),
    )
    assert ids  # every generated person was looked up by ID number above


def _small_county(actor, capture, n=6):
    families = county(n)
    batch = run(actor, table_bytes(HEADERS, [p for f in families for p in f], "utf-8"), ImportKind.PERSONS, capture)
    assert commit(actor, batch, capture).status == "imported"
    return families


def test_a_bad_roster_names_row_and_field_and_writes_nothing(users, published, django_capture_on_commit_callbacks):  # noqa: F811
    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    families = _small_county(actor, capture)
    amounts = {k: {"dibao": Decimal("500"), "disability_care_subsidy": Decimal("100")} for k in range(3)}
    rows = roster(families, amounts)
    rows[1]["公民身份号码"] = "430981195001020011"  # a wrong check digit
    rows[2]["救助项目"] = "扶贫补助"
    rows[3]["月金额"] = "-650"
    rows[4]["公民身份号码"] = make_id_number("430981", date(1966, 6, 6), 7)  # nobody registered
    rows[5]["起始月份"] = "2024-13"
    rows.append(dict(rows[0]))  # the same person and programme twice
    batch = run(actor, table_bytes(ROSTER.headers, rows, "utf-8"), ImportKind.ROSTER, capture)
    found = errors_of(batch)
    assert [(r, c) for r, c, _ in found] == [
        (3, "公民身份号码"),
        (4, "救助项目"),
        (5, "月金额"),
        (6, "公民身份号码"),
        (7, "起始月份"),
        (len(rows) + 1, "救助项目"),
    ], found
    assert "校验码" in found[0][2] or "公民身份号码" in found[0][2]
    assert "不是可导入的按月救助项目" in found[1][2]
    assert "不能为负数" in found[2][2]
    assert "没有人员登记记录" in found[3][2]
    assert "与第 2 行是同一人同一项目" in found[5][2]
    # Importing "all" is refused while any row is bad; nothing was written.
    from doudi.core.errors import DomainError

    with pytest.raises(DomainError):
        commit(actor, batch, capture, valid_only=False)
    assert Enrolment.objects.count() == 0


def test_a_crash_during_the_roster_commit_writes_nothing(
    users,
    published,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    actor = users["township_officer"]
    families = _small_county(actor, capture)
    amounts = {k: {"dibao": Decimal("500"), "disability_care_subsidy": Decimal("100")} for k in range(3)}
    batch = run(actor, table_bytes(ROSTER.headers, roster(families, amounts), "utf-8"), ImportKind.ROSTER, capture)
    assert batch.invalid_rows == 0

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster_review, "record_discrepancies", crash)
    batch = commit(actor, batch, capture)
    assert batch.status == "failed" and "未写入任何数据" in batch.error_message
    assert (Enrolment.objects.count(), EnrolmentChange.objects.count(), ReviewTask.objects.count()) == (0, 0, 0)
    monkeypatch.undo()
    batch = commit(actor, batch, capture)  # a failed commit may be retried
    assert batch.status == "imported" and Enrolment.objects.count() == len(roster(families, amounts))


def test_a_township_cannot_import_into_another_townships_households(
    users,
    published,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    families = _small_county(users["township_officer"], capture, n=3)
    amounts = {k: {"dibao": Decimal("500"), "disability_care_subsidy": Decimal("100")} for k in range(3)}
    data = table_bytes(ROSTER.headers, roster(families, amounts), "utf-8")
    other = users["other_township_officer"]
    batch = run(other, data, ImportKind.ROSTER, capture)
    assert batch.valid_rows == 0
    messages = [m for _, _, m in errors_of(batch)]
    assert messages and all("不在您的管辖范围内" in m for m in messages)
    assert not any("户主" in m for m in messages)  # nothing about the families outside the scope
    evidence_batch = run(
        other, table_bytes(EVIDENCE.headers, evidence(families), "utf-8"), ImportKind.EVIDENCE, capture
    )
    assert evidence_batch.valid_rows == 0
    # A village worker may import evidence but not a roster (enrolments are kept by townships and counties).
    with pytest.raises(PermissionDenied):
        run(users["village_worker"], data, ImportKind.ROSTER, capture)
    foreign = UserFactory(role=users["county_reviewer"].role, region=users["foreign_county_reviewer"].region)
    assert run(foreign, data, ImportKind.ROSTER, capture).valid_rows == 0
    assert Enrolment.objects.count() == 0
