"""Bank statement adapters: one per format, behind one registry, all yielding the same entries.

``parse_statement(data, format)`` reads one statement; ``parse_statements`` reads a file that may
hold several (a camt.053 can carry one ``Stmt`` per account). With ``format=None`` the format is
sniffed from the bytes. A new format (a bank's direct connection, 银企直连) is one
:class:`Adapter` given to :func:`register`; nothing downstream changes.

Formats: ``camt.053`` (end-of-day statement), ``camt.052`` (intraday report), ``csv`` (the online
banking export of :mod:`.csv_bank`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from bidding.deposits.entries import Statement, StatementKind
from bidding.deposits.errors import FormatUnknown, StatementInvalid
from bidding.deposits.statements.camt import DEFAULT_CURRENCIES, MESSAGES, parse_camt
from bidding.deposits.statements.csv_bank import looks_like_bank_csv, parse_bank_csv

__all__ = ["ADAPTERS", "Adapter", "parse_statement", "parse_statements", "register", "sniff"]

Parser = Callable[[bytes, frozenset[str]], tuple[Statement, ...]]


@dataclass(frozen=True, slots=True)
class Adapter:
    """A statement format: its name, a cheap test on the first bytes, and its parser."""

    name: str
    sniff: Callable[[bytes], bool]
    parse: Parser


ADAPTERS: Final[dict[str, Adapter]] = {}


def register(adapter: Adapter) -> None:
    """Add a format; names are unique (registering one twice is a programming error)."""
    if adapter.name in ADAPTERS:
        raise ValueError(f"statement format {adapter.name} is already registered")
    ADAPTERS[adapter.name] = adapter


def _xml_message(data: bytes) -> str | None:
    """The camt message element name if the start of ``data`` looks like one (no full parse)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return None
    for message in MESSAGES:
        if b"<" + message.encode() in head or b":" + message.encode() in head:
            return message
    return None


def _camt(kind: StatementKind) -> Parser:
    def parse(data: bytes, currencies: frozenset[str]) -> tuple[Statement, ...]:
        return parse_camt(data, kind=kind, currencies=currencies)

    return parse


register(Adapter("camt.053", lambda data: _xml_message(data) == "BkToCstmrStmt", _camt(StatementKind.CAMT053)))
register(Adapter("camt.052", lambda data: _xml_message(data) == "BkToCstmrAcctRpt", _camt(StatementKind.CAMT052)))
register(Adapter("csv", looks_like_bank_csv, lambda data, currencies: parse_bank_csv(data, currencies=currencies)))


def sniff(data: bytes) -> str:
    """The name of the registered format ``data`` is in; :class:`FormatUnknown` if none claims it."""
    for adapter in ADAPTERS.values():
        if adapter.sniff(data):
            return adapter.name
    raise FormatUnknown("the file is not camt.053, camt.052 or a known CSV statement layout")


def parse_statements(
    data: bytes, format: str | None = None, *, currencies: Iterable[str] = DEFAULT_CURRENCIES
) -> tuple[Statement, ...]:
    """Every statement in ``data``, read by the adapter ``format`` (sniffed when None)."""
    name = format or sniff(data)
    adapter = ADAPTERS.get(name)
    if adapter is None:
        raise FormatUnknown(f"unknown statement format {name!r} (known: {', '.join(ADAPTERS)})")
    return adapter.parse(data, frozenset(currencies))


def parse_statement(
    data: bytes, format: str | None = None, *, currencies: Iterable[str] = DEFAULT_CURRENCIES
) -> Statement:
    """The one statement in ``data``; a file with none or several is refused (use ``parse_statements``)."""
    statements = parse_statements(data, format, currencies=currencies)
    if len(statements) != 1:
        raise StatementInvalid(f"expected one statement, the file has {len(statements)}")
    return statements[0]
