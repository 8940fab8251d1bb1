"""An alert's household and person are checked once per statement instead of once per row.

Django's foreign keys are checked by PostgreSQL row by row, at commit: a monitoring run that opens 66,400
alerts spent 1.9 s there (docs/benchmarks.md). The two constraints are replaced, on PostgreSQL, by
statement-level triggers with transition tables that do the same checks as one query per statement:

* inserting or updating alerts whose household or person does not exist is refused;
* deleting a household or person that an alert still cites is refused.

Both raise ``foreign_key_violation`` (Django's ``IntegrityError``), as the constraints did. Races are closed
as the constraints' row locks closed them, with one advisory lock: writers of alerts take it shared, deleters
of households and persons exclusive, so a deletion waits for every transaction writing alerts to end and then
sees their rows, and an alert written after a deletion began waits for it and then finds the row gone (the
check is a new statement: in doudi's READ COMMITTED transactions it sees what committed while it waited). Ids
are never changed (Django does not update a primary key), so updates of the two registry tables are not
watched. SQLite keeps Django's ``PROTECT`` only (its triggers would be lost when Django rebuilds a table).

The three references that every new alert leaves empty (assigned to, outcome case, resolved by) are indexed
only where set.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


LOCK = 8_0808_0002  # beside ``monitoring.services.run.RUN_LOCK`` (8_0808_0001)
CHECKED = (("household_id", "registry_household"), ("person_id", "registry_person"))


def _missing(column: str, table: str) -> str:
    return f"""
        SELECT n.{column} INTO missing FROM new_alerts n
        WHERE n.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = n.{column}) LIMIT 1;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'insert or update on table "monitoring_alert" violates foreign key "alert_{column}_exists"'
                USING ERRCODE = 'foreign_key_violation',
                      DETAIL = format('Key ({column})=(%s) is not present in table "{table}".', missing);
        END IF;"""


FORWARD = [
    f"""
    CREATE FUNCTION monitoring_alert_references() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE missing bigint;
    BEGIN
        PERFORM pg_advisory_xact_lock_shared({LOCK});
        {"".join(_missing(column, table) for column, table in CHECKED)}
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER monitoring_alert_references_{event.lower()} AFTER {event} ON monitoring_alert "
        f"REFERENCING NEW TABLE AS new_alerts FOR EACH STATEMENT EXECUTE FUNCTION monitoring_alert_references()"
        for event in ("INSERT", "UPDATE")
    ),
    *(
        f"""
        CREATE FUNCTION {table}_cited_by_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE cited bigint;
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK});
            SELECT o.id INTO cited FROM gone o
            WHERE EXISTS (SELECT 1 FROM monitoring_alert a WHERE a.{column} = o.id) LIMIT 1;
            IF cited IS NOT NULL THEN
                RAISE EXCEPTION 'update or delete on table "{table}" violates foreign key "alert_{column}_exists"'
                    USING ERRCODE = 'foreign_key_violation',
                          DETAIL = format('Key (id)=(%s) is still referenced from table "monitoring_alert".', cited);
            END IF;
            RETURN NULL;
        END
        $$
        """
        for column, table in CHECKED
    ),
    *(
        f"CREATE TRIGGER {table}_cited_by_alerts AFTER DELETE ON {table} "
        f"REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION {table}_cited_by_alerts()"
        for _column, table in CHECKED
    ),
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_cited_by_alerts ON {table}" for _column, table in CHECKED),
    *(f"DROP FUNCTION IF EXISTS {table}_cited_by_alerts()" for _column, table in CHECKED),
    *(f"DROP TRIGGER IF EXISTS monitoring_alert_references_{e} ON monitoring_alert" for e in ("insert", "update")),
    "DROP FUNCTION IF EXISTS monitoring_alert_references()",
]


def _run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:  # no parameters: ``format``'s %s stays as written
            for statement in statements:
                cursor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_superseded_change"),
        ("monitoring", "0006_alert_region_run_unindexed"),
        ("regions", "0002_area_type_source_label"),
        ("registry", "0012_asset_job_refusal_other_benefit_child_choice"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="household",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.household",
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="outcome_case",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.case",
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="registry.person",
            ),
        ),
        migrations.AlterField(
            model_name="alert",
            name="resolved_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(("assigned_to__isnull", False)), fields=["assigned_to"], name="alert_assigned_to_set"
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(("outcome_case__isnull", False)),
                fields=["outcome_case"],
                name="alert_outcome_case_set",
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(
                condition=models.Q(("resolved_by__isnull", False)), fields=["resolved_by"], name="alert_resolved_by_set"
            ),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
