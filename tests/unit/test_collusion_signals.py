"""The collusion rules (issue 24 "Collusion report", issue 20 "Collusion signals"; RULES e, acceptance
checks 1-6; 条例 40): crafted bids for each signal with its rule id, article, bids and evidence (its
``bids`` map) and time; the hall's addresses and a bidder's own bids exempt; the price tolerance just
inside and just outside; independent bids give nothing."""

from __future__ import annotations

import ipaddress
import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bidding.collusion import signals as collusion
from bidding.collusion.signals import (
    GENERIC_PEOPLE,
    BidFacts,
    DocumentMeta,
    Rule,
    Sighting,
    Signal,
    mask_account,
    normalise_account,
    signals,
)

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
T1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
T3 = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
T4 = datetime(2026, 12, 2, 9, 31, tzinfo=UTC)
HALL = (ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("2001:db8:aa::/48"))


def bid(bid_id: str, bidder: str, **facts: object) -> BidFacts:
    return BidFacts(bid_id, bidder, f"{bidder} 公司", **facts)  # type: ignore[arg-type]


def run(bids: list[BidFacts], **options: object) -> list[Signal]:
    return signals(bids, hall_networks=HALL, now=NOW, **options)  # type: ignore[arg-type]


def only(found: list[Signal], rule: Rule) -> Signal:
    matching = [signal for signal in found if signal.rule is rule]
    assert len(matching) == 1, found
    return matching[0]


def independent() -> list[BidFacts]:
    """Three bidders with nothing in common; prices 1 000 000, 1 037 000, 1 121 000 (steps 37 000 and
    84 000, ratios 1.037 and 1.081: no pattern)."""
    return [
        bid(
            f"bid-{n}",
            f"bidder-{n}",
            upload_ips=(Sighting(f"203.0.113.{n}", T1),),
            decryption_ips=(Sighting(f"198.51.100.{n}", T2),),
            signing_cert_sha256=f"{n}" * 64,
            sealing_key_sha256=f"{n + 3}" * 64,
            payer_accounts=(f"6222 0000 000{n}",),
            documents=(
                DocumentMeta(f"商务标{n}.pdf", "pdf", author=f"作者{n}", application="WPS Office", doc_id=f"{n}a" * 16),
                DocumentMeta(f"报价{n}.xlsx", "xlsx", author=f"编制人{n}", last_modified_by=f"审核人{n}"),
            ),
            price_fen=price,
            legal_representative_id=f"{n}f" * 32,
            machine_ids=(f"{n}c" * 32,),
        )
        for n, price in ((1, 1_000_000), (2, 1_037_000), (3, 1_121_000))
    ]


def test_independent_bids_give_no_signal() -> None:
    assert run(independent()) == []


def test_every_rule_has_its_article_and_only_the_legal_representative_blocks() -> None:
    assert {rule: rule.article for rule in Rule} == {
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
    # The wire ids the pages, the report and the docs use.
    assert [rule.value for rule in Rule][1:6] == [
        "same_upload_ip",
        "same_decryption_ip",
        "same_machine",
        "same_signing_certificate",
        "same_key",
    ]


def test_same_upload_ip_with_each_bids_times() -> None:
    bids = independent()
    bids[0] = replace(bids[0], upload_ips=(Sighting("203.0.113.77", T2), Sighting("203.0.113.1", T1)))
    bids[1] = replace(bids[1], upload_ips=(Sighting("::ffff:203.0.113.77", T1),))
    found = run(bids)
    signal = only(found, Rule.SAME_UPLOAD_IP)
    assert [s.rule for s in found] == [Rule.SAME_UPLOAD_IP]
    assert (signal.article, signal.bid_ids, signal.blocking, signal.at, signal.reported_at) == (
        "条例40（一）（二）",
        ("bid-1", "bid-2"),
        False,
        T2,  # the latest sighting
        NOW,
    )
    assert signal.evidence == {
        "ip": "203.0.113.77",
        "bids": {
            "bid-1": {
                "bidder_id": "bidder-1",
                "bidder_name": "bidder-1 公司",
                "times": [T2.isoformat()],
                "addresses": ["203.0.113.77"],
            },
            "bid-2": {
                "bidder_id": "bidder-2",
                "bidder_name": "bidder-2 公司",
                "times": [T1.isoformat()],
                "addresses": ["::ffff:203.0.113.77"],
            },
        },
    }
    assert "203.0.113.77" in signal.summary_zh and "bidder-1 公司" in signal.summary_en
    json.dumps(signal.evidence)  # JSON-able as it is


def test_upload_and_decryption_addresses_are_separate_rules() -> None:
    # One bid uploaded from an address another decrypted from: no signal (different acts).
    bids = independent()
    bids[1] = replace(bids[1], decryption_ips=(Sighting("203.0.113.1", T2),))
    assert run(bids) == []
    bids[1] = replace(bids[1], decryption_ips=(Sighting("198.51.100.1", T4),))
    signal = only(run(bids), Rule.SAME_DECRYPTION_IP)
    assert (signal.bid_ids, signal.evidence["ip"], signal.at) == (("bid-1", "bid-2"), "198.51.100.1", T4)


def test_the_halls_addresses_are_exempt() -> None:
    bids = independent()
    bids[0] = replace(bids[0], upload_ips=(Sighting("10.1.4.4", T1),), decryption_ips=(Sighting("2001:db8:aa::5", T2),))
    bids[1] = replace(
        bids[1], upload_ips=(Sighting("::ffff:10.1.4.4", T1),), decryption_ips=(Sighting("2001:db8:aa::5", T2),)
    )
    assert run(bids) == []
    # The same sightings outside any hall are a signal for each address.
    found = signals(bids, hall_networks=["10.9.0.0/16"], now=NOW)
    assert [(s.rule, s.evidence["ip"]) for s in found] == [
        (Rule.SAME_UPLOAD_IP, "10.1.4.4"),
        (Rule.SAME_DECRYPTION_IP, "2001:db8:aa::5"),
    ]


def test_a_bidders_own_bids_never_signal_against_each_other() -> None:
    shared = {
        "upload_ips": (Sighting("203.0.113.9", T1),),
        "decryption_ips": (Sighting("203.0.113.10", T2),),
        "signing_cert_sha256": "ab" * 32,
        "sealing_key_sha256": "cd" * 32,
        "payer_accounts": ("6222000011112222",),
        "documents": (DocumentMeta("a.docx", "docx", author="张三", template="投标模板.dotx", doc_id="{ABC}"),),
        "price_fen": 1_000_000,
        "withdrawn_at": T1,
        "legal_representative_id": "ef" * 32,
        "machine_ids": ("12" * 32,),
    }
    versions = [bid("v1", "bidder-1", **shared), bid("v2", "bidder-1", **shared), bid("v3", "bidder-1", **shared)]
    assert run([*versions, *independent()[1:]]) == []
    # A second bidder sharing them makes every rule fire, each listing the first bidder's versions too.
    other = bid("w1", "bidder-9", **shared)
    rules = [signal.rule for signal in run([*versions, other])]
    assert set(rules) == set(Rule) - {Rule.PRICE_PATTERN}
    assert all(s.bid_ids == ("v1", "v2", "v3", "w1") for s in run([*versions, other]))
    assert all(sorted(s.evidence["bids"]) == ["v1", "v2", "v3", "w1"] for s in run([*versions, other]))  # type: ignore[call-overload]


def test_same_signing_certificate() -> None:
    bids = independent()
    bids[2] = replace(bids[2], signing_cert_sha256="11:11:" + "1" * 60)  # colons and case do not matter
    signal = only(run(bids), Rule.SAME_SIGNING_CERTIFICATE)
    assert (signal.rule, signal.article, signal.bid_ids, signal.at) == (
        "same_signing_certificate",
        "条例40（二）",
        ("bid-1", "bid-3"),
        None,  # no time in the evidence
    )
    assert signal.evidence == {
        "certificate_sha256": "1" * 64,
        "bids": {
            "bid-1": {"bidder_id": "bidder-1", "bidder_name": "bidder-1 公司"},
            "bid-3": {"bidder_id": "bidder-3", "bidder_name": "bidder-3 公司"},
        },
    }


def test_same_sealing_key() -> None:
    bids = independent()
    bids[1] = replace(bids[1], sealing_key_sha256=("4" * 64).upper())
    signal = only(run(bids), Rule.SAME_KEY)
    assert (signal.rule, signal.article, signal.bid_ids) == ("same_key", "条例40（二）", ("bid-1", "bid-2"))
    assert signal.evidence["key_sha256"] == "4" * 64


def test_same_payer_account_is_masked() -> None:
    bids = independent()
    bids[0] = replace(bids[0], payer_accounts=("6222-0000 1234 5678",))
    bids[2] = replace(bids[2], payer_accounts=("6222 0003", "622200001234 5678"))
    signal = only(run(bids), Rule.SAME_PAYER_ACCOUNT)
    assert (signal.article, signal.bid_ids) == ("条例40（六）", ("bid-1", "bid-3"))
    assert signal.evidence["account"] == "****5678"
    assert "12345678" not in json.dumps(signal.evidence) + signal.summary_zh + signal.summary_en
    assert normalise_account("cn-62 22ab") == "CN6222AB"
    assert mask_account("6222 0000 1234") == "****1234"
    assert mask_account("12-34") == "****"


def test_same_document_author_or_editor() -> None:
    bids = independent()
    bids[1] = replace(
        bids[1],
        documents=(
            DocumentMeta("技术标.docx", "docx", last_modified_by=" 作者1 ", application="Microsoft Office Word"),
        ),
    )
    signal = only(run(bids), Rule.SAME_DOCUMENT_METADATA)
    assert (signal.article, signal.bid_ids) == ("条例40（一）", ("bid-1", "bid-2"))
    assert signal.evidence["field"] == "person"
    assert signal.evidence["value"] == "作者1"
    entries: dict[str, dict[str, object]] = signal.evidence["bids"]  # type: ignore[assignment]
    assert [
        (bid, d["document"], d["field"], d["application"])
        for bid, entry in entries.items()
        for d in entry["documents"]  # type: ignore[attr-defined]
    ] == [
        ("bid-1", "商务标1.pdf", "author", "WPS Office"),
        ("bid-2", "技术标.docx", "last_modified_by", "Microsoft Office Word"),
    ]


def test_same_template_and_same_document_id() -> None:
    bids = independent()
    bids[0] = replace(
        bids[0], documents=(*bids[0].documents, DocumentMeta("t.docx", "docx", template="C:\\模板\\某公司投标.dotx"))
    )
    bids[2] = replace(
        bids[2],
        documents=(
            DocumentMeta("x.docx", "docx", template="某公司投标.DOTX"),
            DocumentMeta("y.pdf", "pdf", doc_id=("1A" * 16)),
        ),
    )
    found = [s for s in run(bids) if s.rule is Rule.SAME_DOCUMENT_METADATA]
    assert [(s.evidence["field"], s.evidence["value"], s.bid_ids) for s in found] == [
        ("doc_id", "1a" * 16, ("bid-1", "bid-3")),
        ("template", "某公司投标.dotx", ("bid-1", "bid-3")),
    ]


def test_generic_authors_templates_and_the_application_alone_are_no_signal() -> None:
    assert {"administrator", "微软用户", "microsoft office user", "wps office", ""} <= GENERIC_PEOPLE
    generic = (
        DocumentMeta("a.docx", "docx", author="Administrator", last_modified_by="微软用户", template="Normal.dotm"),
        DocumentMeta("b.xlsx", "xlsx", author="Microsoft Office User", application="WPS Office"),
        DocumentMeta("c.pdf", "pdf", author=" ", application="WPS Office", doc_id="00" * 16),
    )
    bids = [replace(fact, documents=generic) for fact in independent()]
    assert run(bids) == []


def test_identical_prices() -> None:
    bids = independent()
    bids[2] = replace(bids[2], price_fen=1_037_000)
    signal = only(run(bids), Rule.IDENTICAL_PRICES)
    assert (signal.article, signal.bid_ids) == ("条例40（四）", ("bid-2", "bid-3"))
    assert signal.evidence["price_fen"] == 1_037_000
    entries: dict[str, dict[str, object]] = signal.evidence["bids"]  # type: ignore[assignment]
    assert {bid: entry["price_fen"] for bid, entry in entries.items()} == {"bid-2": 1_037_000, "bid-3": 1_037_000}


def priced(*prices: int) -> list[BidFacts]:
    return [bid(f"p{n}", f"bidder-{n}", price_fen=price) for n, price in enumerate(prices)]


def test_prices_in_a_constant_difference() -> None:
    signal = only(run(priced(1_100_000, 1_000_000, 1_050_000, 1_300_000)), Rule.PRICE_PATTERN)
    assert (signal.article, signal.bid_ids) == ("条例40（四）", ("p0", "p1", "p2"))
    assert signal.evidence["kinds"] == ["constant_difference"]
    assert signal.evidence["prices_fen"] == [1_000_000, 1_050_000, 1_100_000]
    assert signal.evidence["differences_fen"] == [50_000, 50_000]


def test_prices_in_a_constant_ratio() -> None:
    signal = only(run(priced(1_000_000, 1_050_000, 1_102_500, 1_157_625, 900_000)), Rule.PRICE_PATTERN)
    assert signal.bid_ids == ("p0", "p1", "p2", "p3")
    assert signal.evidence["kinds"] == ["constant_ratio"]
    assert signal.evidence["ratios"] == ["1.050000", "1.050000", "1.050000"]


@pytest.mark.parametrize(
    ("third", "pattern"),
    [
        (1_100_049, "constant_difference"),  # steps 50 000 and 50 049: 0.098 % apart
        (1_100_051, None),  # 50 051: 0.102 %
        (1_099_951, "constant_difference"),  # 49 951: 50 000 is 0.098 % above it
        (1_099_949, None),
        (1_102_547, "constant_ratio"),  # ratio − 1: 0.05 and 0.0500448 (0.090 %)
        (1_102_560, None),  # 0.0500571 (0.114 %)
    ],
)
def test_price_tolerance_just_inside_and_just_outside(third: int, pattern: str | None) -> None:
    found = [s.evidence["kinds"] for s in run(priced(1_000_000, 1_050_000, third)) if s.rule is Rule.PRICE_PATTERN]
    assert found == ([[pattern]] if pattern else [])


def test_the_price_tolerance_is_a_parameter() -> None:
    bids = priced(1_000_000, 1_050_000, 1_100_500)  # steps 1 % apart
    assert [s.rule for s in run(bids)] == []
    assert [s.rule for s in run(bids, price_tolerance=Decimal("0.01"))] == [Rule.PRICE_PATTERN]
    assert [s.rule for s in run(priced(100, 200, 300), price_tolerance=Decimal(0))] == [Rule.PRICE_PATTERN]
    with pytest.raises(ValueError, match="tolerance"):
        run(bids, price_tolerance=Decimal("-0.1"))


def test_every_maximal_run_is_found_and_a_price_between_breaks_it() -> None:
    found = [s.evidence["prices_fen"] for s in run(priced(100, 110, 120, 131, 142))]
    assert found == [[100, 110, 120], [120, 131, 142]]
    # 100, 105, 110 and 120, 130: no three consecutive distinct prices with one step.
    assert run(priced(100, 105, 110 + 5, 130)) == []
    assert [s.evidence["prices_fen"] for s in run(priced(100, 105, 110, 130))] == [[100, 105, 110]]


def test_a_pattern_needs_three_bidders_and_counts_equal_prices_once() -> None:
    two_bidders = [bid("a", "X", price_fen=100), bid("b", "X", price_fen=200), bid("c", "Y", price_fen=300)]
    assert run(two_bidders) == []
    with_equal = [*priced(100, 200, 300), bid("d", "bidder-9", price_fen=200)]
    found = run(with_equal)
    assert [(s.rule, s.bid_ids) for s in found] == [
        (Rule.IDENTICAL_PRICES, ("d", "p1")),
        (Rule.PRICE_PATTERN, ("d", "p0", "p1", "p2")),
    ]
    assert found[1].evidence["prices_fen"] == [100, 200, 300]


def test_near_simultaneous_withdrawals() -> None:
    bids = independent()
    bids[0] = replace(bids[0], withdrawn_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    bids[2] = replace(bids[2], withdrawn_at=datetime(2026, 12, 1, 18, 4, tzinfo=timezone(timedelta(hours=8))))
    signal = only(run(bids), Rule.SIMULTANEOUS_WITHDRAWALS)
    assert (signal.article, signal.bid_ids) == ("条例39（三）", ("bid-1", "bid-3"))
    assert signal.at == datetime(2026, 12, 1, 10, 4, tzinfo=UTC)  # the last withdrawal
    assert signal.evidence == {
        "window_seconds": 300,
        "first": "2026-12-01T10:00:00+00:00",
        "last": "2026-12-01T10:04:00+00:00",
        "bids": {
            "bid-1": {
                "bidder_id": "bidder-1",
                "bidder_name": "bidder-1 公司",
                "withdrawn_at": "2026-12-01T10:00:00+00:00",
            },
            "bid-3": {
                "bidder_id": "bidder-3",
                "bidder_name": "bidder-3 公司",
                "withdrawn_at": "2026-12-01T10:04:00+00:00",
            },
        },
    }


@pytest.mark.parametrize(("gap", "flagged"), [(timedelta(minutes=5), True), (timedelta(minutes=5, seconds=1), False)])
def test_the_withdrawal_window_is_inclusive(gap: timedelta, flagged: bool) -> None:
    bids = [bid("a", "X", withdrawn_at=T1), bid("b", "Y", withdrawn_at=T1 + gap)]
    assert bool(run(bids)) is flagged
    assert bool(run(bids, withdrawal_window=timedelta(minutes=10)))


def test_withdrawals_do_not_chain() -> None:
    bids = [bid(f"w{n}", f"bidder-{n}", withdrawn_at=T1 + timedelta(minutes=4 * n)) for n in range(3)]
    assert [s.bid_ids for s in run(bids)] == [("w0", "w1"), ("w1", "w2")]


def test_same_machine() -> None:
    bids = independent()
    bids[1] = replace(bids[1], machine_ids=("aa" * 32, "1C" * 32))
    signal = only(run(bids), Rule.SAME_MACHINE)
    assert (signal.article, signal.bid_ids, signal.blocking) == ("条例40（一）", ("bid-1", "bid-2"), False)
    assert signal.evidence["machine_id_sha256"] == "1c" * 32


def test_same_legal_representative_is_a_blocking_ground() -> None:
    bids = independent()
    bids[2] = replace(bids[2], legal_representative_id="2f" * 32)
    found = run(bids)
    signal = only(found, Rule.SAME_LEGAL_REPRESENTATIVE)
    assert (signal.article, signal.bid_ids, signal.blocking) == ("条例34", ("bid-2", "bid-3"), True)
    assert signal.evidence["legal_representative_sha256"] == "2f" * 32
    assert "评标委员会" in signal.summary_zh and "committee" in signal.summary_en
    assert [s.blocking for s in found] == [True]


def test_the_order_is_deterministic() -> None:
    bids = independent()
    bids[0] = replace(bids[0], upload_ips=(Sighting("203.0.113.2", T1),), price_fen=1_037_000)
    bids[2] = replace(bids[2], legal_representative_id="1f" * 32, payer_accounts=("6222 0000 0002",))
    found = run(bids)
    assert [s.rule for s in found] == [
        Rule.SAME_LEGAL_REPRESENTATIVE,
        Rule.SAME_UPLOAD_IP,
        Rule.SAME_PAYER_ACCOUNT,
        Rule.IDENTICAL_PRICES,
    ]
    assert run(list(reversed(bids))) == found
    shuffled = list(bids)
    random.Random(7).shuffle(shuffled)
    assert run(shuffled) == found


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        signals(independent(), hall_networks=HALL, now=datetime(2026, 12, 7))
    with pytest.raises(ValueError, match="once"):
        run([*independent(), independent()[0]])
    naive = [bid("a", "X", withdrawn_at=datetime(2026, 12, 1)), bid("b", "Y")]
    with pytest.raises(ValueError, match="aware"):
        run(naive)
    with pytest.raises(ValueError):
        signals(independent(), hall_networks=["10.1.0.0/33"], now=NOW)
    with pytest.raises(ValueError, match="window"):
        run(independent(), withdrawal_window=timedelta(seconds=-1))


def test_an_address_that_is_no_address_is_compared_as_text() -> None:
    bids = [bid("a", "X", upload_ips=(Sighting("unknown", T1),)), bid("b", "Y", upload_ips=(Sighting(" Unknown", T2),))]
    assert [s.evidence["ip"] for s in run(bids)] == ["unknown"]


def test_the_worked_examples_of_the_module() -> None:
    uploads = {"A": ("X", T1), "B": ("Y", T2)}
    bids = [
        bid(name, bidder, upload_ips=(Sighting("203.0.113.5", at),), decryption_ips=(Sighting("10.1.0.7", at),))
        for name, (bidder, at) in uploads.items()
    ]
    found = run(bids)
    assert [(s.rule, s.bid_ids, s.evidence["ip"], s.at) for s in found] == [
        (Rule.SAME_UPLOAD_IP, ("A", "B"), "203.0.113.5", T2)
    ]
    patterns = [run(priced(1_000_000, 1_050_000, third)) for third in (1_100_000, 1_102_500)]
    assert [[s.evidence["kinds"] for s in found] for found in patterns] == [
        [["constant_difference"]],
        [["constant_ratio"]],
    ]
    small = run(priced(1_000_000, 1_000_100, 1_000_200))
    assert [s.evidence["kinds"] for s in small] == [["constant_difference", "constant_ratio"]]
    ten = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    for minutes, flagged in ((4, True), (6, False)):
        withdrawn = [bid("a", "X", withdrawn_at=ten), bid("b", "Y", withdrawn_at=ten + timedelta(minutes=minutes))]
        assert [s.rule for s in run(withdrawn)] == ([Rule.SIMULTANEOUS_WITHDRAWALS] if flagged else [])


def test_module_docstring_names_every_rule() -> None:
    assert all(rule.value in (collusion.__doc__ or "") for rule in Rule)


# ---------------------------------------------------------------- the committee's lot (issue 20's cases)


def lot() -> list[BidFacts]:
    """A (X) and B (Y) uploaded from one address and decrypted in the hall, share a certificate
    (written differently); A and C (Z) paid from one account; prices 1 000 000, 1 050 000, 1 100 000."""
    return [
        bid(
            "A",
            "X",
            price_fen=1_000_000,
            upload_ips=(Sighting("203.0.113.5", T1),),
            decryption_ips=(Sighting("10.1.0.7", T3),),
            signing_cert_sha256="AB:CD:EF",
            payer_accounts=("6222 0000 1111",),
        ),
        bid(
            "B",
            "Y",
            price_fen=1_050_000,
            upload_ips=(Sighting("203.0.113.5", T2),),
            decryption_ips=(Sighting("10.1.0.7", T4),),
            signing_cert_sha256="abcdef",
            payer_accounts=("6222-0000-2222",),
        ),
        bid(
            "C",
            "Z",
            price_fen=1_100_000,
            upload_ips=(Sighting("198.51.100.9", T1),),
            decryption_ips=(Sighting("198.51.100.9", T3),),
            signing_cert_sha256="1234",
            payer_accounts=("62220000 1111",),
        ),
    ]


def test_a_lot_gives_every_rule_in_order_with_its_time() -> None:
    found = run(lot())
    assert [(s.rule, s.bid_ids, s.at) for s in found] == [
        (Rule.SAME_UPLOAD_IP, ("A", "B"), T2),
        (Rule.SAME_SIGNING_CERTIFICATE, ("A", "B"), None),
        (Rule.SAME_PAYER_ACCOUNT, ("A", "C"), None),
        (Rule.PRICE_PATTERN, ("A", "B", "C"), None),
    ]
    prices = found[3]
    # 1,000,000 → 1,050,000 → 1,100,000: a constant difference of 50,000; the ratios 1.05 and 1.047619
    # differ by more than 0.1 % of 0.047619, so no constant ratio.
    assert prices.evidence["kinds"] == ["constant_difference"]
    assert prices.evidence["ratios"] == ["1.050000", "1.047619"]
    assert found[1].evidence["certificate_sha256"] == "abcdef"
    for signal in found:
        json.dumps(signal.evidence)
    # 10.1.0.7 is in the hall; without the hall it is a decryption signal, at the later decryption.
    decrypted = [s for s in signals(lot(), hall_networks=[], now=NOW) if s.rule is Rule.SAME_DECRYPTION_IP]
    assert [(s.bid_ids, s.evidence["ip"], s.at) for s in decrypted] == [(("A", "B"), "10.1.0.7", T4)]


def test_another_bidder_joining_a_bidders_address_lists_all_its_bids() -> None:
    versions = [
        bid("A", "X", price_fen=100_000, upload_ips=(Sighting("203.0.113.5", T1),), signing_cert_sha256="ff"),
        bid("A2", "X", price_fen=200_000, upload_ips=(Sighting("203.0.113.5", T2),), signing_cert_sha256="FF"),
        bid("A3", "X", price_fen=300_000),
    ]
    assert run(versions) == []
    (found,) = run([*versions, bid("B", "Y", upload_ips=(Sighting("203.0.113.5", T3),))])
    assert (found.rule, found.bid_ids, found.at) == (Rule.SAME_UPLOAD_IP, ("A", "A2", "B"), T3)


def test_a_run_stops_at_an_unrelated_price_and_equal_prices_are_no_pattern() -> None:
    bids = [*priced(100_000, 200_000, 300_000, 400_000, 1_000_000), bid("none", "bidder-9")]
    (found,) = run(bids)
    assert found.bid_ids == ("p0", "p1", "p2", "p3")
    assert found.evidence["prices_fen"] == [100_000, 200_000, 300_000, 400_000]
    assert run(priced(100_000, 200_000)) == []  # two prices are no pattern
    assert [s.rule for s in run(priced(5, 5, 5))] == [Rule.IDENTICAL_PRICES]


def test_price_tolerance_boundary_relative_to_the_smallest_step() -> None:
    # Steps 100,000 and 100,100: 100 ≤ 0.001 × 100,000 → a pattern; 100,200 is not, unless 0.2 %.
    assert [s.rule for s in run(priced(1_000_000, 1_100_000, 1_200_100))] == [Rule.PRICE_PATTERN]
    wider = priced(1_000_000, 1_100_000, 1_200_200)
    assert run(wider) == []
    assert [s.rule for s in run(wider, price_tolerance=Decimal("0.002"))] == [Rule.PRICE_PATTERN]
    assert run(wider, price_tolerance=Decimal(0)) == []
