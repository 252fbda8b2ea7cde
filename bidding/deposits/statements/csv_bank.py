"""The CSV statement of Chinese online banking (网银交易明细导出) → entries.

Chinese banks' online banking exports an account's transactions as CSV (or as Excel saved as
CSV) in UTF-8 with a byte-order mark or in GBK. Each bank names its columns slightly differently;
this adapter reads one documented layout, with the common aliases, and a bank whose export differs
gets its own adapter next to this one.

Layout::

    账号：6222020200012345678          ← preamble, optional: 键：值 in one cell, or 键,值
    户名：某市公共资源交易中心
    币种：人民币
    对账单号：CSV-20240501                ← statement id (else a digest of the bytes)
    序号：12                              ← ElctrncSeqNb equivalent (gap checks), optional
    期初余额：1,000.00
    期末余额：2,234.56
                                          ← blank lines are skipped
    交易日期,交易时间,起息日,借方发生额,贷方发生额,余额,币种,对方户名,对方账号,对方开户行,子账号,摘要,附言,交易流水号,业务参考号,冲正标志,原交易流水号
    2024-05-01,10:15:02,2024-05-01,,1234.56,2234.56,CNY,某建设有限公司,1100…,…,6222…00012345678901,转账,投标保证金,B0001,,N,

=============  =============================================  ===================================
column         aliases                                        becomes
=============  =============================================  ===================================
交易日期       记账日期                                        ``booking_date`` (required)
交易时间       —                                               ``booked_at`` with the date (+08:00)
起息日         —                                               ``value_date`` (else 交易日期)
借方发生额     借方金额, 支出金额                              a debit (money out)
贷方发生额     贷方金额, 收入金额                              a credit (money in)
余额           账户余额                                        opening/closing balance when the
                                                               preamble has none (rows in time order)
币种           —                                               ``currency`` (人民币/RMB/CNY → CNY)
对方户名       对方名称, 对方账户名称                          ``counterparty_name``
对方账号       对方帐号, 对方账户                              ``counterparty_account``
子账号         虚拟账号, 收款子账号                            ``addressed_account``
摘要, 附言     用途, 备注                                      ``remittance`` (joined)
交易流水号     流水号, 银行流水号                              ``bank_ref`` (required)
业务参考号     客户业务编号, 客户参考号                        ``end_to_end_id``
冲正标志       冲补标志                                        ``reversal`` (Y/N, 是/否, 1/0, 冲正)
原交易流水号   —                                               ``reversal_of``
账号           本方账号                                        ``account`` (if not in the preamble)
=============  =============================================  ===================================

Exactly one of 借方发生额 and 贷方发生额 is non-zero on a row. Amounts may have thousands
separators and at most two decimals. Every row is a booked entry (an export lists only booked
transactions). Errors name the row (1-based among the transaction rows) and the column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Final

import msgspec

from bidding.deposits.amounts import fen_text, parse_fen
from bidding.deposits.entries import Direction, Entry, EntryStatus, Statement, StatementKind, normalise_account
from bidding.deposits.errors import (
    AmountInvalid,
    CurrencyRefused,
    FieldInvalid,
    FieldMissing,
    FormatUnknown,
    StatementInvalid,
    at,
)
from bidding.deposits.statements.camt import CHINA_TIME, DEFAULT_CURRENCIES

__all__ = ["COLUMNS", "decode", "looks_like_bank_csv", "parse_bank_csv", "write_bank_csv"]

#: Canonical column → its accepted spellings (the canonical one first).
COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "交易日期": ("交易日期", "记账日期"),
    "交易时间": ("交易时间",),
    "起息日": ("起息日",),
    "借方发生额": ("借方发生额", "借方金额", "支出金额"),
    "贷方发生额": ("贷方发生额", "贷方金额", "收入金额"),
    "余额": ("余额", "账户余额"),
    "币种": ("币种",),
    "对方户名": ("对方户名", "对方名称", "对方账户名称"),
    "对方账号": ("对方账号", "对方帐号", "对方账户"),
    "对方开户行": ("对方开户行",),
    "子账号": ("子账号", "虚拟账号", "收款子账号"),
    "摘要": ("摘要", "用途"),
    "附言": ("附言", "备注"),
    "交易流水号": ("交易流水号", "流水号", "银行流水号"),
    "业务参考号": ("业务参考号", "客户业务编号", "客户参考号"),
    "冲正标志": ("冲正标志", "冲补标志"),
    "原交易流水号": ("原交易流水号",),
    "账号": ("账号", "本方账号"),
}
_REQUIRED: Final = ("交易日期", "借方发生额", "贷方发生额", "交易流水号")
_ALIAS: Final = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_PREAMBLE: Final = {
    "账号": "account",
    "帐号": "account",
    "户名": "name",
    "币种": "currency",
    "对账单号": "id",
    "账单编号": "id",
    "序号": "sequence",
    "期初余额": "opening",
    "期末余额": "closing",
}
_CURRENCY: Final = {"CNY": "CNY", "RMB": "CNY", "人民币": "CNY", "人民币元": "CNY"}
_FLAG: Final = {
    "": False,
    "N": False,
    "否": False,
    "0": False,
    "正常": False,
    "Y": True,
    "是": True,
    "1": True,
    "冲正": True,
}
_DATE: Final = re.compile(r"(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})")
_TIME: Final = re.compile(r"(\d{1,2}):?(\d{2}):?(\d{2})")
_KEY_VALUE: Final = re.compile(r"\s*([^:：]+?)\s*[:：]\s*(.*)")
_SNIFF_BYTES: Final = 4096


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM, else GBK (read as GB 18030, its superset)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise FormatUnknown("the file is neither UTF-8 nor GBK text") from None


def looks_like_bank_csv(data: bytes) -> bool:
    """Whether the start of ``data`` has this layout's header (交易日期 … 交易流水号)."""
    head = data[:_SNIFF_BYTES]
    for encoding in ("utf-8", "gb18030"):
        text = head.decode(encoding, errors="ignore")
        if any(a in text for a in COLUMNS["交易日期"]) and any(a in text for a in COLUMNS["交易流水号"]):
            return True
    return False


def _cell(row: Sequence[str], column: int | None) -> str:
    if column is None or column >= len(row):
        return ""
    return row[column].strip()


def _date(text: str, row: int, column: str) -> date:
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise FieldInvalid(f"row {row}: {column} {text!r} is not a date", details=[at(row, column)]) from None


def _time(text: str, row: int) -> time:
    match = _TIME.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return time(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise FieldInvalid(f"row {row}: 交易时间 {text!r} is not a time", details=[at(row, "交易时间")]) from None


def _amount(text: str, row: int | None, column: str) -> int:
    """A signed amount (a balance may be negative); empty and ``-`` mean 0."""
    if text in ("", "-"):
        return 0
    negative = text.startswith("-")
    try:
        fen = parse_fen(text[1:] if negative else text, separators=True)
    except ValueError as exc:
        where = f"row {row}: " if row is not None else ""
        raise AmountInvalid(f"{where}{column} {exc}", details=[at(row, column, value=text)]) from None
    return -fen if negative else fen


def _currency(text: str, currencies: frozenset[str], row: int | None) -> str:
    code = _CURRENCY.get(text.upper() if text.isascii() else text, text.upper())
    if code not in currencies:
        raise CurrencyRefused(f"currency {text!r} is not accepted", details=[at(row, "币种")])
    return code


def parse_bank_csv(data: bytes, *, currencies: Iterable[str] = DEFAULT_CURRENCIES) -> tuple[Statement, ...]:
    """The one statement of an online-banking CSV export (a tuple, like the other adapters)."""
    accepted = frozenset(currencies)
    try:
        # newline="": the csv module reads \r\n, \n and a bare \r as it should (a \r inside a
        # field is the file's problem, said as such, not an error of ours).
        rows = list(csv.reader(io.StringIO(decode(data), newline="")))
    except csv.Error as exc:
        raise StatementInvalid(f"the CSV cannot be read: {exc}") from None
    preamble: dict[str, str] = {}
    header_at = None
    for number, row in enumerate(rows):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        names = {_ALIAS.get(c) for c in cells}
        if all(required in names for required in _REQUIRED):
            header_at = number
            break
        match = _KEY_VALUE.fullmatch(cells[0])
        key, value = (match.group(1), match.group(2)) if match else (cells[0], cells[1] if len(cells) > 1 else "")
        if key in _PREAMBLE:
            preamble[_PREAMBLE[key]] = value.strip() or (cells[1] if len(cells) > 1 and match else "")
    if header_at is None:
        raise FormatUnknown(f"no header row with the columns {', '.join(_REQUIRED)}")
    columns: dict[str, int] = {}
    for index, name in enumerate(rows[header_at]):
        canonical = _ALIAS.get(name.strip())
        if canonical is not None and canonical not in columns:
            columns[canonical] = index

    statement_currency = _currency(preamble["currency"], accepted, None) if preamble.get("currency") else "CNY"
    account = normalise_account(preamble.get("account", ""))
    statement_id = preamble.get("id") or "csv-" + hashlib.sha256(data).hexdigest()[:16]
    sequence_text = preamble.get("sequence")
    try:
        sequence = int(sequence_text) if sequence_text else None
    except ValueError:
        raise FieldInvalid(f"序号 {sequence_text!r} is not a number", details=[at(None, "序号")]) from None

    entries: list[Entry] = []
    balances: list[tuple[int, int]] = []  # (balance after the row, the row's signed amount)
    for row in rows[header_at + 1 :]:
        if not any(c.strip() for c in row):
            continue
        number = len(entries) + 1

        def cell(name: str, row: Sequence[str] = row) -> str:
            return _cell(row, columns.get(name))

        row_account = normalise_account(cell("账号"))
        if row_account and account and row_account != account:
            raise FieldInvalid(
                f"row {number}: 账号 {row_account} differs from the statement's {account}", details=[at(number, "账号")]
            )
        account = account or row_account
        day_text = cell("交易日期")
        if not day_text:
            raise FieldMissing(f"row {number}: 交易日期 is empty", details=[at(number, "交易日期")])
        booking_date = _date(day_text, number, "交易日期")
        value_text = cell("起息日")
        value_date = _date(value_text, number, "起息日") if value_text else booking_date
        time_text = cell("交易时间")
        booked_at = datetime.combine(booking_date, _time(time_text, number), CHINA_TIME) if time_text else None
        debit, credit = (
            _amount(cell("借方发生额"), number, "借方发生额"),
            _amount(cell("贷方发生额"), number, "贷方发生额"),
        )
        if debit < 0 or credit < 0:
            raise AmountInvalid(f"row {number}: amounts must not be negative", details=[at(number, "借方发生额")])
        if (debit == 0) == (credit == 0):
            raise FieldInvalid(
                f"row {number}: exactly one of 借方发生额 and 贷方发生额 must be set",
                details=[at(number, "贷方发生额")],
            )
        direction = Direction.CREDIT if credit else Direction.DEBIT
        amount = credit or debit
        currency = _currency(cell("币种"), accepted, number) if cell("币种") else statement_currency
        bank_ref = cell("交易流水号")
        if not bank_ref:
            raise FieldMissing(f"row {number}: 交易流水号 is empty", details=[at(number, "交易流水号")])
        flag = cell("冲正标志")
        if flag.upper() not in _FLAG and flag not in _FLAG:
            raise FieldInvalid(f"row {number}: 冲正标志 {flag!r} is not Y/N", details=[at(number, "冲正标志")])
        reversal = _FLAG.get(flag.upper(), _FLAG.get(flag, False))
        balance = cell("余额")
        if balance:
            balances.append((_amount(balance, number, "余额"), amount if credit else -amount))
        entries.append(
            Entry(
                account=account,
                statement_id=statement_id,
                sequence=sequence,
                index=number,
                amount_fen=amount,
                currency=currency,
                direction=direction,
                reversal=reversal,
                status=EntryStatus.BOOKED,
                booking_date=booking_date,
                value_date=value_date,
                booked_at=booked_at,
                bank_ref=bank_ref,
                end_to_end_id=cell("业务参考号") or None,
                reversal_of=(cell("原交易流水号") or None) if reversal else None,
                counterparty_name=cell("对方户名") or None,
                counterparty_account=normalise_account(cell("对方账号")) or None,
                addressed_account=normalise_account(cell("子账号")) or None,
                remittance=" ".join(part for part in (cell("摘要"), cell("附言")) if part),
            )
        )
    if not account:
        raise FieldMissing("the account (账号) is in neither the preamble nor a column", details=[at(None, "账号")])
    if any(e.account != account for e in entries):  # rows read before the account was known
        entries = [msgspec.structs.replace(e, account=account) for e in entries]
    opening = _amount(preamble["opening"], None, "期初余额") if preamble.get("opening") else None
    closing = _amount(preamble["closing"], None, "期末余额") if preamble.get("closing") else None
    if balances:
        opening = balances[0][0] - balances[0][1] if opening is None else opening
        closing = balances[-1][0] if closing is None else closing
    return (
        Statement(
            account=account,
            statement_id=statement_id,
            sequence=sequence,
            kind=StatementKind.CSV,
            currency=statement_currency,
            opening_fen=opening,
            closing_fen=closing,
            entries=tuple(entries),
        ),
    )


_HEADER: Final = (
    "交易日期",
    "交易时间",
    "起息日",
    "借方发生额",
    "贷方发生额",
    "余额",
    "币种",
    "对方户名",
    "对方账号",
    "子账号",
    "摘要",
    "附言",
    "交易流水号",
    "业务参考号",
    "冲正标志",
    "原交易流水号",
)


def write_bank_csv(statement: Statement, *, encoding: str = "utf-8-sig") -> bytes:
    """``statement`` in this layout (for tests, the benchmark and demo data): ``utf-8-sig`` or ``gbk``.

    Only booked entries are written (an export has no others); the 余额 column is the running
    balance from ``opening_fen`` (0 when None).
    """
    if encoding not in ("utf-8-sig", "gbk", "gb18030"):
        raise ValueError(f"encoding {encoding!r}: write utf-8-sig or gbk")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"账号：{statement.account}"])
    writer.writerow([f"币种：{statement.currency}"])
    writer.writerow([f"对账单号：{statement.statement_id}"])
    if statement.sequence is not None:
        writer.writerow([f"序号：{statement.sequence}"])
    running = statement.opening_fen or 0
    if statement.opening_fen is not None:
        writer.writerow([f"期初余额：{_signed(statement.opening_fen)}"])
    if statement.closing_fen is not None:
        writer.writerow([f"期末余额：{_signed(statement.closing_fen)}"])
    writer.writerow([])
    writer.writerow(_HEADER)
    for entry in statement.entries:
        if entry.status is not EntryStatus.BOOKED:
            continue
        if not entry.bank_ref:
            raise ValueError(f"entry {entry.index}: the CSV layout needs a 交易流水号 (bank_ref)")
        running += entry.signed_fen
        credit = entry.direction is Direction.CREDIT
        remark, _, postscript = entry.remittance.partition(" ")
        writer.writerow(
            [
                entry.booking_date.isoformat() if entry.booking_date else entry.value_date.isoformat(),
                entry.booked_at.astimezone(CHINA_TIME).strftime("%H:%M:%S") if entry.booked_at else "",
                entry.value_date.isoformat(),
                "" if credit else fen_text(entry.amount_fen),
                fen_text(entry.amount_fen) if credit else "",
                _signed(running),
                entry.currency,
                entry.counterparty_name or "",
                entry.counterparty_account or "",
                entry.addressed_account or "",
                remark,
                postscript,
                entry.bank_ref,
                entry.end_to_end_id or "",
                "Y" if entry.reversal else "N",
                entry.reversal_of or "",
            ]
        )
    return out.getvalue().encode(encoding)


def _signed(fen: int) -> str:
    return ("-" if fen < 0 else "") + fen_text(abs(fen))
