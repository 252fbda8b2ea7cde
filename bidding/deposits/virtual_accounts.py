"""Virtual sub-accounts (虚拟子账号): the centre's collection account number + a per-bidder suffix.

Each bidder that takes part in a lot pays its deposit to its own number: the collection account
(收款总账号) followed by a suffix, as banks issue virtual accounts. The bank books the money on the
collection account and reports the number the payer used (camt ``RltdPties/CdtrAcct``, the CSV's
子账号), so the platform knows whose deposit it is without reading the remittance text. Money
without a valid suffix is unmatched and waits for the finance officer (南平 practice, RULES a).

Suffix = *body* + 2 check digits.

* The body (``digits`` long, 10 by default) is derived deterministically from the lot and bidder
  ids: the first 8 bytes of SHA-256 over ``lot_id US bidder_id US attempt`` taken modulo
  10^digits. Ids are UUIDs, so two pairs can meet on the same body (about one pair in 10^10 per
  pair of pairs; the birthday bound makes it likely from ~10^5 numbers): the issuer then takes the
  next ``attempt`` — :class:`VirtualAccountBook` does, and the database table will do the same
  under its unique constraint. The number of a pair, once issued, never changes.
* The check digits are ISO 7064 MOD 97-10 (the IBAN check, ISO 13616) over the *whole* number
  (collection account + body), so a suffix copied onto another collection account is refused too.
  MOD 97-10 catches every single wrong digit and every swap of two adjacent digits, the usual
  typing errors at a bank counter. Letters (an IBAN collection account) count as in IBANs:
  A = 10 … Z = 35.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from bidding.deposits.entries import normalise_account
from bidding.deposits.errors import VirtualAccountInvalid

__all__ = [
    "DEFAULT_DIGITS",
    "SuffixProblem",
    "VirtualAccount",
    "VirtualAccountBook",
    "check_digits",
    "is_valid",
    "make_virtual_account",
    "read_virtual_account",
    "suffix_body",
]

DEFAULT_DIGITS: Final = 10
_SEPARATOR: Final = "\x1f"


class SuffixProblem(StrEnum):
    """Why money addressed to a number is not a bidder's deposit (the unmatched queue shows it)."""

    NO_SUFFIX = "no_suffix"  # paid to the bare collection account (or no number reported)
    OTHER_ACCOUNT = "other_account"  # the number is not under this collection account
    MALFORMED = "malformed"  # wrong length or not digits
    BAD_CHECK = "bad_check_digits"  # a typing error
    UNKNOWN = "unknown_sub_account"  # well-formed, but never issued


def _numeric(text: str) -> str:
    """IBAN-style: digits stay, letters become 10 … 35."""
    if text.isascii() and text.isdigit():
        return text  # the usual Chinese account number: nothing to convert
    out = []
    for char in text:
        if char.isdigit() and char.isascii():
            out.append(char)
        elif "A" <= char <= "Z":
            out.append(str(ord(char) - 55))
        else:
            raise VirtualAccountInvalid(f"{char!r} cannot be part of an account number")
    return "".join(out)


def check_digits(collection: str, body: str) -> str:
    """ISO 7064 MOD 97-10 check digits for ``collection + body``: ``98 − (n·100 mod 97)``."""
    number = int(_numeric(normalise_account(collection) + body) + "00")
    return f"{98 - number % 97:02d}"


def is_valid(collection: str, suffix: str) -> bool:
    """Whether ``suffix`` (body + check digits) is valid on ``collection``: the whole number ≡ 1 (mod 97)."""
    if len(suffix) < 3 or not (suffix.isdigit() and suffix.isascii()):
        return False
    return int(_numeric(normalise_account(collection) + suffix)) % 97 == 1


def suffix_body(lot_id: str, bidder_id: str, *, digits: int = DEFAULT_DIGITS, attempt: int = 0) -> str:
    """The deterministic body for a (lot, bidder) pair; ``attempt`` > 0 only after a collision."""
    if not 4 <= digits <= 18:
        raise VirtualAccountInvalid(f"a suffix body has 4 to 18 digits, not {digits}")
    if attempt < 0:
        raise VirtualAccountInvalid("attempt must not be negative")
    digest = hashlib.sha256(_SEPARATOR.join((str(lot_id), str(bidder_id), str(attempt))).encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**digits:0{digits}d}"


@dataclass(frozen=True, slots=True)
class VirtualAccount:
    """A virtual sub-account number, split into its parts."""

    collection: str
    body: str
    check: str

    @property
    def suffix(self) -> str:
        return self.body + self.check

    @property
    def number(self) -> str:
        """What the bidder types into its bank's transfer form."""
        return self.collection + self.body + self.check


def make_virtual_account(
    collection: str, lot_id: str, bidder_id: str, *, digits: int = DEFAULT_DIGITS, attempt: int = 0
) -> VirtualAccount:
    collection = normalise_account(collection)
    if not collection:
        raise VirtualAccountInvalid("the collection account number is empty")
    body = suffix_body(lot_id, bidder_id, digits=digits, attempt=attempt)
    return VirtualAccount(collection, body, check_digits(collection, body))


def read_virtual_account(
    number: str | None, collection: str, *, digits: int = DEFAULT_DIGITS
) -> VirtualAccount | SuffixProblem:
    """Split an incoming entry's account number into collection + suffix, or say what is wrong."""
    collection = normalise_account(collection)
    if not number:
        return SuffixProblem.NO_SUFFIX
    number = normalise_account(number)
    if number == collection:
        return SuffixProblem.NO_SUFFIX
    if not number.startswith(collection):
        return SuffixProblem.OTHER_ACCOUNT
    suffix = number[len(collection) :]
    if len(suffix) != digits + 2 or not (suffix.isdigit() and suffix.isascii()):
        return SuffixProblem.MALFORMED
    if not is_valid(collection, suffix):
        return SuffixProblem.BAD_CHECK
    return VirtualAccount(collection, suffix[:digits], suffix[digits:])


@dataclass
class VirtualAccountBook:
    """The numbers issued under one collection account: the pure model of the database table.

    ``issue`` is idempotent per (lot, bidder) and unique per number (a colliding body takes the
    next attempt); ``lookup`` tells whose number an incoming account is, or why it is nobody's.
    """

    collection: str
    digits: int = DEFAULT_DIGITS
    _by_pair: dict[tuple[str, str], VirtualAccount] = field(default_factory=dict, repr=False)
    _by_body: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.collection = normalise_account(self.collection)

    def issue(self, lot_id: str, bidder_id: str) -> VirtualAccount:
        pair = (str(lot_id), str(bidder_id))
        existing = self._by_pair.get(pair)
        if existing is not None:
            return existing
        attempt = 0
        while True:
            account = make_virtual_account(self.collection, *pair, digits=self.digits, attempt=attempt)
            if account.body not in self._by_body:
                break
            attempt += 1
        self._by_pair[pair] = account
        self._by_body[account.body] = pair
        return account

    def lookup(self, number: str | None) -> tuple[str, str] | SuffixProblem:
        """(lot id, bidder id) of an issued number, or the :class:`SuffixProblem`."""
        read = read_virtual_account(number, self.collection, digits=self.digits)
        if isinstance(read, SuffixProblem):
            return read
        return self._by_body.get(read.body, SuffixProblem.UNKNOWN)

    def __len__(self) -> int:
        return len(self._by_pair)
