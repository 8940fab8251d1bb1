"""Serving attachments back: only as downloads, never rendered inline.

``Content-Disposition: attachment`` and ``X-Content-Type-Options: nosniff`` keep a browser from
opening an uploaded file as a page, whatever it contains; the content type is the one recognised
from the file's bytes at upload, not the one the uploader claimed, and the file name carries that
type's extension (``download_name``): a PDF uploaded as ``evil.html`` is saved as ``evil.pdf``.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from doudi.cases import selectors
from doudi.cases.services.attachments import download_name


class AttachmentDownloadApi(APIView):
    """Download one attachment of a case in the user's region (404 otherwise)."""

    @extend_schema(
        operation_id="cases_attachment_download",
        summary="下载附件",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="文件")},
        tags=["cases"],
    )
    def get(self, request, attachment_id: int):
        attachment = selectors.attachment_get(actor=request.user, attachment_id=attachment_id)
        response = FileResponse(
            default_storage.open(attachment.file.name, "rb"),
            as_attachment=True,
            filename=download_name(attachment.original_name, attachment.content_type),
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response
