"""Domain errors with a machine code and a message in Chinese and English.

Domain code raises these; the HTTP layer turns them into the platform's JSON error format and
the CLI prints them. ``status`` is the HTTP status the error maps to, kept here so that the
mapping lives next to the meaning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class DomainError(Exception):
    """Base class: a client-visible problem with a stable ``code``."""

    code: ClassVar[str] = "bad_request"
    status: ClassVar[int] = 400
    message_zh: ClassVar[str] = "请求有误"
    message_en: ClassVar[str] = "The request is not valid"

    def __init__(
        self,
        detail_en: str | None = None,
        detail_zh: str | None = None,
        *,
        details: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        self.detail_en = detail_en
        self.detail_zh = detail_zh or detail_en
        self.details = list(details or [])
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        base, detail = (self.message_zh, self.detail_zh) if lang == "zh" else (self.message_en, self.detail_en)
        return f"{base}: {detail}" if detail else base


class InvalidInput(DomainError):
    code = "invalid_input"
    message_zh = "输入有误"
    message_en = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    message_zh = "未找到"
    message_en = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message_zh = "与现有数据冲突"
    message_en = "Conflicts with existing data"


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    status = 401
    message_zh = "需要登录"
    message_en = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    message_zh = "无权执行此操作"
    message_en = "You may not do this"


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status = 503
    message_zh = "服务暂不可用"
    message_en = "Service temporarily unavailable"


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415
    message_zh = "请求的内容类型不受支持"
    message_en = "Unsupported content type"
