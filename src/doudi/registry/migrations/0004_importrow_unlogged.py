"""Make the import staging table UNLOGGED on PostgreSQL.

Staged rows are scratch data that a new upload recreates: writing them to the write-ahead log
only slows down validating a file of 200,000 rows. After a database crash PostgreSQL empties an
unlogged table; a batch whose rows are gone says so and asks for the file again. Other databases
have no such option and are left as they are.
"""

from django.db import migrations


def set_unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_importrow SET UNLOGGED")


def set_logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE registry_importrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_importrow_batch_without_db_constraint"),
    ]

    operations = [migrations.RunPython(set_unlogged, set_logged, elidable=False)]
