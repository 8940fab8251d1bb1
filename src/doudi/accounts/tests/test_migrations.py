"""Upgrading moves DRF's clear-text tokens into digests and drops their table."""

from __future__ import annotations

import hashlib
import importlib

from django.apps import apps
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from doudi.accounts.models import ApiToken

move = importlib.import_module("doudi.accounts.migrations.0003_move_drf_tokens")


class _SchemaEditor:
    """What the migration uses of a schema editor (SQLite's own cannot open inside a test's transaction)."""

    connection = connection

    @staticmethod
    def quote_name(name: str) -> str:
        return connection.ops.quote_name(name)

    @staticmethod
    def execute(sql: str, params=()) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_old_keys_keep_working_as_named_tokens_and_the_clear_text_table_is_gone(users):
    user = users["village_worker"]
    key = "0123456789abcdef0123456789abcdef01234567"
    editor = _SchemaEditor()
    editor.execute('CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, created timestamp, user_id bigint)')
    editor.execute('INSERT INTO authtoken_token ("key", created, user_id) VALUES (%s, NULL, %s)', [key, user.pk])
    editor.execute(
        "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, CURRENT_TIMESTAMP)",
        ["authtoken", "0001_initial"],
    )

    move.move_tokens(apps, editor)

    token = ApiToken.objects.get()
    assert (token.user, token.name, token.key_prefix) == (user, "升级前的令牌", key[:8])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "authtoken_token" not in connection.introspection.table_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = 'authtoken'")
        assert cursor.fetchone()[0] == 0
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:me")).json()["username"] == user.username


def test_a_fresh_database_has_nothing_to_move(db):
    move.move_tokens(apps, _SchemaEditor())
    assert not ApiToken.objects.exists()
