"""A commit imports what was checked, or nothing: rows that went stale since validation are refused."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections

from doudi.core.errors import DomainError
from doudi.registry import services as registry
from doudi.registry.imports import recheck
from doudi.registry.imports.models import ImportBatch
from doudi.registry.imports.services import do_commit_import, do_revalidate_import, do_stage_import
from doudi.registry.imports.tests.conftest import LIXIN, commit, csv_bytes, errors_of, family, stage, upload
from doudi.registry.models import Household, Person
from doudi.registry.tests.factories import person_input


def _register_meanwhile(actor, id_number: str, name: str, region: str = LIXIN) -> Person:
    """Register ``id_number`` through the form's service, as a colleague would between validation and commit."""
    data = person_input(name)
    data.id_number = id_number
    household = registry.do_create_household(actor, region_code=region, head=data)
    return Person.objects.get(household=household)


@pytest.mark.django_db
def test_a_new_person_registered_meanwhile_in_the_same_village_is_not_renamed(
    users, django_capture_on_commit_callbacks
):
    """The incident: validated as "new household, new person", committed after the same ID number was
    registered in the same village; the commit used to turn the row into an update and rename that person."""
    actor = users["village_worker"]
    rows = family("H001", members=2) + family("H002", members=3)
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert batch.summary["persons_new"] == 5 and batch.invalid_rows == 0
    existing = _register_meanwhile(users["township_officer"], rows[2]["公民身份号码"], "赵某")
    home = existing.household_id
    before = (Household.objects.count(), Person.objects.count())

    refused = commit(actor, batch, capture=django_capture_on_commit_callbacks, valid_only=True)

    existing.refresh_from_db()
    assert (existing.name, existing.version, existing.household_id) == ("赵某", 1, home)
    assert (Household.objects.count(), Person.objects.count()) == before  # all or nothing: nothing
    assert refused.status == "validated"
    assert "又有 3 行（第 4、5、6 行）不能导入，本次未写入任何数据" in refused.error_message
    assert (refused.valid_rows, refused.invalid_rows) == (2, 3)
    found = errors_of(refused)
    assert (4, "公民身份号码", recheck.NOW_REGISTERED) in found
    assert {r for r, _c, _m in found} == {4, 5, 6}  # the whole household H002 waits
    assert set(refused.rows.filter(status="invalid").values_list("action", flat=True)) == {""}

    # The user sees what changed and chooses again: the rows that still hold are imported.
    done = commit(actor, refused, capture=django_capture_on_commit_callbacks, valid_only=True)
    assert done.status == "imported" and done.summary["result"]["persons_created"] == 2
    existing.refresh_from_db()
    assert existing.name == "赵某" and Person.objects.filter(id_number=existing.id_number).count() == 1


@pytest.mark.django_db
def test_a_person_edited_meanwhile_is_not_silently_reverted(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    data = csv_bytes(family("H001", members=2))
    commit(
        actor,
        stage(actor, data, capture=django_capture_on_commit_callbacks),
        capture=django_capture_on_commit_callbacks,
    )
    again = stage(actor, data, capture=django_capture_on_commit_callbacks)
    assert again.summary["persons_unchanged"] == 2
    spouse = Person.objects.get(relation="spouse")
    registry.do_update_person(users["village_worker"], spouse, expected_version=spouse.version, phone="13900009999")

    refused = commit(actor, again, capture=django_capture_on_commit_callbacks)

    spouse.refresh_from_db()
    assert spouse.phone == "13900009999" and spouse.version == 2
    assert refused.status == "validated"
    assert (3, "公民身份号码", recheck.NOW_EDITED) in errors_of(refused)


@pytest.mark.django_db
def test_a_person_who_left_meanwhile_is_refused(users, django_capture_on_commit_callbacks):
    actor = users["village_worker"]
    rows = family("H001", members=2)
    commit(
        actor,
        stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks),
        capture=django_capture_on_commit_callbacks,
    )
    rows[1] = {**rows[1], "手机号": "13900001111"}
    again = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert again.summary["persons_updated"] == 1
    spouse = Person.objects.get(relation="spouse")
    registry.do_remove_member(actor, spouse, left_on=date(2099, 1, 1), reason="迁往外地")

    refused = commit(actor, again, capture=django_capture_on_commit_callbacks)

    spouse.refresh_from_db()
    assert spouse.household_id is None and spouse.phone == "13812345678"
    assert (3, "公民身份号码", recheck.NOW_LEFT) in errors_of(refused)


@pytest.mark.django_db
def test_the_recheck_is_one_query_whatever_the_batch_size(users, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = users["village_worker"]
    rows = [row for k in range(40) for row in family(f"H{k:03d}", members=3)]
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    for k, name in ((0, "赵甲"), (7, "赵乙"), (39, "赵丙")):
        _register_meanwhile(users["township_officer"], rows[3 * k + 1]["公民身份号码"], name)
    with CaptureQueriesContext(connection) as queries:
        found = recheck.stale_rows(batch)
    assert len(queries) == 1
    assert found == [(3, recheck.NOW_REGISTERED), (24, recheck.NOW_REGISTERED), (120, recheck.NOW_REGISTERED)]


def _stage_committed(actor, data: bytes) -> ImportBatch:
    """Stage and validate a file outside any test transaction (the task runs when the staging commits)."""
    batch = do_stage_import(actor, upload(data))
    batch.refresh_from_db()
    assert batch.status == "validated" and batch.invalid_rows == 0, batch.error_message
    return batch


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql_only
def test_two_commits_of_overlapping_files_at_once_register_the_shared_person_once(users):
    actor = users["village_worker"]
    first_rows = family("A01", members=2) + family("A02", members=2)
    shared = first_rows[1]["公民身份号码"]  # the spouse of A01 is in both files, under two names
    second_rows = [
        {**family("B01", members=1)[0]},
        {**first_rows[1], "户编号": "B01", "姓名": "李思"},
        *family("B02", members=3),
    ]
    batches = [_stage_committed(actor, csv_bytes(first_rows)), _stage_committed(actor, csv_bytes(second_rows))]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def run(batch):
        try:
            barrier.wait()
            do_commit_import(actor, batch, valid_only=True)  # the commit task runs when this commits
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures
    for b in batches:
        b.refresh_from_db()
    statuses = sorted(b.status for b in batches)
    assert statuses == ["imported", "validated"], [(b.status, b.error_message) for b in batches]
    winner = next(b for b in batches if b.status == "imported")
    loser = next(b for b in batches if b.status == "validated")
    person = Person.objects.get(id_number=shared)  # exactly one
    assert person.name == ("李四" if winner == batches[0] else "李思") and person.version == 1
    assert "本次未写入任何数据" in loser.error_message
    assert any(m == recheck.NOW_REGISTERED for _r, _c, m in errors_of(loser))
    created = winner.summary["result"]["persons_created"]
    assert Person.objects.count() == created  # nothing of the loser's file was written
    assert Person.objects.filter(household__isnull=False).values("id_number").distinct().count() == created


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql_only
def test_a_form_registering_the_person_during_the_commit_makes_the_rows_stale_not_a_failure(users, monkeypatch):
    """The form's registration lands between the commit's re-check and its writes (it does not wait for
    the import lock); the commit then fails on the unique ID number, looks again and names the stale rows."""
    from doudi.registry.imports import services as imports

    actor = users["village_worker"]
    rows = family("H001", members=2) + family("H002", members=2)
    batch = _stage_committed(actor, csv_bytes(rows))
    real_recheck = imports._recheck
    calls = []

    def recheck_then_register(batch, rows_, actor_):
        plan = real_recheck(batch, rows_, actor_)
        if not calls:
            colleague = threading.Thread(
                target=lambda: (
                    _register_meanwhile(users["township_officer"], rows[3]["公民身份号码"], "赵某"),
                    connections.close_all(),
                )
            )
            colleague.start()
            colleague.join(30)
        calls.append(1)
        return plan

    monkeypatch.setattr(imports, "_recheck", recheck_then_register)
    do_commit_import(actor, batch, valid_only=True)
    batch.refresh_from_db()
    assert len(calls) == 2  # the commit's re-check, then the one after the collision
    assert batch.status == "validated", batch.error_message
    assert (5, "公民身份号码", recheck.NOW_REGISTERED) in errors_of(batch)
    assert Person.objects.get(id_number=rows[3]["公民身份号码"]).name == "赵某"
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_a_batch_with_stale_rows_can_be_validated_again_from_its_page(
    client, users, django_capture_on_commit_callbacks
):
    """After the refusal the page offers 重新校验: the file is checked against the registry as it is now."""
    from django.urls import reverse

    actor = users["village_worker"]
    data = csv_bytes(family("H001", members=2))
    first = stage(actor, data, capture=django_capture_on_commit_callbacks)
    commit(actor, first, capture=django_capture_on_commit_callbacks)
    again = stage(actor, data, capture=django_capture_on_commit_callbacks)
    spouse = Person.objects.get(relation="spouse")
    registry.do_update_person(actor, spouse, expected_version=spouse.version, phone="13900009999")
    refused = commit(actor, again, capture=django_capture_on_commit_callbacks)
    assert refused.status == "validated" and refused.invalid_rows == 2

    client.force_login(actor)
    page = client.get(reverse("registry:imports:import_detail", args=[refused.pk])).content.decode()
    assert 'id="revalidate"' in page and recheck.NOW_EDITED in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:imports:import_revalidate", args=[refused.pk]))
    assert response.status_code == 302
    refused.refresh_from_db()
    assert refused.status == "validated" and (refused.valid_rows, refused.invalid_rows) == (2, 0)
    assert (refused.summary["persons_updated"], refused.summary["persons_unchanged"]) == (1, 1)
    assert refused.error_message == ""

    done = commit(actor, refused, capture=django_capture_on_commit_callbacks)
    assert done.status == "imported"
    with pytest.raises(DomainError) as info:
        do_revalidate_import(actor, done)
    assert info.value.code == "import_wrong_status"
