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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

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
    "Ledger",
    "Leg",
    "Posting",
    "Route",
    "SubAccountRouter",
    "UnmatchedItem",
    "UnmatchedReason",
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


Router = Callable[[Entry], Route]
#: Finds the original of a reversal: ("ref", account, bank reference) or
#: ("e2e", account, EndToEndId, amount, the original's direction).
_Link = tuple[str, str, str, int | None, Direction | None]


@dataclass(slots=True)
class _Booked:
    """What the ledger remembers of a booked original (to reverse it) or of an orphan reversal."""

    key: BookingKey
    counter: Account
    links: tuple[_Link, ...]
    live: bool = True


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
    """Books bank entries and the platform's own postings; see the module docstring."""

    def __init__(self, router: Router | None = None) -> None:
        self._route = router or _no_router
        self.postings: list[Posting] = []
        self._keys: set[tuple[object, ...]] = set()
        self._debits: defaultdict[Account, int] = defaultdict(int)  # signed, debit positive
        self._booked: dict[BookingKey, tuple[int, Direction, str]] = {}
        self._originals: dict[_Link, list[_Booked]] = {}
        self._orphans: dict[_Link, list[_Booked]] = {}
        self._sequences: defaultdict[tuple[str, bool], set[int]] = defaultdict(set)
        self._refunds: dict[str, int] = {}  # refund id → amount due (principal + interest)
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
        seen = self._sequences[(statement.account, statement.kind is StatementKind.CAMT052)]
        number = statement.sequence
        if number in seen:
            return []
        missing: list[int] = []
        if seen:
            low, high = min(seen), max(seen)
            if number > high + 1:
                missing = list(range(high + 1, number))
            elif number < low - 1:
                missing = list(range(number + 1, low))
        seen.add(number)
        return missing

    def sequence_gaps(self, account: str, kind: StatementKind = StatementKind.CAMT053) -> list[int]:
        """Statement numbers still missing between the lowest and highest seen.

        End-of-day statements (camt.053, and the CSV export standing in for one) are one series per
        account; intraday reports (camt.052) are numbered separately.
        """
        seen = self._sequences.get((account, kind is StatementKind.CAMT052), set())
        return [n for n in range(min(seen), max(seen)) if n not in seen] if seen else []

    def apply(self, entries: Iterable[Entry]) -> ApplyResult:
        """Book each booked entry exactly once; see the module docstring for what is posted."""
        result = ApplyResult()
        for entry in entries:
            if entry.status is not EntryStatus.BOOKED:
                result.not_booked += 1
                continue
            key = entry.booking_key()
            seen = self._booked.get(key)
            if seen is not None:
                if seen != entry.fingerprint():
                    result.alerts.append(self._alert(AlertKind.KEY_CONFLICT, entry, {"key": key, "first": seen}))
                result.duplicates += 1
                continue
            self._booked[key] = entry.fingerprint()
            result.booked += 1
            if entry.amount_fen == 0:
                continue
            if entry.reversal:
                result.reversals += 1
                counter, reason = self._reverse(entry, key, result)
            else:
                counter, reason = self._original(entry, key, result)
                if counter.kind is AccountKind.SUB_ACCOUNT and entry.direction is Direction.CREDIT:
                    self._payments[counter][key] = Payment.from_entry(entry)
            if reason is not None:
                item = UnmatchedItem(key, entry, reason)
                self.unmatched[key] = item
                result.unmatched.append(item)
            collection = Account.collection(entry.account)
            if entry.direction is Direction.CREDIT:
                self.post(Posting.transfer(("bank", *key), collection, counter, entry.amount_fen))
            else:
                self.post(Posting.transfer(("bank", *key), counter, collection, entry.amount_fen))
        return result

    def _alert(self, kind: AlertKind, entry: Entry, data: Mapping[str, object] | None = None) -> Alert:
        return Alert(kind, entry.account, entry.statement_id, entry.index, dict(data or {}))

    @staticmethod
    def _links(entry: Entry, references: tuple[str | None, ...], direction: Direction) -> tuple[_Link, ...]:
        links: list[_Link] = [("ref", entry.account, ref, None, None) for ref in dict.fromkeys(references) if ref]
        if entry.end_to_end_id:
            links.append(("e2e", entry.account, entry.end_to_end_id, entry.amount_fen, direction))
        return tuple(links)

    def _original(self, entry: Entry, key: BookingKey, result: ApplyResult) -> Route:
        links = self._links(entry, (entry.bank_ref,), entry.direction)
        orphan = self._take(self._orphans, links)
        if orphan is not None:
            # The pair nets to zero on unmatched: neither waits in the queue any more.
            result.alerts.append(self._alert(AlertKind.ORIGINAL_AFTER_REVERSAL, entry, {"reversal": orphan.key}))
            self.unmatched.pop(orphan.key, None)
            return Route(orphan.counter)
        route = self._route(entry) if entry.direction is Direction.CREDIT else self._route_debit(entry)
        booked = _Booked(key, route.account, links)
        for link in links:
            self._originals.setdefault(link, []).append(booked)
        return route

    def _reverse(self, entry: Entry, key: BookingKey, result: ApplyResult) -> Route:
        original_direction = Direction.DEBIT if entry.direction is Direction.CREDIT else Direction.CREDIT
        # The reversed entry's reference if the bank states it; some banks give the reversal the
        # original's reference itself; else the end-to-end id and amount.
        links = self._links(entry, (entry.reversal_of, entry.bank_ref), original_direction)
        original = self._take(self._originals, links)
        if original is not None:
            result.alerts.append(self._alert(AlertKind.REVERSAL, entry, {"original": original.key}))
            self._payments.get(original.counter, {}).pop(original.key, None)
            self.unmatched.pop(original.key, None)  # an unmatched original reversed: nothing left to resolve
            return Route(original.counter)
        result.alerts.append(self._alert(AlertKind.REVERSAL_WITHOUT_ORIGINAL, entry))
        orphan = _Booked(key, UNMATCHED, links)
        for link in links:
            self._orphans.setdefault(link, []).append(orphan)
        return Route(UNMATCHED, UnmatchedReason.REVERSAL_WITHOUT_ORIGINAL)

    @staticmethod
    def _take(index: dict[_Link, list[_Booked]], links: tuple[_Link, ...]) -> _Booked | None:
        """The first live record under any of ``links``, marked used and unindexed."""
        for link in links:
            for record in index.get(link, ()):
                if record.live:
                    record.live = False
                    for other in record.links:
                        remaining = [r for r in index.get(other, ()) if r.live]
                        if remaining:
                            index[other] = remaining
                        else:
                            index.pop(other, None)
                    return record
        return None

    def _route_debit(self, entry: Entry) -> Route:
        due = self._refunds.get(entry.end_to_end_id or "")
        if due is None:
            return Route(UNMATCHED, UnmatchedReason.UNKNOWN_DEBIT)
        if due != entry.amount_fen:
            return Route(UNMATCHED, UnmatchedReason.REFUND_AMOUNT_DIFFERS)
        return Route(REFUNDS_PAYABLE)

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
        recorded by the caller): Dr unmatched / Cr ``to`` for a credit, the opposite for a debit."""
        item = self.unmatched.pop(key, None)
        if item is None:
            return False
        fen = item.entry.amount_fen
        if item.entry.direction is Direction.CREDIT:
            if to.kind is AccountKind.SUB_ACCOUNT and not item.entry.reversal:
                self._payments[to][key] = Payment.from_entry(item.entry)
            return self.post(Posting.transfer(("resolve", *key), UNMATCHED, to, fen))
        return self.post(Posting.transfer(("resolve", *key), to, UNMATCHED, fen))

    def record_refund(self, refund_id: str, lot: str, bidder: str, principal_fen: int, interest_fen: int = 0) -> bool:
        """A refund decided: Dr sub-account (principal), Dr interest expense / Cr refunds payable.

        The bank's debit whose EndToEndId is ``refund_id`` and whose amount is the total then
        books against refunds payable.
        """
        legs = [Leg(Account.sub(lot, bidder), principal_fen)]
        if interest_fen:
            legs.append(Leg(INTEREST_EXPENSE, interest_fen))
        legs.append(Leg(REFUNDS_PAYABLE, -(principal_fen + interest_fen)))
        booked = self.post(Posting(("refund", refund_id), tuple(legs)))
        if booked:
            self._refunds[refund_id] = principal_fen + interest_fen
        return booked

    def forfeit(self, lot: str, bidder: str, fen: int) -> bool:
        """A deposit kept under 条例 35/74 (the reason is recorded by the caller): Dr sub-account / Cr forfeits."""
        return self.post(Posting.transfer(("forfeit", lot, bidder), Account.sub(lot, bidder), FORFEITS, fen))
