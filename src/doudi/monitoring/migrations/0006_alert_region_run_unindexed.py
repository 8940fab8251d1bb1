# The alert's own indexes on region and run dropped (written once per new alert, read by no page: a village's
# alerts are found by ``alert_region_status``, a subtree's by the reports app's ``reports_alert_region_prefix``).
# The database side is explicit: Django's AlterField drops every single-column index on the column it finds,
# and would take the reports app's prefix index with its own.

import django.db.models.deletion
from django.db import migrations, models

TABLE = "monitoring_alert"
COLUMNS = ("region_id", "run_id")


def _names(schema_editor, column: str) -> list[str]:
    name = schema_editor._create_index_name(TABLE, [column], suffix="")
    like = [schema_editor._create_index_name(TABLE, [column], suffix="_like")] if column == "region_id" else []
    return [name, *like] if schema_editor.connection.vendor == "postgresql" else [name]


def drop_indexes(apps, schema_editor):
    for column in COLUMNS:
        for name in _names(schema_editor, column):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(apps, schema_editor):
    for column in COLUMNS:
        for name in _names(schema_editor, column):
            ops = " varchar_pattern_ops" if name.endswith("_like") else ""
            schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{TABLE}" ("{column}"{ops})')


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_registry_change_log"),
        ("regions", "0002_area_type_source_label"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="alert",
                    name="region",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                    ),
                ),
                migrations.AlterField(
                    model_name="alert",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="monitoring.monitoringrun",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
