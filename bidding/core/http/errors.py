"""The platform's one JSON error format, for every 4xx and 5xx.

::

    {"error": {"code": "not_found", "message": "…", "message_zh": "…", "message_en": "…",
               "request_id": "…", "details": [...]}}

``message`` is in the language the client asked for (``Accept-Language``; Chinese by default).
A client's mistake is always a 4xx with a code that names it; anything unexpected is a 500 with
only the request id to quote, and the traceback goes to the log, never to the client.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bidding.core.errors import DomainError
from bidding.core.fields import LINE_PATTERN, NAME_PATTERN, TEXT_PATTERN
from bidding.core.http.context import preferred_language, request_id_of
from crypto.pdf.errors import (
    EncryptedPdfError,
    MalformedPdfError,
    NotAPdfError,
    PdfError,
    PdfTooLargeError,
    RemoteSignatureInvalidError,
    RemoteStateError,
    SignerCertificateError,
)
from storage import IntegrityError as StorageIntegrityError
from storage import (
    InvalidArgument,
    InvalidRange,
    ObjectChanged,
    ObjectExists,
    ObjectNotFound,
    ObjectRetained,
    StorageError,
    StorageUnavailable,
)
from storage.signing import SignatureExpired, SignatureInvalid

log = logging.getLogger("bidding.http")

# Messages for errors raised by the framework itself, by status.
_STATUS_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式有误", "The request is malformed"),
    401: ("not_authenticated", "需要登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You may not do this"),
    404: ("not_found", "未找到", "Not found"),
    405: ("method_not_allowed", "不支持此请求方法", "Method not allowed"),
    406: ("not_acceptable", "无法提供所请求的格式", "Not acceptable"),
    409: ("conflict", "与现有数据冲突", "Conflicts with existing data"),
    413: ("payload_too_large", "请求内容过大", "Request body too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported content type"),
    416: ("range_not_satisfiable", "请求的范围无效", "Requested range not satisfiable"),
    422: ("unprocessable", "无法处理的请求", "Unprocessable request"),
    429: ("too_many_requests", "请求过于频繁", "Too many requests"),
    503: ("service_unavailable", "服务暂不可用", "Service temporarily unavailable"),
}


def _storage_status(exc: StorageError) -> int:
    # By class, so a new storage error subclass inherits its family's status.
    for cls, status in (
        (InvalidRange, 416),
        (InvalidArgument, 400),
        (ObjectNotFound, 404),
        (ObjectRetained, 409),
        (ObjectExists, 409),
        (ObjectChanged, 409),
        (StorageIntegrityError, 422),
        (SignatureInvalid, 403),
        (SignatureExpired, 403),
        (StorageUnavailable, 503),
    ):
        if isinstance(exc, cls):
            return status
    return 500


def error_fields(
    connection: ASGIConnection[Any, Any, Any, Any],
    *,
    code: str,
    message_zh: str,
    message_en: str,
    details: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The fields of an error, for an HTTP request or a WebSocket alike: ``message`` in the language
    of the connection's Accept-Language, ``request_id`` the connection's."""
    lang = preferred_language(connection)
    body: dict[str, Any] = {
        "code": code,
        "message": message_zh if lang == "zh" else message_en,
        "message_zh": message_zh,
        "message_en": message_en,
        "request_id": request_id_of(connection),
    }
    if details:
        body["details"] = list(details)
    return body


def error_body(
    request: Request[Any, Any, Any],
    *,
    code: str,
    message_zh: str,
    message_en: str,
    details: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The HTTP error body: ``{"error": <error_fields>}``."""
    return {"error": error_fields(request, code=code, message_zh=message_zh, message_en=message_en, details=details)}


def _respond(
    request: Request[Any, Any, Any], status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response[Any]:
    return Response(
        content=body,
        status_code=status,
        media_type=MediaType.JSON,
        # Also set here: an unmatched path is answered before the middleware that sets it elsewhere.
        headers={"X-Request-ID": request_id_of(request), "X-Content-Type-Options": "nosniff", **(headers or {})},
    )


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    body = error_body(request, code=exc.code, message_zh=exc.text("zh"), message_en=exc.text("en"), details=exc.details)
    return _respond(request, exc.status, body)


def handle_storage_error(request: Request[Any, Any, Any], exc: StorageError) -> Response[Any]:
    code = f"storage_{exc.code}"
    status = _storage_status(exc)
    if status >= 500:
        log.error("storage failure", exc_info=exc)
    _, zh, en = _STATUS_MESSAGES.get(status, ("", "存储服务出错", "Storage error"))
    body = error_body(request, code=code, message_zh=f"{zh}: {exc}", message_en=f"{en}: {exc}")
    return _respond(request, status, body)


def _pdf_status(exc: PdfError) -> int:
    # Errors about what the client sent are 4xx; signing or time-stamping failures are ours.
    for cls, status in (
        (PdfTooLargeError, 413),
        (NotAPdfError, 400),
        (MalformedPdfError, 400),
        (EncryptedPdfError, 400),
        (RemoteStateError, 400),
        (RemoteSignatureInvalidError, 400),
        (SignerCertificateError, 400),
    ):
        if isinstance(exc, cls):
            return status
    return 500


def handle_pdf_error(request: Request[Any, Any, Any], exc: PdfError) -> Response[Any]:
    status = _pdf_status(exc)
    if status >= 500:
        return handle_unexpected(request, exc)
    body = error_body(
        request, code=exc.code, message_zh=f"PDF 文件无法处理：{exc.message}", message_en=f"PDF rejected: {exc.message}"
    )
    return _respond(request, status, body)


# What the edge types' patterns (bidding.core.fields) mean, instead of the pattern itself.
_PATTERN_MEANINGS: tuple[tuple[str, str], ...] = (
    (NAME_PATTERN, "must be one line without control characters or bidirectional formatting characters"),
    (LINE_PATTERN, "must be one line without control characters"),
    (TEXT_PATTERN, "must not contain control characters other than tab and line breaks"),
)
_FIELD_MESSAGE = re.compile(r"^`(\w+)`: (.*)$", re.DOTALL)


def _detail(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One validation detail as clients read it: the key names the field itself (a check of a whole
    body, :class:`bidding.core.fields.Body`, says which field it refused), and a pattern is said in words."""
    detail = dict(raw)
    message = str(detail.get("message", ""))
    if found := _FIELD_MESSAGE.match(message):
        key = str(detail.get("key", ""))
        field = found.group(1)
        detail["key"] = field if key in ("", "data") else f"{key}.{field}"
        detail["message"] = message = found.group(2)
    if "matching regex" in message:
        for pattern, meaning in _PATTERN_MEANINGS:
            if repr(pattern) in message:
                detail["message"] = meaning
                break
    return detail


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= 500:
        return handle_unexpected(request, exc)
    code, zh, en = _STATUS_MESSAGES.get(status, ("client_error", "请求有误", "Client error"))
    details: list[Mapping[str, Any]] = []
    if isinstance(exc, ValidationException):
        code, zh, en = "validation_failed", "请求数据校验失败", "Request validation failed"
    extra = exc.extra
    if isinstance(extra, list):
        details = [_detail(e) if isinstance(e, Mapping) else {"message": str(e)} for e in extra]
    elif isinstance(extra, Mapping):
        details = [_detail(extra)]
    # Litestar's default detail is the status phrase, which our message already says.
    detail = exc.detail if exc.detail and exc.detail.lower() != HTTPStatus(status).phrase.lower() else None
    if detail:
        zh, en = f"{zh}: {detail}", f"{en}: {detail}"
    body = error_body(request, code=code, message_zh=zh, message_en=en, details=details)
    return _respond(request, status, body, exc.headers)


def handle_integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    # A unique or check constraint refused the write: the client's data conflicts, nothing was written.
    log.info("constraint refused a write", extra={"error": str(exc.orig)})
    code, zh, en = _STATUS_MESSAGES[409]
    return _respond(request, 409, error_body(request, code=code, message_zh=zh, message_en=en))


def handle_busy(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database is saturated (pool exhausted, SQLite busy): say so and when to retry, not a bare 500."""
    if isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower():
        return handle_unexpected(request, exc)
    log.warning("database busy", extra={"path": request.url.path, "error": type(exc).__name__})
    body = error_body(
        request,
        code="service_busy",
        message_zh="服务繁忙，请稍后重试（上传可从中断处继续）",
        message_en="The service is busy; retry shortly (uploads resume where they stopped)",
    )
    return _respond(request, 503, body, {"Retry-After": "1"})


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error", exc_info=exc, extra={"path": request.url.path})
    status = exc.status_code if isinstance(exc, HTTPException) and exc.status_code >= 500 else 500
    if status == 503:
        code, zh, en = _STATUS_MESSAGES[503]
    else:
        code, zh, en = (
            "internal_error",
            "服务器内部错误，请提供请求编号联系技术支持",
            "Internal error: quote the request id to support",
        )
    return _respond(request, status, error_body(request, code=code, message_zh=zh, message_en=en))


EXCEPTION_HANDLERS: Mapping[Any, Any] = {
    DomainError: handle_domain_error,
    StorageError: handle_storage_error,
    PdfError: handle_pdf_error,
    HTTPException: handle_http_exception,
    IntegrityError: handle_integrity_error,
    PoolTimeout: handle_busy,
    OperationalError: handle_busy,
    Exception: handle_unexpected,
}
