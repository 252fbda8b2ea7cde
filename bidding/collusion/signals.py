"""The collusion rules (围标串标, issue 24 "Collusion report", issue 20 "Collusion signals"; RULES e):
from what the platform already knows of each bid of ONE lot, the signals that bids of different
bidders share something they should not. The one rules module: the evaluation committee's signals
(``GET /api/evaluations/{id}/signals``, the evaluation report) and supervision's report use it. Pure:
no database, HTTP, settings or clock — the facts, the hall's networks and the moment of the report are
passed in; moments are aware datetimes, shown in UTC.

A signal is a **suspicion, not proof** (RULES e, acceptance check 6; "one CPU match is suspicion, not
proof"): it never rejects a bid. Each carries a stable rule id (on the wire), the article it points
to, the bids (sorted), JSON-able evidence (the shared value — a hash, a masked account —, and
``bids``: one entry per bid, keyed by bid id, with its bidder's id and name and that bid's
sightings, prices or times), the latest moment in the evidence (``at``; ``None`` when it has none)
and the moment of the report (``reported_at``). Only the shared legal representative is
``blocking`` (条例 34: such bids are invalid), and even then it is a ground **for the committee to
decide**, never an automatic rejection.

===========================  ===================  ==========================================================
rule                         article              signal when bids of two or more different bidders…
===========================  ===================  ==========================================================
same_legal_representative    条例34               have one legal representative (hashed ID number):
                                                  **blocking**, for the committee to decide
same_upload_ip               条例40（一）（二）   were uploaded from one IP address (hall networks exempt;
                                                  ``::ffff:a.b.c.d`` is ``a.b.c.d``)
same_decryption_ip           条例40（一）（二）   were decrypted from one IP address (the same exemptions)
same_machine                 条例40（一）         were made on one machine (hash of a MAC, CPU, disk or
                                                  pricing-dongle serial, RULES e check 2; 闽建筑〔2018〕29号)
same_signing_certificate     条例40（二）         were signed with one certificate (SHA-256)
same_key                     条例40（二）         were signed or sealed with one public key (SHA-256 of the
                                                  SubjectPublicKeyInfo): two certificates, one key
same_payer_account           条例40（六）         had deposits paid from one account (letters and digits
                                                  only, upper-case; the evidence shows the last 4 only)
same_document_metadata       条例40（一）         carry documents with one author / last editor (one
                                                  person field), one template, or one file id (PDF /ID,
                                                  WPS ICV, Word docId); generic names (:data:`GENERIC_PEOPLE`,
                                                  :data:`GENERIC_TEMPLATES`) are ignored; the creating
                                                  application is evidence only
identical_prices             条例40（四）         quote the same price (异常一致)
price_pattern                条例40（四）         quote ≥ 3 prices in a constant difference or ratio
                                                  (投标报价呈规律性差异; ≥ 3 different bidders)
simultaneous_withdrawals     条例39（三）         were withdrawn within ``withdrawal_window`` (约定部分投标人
                                                  放弃投标)
===========================  ===================  ==========================================================

Government procurement reads the same facts under 87号令 37 (视为串通投标: (一) one preparer, (二) one
agent, (四) abnormal sameness or regular price gaps, (六) one deposit account) and 政采条例 74 (六)
(agreed withdrawals); the article strings above are those of 招标投标法实施条例.

**Bids of one bidder never signal against each other** (a bidder's replaced versions share its IP,
certificate and account): a shared value makes a signal only when at least two different
``bidder_id`` share it, and then the signal lists every bid that shares it. One signal per shared
value (per upload IP, per decryption IP, per certificate, per account, per document field and
value, per machine hash…).

**Worked examples** (``tests/unit/test_collusion_signals.py`` checks each):

* Bids A (bidder X) and B (bidder Y) uploaded from 203.0.113.5 at 09:00 and 09:05, and decrypted from
  the hall's 10.1.0.7 → one ``same_upload_ip`` signal for 203.0.113.5 with both times (``at`` 09:05);
  none for 10.1.0.7.
* Prices 1 000 000, 1 050 000, 1 100 000 fen (three bidders) → ``price_pattern``, constant difference
  50 000 fen; 1 000 000, 1 050 000, 1 102 500 → constant ratio 1.05; 1 000 000, 1 000 100,
  1 000 200 → one signal of both kinds. With the default tolerance (0.1 %), steps 50 000 and
  50 049 are one pattern (0.098 %), 50 000 and 50 051 are not (0.102 %).
* Bids withdrawn at 10:00 and 10:04 (two bidders) → ``simultaneous_withdrawals``; at 10:00 and 10:06
  → nothing (window 5 minutes, inclusive).

**Prices.** The priced bids' *distinct* prices sorted ascending; every maximal run of three or more
consecutive prices (no price of the lot left out between them) whose steps agree within
``price_tolerance``: ``max(step) − min(step) ≤ tolerance × min(step)``, where a step is the difference
(constant difference) or the ratio − 1 (constant ratio). A maximal run is one not inside a longer run;
runs may overlap (100, 110, 120, 131, 142 gives 100–120 and 120–142). The tolerance is relative to the
*step* in both kinds, not to the ratio itself: close prices all have ratios near 1, so 0.1 % of the
ratio would accept most honest triples. A run must involve at least three different bidders (a
bidder's own versions are no pattern among bidders). Runs of both kinds over the same prices are one
signal listing both ``kinds``. Equal prices are their own signal (``identical_prices``), and count
once in the runs.

**Withdrawals.** Every maximal set of withdrawals, consecutive in time, whose first and last are at
most ``withdrawal_window`` apart (no chaining: withdrawals every 4 minutes for an hour are several
overlapping signals, not one), with at least two different bidders.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise
from typing import Final

__all__ = [
    "DEFAULT_PRICE_TOLERANCE",
    "DEFAULT_WITHDRAWAL_WINDOW",
    "GENERIC_PEOPLE",
    "GENERIC_TEMPLATES",
    "BidFacts",
    "DocumentMeta",
    "Rule",
    "Sighting",
    "Signal",
    "mask_account",
    "normalise_account",
    "signals",
]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Steps of a price pattern agree within 0.1 % of the smallest step (RULES e check 4: "within a tolerance").
DEFAULT_PRICE_TOLERANCE: Final = Decimal("0.001")
#: Withdrawals at most 5 minutes apart are "near-simultaneous" (issue 24).
DEFAULT_WITHDRAWAL_WINDOW: Final = timedelta(minutes=5)
#: Authors and editors that name no one: the defaults of Office, WPS and the libraries that write
#: documents, and common machine names. Compared case-insensitively, blanks trimmed.
GENERIC_PEOPLE: Final = frozenset(
    name.casefold()
    for name in (
        "",
        "Administrator",
        "admin",
        "user",
        "owner",
        "author",
        "unknown",
        "微软用户",
        "微软中国",
        "用户",
        "作者",
        "未知",
        "Microsoft Office User",
        "Microsoft",
        "Windows User",
        "Windows 用户",
        "WPS Office",
        "WPS",
        "Lenovo",
        "Dell",
        "HP",
        "PC",
        "openpyxl",
        "python-docx",
        "Apache POI",
        "Anonymous",
    )
)
#: Templates every copy of Word or WPS uses: no signal. Compared case-insensitively.
GENERIC_TEMPLATES: Final = frozenset(
    name.casefold() for name in ("", "Normal", "Normal.dot", "Normal.dotm", "Normal.dotx", "Normal.wpt")
)
_RATIO_PLACES: Final = Decimal("0.000001")


class Rule(StrEnum):
    """A signal's stable rule id, as on the wire (the order of the report: the blocking one first);
    :attr:`article` is what it points to."""

    SAME_LEGAL_REPRESENTATIVE = "same_legal_representative"
    SAME_UPLOAD_IP = "same_upload_ip"
    SAME_DECRYPTION_IP = "same_decryption_ip"
    SAME_MACHINE = "same_machine"
    SAME_SIGNING_CERTIFICATE = "same_signing_certificate"
    SAME_KEY = "same_key"
    SAME_PAYER_ACCOUNT = "same_payer_account"
    SAME_DOCUMENT_METADATA = "same_document_metadata"
    IDENTICAL_PRICES = "identical_prices"
    PRICE_PATTERN = "price_pattern"
    SIMULTANEOUS_WITHDRAWALS = "simultaneous_withdrawals"

    @property
    def article(self) -> str:
        return _ARTICLES[self]


# One notation, full-width brackets, as the evaluation report and the pages show it.
_ARTICLES: Final = {
    Rule.SAME_LEGAL_REPRESENTATIVE: "条例34",
    Rule.SAME_UPLOAD_IP: "条例40（一）（二）",
    Rule.SAME_DECRYPTION_IP: "条例40（一）（二）",
    Rule.SAME_MACHINE: "条例40（一）",
    Rule.SAME_SIGNING_CERTIFICATE: "条例40（二）",
    Rule.SAME_KEY: "条例40（二）",
    Rule.SAME_PAYER_ACCOUNT: "条例40（六）",
    Rule.SAME_DOCUMENT_METADATA: "条例40（一）",
    Rule.IDENTICAL_PRICES: "条例40（四）",
    Rule.PRICE_PATTERN: "条例40（四）",
    Rule.SIMULTANEOUS_WITHDRAWALS: "条例39（三）",
}
_ORDER: Final = {rule: index for index, rule in enumerate(Rule)}


@dataclass(frozen=True, slots=True)
class Sighting:
    """One client address seen for a bid (an upload request, a decryption command) and when."""

    ip: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a bid's document says of itself (:mod:`bidding.collusion.doc_metadata` reads it).

    ``kind`` is ``"pdf"``, ``"docx"``, ``"xlsx"`` or ``"other"``; ``application`` the creating
    application (PDF /Creator, Office ``Application``), ``producer`` the PDF /Producer; ``doc_id`` a
    file's own id, kept across its edits and so shared by copies: the first element of a PDF's trailer
    /ID in hex, WPS's custom property ICV, Word's w15/w14 docId or Excel's revision documentId.
    """

    name: str
    kind: str
    author: str | None = None
    last_modified_by: str | None = None
    application: str | None = None
    template: str | None = None
    doc_id: str | None = None
    created: datetime | None = None
    producer: str | None = None


@dataclass(frozen=True, slots=True)
class BidFacts:
    """What the platform knows of one bid of the lot (times aware). Hashes are hex (SHA-256 for the
    certificate and the key); ``legal_representative_id`` and ``machine_ids`` are hashes only (RULES e
    check 2: "store hashes only")."""

    bid_id: str
    bidder_id: str
    bidder_name: str
    upload_ips: tuple[Sighting, ...] = ()
    decryption_ips: tuple[Sighting, ...] = ()
    signing_cert_sha256: str | None = None
    sealing_key_sha256: str | None = None
    payer_accounts: tuple[str, ...] = ()
    documents: tuple[DocumentMeta, ...] = ()
    price_fen: int | None = None
    withdrawn_at: datetime | None = None
    legal_representative_id: str | None = None
    machine_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signal:
    """One suspicion: rule, article, bids (sorted), evidence (with its ``bids`` map), whether it is a
    blocking ground (条例 34 only), the latest moment in the evidence (``None`` if it has none), the
    moment of the report, and a sentence in Chinese and in English."""

    rule: Rule
    article: str
    bid_ids: tuple[str, ...]
    evidence: dict[str, object]
    blocking: bool
    at: datetime | None
    reported_at: datetime
    summary_zh: str
    summary_en: str


def normalise_account(account: str) -> str:
    """An account number as compared: letters and digits only, upper-case (``6222-0000 1111`` →
    ``622200001111``)."""
    return "".join(ch for ch in account if ch.isalnum()).upper()


def mask_account(account: str) -> str:
    """The account as evidence shows it: its last 4 characters only (``****1111``)."""
    normal = normalise_account(account)
    return "****" + (normal[-4:] if len(normal) > 4 else "")


def _hex(value: str) -> str:
    """A hash compared without colons, blanks or case (``AB:CD`` = ``abcd``)."""
    return "".join(ch for ch in value if ch not in ": \t-").lower()


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _address(text: str) -> IPAddress | str:
    """The address compared: IPv4-mapped IPv6 as IPv4; text that is no address is compared as text
    (trimmed, lower-case) so that it still matches itself, and is never in the hall."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return text.strip().lower()
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _in_hall(address: IPAddress | str, halls: Sequence[IPNetwork]) -> bool:
    if isinstance(address, str):
        return False
    return any(address.version == network.version and address in network for network in halls)


def _short(value: str) -> str:
    """A hash as a sentence shows it (the evidence has it whole)."""
    return value if len(value) <= 16 else value[:12] + "…"


def _bid_entry(fact: BidFacts, **more: object) -> dict[str, object]:
    """One bid's entry in the evidence's ``bids`` map: its bidder, then what the rule saw of it."""
    return {"bidder_id": fact.bidder_id, "bidder_name": fact.bidder_name, **more}


class _Report:
    """The facts of the lot by bid, and the signals made from them."""

    def __init__(self, facts: Sequence[BidFacts], now: datetime) -> None:
        self.by_id = {fact.bid_id: fact for fact in facts}
        if len(self.by_id) != len(facts):
            raise ValueError("each bid's facts are given once")
        self.now = now
        self.found: list[Signal] = []

    def bidders(self, bid_ids: Iterable[str]) -> list[str]:
        return sorted({self.by_id[bid].bidder_id for bid in bid_ids})

    def names(self, bid_ids: Iterable[str]) -> list[str]:
        seen: dict[str, str] = {}
        for bid in sorted(bid_ids):
            fact = self.by_id[bid]
            seen.setdefault(fact.bidder_id, fact.bidder_name)
        return list(seen.values())

    def add(
        self,
        rule: Rule,
        bid_ids: Iterable[str],
        evidence: dict[str, object],
        texts: tuple[str, str],
        at: datetime | None = None,
    ) -> None:
        ids = tuple(sorted(set(bid_ids)))
        names = self.names(ids)
        zh, en = texts
        self.found.append(
            Signal(
                rule=rule,
                article=rule.article,
                bid_ids=ids,
                evidence=evidence,
                blocking=rule is Rule.SAME_LEGAL_REPRESENTATIVE,
                at=at,
                reported_at=self.now,
                summary_zh=f"{len(names)}家投标人（{'、'.join(names)}）{zh}（{rule.article}）",
                summary_en=f"{len(names)} bidders ({', '.join(names)}) {en} ({rule.article})",
            )
        )

    def shared(
        self,
        rule: Rule,
        read: Callable[[BidFacts], Iterable[str]],
        key: str,
        shown: Callable[[str], str],
        zh: str,
        en: str,
    ) -> None:
        """One signal per value (already normalised by ``read``) that two or more bidders share."""
        groups: dict[str, set[str]] = defaultdict(set)
        for fact in self.by_id.values():
            for value in read(fact):
                if value:
                    groups[value].add(fact.bid_id)
        for value, bids in groups.items():
            if len(self.bidders(bids)) >= 2:
                evidence: dict[str, object] = {
                    key: shown(value),
                    "bids": {bid: _bid_entry(self.by_id[bid]) for bid in sorted(bids)},
                }
                short = _short(shown(value))
                self.add(rule, bids, evidence, (zh.format(short), en.format(short)))


_IP_TEXTS: Final = {
    Rule.SAME_UPLOAD_IP: ("的投标文件自同一IP地址{}上传", "uploaded their bids from one IP address, {}"),
    Rule.SAME_DECRYPTION_IP: ("的投标文件自同一IP地址{}解密", "decrypted their bids from one IP address, {}"),
}


def _ip_rule(
    report: _Report, rule: Rule, read: Callable[[BidFacts], tuple[Sighting, ...]], halls: Sequence[IPNetwork]
) -> None:
    """One signal per address outside the hall from which two bidders' bids were uploaded (or
    decrypted); each bid's entry lists its times and the addresses as seen (``::ffff:…`` too)."""
    groups: dict[IPAddress | str, dict[str, list[tuple[datetime, str]]]] = defaultdict(lambda: defaultdict(list))
    for fact in report.by_id.values():
        for sighting in read(fact):
            address = _address(sighting.ip)
            if not _in_hall(address, halls):
                groups[address][fact.bid_id].append((_utc(sighting.at, "a sighting's time"), sighting.ip.strip()))
    for address, by_bid in groups.items():
        if len(report.bidders(by_bid)) < 2:
            continue
        ip = str(address)
        evidence: dict[str, object] = {
            "ip": ip,
            "bids": {
                bid: _bid_entry(
                    report.by_id[bid],
                    times=[_iso(at) for at, _ in sorted(seen)],
                    addresses=sorted({raw for _, raw in seen}),
                )
                for bid, seen in sorted(by_bid.items())
            },
        }
        zh, en = _IP_TEXTS[rule]
        latest = max(at for seen in by_bid.values() for at, _ in seen)
        report.add(rule, by_bid, evidence, (zh.format(ip), en.format(ip)), latest)


def _person(value: str | None) -> str | None:
    """An author or editor as compared (trimmed, case-folded), ``None`` when it names no one."""
    if value is None:
        return None
    normal = " ".join(value.split()).casefold()
    return None if normal in GENERIC_PEOPLE else normal


_DOCUMENT_FIELDS: Final = {
    "person": ("作者或最后修改人", "author or last editor"),
    "template": ("模板", "template"),
    "doc_id": ("文件标识(PDF /ID等)", "file id (PDF /ID, WPS ICV, Office docId)"),
}


def _document_rule(report: _Report) -> None:
    """One signal per (field, value) shared by two bidders' documents; author and last editor are one
    field, ``person`` (a preparer who wrote one bid and edited another is the same preparer)."""
    groups: dict[tuple[str, str], list[tuple[str, DocumentMeta, str]]] = defaultdict(list)
    for fact in report.by_id.values():
        for document in fact.documents:
            for field_name, raw in (("author", document.author), ("last_modified_by", document.last_modified_by)):
                person = _person(raw)
                if person is not None:
                    groups[("person", person)].append((fact.bid_id, document, field_name))
            # Office may write a template's path: its file name is what is shared.
            template = " ".join(re.split(r"[\\/]", document.template or "")[-1].split()).casefold()
            if template not in GENERIC_TEMPLATES:
                groups[("template", template)].append((fact.bid_id, document, "template"))
            doc_id = _hex(document.doc_id or "")
            if doc_id.strip("0"):  # an all-zero /ID names no file
                groups[("doc_id", doc_id)].append((fact.bid_id, document, "doc_id"))
    for (field_name, value), seen in groups.items():
        by_bid: dict[str, list[dict[str, object]]] = defaultdict(list)
        for bid, document, found_in in seen:
            by_bid[bid].append(
                {
                    "document": document.name,
                    "kind": document.kind,
                    "field": found_in,
                    "value": getattr(document, found_in),
                    "application": document.application,
                }
            )
        if len(report.bidders(by_bid)) < 2:
            continue
        evidence: dict[str, object] = {
            "field": field_name,
            "value": value,
            "bids": {
                bid: _bid_entry(
                    report.by_id[bid],
                    documents=sorted(documents, key=lambda entry: (str(entry["document"]), str(entry["field"]))),
                )
                for bid, documents in sorted(by_bid.items())
            },
        }
        what_zh, what_en = _DOCUMENT_FIELDS[field_name]
        report.add(
            Rule.SAME_DOCUMENT_METADATA,
            by_bid,
            evidence,
            (f"的投标文件{what_zh}相同：{value}", f"submitted documents with one {what_en}: {value}"),
        )


def _price_entries(report: _Report, prices: Sequence[int], by_price: dict[int, list[str]]) -> dict[str, object]:
    return {bid: _bid_entry(report.by_id[bid], price_fen=price) for price in prices for bid in sorted(by_price[price])}


def _runs(steps: Sequence[Fraction], tolerance: Fraction) -> list[tuple[int, int]]:
    """Maximal runs of ≥ 2 consecutive ``steps``, as ``(first, last)`` step indexes, whose spread is
    within ``tolerance`` of their smallest step (all steps > 0). The spread only grows as a run grows,
    so each start's longest run is found by extending it; a run inside an earlier start's is left out."""
    found: list[tuple[int, int]] = []
    reach = -1
    for start in range(len(steps)):
        low = high = steps[start]
        end = start
        while end + 1 < len(steps):
            candidate = steps[end + 1]
            new_low, new_high = min(low, candidate), max(high, candidate)
            if new_high - new_low > tolerance * new_low:
                break
            low, high, end = new_low, new_high, end + 1
        if end > start and end > reach:
            found.append((start, end))
            reach = end
    return found


_KINDS: Final = {
    "constant_difference": ("等差", "a constant difference"),
    "constant_ratio": ("等比", "a constant ratio"),
}


def _price_rules(report: _Report, tolerance: Fraction, tolerance_text: str) -> None:
    by_price: dict[int, list[str]] = defaultdict(list)
    for fact in report.by_id.values():
        if fact.price_fen is not None:
            by_price[fact.price_fen].append(fact.bid_id)
    for price, bids in by_price.items():
        if len(report.bidders(bids)) >= 2:
            evidence: dict[str, object] = {"price_fen": price, "bids": _price_entries(report, [price], by_price)}
            report.add(
                Rule.IDENTICAL_PRICES,
                bids,
                evidence,
                (f"的投标报价相同：{price}分", f"quoted the same price: {price} fen"),
            )
    prices = sorted(p for p in by_price if p > 0)  # a ratio needs positive prices
    steps_of = {
        "constant_difference": [Fraction(b - a) for a, b in pairwise(prices)],
        "constant_ratio": [Fraction(b, a) - 1 for a, b in pairwise(prices)],
    }
    # Runs of both kinds over the same prices are one signal listing both kinds (small gaps are both).
    kinds: dict[tuple[int, int], list[str]] = {}
    for kind, steps in steps_of.items():
        for first, last in _runs(steps, tolerance):
            kinds.setdefault((first, last), []).append(kind)
    for (first, last), names in kinds.items():
        run = prices[first : last + 2]
        bids = [bid for price in run for bid in by_price[price]]
        if len(report.bidders(bids)) < 3:
            continue
        evidence = {
            "kinds": names,
            "prices_fen": run,
            "differences_fen": [b - a for a, b in pairwise(run)],
            "ratios": [str((Decimal(b) / Decimal(a)).quantize(_RATIO_PLACES)) for a, b in pairwise(run)],
            "tolerance": tolerance_text,
            "bids": _price_entries(report, run, by_price),
        }
        zh = "、".join(_KINDS[name][0] for name in names)
        en = " and ".join(_KINDS[name][1] for name in names)
        report.add(
            Rule.PRICE_PATTERN,
            bids,
            evidence,
            (f"的{len(run)}个投标报价呈{zh}规律", f"quoted {len(run)} prices in {en}"),
        )


def _withdrawal_rule(report: _Report, window: timedelta) -> None:
    withdrawn = sorted(
        (_utc(fact.withdrawn_at, "a withdrawal's time"), fact.bid_id)
        for fact in report.by_id.values()
        if fact.withdrawn_at is not None
    )
    reach = -1
    for start in range(len(withdrawn)):
        end = start
        while end + 1 < len(withdrawn) and withdrawn[end + 1][0] - withdrawn[start][0] <= window:
            end += 1
        group = withdrawn[start : end + 1]
        bids = [bid for _, bid in group]
        if end <= reach or len(report.bidders(bids)) < 2:
            continue
        reach = end
        evidence: dict[str, object] = {
            "window_seconds": int(window.total_seconds()),
            "first": _iso(group[0][0]),
            "last": _iso(group[-1][0]),
            "bids": {
                bid: _bid_entry(report.by_id[bid], withdrawn_at=_iso(at)) for at, bid in sorted(group, key=_second)
            },
        }
        minutes = int((group[-1][0] - group[0][0]).total_seconds() // 60)
        report.add(
            Rule.SIMULTANEOUS_WITHDRAWALS,
            bids,
            evidence,
            (f"在{minutes}分钟内相继撤回投标文件", f"withdrew their bids within {minutes} minutes of each other"),
            group[-1][0],
        )


def _second(entry: tuple[datetime, str]) -> str:
    return entry[1]


def _networks(hall_networks: Iterable[IPNetwork | str]) -> tuple[IPNetwork, ...]:
    return tuple(
        ipaddress.ip_network(network, strict=False) if isinstance(network, str) else network
        for network in hall_networks
    )


def _evidence_key(signal: Signal) -> str:
    return json.dumps(signal.evidence, sort_keys=True, ensure_ascii=False, default=str)


def signals(
    bids: Sequence[BidFacts],
    *,
    hall_networks: Iterable[IPNetwork | str],
    now: datetime,
    price_tolerance: Decimal | Fraction = DEFAULT_PRICE_TOLERANCE,
    withdrawal_window: timedelta = DEFAULT_WITHDRAWAL_WINDOW,
) -> list[Signal]:
    """Every signal of the module's table among the bids of one lot, in a deterministic order: by rule
    (the order of :class:`Rule`: the blocking one first), then bids, then evidence.

    ``hall_networks`` are the centre's hall (``ipaddress`` networks, or CIDR text): addresses in them
    are exempt (RULES e check 1). ``now`` is the report's moment, every signal's ``reported_at``; a
    signal's ``at`` is the latest sighting (IP rules) or withdrawal in its evidence, else ``None``.
    Naive times, a bid given twice, a negative tolerance or window, a hall CIDR that is none are a
    ``ValueError``; nothing else raises (an uploader's address that is no address is compared as text).
    """
    at = _utc(now, "now")
    tolerance = Fraction(price_tolerance)
    if tolerance < 0:
        raise ValueError("the price tolerance is not negative")
    if withdrawal_window < timedelta(0):
        raise ValueError("the withdrawal window is not negative")
    report = _Report(bids, at)
    halls = _networks(hall_networks)
    report.shared(
        Rule.SAME_LEGAL_REPRESENTATIVE,
        lambda fact: [_hex(fact.legal_representative_id or "")],
        "legal_representative_sha256",
        str,
        "的法定代表人为同一人（{}），相关投标可能无效，由评标委员会认定",
        "have one legal representative ({}): a ground to invalidate the bids, for the committee to decide",
    )
    _ip_rule(report, Rule.SAME_UPLOAD_IP, lambda fact: fact.upload_ips, halls)
    _ip_rule(report, Rule.SAME_DECRYPTION_IP, lambda fact: fact.decryption_ips, halls)
    report.shared(
        Rule.SAME_MACHINE,
        lambda fact: [_hex(machine) for machine in fact.machine_ids],
        "machine_id_sha256",
        str,
        "的投标文件在同一台机器上制作（硬件标识{}）",
        "made their bids on one machine (hardware id {})",
    )
    report.shared(
        Rule.SAME_SIGNING_CERTIFICATE,
        lambda fact: [_hex(fact.signing_cert_sha256 or "")],
        "certificate_sha256",
        str,
        "使用同一数字证书（{}）签署投标文件",
        "signed their bids with one certificate ({})",
    )
    report.shared(
        Rule.SAME_KEY,
        lambda fact: [_hex(fact.sealing_key_sha256 or "")],
        "key_sha256",
        str,
        "使用同一密钥（{}）签署或加密投标文件",
        "signed or sealed their bids with one key ({})",
    )
    report.shared(
        Rule.SAME_PAYER_ACCOUNT,
        lambda fact: [normalise_account(account) for account in fact.payer_accounts],
        "account",
        mask_account,
        "的投标保证金从同一账户（{}）转出",
        "paid their deposits from one account ({})",
    )
    _document_rule(report)
    _price_rules(report, tolerance, str(price_tolerance))
    _withdrawal_rule(report, withdrawal_window)
    return sorted(report.found, key=lambda signal: (_ORDER[signal.rule], signal.bid_ids, _evidence_key(signal)))
