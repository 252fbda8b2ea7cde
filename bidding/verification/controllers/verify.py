"""Anyone may upload a PDF and get its signature-validation report (docs/pdf-signatures.md; the
use case is :mod:`bidding.verification.service`'s)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, post
from litestar.datastructures import UploadFile
from litestar.status_codes import HTTP_200_OK

from bidding.core.errors import InvalidInput, UnsupportedMediaType
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from bidding.verification.service import validation_report
from crypto.pdf.reader import MAX_PDF_BYTES

MAX_UPLOAD: Final = MAX_PDF_BYTES + 1024 * 1024  # room for multipart framing


async def _pdf_bytes(request: Request[Any, Any, Any]) -> bytes:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "application/pdf":
        data = await request.body()
    elif media_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("send the PDF in a form field named `file`", "请在表单字段 `file` 中上传 PDF")
        data = await upload.read()
    else:
        raise UnsupportedMediaType(
            "send the PDF as application/pdf or multipart/form-data", "请以 application/pdf 或表单上传 PDF"
        )
    if not data:
        raise InvalidInput("the PDF is empty", "PDF 文件为空")
    return data


class VerifyController(Controller):
    path = "/api/verify"
    tags = ["public"]

    @post(
        "/pdf",
        status_code=HTTP_200_OK,
        opt=wire(request=["application/pdf", "multipart/form-data"]),
        request_max_body_size=MAX_UPLOAD,
        summary="Validate every signature and time-stamp in a PDF (ETSI TS 119 102-2 report)",
    )
    async def pdf(self, request: Request[Any, Any, Any], platform: PlatformDep) -> dict[str, Any]:
        return await validation_report(platform, await _pdf_bytes(request))
