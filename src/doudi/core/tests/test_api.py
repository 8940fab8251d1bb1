"""API plumbing: the OpenAPI schema, the self-hosted Swagger UI and field-naming validation errors."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from rest_framework import serializers

from doudi.core.api import validated
from doudi.core.errors import DomainError


def test_schema_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/households/" in (tmp_path / "schema.yaml").read_text(encoding="utf-8")


def test_schema_is_served_to_a_signed_in_user(users, client):
    client.force_login(users["village_worker"])
    response = client.get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "doudi 兜底 API"
    assert "/api/persons/{person_id}/full/" in schema["paths"]
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_schema_and_docs_need_a_login(db, client, name):
    assert client.get(reverse(name)).status_code in (401, 403)


def test_swagger_ui_loads_its_assets_from_static_only(users, client):
    client.force_login(users["auditor"])
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    # No CDN anywhere, not even in the inline script: bureaus run on intranets.
    assert not re.search(r"https?://", html)
    assert "/api/schema/" in html


class _Person(serializers.Serializer):
    name = serializers.CharField(label="姓名")
    birth_date = serializers.DateField(label="出生日期")


class _Household(serializers.Serializer):
    region = serializers.CharField(label="所在村/社区")
    head = _Person(label="户主")
    members = _Person(many=True, label="其他成员")
    tags = serializers.ListField(child=serializers.IntegerField(label="标签"), label="标签", required=False)


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({}, "region", "所在村/社区：该字段是必填项。"),
        (
            {"region": "x", "head": {"name": "张三"}, "members": []},
            "head.birth_date",
            "户主·出生日期：该字段是必填项。",
        ),
        (
            {"region": "x", "head": {"name": "a", "birth_date": "2000-01-01"}, "members": [{}, {}]},
            "members.0.name",
            "其他成员·第 1 项·姓名：该字段是必填项。",
        ),
        (
            {"region": "x", "head": {"name": "a", "birth_date": "2000-01-01"}, "members": [], "tags": [1, "x"]},
            "tags.1",
            "标签·第 2 项：请填写合法的整数值。",
        ),
    ],
)
def test_validation_errors_name_the_field_in_chinese(data, field, message):
    with pytest.raises(DomainError) as exc:
        validated(_Household, data)
    assert exc.value.code == "invalid"
    assert exc.value.extra["field"] == field
    assert exc.value.message == message


def test_valid_input_is_returned():
    data = {"region": "430981114201", "head": {"name": "张三", "birth_date": "1980-05-17"}, "members": []}
    assert validated(_Household, data)["head"]["name"] == "张三"
