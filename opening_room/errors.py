"""The room's own refusals; every other one is a :class:`bidding.core.errors.DomainError` of the platform
(``forbidden``, ``invalid_input``, ``not_found``)."""

from __future__ import annotations

from bidding.core.errors import Conflict

__all__ = ["CommandRefused", "RecordChanged"]


class CommandRefused(Conflict):
    """Not possible in the session's state (or not yet: the record is still being signed)."""

    code = "command_refused"
    message_zh = "当前不能执行该操作"
    message_en = "This command is not possible now"


class RecordChanged(CommandRefused):
    """The record was signed by another bidder after this one prepared: prepare again."""

    code = "record_changed"
    message_zh = "开标记录已更新，请重新获取待签数据"
    message_en = "The record changed: prepare the signature again"
