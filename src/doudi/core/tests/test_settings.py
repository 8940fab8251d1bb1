"""Secure defaults: no debug pages, no public key, HTTPS when asked, ``check --deploy`` clean.

Each case starts a fresh Python process with exactly the environment of a deployment: the
settings are read once per process, and the test process itself runs with the tests' settings.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.PROJECT_DIR) / "manage.py"
SRC = Path(settings.BASE_DIR).parent

PROBE = """
import json, os, sys
sys.path.insert(0, {src!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doudi.settings")
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
plain = client.get("/accounts/login/")
proxied = client.get("/accounts/login/", headers={{"X-Forwarded-Proto": "https"}})
print(json.dumps({{
    "debug": settings.DEBUG,
    "plain": [plain.status_code, plain.get("Location")],
    "proxied": [proxied.status_code, proxied.get("Strict-Transport-Security")],
    "secure_cookies": {{name: bool(c["secure"]) for name, c in proxied.cookies.items()}},
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}}))
"""


def _env(tmp_path, **values) -> dict[str, str]:
    """Return a deployment's environment: nothing of the test run, a throwaway SQLite file, ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOUDI_", "PYTEST_", "DJANGO_"))}
    env["DOUDI_DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    env.update(values)
    return env


def _run(args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _production(tmp_path, **values) -> dict[str, str]:
    production = {
        "DOUDI_SECRET_KEY": secrets.token_urlsafe(50),
        "DOUDI_HTTPS": "1",
        "DOUDI_ALLOWED_HOSTS": "doudi.example.gov.cn",
    }
    return _env(tmp_path, **{**production, **values})


def test_check_deploy_passes_without_warnings_in_production_settings(tmp_path):
    result = _run([str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"], _production(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in (result.stdout + result.stderr).upper()
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_when_https_is_off(tmp_path):
    """The same check does find the plain-HTTP settings: the clean result above is not vacuous."""
    env = _production(tmp_path)
    del env["DOUDI_HTTPS"]
    result = _run([str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W012" in result.stderr


def test_startup_without_a_secret_key_outside_the_demo_fails_with_the_reason(tmp_path):
    result = _run([str(MANAGE), "check"], _env(tmp_path), tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DOUDI_SECRET_KEY 未设置" in result.stderr and "DOUDI_DEMO=1" in result.stderr


def test_the_public_demo_key_is_refused_outside_the_demo(tmp_path):
    env = _env(tmp_path, DOUDI_SECRET_KEY=settings.DEMO_SECRET_KEY, DOUDI_DEBUG="0")
    result = _run([str(MANAGE), "check"], env, tmp_path)
    assert result.returncode != 0 and "DOUDI_SECRET_KEY 未设置（或仍是公开的演示密钥）" in result.stderr


def test_the_demo_starts_with_its_key_and_debug_pages(tmp_path):
    result = _run(["-c", PROBE.format(src=str(SRC))], _env(tmp_path, DOUDI_DEMO="1"), tmp_path)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["debug"] is True and probe["plain"][0] == 200 and probe["proxied"][1] is None


def test_debug_is_off_by_default(tmp_path):
    result = _run(["-c", PROBE.format(src=str(SRC))], _env(tmp_path, DOUDI_SECRET_KEY="k" * 10 + "x" * 50), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_https_redirects_sets_hsts_and_secure_cookies_behind_a_proxy(tmp_path):
    result = _run(["-c", PROBE.format(src=str(SRC))], _production(tmp_path, DOUDI_ALLOWED_HOSTS="testserver"), tmp_path)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["debug"] is False
    assert probe["plain"] == [301, "https://testserver/accounts/login/"]
    status, hsts = probe["proxied"]
    assert status == 200 and hsts == "max-age=31536000; includeSubDomains"
    assert probe["secure_cookies"] == {"csrftoken": True} and probe["session_cookie_secure"] is True


def test_hsts_max_age_can_start_low(tmp_path):
    env = _production(tmp_path, DOUDI_ALLOWED_HOSTS="testserver", DOUDI_HSTS_SECONDS="3600")
    probe = json.loads(_run(["-c", PROBE.format(src=str(SRC))], env, tmp_path).stdout)
    assert probe["proxied"][1] == "max-age=3600; includeSubDomains"
