"""Attachments: JPG/PNG/PDF by content, size-limited, random names, SHA-256 recorded."""

import hashlib

import pytest

from doudi.cases import services
from doudi.cases.errors import CaseError
from doudi.cases.models import Attachment
from doudi.core.errors import NotFound, PermissionDenied

JPEG = b"\xff\xd8\xff\xe0" + b"j" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 200
PDF = b"%PDF-1.7\n" + b"d" * 200
EXE = b"MZ\x90\x00" + b"e" * 200


@pytest.fixture
def case(walk, household):
    return walk.open(household)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(
    ("data", "content_type", "ext"),
    [(JPEG, "image/jpeg", "jpg"), (PNG, "image/png", "png"), (PDF, "application/pdf", "pdf")],
)
def test_allowed_files_are_stored_under_random_names(case, users, tmp_path, data, content_type, ext):
    a = services.do_add_attachment(users["village_worker"], case, upload=data, original_name="../../身份证.txt")
    assert a.content_type == content_type and a.file.name.endswith(f".{ext}")
    assert "身份证" not in a.file.name and a.file.name.startswith(f"cases/{case.pk}/")
    assert a.original_name == ".._.._身份证.txt" and a.size == len(data)
    assert a.sha256 == hashlib.sha256(data).hexdigest()
    assert (tmp_path / a.file.name).read_bytes() == data


def test_a_renamed_executable_is_refused(case, users, tmp_path):
    with pytest.raises(CaseError) as exc:
        services.do_add_attachment(users["village_worker"], case, upload=EXE, original_name="照片.jpg")
    assert "按文件内容识别" in exc.value.message
    assert not Attachment.objects.exists() and not list(tmp_path.rglob("*.*"))


def test_size_is_limited(case, users, settings):
    settings.DOUDI_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(CaseError) as exc:
        services.do_add_attachment(users["village_worker"], case, upload=PDF, original_name="a.pdf")
    assert "超过上限" in exc.value.message
    with pytest.raises(CaseError):
        services.do_add_attachment(users["village_worker"], case, upload=b"", original_name="a.pdf")


def test_uploads_follow_scope_and_role(case, users):
    with pytest.raises(NotFound):
        services.do_add_attachment(users["other_village_worker"], case, upload=PDF, original_name="a.pdf")
    with pytest.raises(PermissionDenied):
        services.do_add_attachment(users["auditor"], case, upload=PDF, original_name="a.pdf")


@pytest.mark.parametrize(
    ("original", "content_type", "expected"),
    [
        ("evil.html", "application/pdf", "evil.pdf"),
        ("evil.HTML", "image/png", "evil.png"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf.pdf"),
        ("扫描件.JPEG", "image/jpeg", "扫描件.JPEG"),
        ("照片.jpg", "image/jpeg", "照片.jpg"),
        ("低保申请书.pdf", "application/pdf", "低保申请书.pdf"),
        ("身份证", "image/png", "身份证.png"),
        (".html", "application/pdf", "附件.pdf"),
        ("", "image/jpeg", "附件.jpg"),
        ("svg.png.svg", "image/png", "svg.png.png"),
        ("trailing.pdf.", "application/pdf", "trailing.pdf"),
        ("../x.htm", "application/pdf", ".._x.pdf"),
        ("a.pdf", "text/html", "附件.bin"),
    ],
)
def test_the_download_name_carries_the_extension_of_the_real_type(original, content_type, expected):
    assert services.attachments.download_name(original, content_type) == expected


@pytest.mark.parametrize(
    ("original", "stored"),
    [
        ("名" * 300 + ".pdf", "名" * 196 + ".pdf"),
        ("x" * 5000 + ".html", "x" * 195 + ".html"),
        ("y" * 300, "y" * 200),
    ],
)
def test_an_over_long_name_is_cut_keeping_its_extension(case, users, original, stored):
    a = services.do_add_attachment(users["village_worker"], case, upload=PDF, original_name=original)
    assert a.original_name == stored and len(a.original_name) == 200
    assert services.attachments.download_name(a.original_name, a.content_type).endswith(".pdf")
