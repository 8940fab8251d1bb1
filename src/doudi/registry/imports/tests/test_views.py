"""Import pages: upload, template, progress, bad rows, rejected-rows download, commit and discard; scope."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from doudi.registry.imports.columns import ERROR_HEADER, HEADERS, ROW_HEADER
from doudi.registry.imports.tests.conftest import csv_bytes, family, person_row, stage, upload
from doudi.registry.models import Person

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _url(name, *args):
    return reverse(f"registry:imports:{name}", args=args)


def test_upload_page_offers_both_templates(client, users):
    page = _login(client, users["village_worker"]).get(_url("import_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "下载 XLSX 模板" in html and "下载 CSV 模板" in html
    xlsx = client.get(_url("import_template"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert sheet["E2"].number_format == "@"  # ID numbers typed in Excel stay text
    text = client.get(_url("import_template"), {"format": "csv"}).content
    assert text.startswith(b"\xef\xbb\xbf") and text.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)


def test_upload_then_review_bad_rows_download_them_and_import_the_rest(
    client, users, django_capture_on_commit_callbacks
):
    _login(client, users["village_worker"])
    rows = [*family("H1", members=2), person_row("H2", 手机号="12345")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("import_list"), {"file": upload(csv_bytes(rows, encoding="gbk"), "名单.csv")})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "GBK/GB18030" in html and "错误行（1 行）" in html
    assert "第 4 行" in html and "手机号：“12345”不是有效的手机或固定电话号码。" in html
    batch_id = detail.context["batch"].pk

    progress = client.get(_url("import_progress", batch_id)).json()
    assert progress["status"] == "validated" and progress["done"] and progress["invalid_rows"] == 1

    rejected = client.get(_url("import_rejected", batch_id), {"format": "csv"})
    assert rejected["Content-Disposition"].startswith("attachment")
    lines = list(csv.reader(io.StringIO(b"".join(rejected.streaming_content).decode("utf-8-sig"))))
    assert lines[0] == [ROW_HEADER, *HEADERS, ERROR_HEADER]
    assert lines[1][0] == "4" and lines[1][HEADERS.index("手机号") + 1] == "12345"
    assert lines[1][-1] == "手机号：“12345”不是有效的手机或固定电话号码。"
    xlsx = client.get(_url("import_rejected", batch_id))
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).worksheets[0]
    assert sheet.cell(row=1, column=len(HEADERS) + 2).value == ERROR_HEADER and sheet.max_row == 2

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(_url("import_commit", batch_id), {"mode": "valid"})
    assert done.status_code == 302
    assert Person.objects.count() == 2
    assert "导入结果" in client.get(done["Location"]).content.decode()


def test_import_all_with_bad_rows_shows_the_reason(client, users, django_capture_on_commit_callbacks):
    batch = stage(
        users["village_worker"], csv_bytes([person_row(relation="配偶")]), capture=django_capture_on_commit_callbacks
    )
    _login(client, users["village_worker"])
    page = client.post(_url("import_commit", batch.pk), {"mode": "all"}, follow=True)
    assert "没有可导入的有效行" in page.content.decode()


def test_discard_button(client, users, django_capture_on_commit_callbacks):
    batch = stage(users["village_worker"], csv_bytes(family("H1")), capture=django_capture_on_commit_callbacks)
    _login(client, users["village_worker"])
    page = client.post(_url("import_discard", batch.pk), follow=True)
    assert "已放弃该批次" in page.content.decode()


@pytest.mark.parametrize("name", ["import_detail", "import_progress", "import_rejected"])
def test_a_user_of_another_region_gets_404(client, users, django_capture_on_commit_callbacks, name):
    batch = stage(users["village_worker"], csv_bytes(family("H1")), capture=django_capture_on_commit_callbacks)
    _login(client, users["other_village_worker"])
    assert client.get(_url(name, batch.pk)).status_code == 404
    assert client.post(_url("import_commit", batch.pk)).status_code == 404
    assert client.get(_url(name, batch.pk + 1000)).status_code == 404
    # and the list does not show it
    assert batch.original_name not in client.get(_url("import_list")).content.decode()


def test_roles_without_import_capability_are_refused(client, users):
    _login(client, users["auditor"])
    assert client.get(_url("import_list")).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_over_long_file_name_is_refused_in_chinese_whatever_the_browser_language(client, users, language):
    from doudi.registry.imports.models import ImportBatch

    client.force_login(users["village_worker"])
    response = client.post(
        reverse("registry:imports:import_list"),
        {"file": upload(csv_bytes(family()), "户" * 230 + ".csv")},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "文件名过长（234 个字符）：请改为不超过 200 个字符后重新上传。" in page
    assert "Ensure" not in page and not ImportBatch.objects.exists()


def test_a_refused_file_is_named_shortly(client, users):
    client.force_login(users["village_worker"])
    response = client.post(reverse("registry:imports:import_list"), {"file": upload(b"x", "表" * 150 + ".pdf")})
    page = response.content.decode()
    assert f"文件类型不支持：“{'表' * 40}…{'表' * 11}.pdf”" in page and "表" * 60 not in page
