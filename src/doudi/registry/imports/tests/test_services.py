"""Committing and discarding batches: all or nothing, idempotent, scoped."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.audit.models import AuditEvent
from doudi.core.errors import DomainError, NotFound, PermissionDenied
from doudi.registry.imports import writers
from doudi.registry.imports.models import ImportRow
from doudi.registry.imports.services import do_commit_import, do_discard_import, do_stage_import
from doudi.registry.imports.tests.conftest import (
    LIXIN,
    commit,
    csv_bytes,
    errors_of,
    family,
    person_row,
    pid,
    stage,
    upload,
)
from doudi.registry.models import Household, Membership, Person
from doudi.registry.services import do_create_household
from doudi.registry.tests.factories import household, person_input

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Household.objects.count(),
        Person.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_valid_rows_are_imported_with_households_memberships_and_audit(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    rows = family("H001", members=3) + family("H002", members=2) + [person_row("H003", relation="配偶")]
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert batch.invalid_rows == 1
    batch = commit(actor, batch, capture=django_capture_on_commit_callbacks)
    assert batch.status == "imported", batch.error_message
    assert batch.summary["result"]["persons_created"] == 5
    first = Household.objects.get(head_name="张三", member_count=3)
    assert first.number.startswith(LIXIN) and len(first.number) == 17
    assert first.address == "草尾镇立新村1组" and first.area_type == "rural" and first.created_by == actor
    head = Person.objects.get(household=first, relation="head")
    assert (head.gender, head.birth_date, head.hukou_region_id, head.hukou_type) == (
        "M",
        date(1980, 6, 17),
        LIXIN,
        "rural",
    )
    assert head.phone == "13812345678" and head.bank_account == "6230901234567890123"
    assert Membership.objects.filter(household=first, valid_to__isnull=True).count() == 3
    event = AuditEvent.objects.get(action="create_household", target_id=str(first.pk))
    assert event.actor == actor and event.region_code == LIXIN and event.household_id == first.pk
    assert event.changes["members"]["new"] == "张三（户主）、李四（配偶）、张五（子女）"
    assert AuditEvent.objects.filter(action="commit_import", target_id=str(batch.pk)).exists()


def test_import_all_is_refused_when_any_row_is_bad(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    batch = stage(
        actor, csv_bytes([*family("H1"), person_row("H2", relation="配偶")]), capture=django_capture_on_commit_callbacks
    )
    with pytest.raises(DomainError) as info:
        do_commit_import(actor, batch, valid_only=False)
    assert info.value.code == "import_has_errors" and "1 行有错误" in info.value.message
    assert Person.objects.count() == 0


def test_importing_the_same_file_twice_changes_nothing(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    data = csv_bytes(family("H001", members=3) + family("H002", members=2))
    commit(
        actor,
        stage(actor, data, capture=django_capture_on_commit_callbacks),
        capture=django_capture_on_commit_callbacks,
    )
    before = _counts()
    versions = sorted(Person.objects.values_list("version", flat=True))
    again = stage(actor, data, capture=django_capture_on_commit_callbacks)
    assert again.summary["persons_unchanged"] == 5 and again.summary["persons_new"] == 0
    again = commit(actor, again, capture=django_capture_on_commit_callbacks)
    assert again.status == "imported"
    assert again.summary["result"] == {
        "households_created": 0,
        "households_changed": 0,
        "persons_created": 0,
        "persons_updated": 0,
        "persons_unchanged": 5,
        "persons_joined": 0,
        "audit_events": 0,
    }
    assert _counts() == before  # no new household, person, membership or audit row
    assert sorted(Person.objects.values_list("version", flat=True)) == versions


def test_a_changed_row_updates_the_person_and_is_audited(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    rows = family("H001", members=2)
    commit(
        actor,
        stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks),
        capture=django_capture_on_commit_callbacks,
    )
    rows[1] = {**rows[1], "手机号": "13900001111", "开户银行": "", "银行账号": ""}  # blank optional cells keep values
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert (batch.summary["persons_updated"], batch.summary["persons_unchanged"]) == (1, 1)
    commit(actor, batch, capture=django_capture_on_commit_callbacks)
    spouse = Person.objects.get(relation="spouse")
    assert spouse.phone == "13900001111" and spouse.bank_account == "6230901234567890123" and spouse.version == 2
    event = AuditEvent.objects.get(action="update_person", target_id=str(spouse.pk))
    assert event.changes == {"phone": {"label": "手机号", "old": "138****5678", "new": "139****1111"}}
    assert event.actor == actor and event.household_id == spouse.household_id


def test_rows_can_join_an_existing_household_by_its_number(regions, users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    existing = household(regions["lixin"], actor=actor)
    child = person_row(existing.number, name="张小", relation="子女", id_number=pid(date(2015, 6, 1)))
    batch = stage(actor, csv_bytes([child]), capture=django_capture_on_commit_callbacks)
    assert batch.invalid_rows == 0, errors_of(batch)
    commit(actor, batch, capture=django_capture_on_commit_callbacks)
    existing.refresh_from_db()
    assert existing.member_count == 2 and existing.version == 2
    event = AuditEvent.objects.get(action="add_member", household_id=existing.pk, reason__startswith="批量导入")
    assert event.target_label == "张小（子女）" and event.changes["id_number"]["new"].startswith("430***")


def test_a_second_head_for_an_existing_household_is_refused(regions, users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    existing = household(regions["lixin"], actor=actor, head_name="王大")
    batch = stage(
        actor, csv_bytes([person_row(existing.number, name="李二")]), capture=django_capture_on_commit_callbacks
    )
    [(row, column, message)] = errors_of(batch)
    assert (row, column) == (2, "与户主关系")
    assert message.startswith(f"与户主关系：家庭 {existing.number} 已有户主 王大（430***")


def test_an_unknown_or_foreign_household_number_is_refused_alike(regions, users, django_capture_on_commit_callbacks):
    foreign = household(regions["hanjiacha"], actor=users["other_village_worker"])
    rows = [person_row(foreign.number), person_row("43098111420199999", name="李四")]
    batch = stage(users["village_worker"], csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    messages = {r: m for r, c, m in errors_of(batch) if c == "户编号"}
    assert messages[2] == f"户编号：“{foreign.number}”不存在、已注销或不在您的管辖范围内。"
    assert messages[3] == "户编号：“43098111420199999”不存在、已注销或不在您的管辖范围内。"


def test_a_crash_in_the_middle_of_a_commit_writes_nothing(users, monkeypatch, django_capture_on_commit_callbacks):
    """Households and persons are written before the crash; the rollback leaves no trace of them."""
    actor = users["village_worker"]
    batch = stage(
        actor, csv_bytes(family("H001", members=3) + family("H002")), capture=django_capture_on_commit_callbacks
    )
    before = _counts()
    real_load = writers.bulk.load

    def crash_on_memberships(table, data):
        if table == Membership._meta.db_table:
            assert Person.objects.count() == 5  # persons are in, uncommitted
            raise RuntimeError("disk full")
        real_load(table, data)

    monkeypatch.setattr(writers.bulk, "load", crash_on_memberships)
    batch = commit(actor, batch, capture=django_capture_on_commit_callbacks)
    assert batch.status == "failed"
    assert "已全部撤销，未写入任何数据" in batch.error_message
    assert _counts() == before
    monkeypatch.setattr(writers.bulk, "load", real_load)
    batch = commit(actor, batch, capture=django_capture_on_commit_callbacks)  # a failed commit may be retried
    assert batch.status == "imported" and Person.objects.count() == 5


def test_a_person_registered_after_validation_is_caught_at_commit(regions, users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    rows = family("H001", members=2) + family("H002", members=2)
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    taken = rows[3]["公民身份号码"]
    # Meanwhile someone registers the spouse of H002 in another household through the form.
    data = person_input("赵某")
    data.id_number = taken
    data.relation = "head"
    do_create_household(users["township_officer"], region_code=regions["shengtian"].code, head=data)
    strict = commit(actor, batch, capture=django_capture_on_commit_callbacks, valid_only=False)
    assert strict.status == "validated" and "又有 2 行（第 4、5 行）不能导入" in strict.error_message
    assert Person.objects.filter(household__region_id=LIXIN).count() == 0
    assert (5, "公民身份号码", "公民身份号码：已于校验后在其他家庭登记，请重新校验。") in errors_of(strict)
    assert (4, "户编号", "户编号：同户（H002）第 5 行有错误，整户暂不导入。") in errors_of(strict)
    assert (strict.valid_rows, strict.invalid_rows) == (2, 2)
    done = commit(actor, strict, capture=django_capture_on_commit_callbacks, valid_only=True)
    assert done.status == "imported" and done.summary["result"]["persons_created"] == 2


def test_discard_drops_the_staged_rows_and_imports_nothing(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    batch = stage(actor, csv_bytes(family("H1")), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        do_discard_import(actor, batch)
    batch.refresh_from_db()
    assert batch.status == "discarded" and not ImportRow.objects.filter(batch=batch).exists()
    assert not batch.file.storage.exists(batch.file.name)
    with pytest.raises(DomainError) as info:
        do_commit_import(actor, batch, valid_only=True)
    assert info.value.code == "import_wrong_status"


def test_users_outside_the_region_or_without_the_capability_are_refused(users, django_capture_on_commit_callbacks):
    batch = stage(users["village_worker"], csv_bytes(family("H1")), capture=django_capture_on_commit_callbacks)
    with pytest.raises(NotFound):
        do_commit_import(users["other_village_worker"], batch, valid_only=True)
    with pytest.raises(NotFound):
        do_discard_import(users["foreign_county_reviewer"], batch)
    with pytest.raises(PermissionDenied):
        do_stage_import(users["auditor"], upload(csv_bytes(family("H1"))))
    with pytest.raises(PermissionDenied):
        do_stage_import(users["no_region"], upload(csv_bytes(family("H1"))))
    # The county reviewer above the village may import it.
    assert commit(users["county_reviewer"], batch, capture=django_capture_on_commit_callbacks).status == "imported"


def test_too_large_and_wrong_type_files_are_refused_before_anything_is_saved(users, settings, monkeypatch):
    from doudi.registry.imports import services

    monkeypatch.setattr(services, "MAX_FILE_BYTES", 10)
    with pytest.raises(DomainError) as info:
        do_stage_import(users["village_worker"], upload(csv_bytes(family("H1"))))
    assert "超过上限" in info.value.message
    monkeypatch.setattr(services, "MAX_FILE_BYTES", 10**6)
    with pytest.raises(DomainError) as info:
        do_stage_import(users["village_worker"], upload(b"%PDF-1.4", "名单.pdf"))
    assert "文件类型不支持" in info.value.message


def test_a_file_that_cannot_be_read_fails_the_batch_with_a_reason(users, django_capture_on_commit_callbacks):
    batch = stage(users["village_worker"], "姓名,电话\n张三,1\n".encode(), capture=django_capture_on_commit_callbacks)
    assert batch.status == "failed"
    assert batch.error_message.startswith("缺少必填列：户编号、村/社区区划代码、公民身份号码、与户主关系。")
