"""Collusion signals (围标串标) shown to the evaluation committee and the supervisor (issue 20; RULES §(e),
acceptance checks 1, 3, 4, 6; 条例 40). Pure: no database, no clock.

A signal is a **suspicion, not proof**: it never rejects a bid. Each carries its rule, the article of
条例 40 it points to, the bids involved, the evidence (JSON-able: the shared value and, per bid, the
organisation and the times) and the latest time among the evidence. The service shows it to the
committee and the supervisor and logs it.

Rules (:class:`Rule`), each only between bids of **different** organisations:

* ``same_upload_ip`` / ``same_decryption_ip`` — bids uploaded, or decrypted, from one IP address: in
  practice one preparer or one agent for several bidders (条例 40 (一)(二)). Addresses in the
  centre's hall (``hall_networks``, CIDRs) are exempt: bidders there share the centre's network.
* ``same_signing_certificate`` — bids of two organisations signed with one certificate (fingerprint):
  one person handled both bids (条例 40 (二)).
* ``same_payer_account`` — deposits paid from one account (条例 40 (六)).
* ``price_pattern`` — three or more prices, consecutive in ascending order, with a constant
  difference or a constant ratio within a tolerance (投标报价呈规律性差异, 条例 40 (四)).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Any, Final

__all__ = ["BidFacts", "Rule", "Signal", "signals"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Rule(StrEnum):
    """A signal's rule id; :attr:`article` is the part of 条例 40 it points to."""

    SAME_UPLOAD_IP = "same_upload_ip"
    SAME_DECRYPTION_IP = "same_decryption_ip"
    SAME_SIGNING_CERTIFICATE = "same_signing_certificate"
    SAME_PAYER_ACCOUNT = "same_payer_account"
    PRICE_PATTERN = "price_pattern"

    @property
    def article(self) -> str:
        return _ARTICLES[self]


_ARTICLES: Final = {
    Rule.SAME_UPLOAD_IP: "条例40（一）（二）",
    Rule.SAME_DECRYPTION_IP: "条例40（一）（二）",
    Rule.SAME_SIGNING_CERTIFICATE: "条例40（二）",
    Rule.SAME_PAYER_ACCOUNT: "条例40（六）",
    Rule.PRICE_PATTERN: "条例40（四）",
}
_ORDER: Final = {rule: index for index, rule in enumerate(Rule)}
#: The ratios shown in a price pattern's evidence: six decimals.
RATIO_QUANTUM: Final = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class BidFacts:
    """What the platform knows of one bid of the lot (times timezone-aware, UTC)."""

    bid: str
    organization: str
    upload_ips: tuple[tuple[str, datetime], ...] = ()
    decryption_ips: tuple[tuple[str, datetime], ...] = ()
    signer_fingerprints: tuple[str, ...] = ()
    payer_accounts: tuple[str, ...] = ()
    price_fen: int | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """One suspicion: the rule, its article, the bids (sorted), the evidence and the latest time in it."""

    rule: Rule
    article: str
    bids: tuple[str, ...]
    evidence: dict[str, Any]
    at: datetime | None


def _networks(hall_networks: Sequence[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in hall_networks)


def _address(text: str) -> IPAddress:
    address = ipaddress.ip_address(text.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return address


def _in_hall(address: IPAddress, halls: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in halls)


def _organisations(facts: Sequence[BidFacts], bids: Iterable[str]) -> set[str]:
    by_bid = {fact.bid: fact.organization for fact in facts}
    return {by_bid[bid] for bid in bids}


def _ip_signals(
    rule: Rule,
    facts: Sequence[BidFacts],
    halls: tuple[IPNetwork, ...],
    read: Callable[[BidFacts], tuple[tuple[str, datetime], ...]],
) -> list[Signal]:
    seen: dict[IPAddress, dict[str, list[datetime]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        for text, at in read(fact):
            address = _address(text)
            if not _in_hall(address, halls):
                seen[address][fact.bid].append(at)
    found: list[Signal] = []
    for address, by_bid in seen.items():
        if len(_organisations(facts, by_bid)) < 2:
            continue
        organisation = {fact.bid: fact.organization for fact in facts}
        evidence = {
            "ip": str(address),
            "bids": {
                bid: {"organization": organisation[bid], "times": [t.isoformat() for t in sorted(by_bid[bid])]}
                for bid in sorted(by_bid)
            },
        }
        latest = max(t for times in by_bid.values() for t in times)
        found.append(Signal(rule, rule.article, tuple(sorted(by_bid)), evidence, latest))
    return found


def _normalised(value: str, strip: str) -> str:
    return "".join(ch for ch in value if ch not in strip).strip().lower()


def _shared_value_signals(
    rule: Rule, facts: Sequence[BidFacts], key: str, read: Callable[[BidFacts], Iterable[str]], strip: str
) -> list[Signal]:
    seen: dict[str, set[str]] = defaultdict(set)
    for fact in facts:
        for value in read(fact):
            normal = _normalised(value, strip)
            if normal:
                seen[normal].add(fact.bid)
    organisation = {fact.bid: fact.organization for fact in facts}
    found: list[Signal] = []
    for value, bids in seen.items():
        if len(_organisations(facts, bids)) < 2:
            continue
        evidence = {key: value, "bids": {bid: {"organization": organisation[bid]} for bid in sorted(bids)}}
        found.append(Signal(rule, rule.article, tuple(sorted(bids)), evidence, None))
    return found


def _close(a: Fraction, b: Fraction, tolerance: Fraction) -> bool:
    """``a`` and ``b`` (both > 0) equal within ``tolerance`` relative to the larger."""
    return abs(a - b) <= tolerance * max(a, b)


def _runs(values: Sequence[Fraction], tolerance: Fraction) -> list[tuple[int, int]]:
    """Maximal runs ``[start, end)`` of ≥ 2 steps whose consecutive ``values`` (the steps) are all close
    to the run's first step (so a slow drift is not a pattern)."""
    found: list[tuple[int, int]] = []
    start = 0
    while start < len(values):
        end = start + 1
        while end < len(values) and values[start] > 0 and _close(values[start], values[end], tolerance):
            end += 1
        if end - start >= 2 and values[start] > 0:
            found.append((start, end))
            start = end
        else:
            start += 1
    return found


def _price_signals(facts: Sequence[BidFacts], tolerance: Decimal) -> list[Signal]:
    priced = sorted(
        ((fact.price_fen, fact.bid, fact.organization) for fact in facts if fact.price_fen is not None),
        key=lambda entry: (entry[0], entry[1]),
    )
    prices = [Fraction(price) for price, _, _ in priced]
    kinds: dict[tuple[int, int], list[str]] = {}
    differences = [b - a for a, b in pairwise(prices)]
    ratios = [b / a for a, b in pairwise(prices)]
    for kind, steps in (("constant_difference", differences), ("constant_ratio", [r - 1 for r in ratios])):
        for start, end in _runs(steps, Fraction(tolerance)):
            kinds.setdefault((start, end + 1), []).append(kind)  # steps [start, end) join prices [start, end]
    found: list[Signal] = []
    for (first, last), names in kinds.items():
        entries = priced[first:last]
        if len({organization for _, _, organization in entries}) < 2:
            continue
        evidence: dict[str, Any] = {
            "kinds": names,
            "prices_fen": [price for price, _, _ in entries],
            "differences_fen": [b[0] - a[0] for a, b in pairwise(entries)],
            "ratios": [str((Decimal(b[0]) / Decimal(a[0])).quantize(RATIO_QUANTUM)) for a, b in pairwise(entries)],
            "tolerance": str(tolerance),
            "bids": {bid: {"organization": organization, "price_fen": price} for price, bid, organization in entries},
        }
        found.append(
            Signal(
                Rule.PRICE_PATTERN,
                Rule.PRICE_PATTERN.article,
                tuple(sorted(bid for _, bid, _ in entries)),
                evidence,
                None,
            )
        )
    return found


def signals(
    facts: Sequence[BidFacts], hall_networks: Sequence[str], *, price_tolerance: Decimal = Decimal("0.001")
) -> list[Signal]:
    """Every collusion signal among the bids of one lot, in a deterministic order (by rule, then bids,
    then evidence).

    * One signal per shared IP address (upload, decryption), certificate fingerprint (compared without
      colons or blanks, case-insensitively) or payer account (without blanks or hyphens), listing every
      bid that shares it — when at least two organisations do; a value that only one organisation's
      bids share is no signal. IPv4-mapped IPv6 addresses count as their IPv4 address; addresses in
      ``hall_networks`` (CIDRs, the centre's hall) are exempt (RULES §(e): uploads in the hall).
    * ``price_pattern``: the prices sorted ascending; a run of three or more consecutive prices whose
      successive differences are all within ``price_tolerance`` (relative) of the run's first
      difference, or whose successive ratios − 1 are, is one signal (equal prices are no progression;
      a pattern interleaved with an unrelated price is not found). Runs of both kinds over the same
      bids make one signal listing both ``kinds``.

    ``at`` is the latest time in the evidence (IP rules), else ``None``. Signals never reject a bid
    (RULES §(e), acceptance check 6). A malformed address or CIDR is a ``ValueError``.
    """
    if not price_tolerance.is_finite() or price_tolerance < 0:
        raise ValueError("the price tolerance is a non-negative decimal")
    halls = _networks(hall_networks)
    found = [
        *_ip_signals(Rule.SAME_UPLOAD_IP, facts, halls, lambda fact: fact.upload_ips),
        *_ip_signals(Rule.SAME_DECRYPTION_IP, facts, halls, lambda fact: fact.decryption_ips),
        *_shared_value_signals(
            Rule.SAME_SIGNING_CERTIFICATE, facts, "fingerprint", lambda fact: fact.signer_fingerprints, ": \t"
        ),
        *_shared_value_signals(Rule.SAME_PAYER_ACCOUNT, facts, "account", lambda fact: fact.payer_accounts, " -\t"),
        *_price_signals(facts, price_tolerance),
    ]
    return sorted(found, key=lambda signal: (_ORDER[signal.rule], signal.bids, repr(sorted(signal.evidence.items()))))
