"""ISO 20022 camt.053 (BankToCustomerStatement) and camt.052 (BankToCustomerAccountReport) → entries.

Any version of either message is read (001.02 … 001.08 and later): elements are matched by local
name within the document's own namespace, and the two places where versions differ are handled
(``Sts`` is a bare code up to 001.06 and ``Sts/Cd`` from 001.07; a related party is ``Dbtr/Nm`` up
to 001.07 and ``Dbtr/Pty/Nm`` from 001.08). The file is streamed (``iterparse``), so its size only
costs time.

What is read, per statement (``Stmt`` / ``Rpt``): ``Id``, ``ElctrncSeqNb``, ``CreDtTm``, the account
(``Acct/Id/IBAN`` or ``Acct/Id/Othr/Id``), ``Acct/Ccy``, the balances ``OPBD``/``PRCD`` (opening),
``CLBD`` (closing; a report's ``ITBD`` when it has no ``CLBD``). Per entry (``Ntry``): see
:mod:`bidding.deposits.entries`. An entry with several ``TxDtls`` (a batch booking) keeps the
amount but no payer or end-to-end id: it cannot be matched to one bidder and goes to the unmatched
queue for the finance officer.

Refused, with the statement, entry (1-based) and field named: a missing ``Amt``, ``CdtDbtInd``,
``Sts`` or account; an amount with more than two decimals or a sign; a currency not in
``currencies`` (CNY only by default); a booked entry with neither ``AcctSvcrRef`` nor
``EndToEndId`` (it could not be booked exactly once); dates that are not ISO 8601.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

from bidding.core.clock import CHINA_TIME  # bank date-times without an offset are China time
from bidding.deposits.amounts import parse_fen
from bidding.deposits.entries import (
    NOT_PROVIDED,
    Direction,
    Entry,
    EntryStatus,
    Statement,
    StatementKind,
    normalise_account,
)
from bidding.deposits.errors import (
    AmountInvalid,
    CurrencyRefused,
    FieldInvalid,
    FieldMissing,
    FormatUnknown,
    StatementInvalid,
    at,
)
from bidding.deposits.statements.xml import iter_elements, local_name, namespace_of

__all__ = ["CHINA_TIME", "DEFAULT_CURRENCIES", "MESSAGES", "parse_camt"]

DEFAULT_CURRENCIES: Final = frozenset({"CNY"})
#: Message element → (statement element, kind, namespace prefix of its versions).
MESSAGES: Final = {
    "BkToCstmrStmt": ("Stmt", StatementKind.CAMT053, "urn:iso:std:iso:20022:tech:xsd:camt.053."),
    "BkToCstmrAcctRpt": ("Rpt", StatementKind.CAMT052, "urn:iso:std:iso:20022:tech:xsd:camt.052."),
}
_KIND_MESSAGE: Final = {kind: message for message, (_, kind, _) in MESSAGES.items()}
_STEP: Final = re.compile(r"(?:\{[^}]*\})?[^/{]+")
_TRUE: Final = {"true": True, "1": True, "false": False, "0": False}


class _Header:
    """The statement-level fields, read once from the ``Stmt``/``Rpt`` element."""

    __slots__ = ("account", "closing", "created", "currency", "day", "id", "opening", "sequence")

    def __init__(self, element: Any, ns: str, kind: StatementKind, currencies: frozenset[str]) -> None:
        identifier = _text(element, f"{ns}Id")
        if identifier is None:
            raise FieldMissing("a statement has no Id", details=[at(None, "Id")])
        self.id = identifier
        where = f"statement {self.id}"
        sequence = _text(element, f"{ns}ElctrncSeqNb")
        try:
            self.sequence = int(sequence) if sequence is not None else None
        except ValueError:
            raise FieldInvalid(
                f"{where}: ElctrncSeqNb {sequence!r} is not a number", details=[at(None, "ElctrncSeqNb")]
            ) from None
        created = _text(element, f"{ns}CreDtTm")
        self.created = _datetime(created, where, None, "CreDtTm") if created else None
        #: The day an entry without any date is given (a pending entry in an intraday report).
        self.day = self.created.astimezone(CHINA_TIME).date() if self.created else None
        account = _account(element, f"{ns}Acct", ns)
        if not account:
            raise FieldMissing(f"{where}: Acct/Id is missing", details=[at(None, "Acct/Id", statement=self.id)])
        self.account = account
        currency = _text(element, f"{ns}Acct/{ns}Ccy")
        if currency is not None and currency not in currencies:
            raise CurrencyRefused(
                f"{where}: account currency {currency} is not accepted", details=[at(None, "Acct/Ccy")]
            )
        self.currency = currency or "CNY"
        self.opening: int | None = None
        self.closing: int | None = None
        balances: dict[str, int] = {}
        for index, balance in enumerate(element.iterchildren(f"{ns}Bal"), 1):
            code = _text(balance, f"{ns}Tp/{ns}CdOrPrtry/{ns}Cd") or _text(balance, f"{ns}Tp/{ns}CdOrPrtry/{ns}Prtry")
            amount = _amount(balance, ns, f"{where}, balance {index}", None, currencies)
            sign = _direction(balance, ns, f"{where}, balance {index}", None)
            if code:
                balances.setdefault(code, amount if sign is Direction.CREDIT else -amount)
        self.opening = balances.get("OPBD", balances.get("PRCD"))
        self.closing = balances.get("CLBD")
        if self.closing is None and kind is StatementKind.CAMT052:
            self.closing = balances.get("ITBD")


@functools.lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[str, ...]:
    """``{ns}A/{ns}B`` → ``("{ns}A", "{ns}B")`` (a namespace may itself contain slashes)."""
    return tuple(_STEP.findall(path))


class _View:
    """An entry's elements by their qualified path, indexed in one walk over the ``Ntry``.

    lxml's ``find`` with a path runs its Python ElementPath for every call; one walk over the
    entry's ~25 elements and dictionary look-ups afterwards cost a fraction of that. ``prefix``
    makes a view of a sub-element (a ``TxDtls``) out of the same index.
    """

    __slots__ = ("index", "prefix", "root")

    def __init__(self, root: Any, index: dict[str, Any] | None = None, prefix: str = "") -> None:
        self.root = root
        self.prefix = prefix
        if index is None:
            index = {}
            _walk(root, "", index)
        self.index = index

    def sub(self, path: str) -> _View | None:
        element = self.index.get(self.prefix + path)
        return None if element is None else _View(element, self.index, self.prefix + path + "/")


def _walk(element: Any, prefix: str, index: dict[str, Any]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        key = prefix + tag
        if key not in index:  # the first of repeated elements, as find() would
            index[key] = child
            if len(child):
                _walk(child, key + "/", index)


def _find(element: Any, path: str) -> Any:
    """The first element at ``path`` (qualified tags joined by ``/``), or None.

    On a :class:`_View` a dictionary look-up; on an element a walk with ``iterchildren(tag)``,
    which lxml filters in C.
    """
    if isinstance(element, _View):
        return element.index.get(element.prefix + path)
    for tag in _steps(path):
        for child in element.iterchildren(tag):
            element = child
            break
        else:
            return None
    return element


def _findall(element: Any, path: str) -> list[Any]:
    """Every element at ``path`` under the first element of its parent path."""
    steps = _steps(path)
    parent = element if len(steps) == 1 else _find(element, "/".join(steps[:-1]))
    if isinstance(parent, _View):
        parent = parent.root
    return [] if parent is None else list(parent.iterchildren(steps[-1]))


def _text(element: Any, path: str) -> str | None:
    """The stripped text at ``path``, or None when absent or empty."""
    found = _find(element, path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _account(element: Any, path: str, ns: str) -> str | None:
    """``…/Id/IBAN`` or ``…/Id/Othr/Id``, normalised."""
    number = _text(element, f"{path}/{ns}Id/{ns}IBAN") or _text(element, f"{path}/{ns}Id/{ns}Othr/{ns}Id")
    return normalise_account(number) if number else None


def _party(element: Any, path: str, ns: str) -> str | None:
    """A party's name: ``Nm`` directly (up to 001.07) or ``Pty/Nm`` (001.08 and later)."""
    return _text(element, f"{path}/{ns}Nm") or _text(element, f"{path}/{ns}Pty/{ns}Nm")


def _amount(element: Any, ns: str, where: str, entry: int | None, currencies: frozenset[str]) -> int:
    amount = _find(element, f"{ns}Amt")
    if amount is None or not (amount.text or "").strip():
        raise FieldMissing(f"{where}: Amt is missing", details=[at(entry, "Amt")])
    currency = amount.get("Ccy")
    if currency is None:
        raise FieldMissing(f"{where}: Amt/@Ccy is missing", details=[at(entry, "Amt/@Ccy")])
    if currency not in currencies:
        raise CurrencyRefused(
            f"{where}: currency {currency} is not accepted (accepted: {', '.join(sorted(currencies))})",
            details=[at(entry, "Amt/@Ccy", currency=currency)],
        )
    try:
        return parse_fen(amount.text)
    except ValueError as exc:
        raise AmountInvalid(f"{where}: Amt {exc}", details=[at(entry, "Amt", value=amount.text)]) from None


def _direction(element: Any, ns: str, where: str, entry: int | None) -> Direction:
    code = _text(element, f"{ns}CdtDbtInd")
    if code is None:
        raise FieldMissing(f"{where}: CdtDbtInd is missing", details=[at(entry, "CdtDbtInd")])
    try:
        return Direction(code)
    except ValueError:
        raise FieldInvalid(
            f"{where}: CdtDbtInd {code!r} is neither CRDT nor DBIT", details=[at(entry, "CdtDbtInd")]
        ) from None


def _date(text: str, where: str, entry: int | None, field: str) -> date:
    try:
        # xs:date may carry an offset (2024-05-01+08:00): the calendar day is what counts.
        return date.fromisoformat(text[:10]) if len(text) in (10, 11, 16) else date.fromisoformat(text)
    except ValueError:
        raise FieldInvalid(f"{where}: {field} {text!r} is not a date", details=[at(entry, field)]) from None


def _datetime(text: str, where: str, entry: int | None, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FieldInvalid(f"{where}: {field} {text!r} is not a date-time", details=[at(entry, field)]) from None
    return value if value.tzinfo else value.replace(tzinfo=CHINA_TIME)


def _when(element: Any, ns: str, name: str, where: str, entry: int) -> tuple[date | None, datetime | None]:
    """``BookgDt``/``ValDt``: (``Dt`` or the day of ``DtTm``, ``DtTm`` if given)."""
    day = _text(element, f"{ns}{name}/{ns}Dt")
    if day is not None:
        return _date(day, where, entry, f"{name}/Dt"), None
    stamp = _text(element, f"{ns}{name}/{ns}DtTm")
    if stamp is not None:
        moment = _datetime(stamp, where, entry, f"{name}/DtTm")
        return moment.astimezone(CHINA_TIME).date(), moment
    return None, None


def _status(element: Any, ns: str, where: str, entry: int) -> EntryStatus:
    code = _text(element, f"{ns}Sts") or _text(element, f"{ns}Sts/{ns}Cd") or _text(element, f"{ns}Sts/{ns}Prtry")
    if code is None:
        raise FieldMissing(f"{where}: Sts is missing", details=[at(entry, "Sts")])
    try:
        return EntryStatus(code)
    except ValueError:
        raise FieldInvalid(f"{where}: Sts {code!r} is not BOOK, PDNG or INFO", details=[at(entry, "Sts")]) from None


def _entry(element: Any, ns: str, header: _Header, index: int, currencies: frozenset[str]) -> Entry:
    where = f"statement {header.id}, entry {index}"
    element = _View(element)
    amount = _amount(element, ns, where, index, currencies)
    currency = _find(element, f"{ns}Amt").get("Ccy")
    direction = _direction(element, ns, where, index)
    reversal_text = _text(element, f"{ns}RvslInd")
    reversal = False
    if reversal_text is not None:
        if reversal_text not in _TRUE:
            raise FieldInvalid(
                f"{where}: RvslInd {reversal_text!r} is not true or false", details=[at(index, "RvslInd")]
            )
        reversal = _TRUE[reversal_text]
    status = _status(element, ns, where, index)
    booking_date, booked_at = _when(element, ns, "BookgDt", where, index)
    value_date, value_at = _when(element, ns, "ValDt", where, index)
    value_date = value_date or booking_date or header.day
    if value_date is None:
        raise FieldMissing(f"{where}: ValDt and BookgDt are missing", details=[at(index, "ValDt")])
    bank_ref = _text(element, f"{ns}AcctSvcrRef")

    end_to_end = counterparty_name = counterparty_account = addressed = reversal_of = None
    remittance: list[str] = []
    transactions = _findall(element, f"{ns}NtryDtls/{ns}TxDtls")
    tx = element.sub(f"{ns}NtryDtls/{ns}TxDtls")
    if len(transactions) == 1 and tx is not None:
        end_to_end = _text(tx, f"{ns}Refs/{ns}EndToEndId")
        if end_to_end == NOT_PROVIDED:
            end_to_end = None
        tx_ref = _text(tx, f"{ns}Refs/{ns}AcctSvcrRef")
        if reversal and tx_ref and tx_ref != bank_ref:
            reversal_of = tx_ref
        parties = f"{ns}RltdPties/{ns}"
        if direction is Direction.CREDIT:
            counterparty_name = _party(tx, parties + "Dbtr", ns)
            counterparty_account = _account(tx, parties + "DbtrAcct", ns)
            addressed = _account(tx, parties + "CdtrAcct", ns)
        else:
            counterparty_name = _party(tx, parties + "Cdtr", ns)
            counterparty_account = _account(tx, parties + "CdtrAcct", ns)
        remittance = [text for line in _findall(tx, f"{ns}RmtInf/{ns}Ustrd") if (text := (line.text or "").strip())]
    elif len(transactions) > 1:
        remittance = [f"batch of {len(transactions)} transactions"]
    extra = _text(element, f"{ns}AddtlNtryInf")
    if extra and not remittance:
        remittance = [extra]
    if status is EntryStatus.BOOKED and not bank_ref and not end_to_end:
        raise FieldMissing(
            f"{where}: a booked entry needs AcctSvcrRef or EndToEndId to be booked exactly once",
            details=[at(index, "AcctSvcrRef")],
        )
    return Entry(
        account=header.account,
        statement_id=header.id,
        sequence=header.sequence,
        index=index,
        amount_fen=amount,
        currency=currency,
        direction=direction,
        reversal=reversal,
        status=status,
        booking_date=booking_date,
        value_date=value_date,
        booked_at=booked_at or value_at,
        bank_ref=bank_ref,
        end_to_end_id=end_to_end,
        reversal_of=reversal_of,
        counterparty_name=counterparty_name,
        counterparty_account=counterparty_account,
        addressed_account=addressed,
        remittance=" ".join(remittance),
    )


def _statement(
    element: Any, ns: str, kind: StatementKind, header: _Header | None, entries: list[Entry], currencies: frozenset[str]
) -> Statement:
    header = header or _Header(element, ns, kind, currencies)
    return Statement(
        account=header.account,
        statement_id=header.id,
        sequence=header.sequence,
        kind=kind,
        currency=header.currency,
        opening_fen=header.opening,
        closing_fen=header.closing,
        created_at=header.created,
        entries=tuple(entries),
    )


def parse_camt(
    data: bytes, *, kind: StatementKind | None = None, currencies: Iterable[str] = DEFAULT_CURRENCIES
) -> tuple[Statement, ...]:
    """Every statement (``Stmt``) of a camt.053, or every report (``Rpt``) of a camt.052.

    ``kind`` insists on one of the two messages (refusing the other); None takes either.
    """
    accepted = frozenset(currencies)
    statements: list[Statement] = []
    message: str | None = None
    ns = ""
    container = ""
    statement_kind: StatementKind | None = None
    current: Any = None
    header: _Header | None = None
    entries: list[Entry] = []
    for element in iter_elements(data, ("Ntry", "Stmt", "Rpt"), "the camt file"):
        if message is None:
            root = element.getroottree().getroot()
            message, ns, container, statement_kind = _check_root(root, kind)
        name = local_name(element.tag)
        if namespace_of(element.tag) != ns:
            continue  # an element of another vocabulary (SplmtryData): not ours to read
        if name == "Ntry":
            parent = element.getparent()
            if parent is None or local_name(parent.tag) != container:
                continue
            if parent is not current:
                current, header, entries = parent, _Header(parent, ns, statement_kind, accepted), []  # type: ignore[arg-type]
            assert header is not None
            entries.append(_entry(element, ns, header, len(entries) + 1, accepted))
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
        elif name == container:
            assert statement_kind is not None
            mine = element is current
            statements.append(
                _statement(element, ns, statement_kind, header if mine else None, entries if mine else [], accepted)
            )
            current, header, entries = None, None, []
            element.clear(keep_tail=False)
    if message is None:
        raise FormatUnknown(
            f"not a camt.053 or camt.052 document (no {'/'.join(m for m in MESSAGES)} with statements found)"
        )
    return tuple(statements)


def _check_root(root: Any, kind: StatementKind | None) -> tuple[str, str, str, StatementKind]:
    if local_name(root.tag) != "Document" or len(root) == 0:
        raise FormatUnknown("the root element is not an ISO 20022 Document")
    message = local_name(root[0].tag)
    if message not in MESSAGES:
        raise FormatUnknown(f"{message} is not BkToCstmrStmt (camt.053) or BkToCstmrAcctRpt (camt.052)")
    container, found, prefix = MESSAGES[message]
    ns = namespace_of(root[0].tag)
    if ns and not ns[1:].startswith(prefix):
        raise FormatUnknown(f"namespace {ns[1:-1]} is not one of {prefix}*")
    if kind is not None and kind is not found:
        raise StatementInvalid(f"expected {kind} ({_KIND_MESSAGE.get(kind)}), found {found} ({message})")
    return message, ns, container, found
