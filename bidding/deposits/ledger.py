"""The deposit ledger as a pure double-entry model: the reference the database ledger is tested against.

Integer fen, every posting balanced (a posting whose legs do not sum to zero cannot be
constructed), every bank entry booked exactly once by its booking key (RULES a, acceptance
check 1). Balances are kept signed, debit positive; :meth:`Ledger.balance` gives each account on
its natural side.

Accounts (:class:`AccountKind`):

==================  =========  ==========================================================
account             side       holds
==================  =========  ==========================================================
collection (per     debit      the money on the centre's bank account (收款账户): equals the
bank account)                  bank's closing balance once every statement is imported
sub_account (lot,   credit     one bidder's deposit for one lot (its virtual sub-account)
bidder)
unmatched           credit     money whose owner is unknown: no or bad suffix, a debit that
                               is no known refund, a reversal whose original was not seen
refunds_payable     credit     refunds decided (principal + interest), not yet paid out
interest_expense    debit      interest the centre pays on refunds (条例 57)
forfeits            credit     deposits kept under 条例 35/74
opening_balance     credit     what the bank account held before the ledger started
==================  =========  ==========================================================

Postings of bank entries:

* a credit: Dr collection / Cr sub-account (or unmatched);
* a debit: Dr refunds_payable (its EndToEndId is a refund id of that amount) or unmatched /
  Cr collection;
* a reversal (``RvslInd``): the opposite of the original's posting, against the same account,
  and an alert. A reversal seen before its original is booked against unmatched and remembered;
  the original, when it comes, is booked against unmatched too: the end balances are the same
  in any import order.

Not booked: entries with status PDNG or INFO (an intraday report's pending lines); their key is
not recorded, so the same entry booked later (camt.052 then camt.053) is booked then, once.

Alerts: a gap in a statement's ``ElctrncSeqNb`` per account (end-of-day statements, camt.053 or
the CSV export, form one series; intraday camt.052 reports another); every reversal; a booking
key seen again with another amount, direction or currency (a reused bank reference: not booked);
a statement closing balance that differs from the ledger (:meth:`Ledger.check_closing`).

One decision for both books: :func:`decide` says which posting an entry produces given a
:class:`BookState` (what is booked, the originals and orphan reversals not yet paired, the refunds
due). :class:`Ledger` keeps that state in memory (:class:`MemoryState`); the database book
(:mod:`bidding.deposits.book`) loads the part of it a statement can touch from its tables into a
:class:`MemoryState`, takes the same decisions and writes them, so the two cannot drift apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple, Protocol

from bidding.deposits.entries import BookingKey, Direction, Entry, EntryStatus, Statement, StatementKind
from bidding.deposits.errors import PostingUnbalanced
from bidding.deposits.matching import Payment
from bidding.deposits.virtual_accounts import SuffixProblem, VirtualAccountBook

__all__ = [
    "Account",
    "AccountKind",
    "Alert",
    "AlertKind",
    "ApplyResult",
    "BalanceCheck",
    "BookState",
    "Booked",
    "Booking",
    "Index",
    "Ledger",
    "Leg",
    "Link",
    "MemoryState",
    "Outcome",
    "Posting",
    "Route",
    "SubAccountRouter",
    "UnmatchedItem",
    "UnmatchedReason",
    "decide",
    "forfeit_posting",
    "is_intraday",
    "original_links",
    "refund_interest_posting",
    "refund_posting",
    "resolution_posting",
    "reversal_links",
    "route_debit",
    "sequence_gap",
]


class AccountKind(StrEnum):
    COLLECTION = "collection"
    SUB_ACCOUNT = "sub_account"
    UNMATCHED = "unmatched"
    REFUNDS_PAYABLE = "refunds_payable"
    INTEREST_EXPENSE = "interest_expense"
    FORFEITS = "forfeits"
    OPENING_BALANCE = "opening_balance"


#: Accounts whose natural balance is a debit (assets, expenses); all others are credit accounts.
DEBIT_SIDE = frozenset({AccountKind.COLLECTION, AccountKind.INTEREST_EXPENSE})


class Account(NamedTuple):
    """A ledger account. ``bank`` names the bank account of a collection account; ``lot`` and
    ``bidder`` name a sub-account."""

    kind: AccountKind
    bank: str = ""
    lot: str = ""
    bidder: str = ""

    @classmethod
    def collection(cls, bank_account: str) -> Account:
        return cls(AccountKind.COLLECTION, bank=bank_account)

    @classmethod
    def sub(cls, lot: str, bidder: str) -> Account:
        return cls(AccountKind.SUB_ACCOUNT, lot=lot, bidder=bidder)


UNMATCHED = Account(AccountKind.UNMATCHED)
REFUNDS_PAYABLE = Account(AccountKind.REFUNDS_PAYABLE)
INTEREST_EXPENSE = Account(AccountKind.INTEREST_EXPENSE)
FORFEITS = Account(AccountKind.FORFEITS)
OPENING_BALANCE = Account(AccountKind.OPENING_BALANCE)


class Leg(NamedTuple):
    """One side of a posting: ``fen`` > 0 debits ``account``, ``fen`` < 0 credits it."""

    account: Account
    fen: int


@dataclass(frozen=True, slots=True)
class Posting:
    """A balanced set of legs under a unique key. Cannot be built unbalanced."""

    key: tuple[object, ...]
    legs: tuple[Leg, ...]

    def __post_init__(self) -> None:
        if len(self.legs) < 2:
            raise PostingUnbalanced(f"posting {self.key!r} has {len(self.legs)} leg(s), needs at least 2")
        total = 0
        for leg in self.legs:
            if isinstance(leg.fen, bool) or not isinstance(leg.fen, int) or leg.fen == 0:
                raise PostingUnbalanced(
                    f"posting {self.key!r}: a leg must be a non-zero integer of fen, got {leg.fen!r}"
                )
            total += leg.fen
        if total != 0:
            raise PostingUnbalanced(f"posting {self.key!r} does not balance: debits − credits = {total} fen")

    @classmethod
    def transfer(cls, key: tuple[object, ...], debit: Account, credit: Account, fen: int) -> Posting:
        """Dr ``debit`` / Cr ``credit`` for ``fen`` > 0."""
        if isinstance(fen, bool) or not isinstance(fen, int) or fen <= 0:
            raise PostingUnbalanced(f"posting {key!r}: amount must be a positive integer of fen, got {fen!r}")
        return cls(key, (Leg(debit, fen), Leg(credit, -fen)))


class UnmatchedReason(StrEnum):
    """Why an entry was booked against ``unmatched`` (the finance officer resolves it by hand)."""

    NO_SUFFIX = SuffixProblem.NO_SUFFIX.value
    OTHER_ACCOUNT = SuffixProblem.OTHER_ACCOUNT.value
    MALFORMED = SuffixProblem.MALFORMED.value
    BAD_CHECK = SuffixProblem.BAD_CHECK.value
    UNKNOWN_SUB_ACCOUNT = SuffixProblem.UNKNOWN.value
    UNKNOWN_DEBIT = "unknown_debit"  # money out that is no refund the ledger knows
    REFUND_AMOUNT_DIFFERS = "refund_amount_differs"
    REVERSAL_WITHOUT_ORIGINAL = "reversal_without_original"
    NO_ROUTER = "no_router"


class Route(NamedTuple):
    """Where a credit's counter-leg goes, and why it is unmatched if it is."""

    account: Account
    reason: UnmatchedReason | None = None


class AlertKind(StrEnum):
    SEQUENCE_GAP = "sequence_gap"
    REVERSAL = "reversal"
    REVERSAL_WITHOUT_ORIGINAL = "reversal_without_original"
    ORIGINAL_AFTER_REVERSAL = "original_after_reversal"
    KEY_CONFLICT = "booking_key_conflict"
    BALANCE_MISMATCH = "balance_mismatch"
    # Refunds (bidding.deposits.refunds): unpaid past the due date (条例 57, RULES a check 5), refused
    # by the bank (pain.002 RJCT), or reported paid from a payment file that was cancelled.
    REFUND_OVERDUE = "refund_overdue"
    REFUND_REJECTED = "refund_rejected"
    REFUND_REPORT_CONFLICT = "refund_report_conflict"


@dataclass(frozen=True, slots=True)
class Alert:
    """Something the finance officer must look at; ``data`` holds the facts for the message."""

    kind: AlertKind
    account: str
    statement_id: str | None = None
    entry: int | None = None
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnmatchedItem:
    """A booked entry whose money sits on ``unmatched``, and why."""

    key: BookingKey
    entry: Entry
    reason: UnmatchedReason


@dataclass(frozen=True, slots=True)
class BalanceCheck:
    """The daily check: the ledger's collection balance against the bank's closing balance."""

    account: str
    statement_id: str
    bank_fen: int
    ledger_fen: int

    @property
    def ok(self) -> bool:
        return self.bank_fen == self.ledger_fen


class Outcome(StrEnum):
    """What became of one bank entry."""

    BOOKED = "booked"  # its key was new: booked (posted, unless its amount is zero)
    DUPLICATE = "duplicate"  # its key was booked before: nothing changes
    NOT_BOOKED = "not_booked"  # PDNG or INFO: not booked, key not recorded


#: Finds the original of a reversal: ("ref", account, bank reference, None, None) or
#: ("e2e", account, EndToEndId, amount, the original's direction).
Link = tuple[str, str, str, int | None, Direction | None]
#: What must be the same when a booking key is seen again (:meth:`Entry.fingerprint`).
Fingerprint = tuple[int, Direction, str]


class Index(StrEnum):
    """The two lists a reversal and its original find each other in."""

    ORIGINALS = "originals"  # booked originals, not yet reversed
    ORPHANS = "orphans"  # reversals booked before their original was seen


@dataclass(slots=True)
class Booked:
    """A booked original (a reversal may undo it) or an orphan reversal (its original, arriving
    later, nets it out), with the links it is found by. ``row`` is the state's own handle: the
    database book keeps the entry's row id there."""

    key: BookingKey
    counter: Account
    links: tuple[Link, ...]
    row: int | None = None
    live: bool = True


def _links(entry: Entry, references: tuple[str | None, ...], direction: Direction) -> tuple[Link, ...]:
    links: list[Link] = [("ref", entry.account, ref, None, None) for ref in dict.fromkeys(references) if ref]
    if entry.end_to_end_id:
        links.append(("e2e", entry.account, entry.end_to_end_id, entry.amount_fen, direction))
    return tuple(links)


def original_links(entry: Entry) -> tuple[Link, ...]:
    """How a reversal finds this original: its bank reference; its end-to-end id, amount and direction."""
    return _links(entry, (entry.bank_ref,), entry.direction)


def reversal_links(entry: Entry) -> tuple[Link, ...]:
    """How this reversal finds its original: the reversed entry's reference if the bank states it;
    its own reference (some banks give the reversal the original's); else end-to-end id and amount."""
    original_direction = Direction.DEBIT if entry.direction is Direction.CREDIT else Direction.CREDIT
    return _links(entry, (entry.reversal_of, entry.bank_ref), original_direction)


class BookState(Protocol):
    """What the booking decision (:func:`decide`) reads and updates.

    The pure :class:`Ledger` keeps all of it in a :class:`MemoryState`; the database book
    (:mod:`bidding.deposits.book`) loads into one the part a statement can touch — the keys of its
    entries, the live originals and orphans under its links, the refunds its debits name — runs
    the same decisions, and writes what they booked.
    """

    def fingerprint(self, key: BookingKey) -> Fingerprint | None:
        """The fingerprint booked under ``key``, or None if the key was never booked."""
        ...

    def remember(self, key: BookingKey, fingerprint: Fingerprint) -> None:
        """Record ``key`` as booked."""
        ...

    def take(self, index: Index, links: tuple[Link, ...]) -> Booked | None:
        """The first live record under any of ``links`` (in the order given, oldest first under
        each), marked used so that nothing finds it again; None if there is none."""
        ...

    def add(self, index: Index, record: Booked) -> None:
        """Make ``record`` findable under its links."""
        ...

    def refund_due(self, refund_id: str) -> int | None:
        """The amount (principal + interest) of a decided refund, or None if there is none by that id."""
        ...


class MemoryState:
    """:class:`BookState` in dictionaries (insertion order is the order records were booked)."""

    def __init__(self) -> None:
        self.booked: dict[BookingKey, Fingerprint] = {}
        self.indexes: dict[Index, dict[Link, list[Booked]]] = {Index.ORIGINALS: {}, Index.ORPHANS: {}}
        self.refunds: dict[str, int] = {}  # refund id → amount due (principal + interest)

    def fingerprint(self, key: BookingKey) -> Fingerprint | None:
        return self.booked.get(key)

    def remember(self, key: BookingKey, fingerprint: Fingerprint) -> None:
        self.booked[key] = fingerprint

    def take(self, index: Index, links: tuple[Link, ...]) -> Booked | None:
        found = self.indexes[index]
        for link in links:
            for record in found.get(link, ()):
                if record.live:
                    record.live = False
                    for other in record.links:
                        remaining = [r for r in found.get(other, ()) if r.live]
                        if remaining:
                            found[other] = remaining
                        else:
                            found.pop(other, None)
                    return record
        return None

    def add(self, index: Index, record: Booked) -> None:
        found = self.indexes[index]
        for link in record.links:
            found.setdefault(link, []).append(record)

    def refund_due(self, refund_id: str) -> int | None:
        return self.refunds.get(refund_id)


@dataclass(slots=True)
class Booking:
    """What one bank entry does to the book, as :func:`decide` found it."""

    entry: Entry
    outcome: Outcome
    key: BookingKey | None = None
    posting: Posting | None = None
    """Dr collection / Cr ``counter`` for a credit, the reverse for a debit; None if nothing is posted."""
    counter: Account | None = None
    reason: UnmatchedReason | None = None
    """Set when the money went to ``unmatched`` and waits for the finance officer."""
    pair: Booked | None = None
    """The original this reversal undid, or the orphan reversal this original netted out: it
    leaves the unmatched queue (and an undone original's payment leaves its sub-account)."""
    alerts: list[Alert] = field(default_factory=list)

    @property
    def payment(self) -> bool:
        """A credit booked on a bidder's sub-account: a payment for :mod:`.matching`."""
        return (
            self.posting is not None
            and self.counter is not None
            and self.counter.kind is AccountKind.SUB_ACCOUNT
            and self.entry.direction is Direction.CREDIT
            and not self.entry.reversal
        )


def _alert(kind: AlertKind, entry: Entry, data: Mapping[str, object] | None = None) -> Alert:
    return Alert(kind, entry.account, entry.statement_id, entry.index, dict(data or {}))


def route_debit(entry: Entry, state: BookState) -> Route:
    """A debit is a refund paid when its EndToEndId is a decided refund of exactly its amount."""
    due = state.refund_due(entry.end_to_end_id or "")
    if due is None:
        return Route(UNMATCHED, UnmatchedReason.UNKNOWN_DEBIT)
    if due != entry.amount_fen:
        return Route(UNMATCHED, UnmatchedReason.REFUND_AMOUNT_DIFFERS)
    return Route(REFUNDS_PAYABLE)


def decide(entry: Entry, state: BookState, route: Router) -> Booking:
    """Which posting ``entry`` produces given what ``state`` says is booked; ``state`` is updated
    as booking it requires (its key, the original or orphan it pairs with, where it can be found).

    The one decision both books take: the pure :class:`Ledger` and the database book. See the
    module docstring for the postings; ``route`` says where a credit's money goes.
    """
    if entry.status is not EntryStatus.BOOKED:
        return Booking(entry, Outcome.NOT_BOOKED)
    key = entry.booking_key()
    seen = state.fingerprint(key)
    if seen is not None:
        alerts = (
            [] if seen == entry.fingerprint() else [_alert(AlertKind.KEY_CONFLICT, entry, {"key": key, "first": seen})]
        )
        return Booking(entry, Outcome.DUPLICATE, key, alerts=alerts)
    state.remember(key, entry.fingerprint())
    booking = Booking(entry, Outcome.BOOKED, key)
    if entry.amount_fen == 0:
        return booking
    if entry.reversal:
        links = reversal_links(entry)
        original = state.take(Index.ORIGINALS, links)
        if original is not None:
            booking.alerts.append(_alert(AlertKind.REVERSAL, entry, {"original": original.key}))
            booking.pair, booking.counter = original, original.counter
        else:
            booking.alerts.append(_alert(AlertKind.REVERSAL_WITHOUT_ORIGINAL, entry))
            state.add(Index.ORPHANS, Booked(key, UNMATCHED, links))
            booking.counter, booking.reason = UNMATCHED, UnmatchedReason.REVERSAL_WITHOUT_ORIGINAL
    else:
        links = original_links(entry)
        orphan = state.take(Index.ORPHANS, links)
        if orphan is not None:
            # The pair nets to zero on unmatched: neither waits in the queue any more.
            booking.alerts.append(_alert(AlertKind.ORIGINAL_AFTER_REVERSAL, entry, {"reversal": orphan.key}))
            booking.pair, booking.counter = orphan, orphan.counter
        else:
            booking.counter, booking.reason = (
                route(entry) if entry.direction is Direction.CREDIT else route_debit(entry, state)
            )
            state.add(Index.ORIGINALS, Booked(key, booking.counter, links))
    collection = Account.collection(entry.account)
    if entry.direction is Direction.CREDIT:
        booking.posting = Posting.transfer(("bank", *key), collection, booking.counter, entry.amount_fen)
    else:
        booking.posting = Posting.transfer(("bank", *key), booking.counter, collection, entry.amount_fen)
    return booking


def sequence_gap(low: int | None, high: int | None, present: bool, number: int) -> list[int]:
    """The statement numbers newly found missing when number ``number`` arrives, given the lowest
    and highest seen so far in its series (None: none yet) and whether ``number`` was seen."""
    if present or low is None or high is None:
        return []
    if number > high + 1:
        return list(range(high + 1, number))
    if number < low - 1:
        return list(range(number + 1, low))
    return []


def is_intraday(kind: StatementKind) -> bool:
    """Intraday reports (camt.052) are numbered in their own series; end-of-day statements
    (camt.053, and the CSV export standing in for one) in another, per account."""
    return kind is StatementKind.CAMT052


@dataclass
class ApplyResult:
    booked: int = 0
    duplicates: int = 0
    not_booked: int = 0  # PDNG / INFO
    reversals: int = 0
    alerts: list[Alert] = field(default_factory=list)
    unmatched: list[UnmatchedItem] = field(default_factory=list)

    def add(self, other: ApplyResult) -> None:
        self.booked += other.booked
        self.duplicates += other.duplicates
        self.not_booked += other.not_booked
        self.reversals += other.reversals
        self.alerts += other.alerts
        self.unmatched += other.unmatched

    def count(self, booking: Booking) -> UnmatchedItem | None:
        """Count one decision; the new unmatched item it makes, if any."""
        self.alerts += booking.alerts
        if booking.outcome is Outcome.NOT_BOOKED:
            self.not_booked += 1
            return None
        if booking.outcome is Outcome.DUPLICATE:
            self.duplicates += 1
            return None
        self.booked += 1
        if booking.posting is not None and booking.entry.reversal:
            self.reversals += 1
        if booking.reason is None or booking.key is None:
            return None
        item = UnmatchedItem(booking.key, booking.entry, booking.reason)
        self.unmatched.append(item)
        return item


Router = Callable[[Entry], Route]


class SubAccountRouter:
    """Routes credits by the virtual sub-account the payer addressed (``Entry.addressed_account``).

    One :class:`VirtualAccountBook` per collection account; a credit to an account without a book
    is unmatched.
    """

    def __init__(self, books: Iterable[VirtualAccountBook]) -> None:
        self._books = {book.collection: book for book in books}

    def __call__(self, entry: Entry) -> Route:
        book = self._books.get(entry.account)
        if book is None:
            return Route(UNMATCHED, UnmatchedReason.NO_ROUTER)
        found = book.lookup(entry.addressed_account)
        if isinstance(found, SuffixProblem):
            return Route(UNMATCHED, UnmatchedReason(found.value))
        return Route(Account.sub(*found))


def _no_router(entry: Entry) -> Route:
    return Route(UNMATCHED, UnmatchedReason.NO_ROUTER)


class Ledger:
    """Books bank entries and the platform's own postings; see the module docstring.

    The reference model of the database book: both take every bank entry through :func:`decide`.
    """

    def __init__(self, router: Router | None = None) -> None:
        self._route = router or _no_router
        self.state = MemoryState()
        self.postings: list[Posting] = []
        self._keys: set[tuple[object, ...]] = set()
        self._debits: defaultdict[Account, int] = defaultdict(int)  # signed, debit positive
        self._sequences: defaultdict[tuple[str, bool], set[int]] = defaultdict(set)
        self.unmatched: dict[BookingKey, UnmatchedItem] = {}
        self._payments: defaultdict[Account, dict[BookingKey, Payment]] = defaultdict(dict)

    # --- postings and balances ---

    def post(self, posting: Posting) -> bool:
        """Book ``posting`` unless one with its key exists (idempotent); True if it was booked."""
        if posting.key in self._keys:
            return False
        self._keys.add(posting.key)
        self.postings.append(posting)
        for account, fen in posting.legs:
            self._debits[account] += fen
        return True

    def debit_balance(self, account: Account) -> int:
        """Debits − credits."""
        return self._debits.get(account, 0)

    def balance(self, account: Account) -> int:
        """The balance on the account's natural side (a collection account's money, a bidder's deposit)."""
        raw = self._debits.get(account, 0)
        return raw if account.kind in DEBIT_SIDE else -raw

    def balances(self) -> dict[Account, int]:
        """Every account with a non-zero balance, on its natural side."""
        return {account: self.balance(account) for account, raw in self._debits.items() if raw}

    def is_balanced(self) -> bool:
        """The double-entry invariant: all debits equal all credits."""
        return sum(self._debits.values()) == 0

    # --- bank entries ---

    def apply_statement(self, statement: Statement) -> ApplyResult:
        """Check the statement's sequence number, then :meth:`apply` its entries."""
        result = ApplyResult()
        if statement.sequence is not None:
            gap = self._sequence(statement)
            if gap:
                result.alerts.append(
                    Alert(AlertKind.SEQUENCE_GAP, statement.account, statement.statement_id, data={"missing": gap})
                )
        result.add(self.apply(statement.entries))
        return result

    def _sequence(self, statement: Statement) -> list[int]:
        """The numbers newly found missing when ``statement`` arrives (empty: no new gap)."""
        assert statement.sequence is not None
        seen = self._sequences[(statement.account, is_intraday(statement.kind))]
        number = statement.sequence
        low, high = (min(seen), max(seen)) if seen else (None, None)
        missing = sequence_gap(low, high, number in seen, number)
        seen.add(number)
        return missing

    def sequence_gaps(self, account: str, kind: StatementKind = StatementKind.CAMT053) -> list[int]:
        """Statement numbers still missing between the lowest and highest seen.

        End-of-day statements (camt.053, and the CSV export standing in for one) are one series per
        account; intraday reports (camt.052) are numbered separately.
        """
        seen = self._sequences.get((account, is_intraday(kind)), set())
        return [n for n in range(min(seen), max(seen)) if n not in seen] if seen else []

    def apply(self, entries: Iterable[Entry]) -> ApplyResult:
        """Book each booked entry exactly once (:func:`decide`); see the module docstring."""
        result = ApplyResult()
        for entry in entries:
            booking = decide(entry, self.state, self._route)
            item = result.count(booking)
            if booking.posting is None or booking.key is None:
                continue
            if booking.pair is not None:
                if entry.reversal:  # the undone original's payment leaves its sub-account
                    self._payments.get(booking.pair.counter, {}).pop(booking.pair.key, None)
                self.unmatched.pop(booking.pair.key, None)  # nothing left to resolve
            if booking.payment:
                assert booking.counter is not None
                self._payments[booking.counter][booking.key] = Payment.from_entry(entry)
            if item is not None:
                self.unmatched[booking.key] = item
            self.post(booking.posting)
        return result

    def payments(self, lot: str, bidder: str) -> list[Payment]:
        """The credits booked on a bidder's sub-account and not reversed (for :mod:`.matching`)."""
        return list(self._payments.get(Account.sub(lot, bidder), {}).values())

    def check_closing(self, statement: Statement) -> BalanceCheck | None:
        """Compare the statement's closing balance with the ledger (None if the bank gave none)."""
        if statement.closing_fen is None:
            return None
        return BalanceCheck(
            statement.account,
            statement.statement_id,
            statement.closing_fen,
            self.balance(Account.collection(statement.account)),
        )

    # --- the platform's own postings (each idempotent by its key) ---

    def open_account(self, bank_account: str, fen: int, as_of: date) -> bool:
        """What the bank account held when the ledger started (Dr collection / Cr opening balance)."""
        if fen == 0:
            return False
        debit, credit = Account.collection(bank_account), OPENING_BALANCE
        if fen < 0:
            debit, credit, fen = credit, debit, -fen
        return self.post(Posting.transfer(("opening", bank_account, as_of), debit, credit, fen))

    def resolve(self, key: BookingKey, to: Account) -> bool:
        """Move an unmatched entry's money to ``to`` (the finance officer's decision, with a reason
        recorded by the caller): :func:`resolution_posting`."""
        item = self.unmatched.pop(key, None)
        if item is None:
            return False
        if to.kind is AccountKind.SUB_ACCOUNT and item.entry.direction is Direction.CREDIT and not item.entry.reversal:
            self._payments[to][key] = Payment.from_entry(item.entry)
        return self.post(resolution_posting(key, item.entry, to))

    def record_refund(self, refund_id: str, lot: str, bidder: str, principal_fen: int, interest_fen: int = 0) -> bool:
        """A refund decided: Dr sub-account (principal), Dr interest expense / Cr refunds payable.

        The bank's debit whose EndToEndId is ``refund_id`` and whose amount is the total then
        books against refunds payable.
        """
        booked = self.post(refund_posting(refund_id, lot, bidder, principal_fen, interest_fen))
        if booked:
            self.state.refunds[refund_id] = principal_fen + interest_fen
        return booked

    def forfeit(self, lot: str, bidder: str, fen: int) -> bool:
        """A deposit kept under 条例 35/74 (the reason is recorded by the caller): Dr sub-account / Cr forfeits."""
        return self.post(forfeit_posting(lot, bidder, fen))


def resolution_posting(key: BookingKey, entry: Entry, to: Account) -> Posting:
    """The finance officer moves an unmatched entry's money to ``to``: Dr unmatched / Cr ``to`` for
    a credit, the opposite for a debit; the posting's key is ``("resolve", …booking key)``."""
    if entry.direction is Direction.CREDIT:
        return Posting.transfer(("resolve", *key), UNMATCHED, to, entry.amount_fen)
    return Posting.transfer(("resolve", *key), to, UNMATCHED, entry.amount_fen)


def refund_posting(refund_id: str, lot: str, bidder: str, principal_fen: int, interest_fen: int = 0) -> Posting:
    """A refund decided: Dr sub-account (principal), Dr interest expense (interest) / Cr refunds
    payable (both); key ``("refund", refund_id)``."""
    legs = [Leg(Account.sub(lot, bidder), principal_fen)]
    if interest_fen:
        legs.append(Leg(INTEREST_EXPENSE, interest_fen))
    legs.append(Leg(REFUNDS_PAYABLE, -(principal_fen + interest_fen)))
    return Posting(("refund", refund_id), tuple(legs))


def refund_interest_posting(refund_id: str, step: str, fen: int) -> Posting | None:
    """A refund's interest (and overdue charge) brought to a later refund date: Dr interest expense
    / Cr refunds payable for ``fen`` > 0, the reverse for ``fen`` < 0, None for 0; key
    ``("refund_interest", refund_id, step)`` (the step names the payment file)."""
    if fen == 0:
        return None
    key = ("refund_interest", refund_id, step)
    if fen > 0:
        return Posting.transfer(key, INTEREST_EXPENSE, REFUNDS_PAYABLE, fen)
    return Posting.transfer(key, REFUNDS_PAYABLE, INTEREST_EXPENSE, -fen)


def forfeit_posting(lot: str, bidder: str, fen: int) -> Posting:
    """A deposit kept under 条例 35/74: Dr sub-account / Cr forfeits; key ``("forfeit", lot, bidder)``."""
    return Posting.transfer(("forfeit", lot, bidder), Account.sub(lot, bidder), FORFEITS, fen)
