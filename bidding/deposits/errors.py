"""Errors of the deposit service (issue 18, ``docs/deposits.md``): one subclass per cause.

Each has a stable ``code``, the HTTP ``status`` it maps to and a message in Chinese and English
(:class:`bidding.core.errors.DomainError`). Parsers say *where* the problem is: the detail names the
entry (1-based, as a finance officer counts them in the bank's file) and the field, and
``details`` carries the same as data (``{"entry": 3, "field": "Amt"}``) for the API to return.
"""

from __future__ import annotations

from typing import Any

from bidding.core.errors import DomainError

__all__ = [
    "AmountInvalid",
    "CurrencyRefused",
    "DepositError",
    "FieldInvalid",
    "FieldMissing",
    "FormatUnknown",
    "PaymentReportInvalid",
    "PostingUnbalanced",
    "RateTableInvalid",
    "RequirementRefused",
    "StatementInvalid",
    "UnsafeXml",
    "VirtualAccountInvalid",
    "at",
]


def at(entry: int | None, field: str | None, **more: Any) -> dict[str, Any]:
    """The machine-readable place of a problem: ``{"entry": 3, "field": "Amt"}`` (None left out)."""
    place: dict[str, Any] = {}
    if entry is not None:
        place["entry"] = entry
    if field is not None:
        place["field"] = field
    place.update(more)
    return place


class DepositError(DomainError):
    """Base class for every error of ``bidding.deposits``."""

    code = "deposit_error"
    status = 400
    message_zh = "保证金处理有误"
    message_en = "Deposit processing failed"


# --- bank statements (camt.053 / camt.052 / CSV) and bank reports (pain.002) ---


class StatementInvalid(DepositError):
    """A bank statement file cannot be read: not well-formed, wrong structure, bad value (400: a
    malformed request body, with the entry and the field in ``details``)."""

    code = "statement_invalid"
    status = 400
    message_zh = "银行对账单无法读取"
    message_en = "The bank statement cannot be read"


class FormatUnknown(StatementInvalid):
    """The bytes are none of the formats the registry knows (camt.053, camt.052, the CSV layout)."""

    code = "statement_format_unknown"
    message_zh = "无法识别的对账单格式"
    message_en = "Unknown bank statement format"


class UnsafeXml(StatementInvalid):
    """The XML has a DOCTYPE or entity declarations (XXE, "billion laughs"): refused unread."""

    code = "statement_unsafe_xml"
    message_zh = "对账单含有不允许的 DOCTYPE 或实体声明"
    message_en = "The statement declares a DOCTYPE or entities, which are refused"


class FieldMissing(StatementInvalid):
    """A required field of a statement or of one of its entries is absent or empty."""

    code = "statement_field_missing"
    message_zh = "对账单缺少必填项"
    message_en = "A required field of the statement is missing"


class FieldInvalid(StatementInvalid):
    """A field is present but its value is not one the format allows (date, code, flag)."""

    code = "statement_field_invalid"
    message_zh = "对账单字段取值有误"
    message_en = "A field of the statement has an invalid value"


class AmountInvalid(FieldInvalid):
    """An amount is not a non-negative decimal with at most two decimals (whole fen)."""

    code = "statement_amount_invalid"
    message_zh = "金额格式有误（须为非负数，至多两位小数）"
    message_en = "Invalid amount (non-negative, at most two decimals)"


class CurrencyRefused(FieldInvalid):
    """An amount or account is in a currency the import is not configured for (CNY by default)."""

    code = "statement_currency_refused"
    message_zh = "币种不受支持"
    message_en = "Currency not accepted"


class PaymentReportInvalid(DepositError):
    """A bank's payment status report (pain.002) cannot be read."""

    code = "payment_report_invalid"
    status = 422
    message_zh = "银行回执无法读取"
    message_en = "The bank's payment status report cannot be read"


# --- rules ---


class RequirementRefused(DepositError):
    """A lot's deposit requirement breaks a rule (条例 26, 政采条例 33, caps, forms); one detail per rule."""

    code = "deposit_requirement_refused"
    status = 422
    message_zh = "保证金要求不符合规定"
    message_en = "The deposit requirement breaks the rules"


class VirtualAccountInvalid(DepositError):
    """A virtual sub-account number or its parts are malformed."""

    code = "virtual_account_invalid"
    message_zh = "虚拟子账号有误"
    message_en = "Invalid virtual sub-account number"


class RateTableInvalid(DepositError):
    """An interest rate table is empty, unsorted, negative, or does not cover the period asked for."""

    code = "rate_table_invalid"
    status = 422
    message_zh = "利率表有误或未覆盖计息期间"
    message_en = "The rate table is invalid or does not cover the period"


class PostingUnbalanced(DepositError):
    """A ledger posting whose legs do not sum to zero, or with fewer than two legs.

    Never the user's fault: code built a wrong posting. Status 500 so that it is never shown as a
    validation problem.
    """

    code = "posting_unbalanced"
    status = 500
    message_zh = "记账分录借贷不平"
    message_en = "Ledger posting does not balance"
