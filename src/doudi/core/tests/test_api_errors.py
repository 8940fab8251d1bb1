"""The API's own failures answer JSON: 401 without credentials, 404 for unknown URLs, 500 for bugs."""

from __future__ import annotations

import logging

import pytest
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from doudi.core.api import SERVER_ERROR_MESSAGE, server_error_handler
from doudi.regions.api import RegionListApi

# Obtaining a token is the one operation open without credentials (it takes a password).
PUBLIC = {"/api/auth/token/"}
# Swagger UI is a page for browsers: its 401 is HTML.
HTML = {"/api/docs/"}
SAMPLE = {"int": "1", "str": "x", "path": "x", "slug": "x"}


def _api_operations():
    """Yield (method, path) for every route under /api/ and every HTTP method its view answers."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                path = "/" + route
                for name, converter in pattern.pattern.converters.items():
                    kind = type(converter).__name__.removesuffix("Converter").lower()
                    path = path.replace(f"<{kind}:{name}>", SAMPLE.get(kind, "1")).replace(f"<{name}>", "x")
                methods = [m for m in ("get", "post", "put", "patch", "delete") if view and hasattr(view, m)]
                for method in methods:
                    yield method, path

    return sorted(set(walk(get_resolver().url_patterns, "")))


OPERATIONS = _api_operations()


def test_every_api_operation_is_walked():
    paths = {path for _method, path in OPERATIONS}
    assert {"/api/cases/", "/api/households/", "/api/schema/", "/api/docs/", "/api/me/"} <= paths
    assert len(OPERATIONS) > 50


@pytest.mark.parametrize("method,path", [op for op in OPERATIONS if op[1] not in PUBLIC])
def test_without_credentials_every_operation_answers_401_json(db, method, path):
    accept = "text/html" if path in HTML else "application/json"
    response = getattr(APIClient(), method)(path, {}, format="json", HTTP_ACCEPT=accept)
    assert response.status_code == 401, (method, path, response.status_code)
    assert response["WWW-Authenticate"] == "Token"
    if path not in HTML:
        assert response.json()["code"] == "not_authenticated" and response.json()["message"] == "请先登录。"


def test_a_bad_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000")
    response = client.get("/api/me/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_a_signed_in_browser_session_still_works(client, users):
    client.force_login(users["village_worker"])
    assert client.get("/api/me/").status_code == 200


@pytest.fixture
def broken_region_list(monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internal detail 430981")

    monkeypatch.setattr(RegionListApi, "get", boom)


def test_an_unexpected_error_in_an_api_view_answers_json_500_and_is_logged(users, broken_region_list, caplog):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(users["county_reviewer"])
    with caplog.at_level(logging.ERROR, logger="doudi.api"):
        response = client.get("/api/regions/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "server_error", "message": SERVER_ERROR_MESSAGE, "extra": {}}
    assert "secret internal detail" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "doudi.api"]
    assert "GET /api/regions/" in record.getMessage()
    assert record.exc_info and "secret internal detail" in str(record.exc_info[1])


def test_the_test_client_still_sees_the_exception(users, broken_region_list):
    """``got_request_exception`` is sent, as for Django's own 500s: tests and error reporters see the bug."""
    client = APIClient()
    client.force_authenticate(users["county_reviewer"])
    with pytest.raises(RuntimeError, match="secret internal detail"):
        client.get("/api/regions/")


def test_an_error_outside_the_api_views_answers_json_under_api():
    response = server_error_handler(RequestFactory().get("/api/households/"))
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert SERVER_ERROR_MESSAGE in response.content.decode("utf-8")
    page = server_error_handler(RequestFactory().get("/registry/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_unknown_api_url_answers_a_chinese_json_404(client, users, signed_in):
    if signed_in:
        client.force_login(users["village_worker"])
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "not_found" and body["message"].startswith("接口不存在：/api/no-such-thing/")


def test_an_api_url_without_its_final_slash_still_redirects(client):
    response = client.get("/api/me")
    assert response.status_code == 301 and response["Location"] == "/api/me/"


def test_an_unknown_page_is_still_the_html_404(client, users):
    client.force_login(users["village_worker"])
    response = client.get("/registry/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/households/", "/api/cases/", "/api/cases/enrolments/", "/api/cases/reviews/"])
@pytest.mark.parametrize("page", ["-1", "abc", "999999"])
def test_every_paginated_list_answers_a_bad_page_with_400(users, path, page):
    client = APIClient()
    client.force_authenticate(users["county_reviewer"])
    response = client.get(path, {"page": page})
    assert response.status_code == 400, (path, page, response.status_code)
    assert response.json()["extra"]["field"] == "page" and response.json()["message"].startswith("页码：")
