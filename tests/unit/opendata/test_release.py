"""The pure OCDS builder (RULES §(g)): a crafted two-lot project at each stage makes releases that
validate against the 1.1 schema with the declared extensions, whose merge is the expected compiled
release, and in which nothing secret appears."""

from __future__ import annotations

import dataclasses
import json
import random
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from ocdsmerge import Merger  # type: ignore[import-untyped]  # the OCDS reference merge (dev only)

from bidding.opendata.merge import compile_release
from bidding.opendata.release import ocds_date, yuan
from bidding.opendata.schemas import EXTENSIONS, OCDS_VERSION, merge_patch, merge_rules, release_schema
from bidding.opendata.validate import scan_secrets, validate_package, validate_release
from tests.unit.opendata.stages import AT, BIDS, OCID, STAGES, all_releases, ended, release_at, snapshot_at


def _package(releases: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "uri": "https://bid.example.cn/api/opendata/releases",
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS.values()),
        "publishedDate": "2026-04-12T00:00:00Z",
        "publisher": {"name": "电子招标投标交易平台"},
        "releases": releases,
    }


# ----------------------------------------------------------------------------- schema


def test_patched_schema_is_1_1_with_the_extensions() -> None:
    schema = release_schema()
    assert schema["id"].endswith("/1__1__5/release-schema.json")
    assert "bids" in schema["properties"]  # bids extension
    assert "lots" in schema["definitions"]["Tender"]["properties"]  # lots
    assert "bidOpening" in schema["definitions"]["Lot"]["properties"]  # bidOpening on lots
    assert "submissionTerms" in schema["definitions"]["Lot"]["properties"]
    assert "Location" in schema["definitions"]  # bidOpening's dependency
    assert all(url.endswith("/extension.json") for url in EXTENSIONS.values())


def test_merge_patch_follows_rfc_7396() -> None:
    # RFC 7396 appendix A examples.
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch(["a", "b"], ["c", "d"]) == ["c", "d"]
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}


# ----------------------------------------------------------------------------- amounts and dates


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "0"),
        (1, "0.01"),
        (10, "0.1"),
        (123_456_789, "1234567.89"),
        (100, "1"),
        (999_999_999_999_99, "999999999999.99"),
    ],
)
def test_fen_become_exact_yuan(fen: int, text: str) -> None:
    assert json.dumps(yuan(fen)) == text


def test_amounts_too_large_are_refused() -> None:
    with pytest.raises(ValueError, match="too large"):
        yuan(10**15)


def test_dates_sort_as_strings() -> None:
    a = ocds_date(datetime(2026, 3, 2, 9, 0, 0, 5, tzinfo=UTC))
    b = ocds_date(datetime(2026, 3, 2, 9, 0, 0, 40, tzinfo=UTC))
    assert a < b and a.endswith("Z") and len(a) == len(b)


# ----------------------------------------------------------------------------- each stage


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_validates(stage: str) -> None:
    release = release_at(stage)
    assert validate_release(release) == []
    assert validate_package(_package([release])) == []
    assert release["ocid"] == OCID and release["tag"]


def test_the_validator_finds_errors() -> None:
    release = release_at("opening-A")
    release["bids"]["details"][0]["status"] = "opened"  # not in the closed bidStatus codelist
    release["date"] = "yesterday"
    errors = validate_release(release)
    assert any("/bids/details/0/status" in e for e in errors)
    assert any(e.startswith("/date") for e in errors)
    del release["initiationType"]
    assert any("initiationType" in e for e in validate_package(_package([release])))


def test_tender_release_has_lots_terms_and_opening_but_no_bid() -> None:
    release = release_at("tender")
    tender = release["tender"]
    assert tender["status"] == "active"
    assert [lot["id"] for lot in tender["lots"]] == ["A", "B"]
    lot_a = tender["lots"][0]
    assert lot_a["value"] == {"amount": 1234567.89, "currency": "CNY"}
    assert lot_a["submissionTerms"]["bidValidityPeriod"] == {"durationInDays": 90}
    assert "20000" in lot_a["submissionTerms"]["depositsGuarantees"]
    assert lot_a["bidOpening"]["date"] == ocds_date(AT["tender"].replace(day=27))
    assert "bids" not in release and "awards" not in release
    roles = {p["id"]: p["roles"] for p in release["parties"]}
    assert roles == {"CN-USCI-12330100470000001X": ["buyer"], "CN-USCI-91330100MA27000001": ["procuringEntity"]}
    assert release["parties"][0]["identifier"]["scheme"] == "CN-USCI"


def test_amendment_moves_the_deadline() -> None:
    release = release_at("amendment")
    assert release["tender"]["amendments"][0]["id"] == "amendment-1"
    assert release["tender"]["lots"][0]["bidOpening"]["date"] == ocds_date(AT["tender"].replace(day=29))
    assert release["tender"]["tenderPeriod"]["endDate"] == ocds_date(AT["tender"].replace(day=29))


def test_opening_publishes_the_bids_pending_and_withdrawn() -> None:
    release = release_at("opening-A")
    details = release["bids"]["details"]
    assert [d["status"] for d in details] == ["pending", "pending", "pending", "withdrawn"]
    assert details[0]["value"] == {"amount": 1200000.01, "currency": "CNY"}
    assert "value" not in details[3]  # not decrypted: no price
    assert all(d["relatedLots"] == ["A"] for d in details)
    assert release["tender"]["numberOfTenderers"] == 4
    assert any(d["documentType"] == "bidders" and d["relatedLots"] == ["A"] for d in release["tender"]["documents"])


def test_failed_opening_leaves_the_other_lot_active() -> None:
    release = release_at("opening-failed-B")
    assert [lot["status"] for lot in release["tender"]["lots"]] == ["active", "unsuccessful"]
    assert release["tender"]["status"] == "active"


def test_publicity_shows_pending_awards_and_the_review() -> None:
    release = release_at("publicity-A")
    awards = release["awards"]
    assert [(a["id"], a["status"]) for a in awards] == [("A-1", "pending"), ("A-2", "pending")]
    assert awards[0]["relatedBid"] == str(BIDS[1]) and awards[0]["relatedLots"] == ["A"]
    assert awards[0]["documents"][0]["documentType"] == "evaluationReports"
    statuses = {d["id"]: d["status"] for d in release["bids"]["details"]}
    assert statuses == {
        str(BIDS[0]): "valid",
        str(BIDS[1]): "valid",
        str(BIDS[2]): "disqualified",
        str(BIDS[3]): "withdrawn",
    }


def test_award_notice_turns_the_winner_active_in_a_later_release() -> None:
    before, after = release_at("publicity-A"), release_at("award-A-1")
    assert before["date"] < after["date"]
    assert {a["id"]: a["status"] for a in after["awards"]} == {"A-1": "active", "A-2": "unsuccessful"}
    winner = after["awards"][0]
    assert winner["documents"][-1]["documentType"] == "awardNotice"
    supplier = next(p for p in after["parties"] if p["id"] == winner["suppliers"][0]["id"])
    assert supplier["roles"] == ["tenderer", "supplier"]
    assert after["tender"]["lots"][0]["status"] == "complete"


def test_contract_is_active_and_signed() -> None:
    release = release_at("contract-A")
    (contract,) = release["contracts"]
    assert contract["awardID"] == "A-1" and contract["status"] == "active"
    assert contract["dateSigned"] == "2026-04-10T16:00:00.000000Z"  # 2026-04-11 00:00 China time
    assert contract["value"]["amount"] == 1185000.5
    assert release["tender"]["status"] == "complete"  # lot A complete, lot B unsuccessful


def test_a_withdrawn_winner_is_cancelled_and_the_next_one_active() -> None:
    snap = snapshot_at("award-A-1")
    from bidding.opendata.release import BatchSnap, build_release

    lot_a = snap.lots[0]
    assert lot_a.award is not None
    later = AT["award-A-1"].replace(day=9)
    second = BatchSnap(2, later, BIDS[0], lot_a.award.candidates[1].org, 120_000_001)
    award = dataclasses.replace(lot_a.award, batches=(*lot_a.award.batches, second))
    snap = dataclasses.replace(snap, as_of=later, lots=(dataclasses.replace(lot_a, award=award), snap.lots[1]))
    release = build_release(snap, release_id=f"{OCID}-award-A-2", tags=["awardUpdate"])
    assert {a["id"]: a["status"] for a in release["awards"]} == {"A-1": "cancelled", "A-2": "active"}
    assert validate_release(release) == []


@pytest.mark.parametrize(("stage", "kind"), [("publicity-A", "failed"), ("award-A-1", "terminated")])
def test_an_end_cancels_the_lot(stage: str, kind: str) -> None:
    release = ended(stage, kind)
    assert validate_release(release) == []
    lot_a = release["tender"]["lots"][0]
    assert lot_a["status"] == ("unsuccessful" if kind == "failed" else "cancelled")
    assert release["tender"]["status"] == "unsuccessful"  # both lots ended, none complete
    assert all(a["status"] in ("unsuccessful", "cancelled") for a in release["awards"])


def test_a_terminated_tender_is_cancelled() -> None:
    release = release_at("amendment", terminated_at=AT["amendment"])
    assert release["tender"]["status"] == "cancelled"
    assert {lot["status"] for lot in release["tender"]["lots"]} == {"cancelled"}


# ----------------------------------------------------------------------------- merge


def test_compiled_release_is_the_merge_of_the_releases() -> None:
    releases = all_releases()
    compiled = compile_release(list(reversed(releases)))  # any order: sorted by date
    last = releases[-1]
    assert compiled["tag"] == ["compiled"]
    assert compiled["id"] == f"{OCID}-{last['date']}" and compiled["date"] == last["date"]
    # The newest release here carries the whole state, so the merge equals it without id/date/tag;
    # earlier fields survive only where no later release replaced them (amendments, documents).
    expected = {k: v for k, v in last.items() if k not in ("id", "date", "tag")}
    body = {k: v for k, v in compiled.items() if k not in ("id", "date", "tag")}
    assert body == expected
    package = {
        "uri": "https://bid.example.cn/api/opendata/records/x",
        "version": "1.1",
        "extensions": list(EXTENSIONS.values()),
        "publishedDate": last["date"],
        "publisher": {"name": "x"},
        "records": [{"ocid": OCID, "releases": releases, "compiledRelease": compiled}],
    }
    assert validate_package(package, "record") == []


def test_merge_rules_by_identifier_whole_list_and_null() -> None:
    rules = merge_rules()
    first = {
        "ocid": "o",
        "id": "1",
        "date": "2026-01-01T00:00:00Z",
        "tag": ["tender"],
        "parties": [{"id": "p1", "roles": ["buyer", "payer"], "name": "A"}, {"id": "p2", "name": "B"}],
        "tender": {"id": "t", "title": "old", "description": "gone later", "submissionMethod": ["written"]},
        "awards": [{"id": "a1", "status": "pending"}],
    }
    second = {
        "ocid": "o",
        "id": "2",
        "date": "2026-01-02T00:00:00Z",
        "tag": ["awardUpdate"],
        "parties": [{"id": "p1", "roles": ["buyer"]}],
        "tender": {"title": "new", "description": None, "submissionMethod": ["electronicSubmission"]},
        "awards": [{"id": "a2", "status": "active"}, {"id": "a1", "status": "unsuccessful"}],
    }
    compiled = compile_release([second, first], rules)
    assert compiled["parties"] == [{"id": "p1", "roles": ["buyer"], "name": "A"}, {"id": "p2", "name": "B"}]
    assert compiled["tender"] == {"id": "t", "title": "new", "submissionMethod": ["electronicSubmission"]}
    assert compiled["awards"] == [{"id": "a1", "status": "unsuccessful"}, {"id": "a2", "status": "active"}]
    assert compiled["tag"] == ["compiled"] and compiled["id"] == "o-2026-01-02T00:00:00Z"


def test_merge_equals_ocdsmerge() -> None:
    releases = [*all_releases(), ended("award-A-1", "failed")]
    merger = Merger(release_schema())
    assert compile_release(releases) == merger.create_compiled_release(releases)


# ----------------------------------------------------------------------------- secrets


def test_no_secret_in_any_stage() -> None:
    openings = {"A": AT["opening-A"], "B": None}
    for release in all_releases():
        assert scan_secrets(release, openings=openings, forbidden=["张三", "异议内容"]) == []


def test_secrets_scan_catches_planted_secrets() -> None:
    release = release_at("publicity-A")
    release["awards"][0]["description"] = "评委：张三、李四"
    release["parties"][0]["details"] = {"bankAccount": "6222 0212 3456 7890 123"}
    release["tender"]["evaluationCommittee"] = ["王五"]
    release["tender"]["lots"][1]["description"] = "退款账号 6222021234567890123"
    found = scan_secrets(release, forbidden=["张三"])
    assert any("/awards/0/description" in f and "forbidden" in f for f in found)
    assert any("bankAccount" in f and "bank data" in f for f in found)
    assert any("evaluationCommittee" in f for f in found)
    assert any("/tender/lots/1/description" in f and "account number" in f for f in found)


def test_secrets_scan_catches_bids_before_the_opening() -> None:
    release = release_at("opening-A")
    assert scan_secrets(release, openings={"A": AT["opening-A"]}) == []
    early = scan_secrets(release, openings={"A": AT["publicity-A"]})
    assert len(early) == 4 and all("before its opening closed" in f for f in early)
    assert scan_secrets(release, openings={}) != []  # a lot whose opening is unknown: no bid may show


def _random_release(rng: random.Random, n: int) -> dict[str, Any]:
    """A release of random fields from a small vocabulary: identified arrays, whole lists, nulls."""

    def maybe(value: Any) -> Any:
        return rng.choice([value, value, None])

    release: dict[str, Any] = {"ocid": "o", "id": f"r{n}", "date": f"2026-01-{rng.randint(1, 9):02d}T00:00:00Z"}
    release["tag"] = ["tenderUpdate"]
    if rng.random() < 0.8:
        release["tender"] = {
            "id": "t",
            "title": maybe(rng.choice(["a", "b", "c"])),
            "submissionMethod": rng.choice([["electronicSubmission"], ["written", "inPerson"], None]),
            "documents": [
                {"id": rng.choice(["d1", "d2", "d3"]), "title": maybe(rng.choice(["x", "y"]))}
                for _ in range(rng.randint(0, 3))
            ],
        }
    if rng.random() < 0.7:
        release["awards"] = [
            {
                "id": rng.choice(["a1", "a2"]),
                "status": maybe(rng.choice(["pending", "active", "unsuccessful"])),
                "suppliers": [{"id": rng.choice(["s1", "s2"]), "name": rng.choice(["N", "M"])}],
                "relatedLots": rng.choice([["A"], ["A", "B"], None]),
                "documents": [{"id": "ad", "url": rng.choice(["u1", "u2"])}] if rng.random() < 0.5 else [],
            }
            for _ in range(rng.randint(0, 2))
        ]
    if rng.random() < 0.6:
        release["parties"] = [
            {
                "id": rng.choice(["p1", "p2"]),
                "roles": rng.choice([["buyer"], ["tenderer", "supplier"], None]),
                "additionalIdentifiers": rng.choice([[{"scheme": "X", "id": "1"}], [{"scheme": "Y", "id": "2"}], None]),
            }
        ]
    return release


@pytest.mark.parametrize("seed", range(40))
def test_merge_equals_ocdsmerge_on_random_releases(seed: int) -> None:
    rng = random.Random(seed)
    releases = [_random_release(rng, n) for n in range(rng.randint(1, 5))]
    merger = Merger(release_schema())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns of repeated ids within one array
        expected = merger.create_compiled_release(releases)
    assert compile_release(releases) == expected
