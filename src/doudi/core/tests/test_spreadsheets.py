"""Every spreadsheet and CSV doudi writes goes through ``core.spreadsheets``, which keeps formulas from running.

The paths are enumerated twice: the source is searched for any other writer (a new export that
bypasses the module fails here), and every module that uses the module must have its downloads
fed formula-like values below (a new export through the module must be added to ``EXPORTERS``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from doudi.core import spreadsheets
from doudi.core.spreadsheets import FORMULA_TRIGGERS, is_neutral, neutralise
from doudi.policy.simulation.export import changed_csv, changed_xlsx
from doudi.policy.simulation.summary import CHANGED_COLUMNS
from doudi.registry.imports import downloads
from doudi.registry.imports.tests.conftest import csv_bytes, person_row, stage
from doudi.registry.models import Household, Person
from doudi.registry.tests.factories import household

SRC = Path(__file__).resolve().parents[2]  # src/doudi
HOSTILE = ['=HYPERLINK("http://evil.example","点击")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]

# Modules that write files for people, and the tests below that feed each of them hostile values.
EXPORTERS = {
    "registry/exports.py": "test_the_registry_export_writes_formulas_as_text",
    "registry/imports/downloads.py": "test_rejected_rows_and_templates_write_formulas_as_text",
    "policy/simulation/export.py": "test_the_simulation_downloads_write_formulas_as_text",
    "cases/exports.py": "test_the_enrolment_export_writes_formulas_as_text",
}
# Writers that never produce a file for a person: Arrow CSV buffers streamed into PostgreSQL's COPY,
# and the demo's synthetic department files, written only to be loaded by the feed loader.
DATABASE_ONLY = {
    "registry/imports/bulk.py": ("pacsv.write_csv(",),
    "registry/demo/loader.py": ("pacsv.write_csv(",),
    "monitoring/services/run.py": ("pacsv.write_csv(",),
    "verification/feeds/loading.py": ("pacsv.write_csv(",),
    "verification/feeds/demo.py": ("def write_csv(", "csv.writer("),
}
BYPASSES = re.compile(
    r"\bWorkbook\s*\(|\bWriteOnlyCell\s*\(|\bcsv\.writer\s*\(|\bcsv\.DictWriter\s*\(|\bwrite_csv\s*\("
    r"|\bxlsxwriter\b|\.to_csv\s*\(|\.to_excel\s*\("
)


def _sources():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/tests/" in f"/{relative}" or relative == "core/spreadsheets.py" or "/migrations/" in relative:
            continue
        yield relative, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("value", [*HOSTILE, "=1", "+", "-", "@", "\t", "\r"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(value):
    assert value.startswith(FORMULA_TRIGGERS)
    assert neutralise(value) == "'" + value
    assert not is_neutral(value)


@pytest.mark.parametrize(
    "value", ["张三", "430981198005170011", "138****5678", "", "a=1", None, 12, -3.5, "-120.50", "+7"]
)
def test_other_values_and_numbers_are_written_as_they_are(value):
    assert neutralise(value) is value


def test_nothing_writes_a_spreadsheet_or_csv_except_through_the_module():
    found = []
    for relative, text in _sources():
        for match in BYPASSES.finditer(text):
            allowed = DATABASE_ONLY.get(relative, ())
            if any(call.endswith(match.group(0)) or match.group(0).startswith(call) for call in allowed):
                continue
            if "write_csv(" in match.group(0) and "def write_csv(" in allowed:
                continue
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{relative}:{line}: {match.group(0)}")
    assert not found, "write spreadsheets and CSV through doudi.core.spreadsheets:\n" + "\n".join(found)
    for relative, calls in DATABASE_ONLY.items():  # the exceptions are still what they claim to be
        for call in calls:
            assert call in (SRC / relative).read_text(encoding="utf-8"), relative


def test_every_module_that_writes_through_the_module_is_tested_with_hostile_values():
    users_of_module = {
        relative
        for relative, text in _sources()
        if re.search(r"from doudi\.core import spreadsheets|core\.spreadsheets", text)
        and re.search(r"spreadsheets\.(csv_bytes|csv_file|CsvWriter|workbook|xlsx_bytes|xlsx_file)\b", text)
    }
    assert users_of_module == set(EXPORTERS)
    for test_name in EXPORTERS.values():
        assert test_name in globals()


# --- reading what was written ------------------------------------------------------------------------


def _quoted(hostile: str, *, xlsx: bool = False) -> str:
    """Return how ``hostile`` reads back once neutralised (line ends compared as line feeds in XLSX)."""
    return "'" + (hostile.replace("\r", "\n") if xlsx else hostile)


def _runs(value) -> bool:
    """Whether a spreadsheet would take this cell for a formula (decided here, not by the module under test)."""
    return (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r", "\n")
        and re.fullmatch(r"[+-]?\d+(\.\d+)?", value) is None
    )


def _xlsx_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_xlsx_safe(data: bytes) -> list:
    cells = _xlsx_cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "a cell is a formula"
    values = [c.value for c in cells]
    assert not [v for v in values if _runs(v)]
    # A raw carriage return in the sheet's XML reads back as itself with lxml (which python-docx brings)
    # and as a line feed with the standard library's parser: compared as line feeds either way.
    return [v.replace("\r", "\n") if isinstance(v, str) else v for v in values]


def _assert_csv_safe(data: bytes) -> list[str]:
    assert data.startswith(spreadsheets.BOM.encode())
    cells = [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]
    assert not [c for c in cells if _runs(c)]
    return cells


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- each export --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_registry_export_writes_formulas_as_text(client, regions, users):
    ours = household(regions["lixin"], actor=users["village_worker"], members=1)
    Household.objects.filter(pk=ours.pk).update(address=HOSTILE[1])
    head, child = Person.objects.filter(household=ours).order_by("relation")[:2]
    Person.objects.filter(pk=head.pk).update(name=HOSTILE[0], bank_name=HOSTILE[3], bank_account="6230901234567890")
    Person.objects.filter(pk=child.pk).update(name=HOSTILE[4], bank_name=HOSTILE[5], residence_address=HOSTILE[2])
    client.force_login(users["county_reviewer"])
    for unmasked in ("", "1"):
        values = _assert_xlsx_safe(_content(client.get(reverse("registry:imports:export"), {"unmasked": unmasked})))
        for hostile in (HOSTILE[0], HOSTILE[1], HOSTILE[3], HOSTILE[4], HOSTILE[5]):
            assert _quoted(hostile, xlsx=True) in values


@pytest.mark.django_db
def test_rejected_rows_and_templates_write_formulas_as_text(
    client, users, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path
    rows = [
        person_row("H1", name=HOSTILE[0], 居住地址=HOSTILE[1], 开户银行=HOSTILE[3], 手机号=HOSTILE[2]),
        person_row("H2", name="李四", 居住地址=HOSTILE[4], 户籍性质=HOSTILE[5]),
    ]
    batch = stage(users["village_worker"], csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert batch.invalid_rows == 2
    client.force_login(users["village_worker"])
    url = reverse("registry:imports:import_rejected", args=[batch.pk])
    xlsx_values = _assert_xlsx_safe(_content(client.get(url)))
    csv_values = _assert_csv_safe(_content(client.get(url, {"format": "csv"})))
    for hostile in HOSTILE:
        assert _quoted(hostile, xlsx=True) in xlsx_values and _quoted(hostile) in csv_values
    # The files the module writes directly, and the templates (no user text, but the same writer).
    _assert_csv_safe(downloads.rejected_csv(batch).read())
    _assert_xlsx_safe(downloads.rejected_xlsx(batch).read())
    _assert_csv_safe(_content(client.get(reverse("registry:imports:import_template"), {"format": "csv"})))
    _assert_xlsx_safe(_content(client.get(reverse("registry:imports:import_template"))))


def test_the_simulation_downloads_write_formulas_as_text():
    row = {
        "number": HOSTILE[1],
        "village_code": "430981114201",
        "village": HOSTILE[4],
        "head_name": HOSTILE[0],
        "category": HOSTILE[3],
        "status_before": "dibao",
        "status_after": HOSTILE[5],
        "amount_before": "650.00",
        "amount_after": "-120.50",
        "difference": "-770.50",
        "programmes": HOSTILE[2],
    }
    table = pa.table({name: pa.array([row[name]], pa.string()) for name, _ in CHANGED_COLUMNS})
    csv_values = _assert_csv_safe(changed_csv(table))
    assert "-120.50" in csv_values and "-770.50" in csv_values  # amounts stay numbers
    xlsx_cells = _xlsx_cells(changed_xlsx(table))
    values = _assert_xlsx_safe(changed_xlsx(table))
    for hostile in HOSTILE:
        assert _quoted(hostile) in csv_values and _quoted(hostile, xlsx=True) in values
    amounts = [c for c in xlsx_cells if c.row == 2 and c.column >= 8 and c.column <= 10]
    assert [(c.value, c.data_type) for c in amounts] == [(650.0, "n"), (-120.5, "n"), (-770.5, "n")]


@pytest.mark.django_db
def test_the_enrolment_export_writes_formulas_as_text(client, regions, users):
    from datetime import date
    from decimal import Decimal

    from doudi.cases.services.enrolment import create_enrolment

    ours = household(regions["lixin"], actor=users["village_worker"], members=1)
    head = Person.objects.get(household=ours, relation="head")
    Person.objects.filter(pk=head.pk).update(name=HOSTILE[0], bank_name=HOSTILE[3], bank_account="6230901234567890")
    Household.objects.filter(pk=ours.pk).update(head_name=HOSTILE[4])
    create_enrolment(
        None,
        household=ours,
        person=head,
        programme="dibao",
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal("500"),
        reason="测试",
        tier=HOSTILE[2],
    )
    client.force_login(users["county_reviewer"])
    values = _assert_xlsx_safe(_content(client.get(reverse("cases:enrolment_list"), {"export": "xlsx"})))
    for hostile in (HOSTILE[0], HOSTILE[2], HOSTILE[3], HOSTILE[4]):
        assert _quoted(hostile, xlsx=True) in values
