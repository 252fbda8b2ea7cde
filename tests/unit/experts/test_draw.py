"""The draw `bidding-draw-v1` (docs/expert-draw.md): the encodings byte by byte, the ranking, seats before
backups with nobody twice, refusals, the record's JSON, and verification of partial records."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import replace

import pytest

from bidding.experts import draw as draw_module
from bidding.experts.draw import (
    ALGORITHM,
    CheckStatus,
    DrawInputInvalid,
    DrawRecord,
    DrawRecordInvalid,
    Pool,
    PoolInsufficient,
    Seats,
    _Ranking,
    commit,
    derive_seed,
    draw,
    new_server_seed,
    rank_key,
    ranking,
    select,
    server_seed_commitment,
    verify,
)

SERVER_SEED = bytes(range(32))
PUBLIC = {"opening_record_sha256": "00" * 32, "beacon.round": "1234"}


def small_pool() -> Pool:
    return Pool.build(
        "draw-1",
        {"B02": Seats(1, 1), "A01": Seats(2, 1)},
        {"A01": ["e5", "e1", "e3", "e2", "e4"], "B02": ["e9", "e3", "e8"]},
    )


def test_the_pool_document_byte_by_byte() -> None:
    pool = small_pool()
    assert list(pool.constraints) == ["A01", "B02"]
    assert pool.eligible["A01"] == ("e1", "e2", "e3", "e4", "e5")
    assert pool.document() == (
        b"bidding-draw-v1 pool\n"
        b"draw draw-1\n"
        b"specialty A01 seats 2 backups 1\n"
        b"specialty B02 seats 1 backups 1\n"
        b"expert A01 e1\nexpert A01 e2\nexpert A01 e3\nexpert A01 e4\nexpert A01 e5\n"
        b"expert B02 e3\nexpert B02 e8\nexpert B02 e9\n"
    )
    assert pool.commitment() == hashlib.sha256(pool.document()).hexdigest()


def test_a_specialty_without_eligible_experts_keeps_its_line() -> None:
    pool = Pool.build("d", {"A01": Seats(1), "B02": Seats(1)}, {"A01": ["x"]})
    assert pool.document() == (
        b"bidding-draw-v1 pool\ndraw d\nspecialty A01 seats 1 backups 0\nspecialty B02 seats 1 backups 0\nexpert A01 x\n"
    )
    assert pool.shortfall() == [{"specialty": "B02", "seats": 1, "available": 0}]


def test_the_server_seed_and_its_commitment() -> None:
    assert (
        server_seed_commitment(SERVER_SEED)
        == hashlib.sha256(b"bidding-draw-v1 server-seed\n" + SERVER_SEED).hexdigest()
    )
    with pytest.raises(DrawInputInvalid):
        server_seed_commitment(b"short")
    seeds = {new_server_seed() for _ in range(8)}
    assert len(seeds) == 8
    assert all(len(s) == 32 for s in seeds)


def test_the_seed_message_and_seed() -> None:
    pool = small_pool()
    message = (
        b"bidding-draw-v1 seed\n"
        b"draw draw-1\n"
        + f"pool {pool.commitment()}\n".encode()
        + f"server-seed {server_seed_commitment(SERVER_SEED)}\n".encode()
        + b"public beacon.round=1234\n"
        + b"public opening_record_sha256="
        + b"0" * 64
        + b"\n"
    )
    expected = hmac.new(SERVER_SEED, message, "sha256").digest()
    assert derive_seed(SERVER_SEED, "draw-1", pool.commitment(), PUBLIC) == expected


@pytest.mark.parametrize(
    "public",
    [
        pytest.param({}, id="none"),
        pytest.param({"Opening": "x"}, id="upper-case-name"),
        pytest.param({"a=b": "x"}, id="equals-in-name"),
        pytest.param({"a": ""}, id="empty-value"),
        pytest.param({"a": "line\nbreak"}, id="newline-in-value"),
        pytest.param({"a": "中文"}, id="non-ascii-value"),
        pytest.param({"a": "x" * 1025}, id="long-value"),
    ],
)
def test_public_inputs_the_encoding_cannot_carry_are_refused(public: dict[str, str]) -> None:
    with pytest.raises(DrawInputInvalid):
        derive_seed(SERVER_SEED, "d", "00" * 32, public)


@pytest.mark.parametrize(
    ("constraints", "eligible"),
    [
        pytest.param({"A01": Seats(1)}, {"A01": ["has space"]}, id="space-in-id"),
        pytest.param({"A01": Seats(1)}, {"A01": ["line\nbreak"]}, id="newline-in-id"),
        pytest.param({"A01": Seats(1)}, {"A01": ["专家"]}, id="non-ascii-id"),
        pytest.param({"A01": Seats(1)}, {"A01": [""]}, id="empty-id"),
        pytest.param({"A01": Seats(1)}, {"A01": ["x" * 65]}, id="id-too-long"),
        pytest.param({"A01": Seats(1)}, {"A01": ["a", "b", "a"]}, id="duplicate-id"),
        pytest.param({"A 01": Seats(1)}, {}, id="space-in-specialty"),
        pytest.param({"A01": Seats(1)}, {"B02": ["a"]}, id="eligible-without-seats"),
        pytest.param({"A01": Seats(0)}, {"A01": ["a"]}, id="zero-seats"),
        pytest.param({"A01": Seats(1, -1)}, {"A01": ["a"]}, id="negative-backups"),
        pytest.param({"A01": Seats(True)}, {"A01": ["a"]}, id="bool-seats"),  # type: ignore[arg-type]
        pytest.param({}, {}, id="no-specialty"),
    ],
)
def test_pools_the_encoding_cannot_carry_are_refused(
    constraints: dict[str, Seats], eligible: dict[str, list[str]]
) -> None:
    with pytest.raises(DrawInputInvalid) as caught:
        Pool.build("d", constraints, eligible)
    assert caught.value.code == "draw_input_invalid"
    assert caught.value.status == 422


def test_a_bad_draw_id_is_refused() -> None:
    with pytest.raises(DrawInputInvalid, match="draw id"):
        Pool.build("draw 1", {"A01": Seats(1)}, {"A01": ["a"]})


def test_ranking_is_hmac_of_the_expert_id_by_ascending_bytes() -> None:
    seed = hashlib.sha256(b"seed").digest()
    ids = [f"expert-{n}" for n in range(50)]
    ranked = ranking(seed, ids)
    assert [e for e, _ in ranked] == sorted(ids, key=lambda e: hmac.new(seed, e.encode(), "sha256").digest())
    assert all(rank_key(seed, e).hex() == key for e, key in ranked)
    assert rank_key(seed, "e1") == hmac.digest(seed, b"e1", "sha256")


def naive(pool: Pool, seed: bytes) -> tuple[dict[str, list[str]], dict[str, list[str]]] | None:
    """The selection as the document states it, by full sorts."""
    used: set[str] = set()
    out: dict[str, dict[str, list[str]]] = {"seats": {}, "backups": {}}
    for phase in ("seats", "backups"):
        for code, c in pool.constraints.items():
            ranked = sorted(pool.eligible[code], key=lambda e: (rank_key(seed, e), e))
            take = [e for e in ranked if e not in used][: getattr(c, phase)]
            if phase == "seats" and len(take) < c.seats:
                return None
            out[phase][code] = take
            used.update(take)
    return out["seats"], out["backups"]


def test_seats_first_then_backups_nobody_twice() -> None:
    # Every expert is in both specialties, and keys are the same in every specialty: B02's top ranks
    # are exactly A01's seated experts, so B02 skips them.
    ids = [f"x{n:02d}" for n in range(60)]
    pool = Pool.build("overlap", {"A01": Seats(20, 3), "B02": Seats(2, 25)}, {"A01": ids, "B02": ids})
    seed = hashlib.sha256(b"overlap").digest()
    outcome = select(pool, seed)
    ranked = [e for e, _ in ranking(seed, ids)]
    assert list(outcome.seated["A01"]) == ranked[:20]
    assert list(outcome.seated["B02"]) == ranked[20:22]
    # Backups come after every seat: A01's are the next three, B02's the rest (35 left, 25 asked).
    assert list(outcome.backups["A01"]) == ranked[22:25]
    assert list(outcome.backups["B02"]) == ranked[25:50]
    assert naive(pool, seed) == as_lists(outcome.seated, outcome.backups)


def as_lists(*parts: object) -> tuple[dict[str, list[str]], ...]:
    return tuple({k: list(v) for k, v in part.items()} for part in parts)  # type: ignore[attr-defined]


@pytest.mark.parametrize("n", range(4))
def test_large_specialties_read_only_the_top_and_agree_with_full_sorts(n: int) -> None:
    # Large specialties take the threshold path (a few candidates per specialty, not every key), C01
    # is small (ranked whole); overlapping memberships make experts skipped. The result must be
    # the full sorts' result.
    ids = [f"expert-{i:05d}" for i in range(3000)]
    pool = Pool.build(
        f"large-{n}",
        {"A01": Seats(30, 4), "A02": Seats(3, 6), "B01": Seats(2, 30), "C01": Seats(1, 1)},
        {"A01": ids[:2000], "A02": ids[1000:3000], "B01": ids[::2], "C01": ids[500:700]},
    )
    seed = hashlib.sha256(f"large {n}".encode()).digest()
    outcome = select(pool, seed)
    assert naive(pool, seed) == as_lists(outcome.seated, outcome.backups)


def test_skipped_experts_beyond_the_prefix_fall_back_to_the_full_ranking(monkeypatch: pytest.MonkeyPatch) -> None:
    # Five specialties of the same 4,000 experts, 9 seats each: the fifth skips the 36 seated before
    # it, more than the ~38 candidates its threshold keeps, and must read on in the full ranking.
    full_rankings: list[int] = []
    real = draw_module._ranked

    def counting(seed: bytes, ids: Sequence[str]) -> list[str]:
        full_rankings.append(len(ids))
        return real(seed, ids)

    monkeypatch.setattr(draw_module, "_ranked", counting)
    ids = [f"e{i:04d}" for i in range(4000)]
    codes = ["A01", "A02", "A03", "A04", "A05"]
    fell_back = 0
    for n in range(6):
        pool = Pool.build(f"same-{n}", {c: Seats(9, 2) for c in codes}, {c: ids for c in codes})
        seed = hashlib.sha256(f"same {n}".encode()).digest()
        full_rankings.clear()
        outcome = select(pool, seed)
        fell_back += bool(full_rankings)
        assert naive(pool, seed) == as_lists(outcome.seated, outcome.backups)
    assert fell_back > 0


def test_a_ranking_read_past_its_prefix_continues_with_the_full_ranking() -> None:
    ids = [f"e{i}" for i in range(40)]
    seed = bytes(32)
    full = [e for e, _ in ranking(seed, ids)]
    assert list(_Ranking(full[:3], seed, ids)) == full
    assert list(_Ranking([], seed, ids)) == full
    assert list(_Ranking([], seed, [])) == []


def test_backups_are_fewer_when_the_ranking_runs_out() -> None:
    pool = Pool.build("d", {"A01": Seats(2, 5)}, {"A01": ["a", "b", "c"]})
    outcome = select(pool, bytes(32))
    assert len(outcome.seated["A01"]) == 2
    assert len(outcome.backups["A01"]) == 1
    assert set(outcome.seated["A01"]) | set(outcome.backups["A01"]) == {"a", "b", "c"}


def test_a_pool_that_cannot_fill_its_seats_is_refused() -> None:
    pool = Pool.build("d", {"A01": Seats(2), "B02": Seats(3)}, {"A01": ["a", "b", "c"], "B02": ["d", "e"]})
    assert pool.shortfall() == [{"specialty": "B02", "seats": 3, "available": 2}]
    with pytest.raises(PoolInsufficient) as caught:
        draw(pool, SERVER_SEED, PUBLIC)
    assert caught.value.code == "draw_pool_insufficient"
    assert caught.value.details == [{"specialty": "B02", "seats": 3, "available": 2}]


def test_an_overlap_can_exhaust_a_specialty() -> None:
    # B02's only expert may be seated for A01 first (A01 fills before B02): then B02 is short.
    outcomes: list[object] = []
    for n in range(40):
        pool = Pool.build(f"d{n}", {"A01": Seats(1), "B02": Seats(1)}, {"A01": ["a", "b"], "B02": ["a"]})
        try:
            record = draw(pool, SERVER_SEED, PUBLIC)
        except PoolInsufficient as exc:
            outcomes.append(exc.details)
        else:
            assert record.result is not None
            outcomes.append(dict(record.result.seated))
    assert {str(o) for o in outcomes} == {
        str([{"specialty": "B02", "seats": 1, "available": 0}]),
        str({"A01": ("b",), "B02": ("a",)}),
    }


def test_the_draw_is_deterministic_and_depends_on_every_input() -> None:
    pool = small_pool()
    first = draw(pool, SERVER_SEED, PUBLIC)
    assert draw(small_pool(), SERVER_SEED, dict(reversed(PUBLIC.items()))) == first
    assert first.algorithm == ALGORITHM
    assert first.server_seed == SERVER_SEED.hex()
    seeds = {
        first.seed,
        draw(pool, bytes(32), PUBLIC).seed,
        draw(pool, SERVER_SEED, {**PUBLIC, "beacon.round": "1235"}).seed,
        draw(Pool.build("draw-2", pool.constraints, pool.eligible), SERVER_SEED, PUBLIC).seed,
        draw(Pool.build("draw-1", {**pool.constraints, "A01": Seats(2, 2)}, pool.eligible), SERVER_SEED, PUBLIC).seed,
    }
    assert len(seeds) == 5


def test_the_record_round_trips_through_canonical_json() -> None:
    record = draw(small_pool(), SERVER_SEED, PUBLIC)
    text = record.to_json()
    assert text.endswith("}\n")
    assert text.isascii()
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert DrawRecord.from_json(text) == record
    assert DrawRecord.from_json(text.encode()).to_json() == text
    assert verify(record).ok


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(lambda t: t[:-3], "not JSON", id="truncated"),
        pytest.param(lambda t: "[]", "an object is expected", id="array"),
        pytest.param(lambda t: t.replace('"seed":', '"seed": null, "seed":'), "appears twice", id="duplicate-key"),
        pytest.param(lambda t: t.replace('"seed":', '"extra": 1, "seed":'), "unknown field", id="unknown-field"),
        pytest.param(lambda t: t.replace('"seed":', '"sead":'), "record.seed is missing", id="missing-field"),
        pytest.param(lambda t: t.replace('"seats": 2', '"seats": "2"'), "an integer expected", id="seats-as-string"),
        pytest.param(lambda t: t.replace('"seats": 2', '"seats": true'), "an integer expected", id="seats-as-bool"),
        pytest.param(
            lambda t: t.replace('"algorithm": "bidding-draw-v1"', '"algorithm": 1'),
            "a string expected",
            id="algorithm-number",
        ),
        pytest.param(
            lambda t: t.replace('"backups": 1,', '"backups": 1, "x": 0,', 1),
            "unknown field",
            id="unknown-in-constraint",
        ),
    ],
)
def test_malformed_records_are_refused_naming_the_field(mutate: object, message: str) -> None:
    text = draw(small_pool(), SERVER_SEED, PUBLIC).to_json()
    with pytest.raises(DrawRecordInvalid, match=message) as caught:
        DrawRecord.from_json(mutate(text))  # type: ignore[operator]
    assert caught.value.code == "draw_record_invalid"


def test_a_commitment_alone_verifies_what_it_can() -> None:
    committed = commit(small_pool(), SERVER_SEED)
    assert committed.server_seed is None
    assert committed.result is None
    result = verify(DrawRecord.from_json(committed.to_json()))
    status = {c.name: c.status for c in result.checks}
    assert status["pool_commitment"] is CheckStatus.MATCH
    assert status["server_seed_commitment"] is CheckStatus.SKIPPED
    assert not result.ok


def test_the_sealed_record_hides_the_committee() -> None:
    record = draw(small_pool(), SERVER_SEED, PUBLIC)
    sealed = record.sealed()
    assert (sealed.server_seed, sealed.seed, sealed.result) == (None, None, None)
    assert sealed.public_inputs == record.public_inputs
    text = sealed.to_json()
    assert record.result is not None
    for expert in record.result.seated["A01"]:
        assert f'"{expert}"' in text  # in the snapshot, as every eligible expert is…
    assert '"result": null' in text  # …but nothing says who was drawn
    result = verify(sealed)
    assert [c.name for c in result.checks if c.status is CheckStatus.SKIPPED] == [
        "server_seed_commitment",
        "seed",
        "seated",
        "backups",
    ]


def test_a_record_with_the_seed_but_no_result_recomputes_it() -> None:
    record = draw(small_pool(), SERVER_SEED, PUBLIC)
    result = verify(replace(record, result=None))
    assert not result.ok
    assert result.outcome == record.result
