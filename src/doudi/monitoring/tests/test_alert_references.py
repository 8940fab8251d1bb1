"""An alert's household and person must exist, and while an alert cites them they cannot be deleted.

On PostgreSQL the checks are statement-level triggers (migration ``monitoring 0007``) instead of per-row
foreign keys; these tests hold them to what the foreign keys did: refuse a missing reference on insert
and on update, refuse deleting what an alert cites, leave the rest deletable, and close the race between
a deletion and a transaction still writing alerts. On every database Django's ``PROTECT`` refuses the
deletion through the ORM.
"""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import ProtectedError

from doudi.monitoring.models import Alert
from doudi.monitoring.tests.conftest import head_of

DUE = date(2025, 6, 30)


def alert_fields(household, person, fingerprint: str = "f1") -> dict:
    return {
        "rule": "death",
        "alert_class": "status_change",
        "severity": "high",
        "fingerprint": fingerprint,
        "summary": "死亡",
        "household_id": household.pk,
        "person_id": person.pk if person else None,
        "region_id": household.region_id,
        "township_id": household.region_id[:9] + "000",
        "detected_on": date(2025, 6, 16),
        "due_on": DUE,
    }


def alert(household, person, fingerprint: str = "f1") -> Alert:
    return Alert.objects.create(**alert_fields(household, person, fingerprint))


@pytest.mark.django_db
def test_the_orm_refuses_to_delete_what_an_alert_cites(beneficiary):
    head = head_of(beneficiary)
    alert(beneficiary, head)
    with pytest.raises(ProtectedError):
        head.delete()
    with pytest.raises(ProtectedError):
        beneficiary.delete()


@pytest.mark.postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("column", ["person_id", "household_id"])
def test_an_alert_citing_a_missing_household_or_person_is_refused(beneficiary, column):
    head = head_of(beneficiary)
    with pytest.raises(IntegrityError, match=f"alert_{column}_exists"), transaction.atomic():
        a = alert(beneficiary, head)
        Alert.objects.filter(pk=a.pk).update(**{column: 987_654_321})  # an update is checked as an insert is
    with (
        pytest.raises(IntegrityError, match=f"Key \\({column}\\)=\\(987654321\\) is not present"),
        transaction.atomic(),
    ):
        Alert.objects.bulk_create(
            [
                Alert(**alert_fields(beneficiary, head, "f2")),
                Alert(**{**alert_fields(beneficiary, head, "f3"), column: 987_654_321}),
            ]
        )
    assert not Alert.objects.exists()  # nothing of either statement stayed


@pytest.mark.postgresql_only
@pytest.mark.django_db
def test_deleting_a_cited_household_or_person_is_refused_and_the_rest_is_deletable(beneficiary):
    head = head_of(beneficiary)
    alert(beneficiary, None)  # a household alert: the household is cited, its members are not
    with connection.cursor() as cursor:
        with (
            pytest.raises(IntegrityError, match='still referenced from table "monitoring_alert"'),
            transaction.atomic(),
        ):
            cursor.execute("DELETE FROM registry_household WHERE id = %s", [beneficiary.pk])
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = 'registry_person_cited_by_alerts'")
        assert cursor.fetchone()
        # The uncited person passes the alerts' check (other tables' keys may still refuse it; rolled back).
        sid = transaction.savepoint()
        cursor.execute("DELETE FROM registry_person WHERE id = %s", [head.pk])
        assert cursor.rowcount == 1
        transaction.savepoint_rollback(sid)
        Alert.objects.update(person_id=head.pk)
        with pytest.raises(IntegrityError, match="alert_person_id_exists"), transaction.atomic():
            cursor.execute("DELETE FROM registry_person WHERE id = %s", [head.pk])


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_deletion_waits_for_a_transaction_writing_alerts_and_then_sees_its_alert(beneficiary):
    """The race the foreign key's row lock closed: the alert is not yet visible when the deletion starts."""
    head = head_of(beneficiary)
    other = psycopg.connect(**connection.get_connection_params())
    try:
        fields = alert_fields(beneficiary, head, "race")
        columns = ", ".join(fields)
        other.execute(
            f"INSERT INTO monitoring_alert ({columns}, fact, evidence, due_provisional, status, findings, outcome, "
            f"outcome_reason, version, created_at) VALUES ({', '.join(['%s'] * len(fields))}, '', '[]', false, "
            f"'open', '', '', '', 1, now())",
            list(fields.values()),
        )  # not committed: invisible to this connection
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
            try:
                with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
                    cursor.execute("DELETE FROM registry_person WHERE id = %s", [head.pk])
            finally:
                cursor.execute("RESET lock_timeout")
        other.commit()
        with (
            pytest.raises(IntegrityError, match="alert_person_id_exists"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM registry_person WHERE id = %s", [head.pk])
    finally:
        other.close()
