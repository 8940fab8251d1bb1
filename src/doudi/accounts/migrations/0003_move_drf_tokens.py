"""Move the keys of DRF's ``authtoken_token`` table into ``ApiToken`` and drop that table.

``rest_framework.authtoken`` is no longer installed: doudi's own tokens replaced it, and no
migration of doudi depends on it. Its table held every key in clear text, so it must not stay
behind in an upgraded database. Each existing key becomes a named token (its digest only),
valid for the default lifetime from the upgrade, so scripts that used it keep working until
then; a fresh database has no such table and nothing happens. The ``django_migrations`` rows
of ``authtoken`` go too, so that installing the app again would recreate its table.

Not reversible in content: the keys are not stored any more (reversing leaves the rows).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"
NAME = "升级前的令牌"


def move_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    quoted = schema_editor.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {schema_editor.quote_name('key')}, user_id FROM {quoted}")
        rows = cursor.fetchall()
    expires = timezone.now() + timedelta(days=int(getattr(settings, "API_TOKEN_DEFAULT_DAYS", 90)))
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name=NAME,
            key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
            key_prefix=key[:8],
            expires_at=expires,
        )
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {quoted}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
