"""The registry change log that tells whether the standing registry extract is fresh (``monitoring.standing``).

PostgreSQL only (the extract is not kept on SQLite): a log table filled by statement-level triggers on
every table the extract reads, one row per changing transaction and table, and the pruning horizon.
"""

from django.db import migrations

# As in ``monitoring.standing`` (spelled out: a migration does not import the code it precedes).
LOG = "monitoring_registrychange"
HORIZON = "monitoring_registrychange_horizon"
LOGGED = (
    "registry_person",
    "registry_household",
    "cases_enrolment",
    "cases_decision",
    "cases_case",
    "cases_relativedeclaration",
    "monitoring_workerreferral",
    "monitoring_staffmember",
)
FUNCTION = "monitoring_log_registry_change"

FORWARD = [
    f"""
    CREATE TABLE {LOG} (
        txid bigint NOT NULL,
        table_name text NOT NULL,
        at timestamp with time zone NOT NULL DEFAULT now(),
        PRIMARY KEY (txid, table_name)
    )
    """,
    f"CREATE TABLE {HORIZON} (horizon bigint NOT NULL)",
    f"INSERT INTO {HORIZON} (horizon) VALUES (0)",
    # One row per transaction and table: a transaction's later statements find its row and insert nothing.
    f"""
    CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO {LOG} (txid, table_name) VALUES (txid_current(), TG_TABLE_NAME) ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {table}_registry_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        for table in LOGGED
    ),
]
BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_registry_change ON {table}" for table in LOGGED),
    f"DROP FUNCTION IF EXISTS {FUNCTION}()",
    f"DROP TABLE IF EXISTS {HORIZON}",
    f"DROP TABLE IF EXISTS {LOG}",
]


def _run(statements):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0004_alert_hot_references_unconstrained"),
        ("registry", "0001_initial"),
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False)]
