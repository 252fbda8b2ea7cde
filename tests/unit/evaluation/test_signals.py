"""Collusion signals (RULES §(e), acceptance checks 1, 3, 4, 6; 条例 40): shared IPs with the hall exempt,
shared certificates and payer accounts, regular price gaps; only between different organisations."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bidding.evaluation.signals import BidFacts, Rule, Signal, signals

T1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
T3 = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
T4 = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
HALL = ["10.1.0.0/16", "2001:db8:aa::/48"]


def bid(name: str, organization: str, price: int | None = None, **facts: object) -> BidFacts:
    return BidFacts(name, organization, price_fen=price, **facts)  # type: ignore[arg-type]


FACTS = [
    bid(
        "A",
        "X",
        1_000_000,
        upload_ips=(("203.0.113.5", T1),),
        decryption_ips=(("10.1.0.7", T3),),
        signer_fingerprints=("AB:CD:EF",),
        payer_accounts=("6222 0000 1111",),
    ),
    bid(
        "B",
        "Y",
        1_050_000,
        upload_ips=(("203.0.113.5", T2),),
        decryption_ips=(("10.1.0.7", T4),),
        signer_fingerprints=("abcdef",),
        payer_accounts=("6222-0000-2222",),
    ),
    bid(
        "C",
        "Z",
        1_100_000,
        upload_ips=(("198.51.100.9", T1),),
        decryption_ips=(("198.51.100.9", T3),),
        signer_fingerprints=("1234",),
        payer_accounts=("62220000 1111",),
    ),
]


def test_every_rule_with_its_evidence_and_time() -> None:
    found = signals(FACTS, HALL)
    assert [(s.rule, s.bids) for s in found] == [
        (Rule.SAME_UPLOAD_IP, ("A", "B")),
        (Rule.SAME_SIGNING_CERTIFICATE, ("A", "B")),
        (Rule.SAME_PAYER_ACCOUNT, ("A", "C")),
        (Rule.PRICE_PATTERN, ("A", "B", "C")),
    ]
    upload, certificate, payer, prices = found
    assert upload == Signal(
        Rule.SAME_UPLOAD_IP,
        "条例40（一）（二）",
        ("A", "B"),
        {
            "ip": "203.0.113.5",
            "bids": {
                "A": {"organization": "X", "times": [T1.isoformat()]},
                "B": {"organization": "Y", "times": [T2.isoformat()]},
            },
        },
        T2,
    )
    assert certificate.evidence["fingerprint"] == "abcdef"
    assert certificate.article == "条例40（二）"
    assert certificate.at is None
    assert payer.evidence == {
        "account": "622200001111",
        "bids": {"A": {"organization": "X"}, "C": {"organization": "Z"}},
    }
    assert payer.article == "条例40（六）"
    # 1,000,000 → 1,050,000 → 1,100,000: a constant difference of 50,000; the ratios 1.05 and 1.047619
    # differ by more than 0.1 % of 0.05, so no constant ratio.
    assert prices.article == "条例40（四）"
    assert prices.evidence["kinds"] == ["constant_difference"]
    assert prices.evidence["differences_fen"] == [50_000, 50_000]
    assert prices.evidence["ratios"] == ["1.050000", "1.047619"]
    for signal in found:
        json.dumps(signal.evidence)


def test_the_hall_is_exempt_and_decryption_ips_are_checked() -> None:
    # 10.1.0.7 is in the hall: no decryption signal above. Without the hall it is one, at T4.
    found = [s for s in signals(FACTS, []) if s.rule is Rule.SAME_DECRYPTION_IP]
    assert [(s.bids, s.evidence["ip"], s.at) for s in found] == [(("A", "B"), "10.1.0.7", T4)]
    # An IPv6 hall network exempts IPv6 addresses; an IPv4-mapped address counts as its IPv4 address.
    facts = [
        bid("A", "X", upload_ips=(("2001:db8:aa::1", T1), ("::ffff:203.0.113.5", T1))),
        bid("B", "Y", upload_ips=(("2001:db8:aa::1", T2), ("203.0.113.5", T2))),
    ]
    assert [(s.rule, s.evidence["ip"]) for s in signals(facts, HALL)] == [(Rule.SAME_UPLOAD_IP, "203.0.113.5")]


def test_only_between_different_organisations() -> None:
    facts = [
        bid("A", "X", 100_000, upload_ips=(("203.0.113.5", T1),), signer_fingerprints=("ff",), payer_accounts=("1",)),
        bid("A2", "X", 200_000, upload_ips=(("203.0.113.5", T2),), signer_fingerprints=("FF",), payer_accounts=("1",)),
        bid("A3", "X", 300_000),
    ]
    assert signals(facts, HALL) == []
    facts.append(bid("B", "Y", upload_ips=(("203.0.113.5", T3),)))
    (found,) = signals(facts, HALL)
    assert found.bids == ("A", "A2", "B")
    assert found.at == T3


def test_a_constant_ratio() -> None:
    # 1,000,000 × 1.1 = 1,100,000 × 1.1 = 1,210,000; the differences 100,000 and 110,000 are not constant.
    facts = [bid("A", "X", 1_000_000), bid("B", "Y", 1_100_000), bid("C", "Z", 1_210_000)]
    (found,) = signals(facts, HALL)
    assert found.evidence["kinds"] == ["constant_ratio"]
    assert found.evidence["ratios"] == ["1.100000", "1.100000"]


def test_small_gaps_are_both_kinds_in_one_signal() -> None:
    # Differences 100, 100; ratios − 1: 0.0001 and 0.0000999900…, within 0.1 % of each other.
    facts = [bid("A", "X", 1_000_000), bid("B", "Y", 1_000_100), bid("C", "Z", 1_000_200)]
    (found,) = signals(facts, HALL)
    assert found.evidence["kinds"] == ["constant_difference", "constant_ratio"]


def test_price_tolerance_boundary() -> None:
    # Differences 100,000 and 100,100: |100| ≤ 0.001 × 100,100 = 100.1 → a pattern.
    facts = [bid("A", "X", 1_000_000), bid("B", "Y", 1_100_000), bid("C", "Z", 1_200_100)]
    assert [s.rule for s in signals(facts, HALL)] == [Rule.PRICE_PATTERN]
    # 100,000 and 100,200: |200| > 100.2 → none; with a 0.2 % tolerance, a pattern again.
    facts[2] = bid("C", "Z", 1_200_200)
    assert signals(facts, HALL) == []
    assert [s.rule for s in signals(facts, HALL, price_tolerance=Decimal("0.002"))] == [Rule.PRICE_PATTERN]
    # Exact only: the same difference, to the fen.
    assert signals(facts, HALL, price_tolerance=Decimal(0)) == []


def test_price_runs_are_consecutive_and_maximal() -> None:
    facts = [
        bid("A", "X", 100_000),
        bid("B", "Y", 200_000),
        bid("C", "Z", 300_000),
        bid("D", "W", 400_000),
        bid("E", "V", 1_000_000),
        bid("F", "U", None),
    ]
    (found,) = signals(facts, HALL)
    assert found.bids == ("A", "B", "C", "D")
    assert found.evidence["prices_fen"] == [100_000, 200_000, 300_000, 400_000]
    # Two prices, or equal prices, are no pattern.
    assert signals(facts[:2], HALL) == []
    assert signals([bid("A", "X", 5), bid("B", "Y", 5), bid("C", "Z", 5)], HALL) == []


def test_the_order_is_deterministic() -> None:
    expected = signals(FACTS, HALL)
    shuffled = list(FACTS)
    random.Random(7).shuffle(shuffled)
    assert signals(list(reversed(FACTS)), HALL) == expected
    assert signals(shuffled, HALL) == expected


def test_malformed_input_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        signals([bid("A", "X", upload_ips=(("not an ip", T1),))], HALL)
    with pytest.raises(ValueError):
        signals(FACTS, ["10.1.0.0/33"])
    with pytest.raises(ValueError, match="tolerance"):
        signals(FACTS, HALL, price_tolerance=Decimal(-1))
