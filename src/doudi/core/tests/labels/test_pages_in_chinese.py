"""Every page, for every role, on demo data, reads in Chinese: no raw code, English word or Django default text.

The pages are found by walking the URL map (the adversarial suite's routes and world: two demo
counties generated with ``generate_demo`` and case work done through the services), so a new page is
checked as soon as it is routed. Each HTML answer to a GET is reduced to what a person reads
(``visible.visible_text``) and checked against ``visible.problems_in``. The API answers machines and
is kept out of the word rule (not out of the "never a server error" rule); the admin is checked as
the administrator sees it (``test_admin_page_reads_in_chinese``).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

from doudi.core.tests.adversarial.crawl import client_for
from doudi.core.tests.adversarial.routes import all_routes, fill
from doudi.core.tests.labels.visible import problems_in, visible_text

ROLES = ("village_worker", "township_officer", "county_reviewer", "city_supervisor", "auditor", "administrator")
ROUTES = [r for r in all_routes() if not r.is_admin and not r.is_api]
SLOT = "lixin"  # the village every crawling role above has in scope


def data_typed_by_people(the_world, who: str) -> tuple[str, ...]:
    """Return what people typed and the page shows back: login names and the demo's file names."""
    user = the_world.users.get(who)
    values = [u.username for u in the_world.users.values()]
    values += [s.worker.username for s in the_world.slots.values()]
    values += [f"{key}.csv" for key in the_world.slots]  # staged import files are named by their uploader
    values += [f"{s.head_name}.pdf" for s in the_world.slots.values()]  # uploaded attachments keep their names
    from doudi.verification.models import FeedBatch

    values += list(FeedBatch.objects.values_list("file_name", flat=True))  # department files keep theirs
    if user is not None:
        values.append(user.username)
    return tuple(sorted(values, key=len, reverse=True))


def document_text(response) -> str | None:
    """Return what a person reads in an answer: an HTML page's visible text, a PDF's text, a table's cells.

    Returns None for answers that are not for people (JSON, redirects, empty bodies).
    """
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if content_type.startswith("text/html"):
        return visible_text(body.decode("utf-8", "replace"))
    if content_type.startswith("application/pdf"):
        assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is not installed: run scripts/setup --test"
        return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    if content_type.startswith("text/csv"):
        rows = csv.reader(io.StringIO(body.decode("utf-8-sig", "replace")))
        return "\n".join("\t".join(row) for row in rows)
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        lines = [sheet.title for sheet in book.worksheets]
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                lines.append("\t".join(_cell(v) for v in row if v is not None))
        return "\n".join(lines)
    return None


def _cell(value) -> str:
    """A spreadsheet cell as read: numbers and dates are figures, not words."""
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_page_reads_in_chinese(route, world, sessions, db):
    """Pages, PDFs and CSV/XLSX downloads of the route, for every role, hold no raw code or English word."""
    problems: list[str] = []
    for who in (*ROLES, "anonymous"):
        client = client_for(who, sessions)
        if route.params:
            filled = fill(route, world, world.slots[SLOT])
            if filled is None:
                continue
            url = filled[0]
        else:
            url = route.url({})
        response = client.get(url)
        where = f"GET {url} as {who} → {response.status_code}"
        if response.status_code >= 500:
            problems.append(f"{where}: server error")
            continue
        text = document_text(response)
        if not text:
            continue
        for line in problems_in(text, ignore=data_typed_by_people(world, who)):
            problems.append(f"{where}: {line}")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.fixture
def _runs_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_downloads_read_in_chinese(world, sessions, db, _runs_in_tmp):
    """The CSV template, a simulation's CSV and XLSX, and the run's page name their columns and values in Chinese."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(world.users["county_reviewer"])
    answers = [client.get(reverse("registry:imports:import_template"), {"format": "csv"})]
    run = client.post(
        reverse("simulation:form"),
        {
            "region": world.slots[SLOT].region.parent.code,
            "on": "2025-07-01",
            "param_1": "dibao.standard_rural",
            "value_1": "600",
            "param_2": "extreme_poverty.basic_living_rural",
            "value_2": "780",
        },
    )
    assert run.status_code == 302, visible_text(run.content.decode())[:2000]
    run_id = run["Location"].rstrip("/").split("/")[-1]
    answers += [
        client.get(run["Location"]),
        client.get(reverse("simulation:download_csv", args=[run_id])),
        client.get(reverse("simulation:download_xlsx", args=[run_id])),
    ]
    problems = []
    for answer in answers:
        text = document_text(answer)
        assert text, answer
        problems += problems_in(text, ignore=data_typed_by_people(world, "county_reviewer"))
    assert not problems, "\n".join(sorted(set(problems)))


ADMIN_ROUTES = [r for r in all_routes() if r.is_admin]


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: r.name)
def test_admin_page_reads_in_chinese(route, world, sessions, db):
    """The admin, as the administrator sees it, is branded doudi and reads in Chinese like the other pages."""
    client = client_for("administrator", sessions)
    if route.params:
        filled = fill(route, world, world.slots[SLOT])
        if filled is None:
            return
        url = filled[0]
    else:
        url = route.url({})
    response = client.get(url)
    assert response.status_code < 500, f"GET {url} → {response.status_code}"
    text = document_text(response)
    if not text:
        return
    problems = problems_in(text, ignore=data_typed_by_people(world, "administrator"))
    assert not problems, f"GET {url}:\n" + "\n".join(sorted(set(problems)))
