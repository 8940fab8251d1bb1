"""Attachments: scanned papers and photos of a case, checked by content and stored under random names.

Only JPEG, PNG and PDF are accepted, recognised by their first bytes (an ``.exe`` renamed
``.jpg`` is refused), up to ``settings.DOUDI_ATTACHMENT_MAX_BYTES`` (default 10 MB). The file is
stored under ``MEDIA_ROOT/cases/<case id>/<random>.<ext>``, never under the uploaded name, with its
SHA-256; it is served back only as a download (``views_files``).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from doudi.cases.errors import CaseError, CaseErrorCode, invalid
from doudi.cases.models import Attachment, AttachmentCategory, Case
from doudi.cases.services.common import begin_step, day_of, finish_step

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


# The extensions a saved file of each recognised type may keep; anything else is replaced.
EXTENSIONS = {"image/jpeg": ("jpg", "jpeg", "jpe"), "image/png": ("png",), "application/pdf": ("pdf",)}


def download_name(original_name: str, content_type: str) -> str:
    """Return the name to save a download under: the uploaded name with the extension of its real type.

    The type was recognised from the bytes at upload; the name is whatever the uploader typed. A PDF
    uploaded as ``evil.html`` is offered as ``evil.pdf``, so the computer that saves it opens it with
    a PDF reader, never a browser or anything the claimed extension would start. A name that already
    ends in a right extension (``扫描件.JPEG``) is kept as it is.
    """
    allowed = EXTENSIONS.get(content_type)
    if allowed is None:  # not a type doudi accepts: nothing a computer would open
        return "附件.bin"
    name = (original_name or "").replace("/", "_").replace("\\", "_").strip().rstrip(".")
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in allowed and stem:
        return name
    stem = (stem if dot else name).strip() or "附件"
    return f"{stem}.{allowed[0]}"


def _shortened(name: str, limit: int = 200) -> str:
    """Return ``name`` cut to ``limit`` characters, keeping its extension (a long name stays readable)."""
    if len(name) <= limit:
        return name
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and len(suffix) <= 10:
        return f"{stem[: limit - len(suffix) - 1]}.{suffix}"
    return name[:limit]


def max_bytes() -> int:
    return int(getattr(settings, "DOUDI_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def sniff(head: bytes) -> tuple[str, str] | None:
    """Return (content type, extension) from a file's first bytes, or ``None`` if not allowed."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def _read(upload) -> bytes:
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    limit = max_bytes()
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise _too_large(upload.size)
    chunks, total = [], 0
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        total += len(chunk)
        if total > limit:
            raise _too_large(total)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int) -> CaseError:
    return CaseError(
        CaseErrorCode.ATTACHMENT_INVALID,
        f"附件：文件大小 {size / 1048576:.1f} MB 超过上限 {max_bytes() / 1048576:.0f} MB。",
        {"field": "file"},
    )


@transaction.atomic(durable=True)
def do_add_attachment(
    actor,
    case: Case,
    *,
    upload,
    original_name: str,
    category: str = AttachmentCategory.OTHER,
    note: str = "",
    today: date | None = None,
) -> Attachment:
    """Store a file for a case; ``upload`` is bytes or a Django ``UploadedFile``.

    Raises ``CaseError`` (``attachment_invalid``) for an empty, oversized or disallowed file.
    """
    return add_attachment(
        actor, case, upload=upload, original_name=original_name, category=category, note=note, today=today
    )


def add_attachment(
    actor,
    case: Case,
    *,
    upload,
    original_name: str,
    category: str = AttachmentCategory.OTHER,
    note: str = "",
    today: date | None = None,
) -> Attachment:
    """``do_add_attachment`` inside the caller's transaction."""
    case = begin_step(actor, case, "add_attachment", None)
    on = day_of(today)
    if category not in AttachmentCategory.values:
        raise invalid("附件类别", "不认识的类别", "category")
    data = _read(upload)
    if not data:
        raise CaseError(CaseErrorCode.ATTACHMENT_INVALID, "附件：文件为空。", {"field": "file"})
    if len(data) > max_bytes():
        raise _too_large(len(data))
    kind = sniff(data[:16])
    if kind is None:
        raise CaseError(
            CaseErrorCode.ATTACHMENT_INVALID,
            "附件：只接受 JPG、PNG 图片或 PDF 文件（按文件内容识别，不看扩展名）。",
            {"field": "file"},
        )
    content_type, ext = kind
    name = default_storage.save(f"cases/{case.pk}/{secrets.token_hex(16)}.{ext}", ContentFile(data))
    try:
        attachment = Attachment.objects.create(
            case=case,
            category=category,
            file=name,
            original_name=_shortened((original_name or f"附件.{ext}").replace("/", "_").replace("\\", "_")),
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            note=note[:200],
            uploaded_by=actor,
        )
        finish_step(
            actor,
            case,
            "add_attachment",
            on=on,
            label="上传附件",
            note=f"{attachment.get_category_display()}：{attachment.original_name}",
            data={"attachment_id": attachment.pk, "sha256": attachment.sha256},
        )
    except Exception:
        default_storage.delete(name)  # the row was not written: do not keep an orphan file
        raise
    return attachment
