"""Over random pools and seeds: seated experts are distinct and eligible for their specialty, every
specialty gets exactly its seats, backups are never seated nor listed twice and follow the ranking,
the result equals the document's selection done by full sorts, and every record verifies."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bidding.experts.draw import (
    DrawRecord,
    Pool,
    PoolInsufficient,
    Seats,
    commit,
    derive_seed,
    draw,
    rank_key,
    verify,
)

SETTINGS = settings(max_examples=300, deadline=None)
EXPERTS = [f"x{n:03d}" for n in range(60)]
CODES = ["A0101", "A0104", "A0701", "B0201", "C0301"]


@st.composite
def pools(draw_: st.DrawFn) -> Pool:
    codes = draw_(st.lists(st.sampled_from(CODES), min_size=1, max_size=5, unique=True))
    constraints = {code: Seats(draw_(st.integers(1, 6)), draw_(st.integers(0, 6))) for code in codes}
    # Overlapping subsets of one pool, so that experts of several specialties are common.
    eligible = {code: draw_(st.lists(st.sampled_from(EXPERTS), max_size=25, unique=True)) for code in codes}
    return Pool.build(draw_(st.sampled_from(["d1", "lot-2:draw-7"])), constraints, eligible)


def reference(pool: Pool, seed: bytes) -> tuple[dict[str, list[str]], dict[str, list[str]]] | None:
    used: set[str] = set()
    seated: dict[str, list[str]] = {}
    backups: dict[str, list[str]] = {}
    for code, c in pool.constraints.items():
        ranked = sorted(pool.eligible[code], key=lambda e: (rank_key(seed, e), e))
        seated[code] = [e for e in ranked if e not in used][: c.seats]
        if len(seated[code]) < c.seats:
            return None
        used.update(seated[code])
    for code, c in pool.constraints.items():
        ranked = sorted(pool.eligible[code], key=lambda e: (rank_key(seed, e), e))
        backups[code] = [e for e in ranked if e not in used][: c.backups]
        used.update(backups[code])
    return seated, backups


@SETTINGS
@given(pools(), st.binary(min_size=32, max_size=32), st.text("0123456789abcdef", min_size=1, max_size=64))
def test_the_committee_honours_the_constraints(pool: Pool, server_seed: bytes, beacon: str) -> None:
    try:
        record = draw(pool, server_seed, {"beacon.randomness": beacon})
    except PoolInsufficient:
        return  # when exactly: the next test
    assert record.result is not None
    assert record.seed is not None
    seed = bytes.fromhex(record.seed)
    seated, backups = record.result.seated, record.result.backups
    all_seated = [e for ids in seated.values() for e in ids]
    all_backups = [e for ids in backups.values() for e in ids]
    assert len(all_seated) == len(set(all_seated))  # nobody sits twice
    assert len(all_backups) == len(set(all_backups))  # nobody is a backup twice
    assert not set(all_seated) & set(all_backups)  # a backup is never seated
    for code, c in pool.constraints.items():
        assert len(seated[code]) == c.seats
        assert len(backups[code]) <= c.backups
        assert set(seated[code]) | set(backups[code]) <= set(pool.eligible[code])
        # In ranking order.
        keys = [rank_key(seed, e) for e in seated[code]]
        assert keys == sorted(keys)
        keys = [rank_key(seed, e) for e in backups[code]]
        assert keys == sorted(keys)
        # Fewer backups only when the specialty has nobody left.
        if len(backups[code]) < c.backups:
            assert set(pool.eligible[code]) <= set(all_seated) | set(all_backups)
    assert reference(pool, seed) == (
        {k: list(v) for k, v in seated.items()},
        {k: list(v) for k, v in backups.items()},
    )
    assert verify(DrawRecord.from_json(record.to_json())).ok


@SETTINGS
@given(pools(), st.binary(min_size=32, max_size=32))
def test_a_short_pool_is_refused_exactly_when_the_reference_is_short(pool: Pool, server_seed: bytes) -> None:
    public = {"opening_record_sha256": "ab" * 32}
    try:
        record = draw(pool, server_seed, public)
    except PoolInsufficient:
        record = None
    seed = derive_seed(server_seed, pool.draw_id, commit(pool, server_seed).pool_commitment, public)
    assert (record is None) == (reference(pool, seed) is None)
