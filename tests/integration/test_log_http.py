"""The transparency log on the wire, no login: a client that has only ``/log/vkey`` checks the
checkpoint, rebuilds its root from the C2SP tiles, and verifies the proofs the API gives
(``docs/transparency-log.md``). Bad requests are refused with the error format."""

from __future__ import annotations

import base64
import dataclasses
import logging
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from bidding.core.clock import ManualClock
from bidding.transparency.jobs import watch_log
from bidding.transparency.keys import LogKeyMissing, log_signer
from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.merkle import root_plan, verify_consistency, verify_inclusion
from crypto.tlog.note import Ed25519Verifier, open_note
from crypto.tlog.tiles import TileReader, tile_path, tiles_for_size
from tests.fixtures.errors import error_code
from tests.fixtures.log_db import add_events, grow_and_sign


async def _grow_and_sign(platform: Any, events: int) -> None:
    await grow_and_sign(platform.sessions, log_signer(platform.settings), events, platform.clock.now())


async def _checkpoint(client: httpx.AsyncClient, verifier: Ed25519Verifier) -> Checkpoint:
    answer = await client.get("/log/checkpoint")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/plain; charset=utf-8"
    note, signatures = open_note(answer.text, [verifier])
    assert [s.name for s in signatures] == [verifier.name]
    return Checkpoint.parse(note.text)


async def test_a_client_with_the_vkey_checks_checkpoints_tiles_and_proofs(
    client: httpx.AsyncClient, platform: Any
) -> None:
    vkey = (await client.get("/log/vkey")).text.strip()
    verifier = Ed25519Verifier.from_vkey(vkey)
    assert verifier.name == platform.settings.effective_log_origin

    await _grow_and_sign(platform, 270)  # at least one full level-0 tile
    first = await _checkpoint(client, verifier)
    assert first.origin == verifier.name and first.size >= 270

    # The root from the published tiles alone.
    fetched: dict[str, bytes] = {}
    for tile in tiles_for_size(first.size):
        answer = await client.get(f"/log/{tile_path(tile)}")
        assert answer.status_code == 200, (tile_path(tile), answer.text)
        assert "immutable" in answer.headers["cache-control"]
        fetched[tile_path(tile)] = answer.content
    reader = TileReader(first.size, lambda tiles: [fetched[tile_path(t)] for t in tiles])
    plan = root_plan(first.size)
    assert plan.assemble(reader.read(plan.ids)) == [first.root]

    # Inclusion proofs from the API verify against the signed root, for the leaf hash in the tiles.
    for index in (0, 255, 256, first.size - 1):
        answer = await client.get("/api/log/proof/inclusion", params={"index": index})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["size"] == first.size
        leaf = base64.b64decode(body["leaf_hash"])
        verify_inclusion(leaf, index, first.size, [base64.b64decode(p) for p in body["proof"]], first.root)
        level0 = fetched[tile_path(tiles_for_size(first.size)[index // 256])]
        assert level0[(index % 256) * 32 : (index % 256 + 1) * 32] == leaf

    # A second checkpoint is consistent with the first, by the API's proof.
    await _grow_and_sign(platform, 3)
    second = await _checkpoint(client, verifier)
    answer = await client.get("/api/log/proof/consistency", params={"first": first.size})
    assert answer.status_code == 200, answer.text
    proof = [base64.b64decode(p) for p in answer.json()["proof"]]
    verify_consistency(first.size, second.size, proof, first.root, second.root)
    older = await client.get("/api/log/proof/inclusion", params={"index": 1, "size": first.size})
    assert older.status_code == 200 and older.json()["size"] == first.size


async def test_bad_log_requests_are_refused_clearly(client: httpx.AsyncClient, platform: Any) -> None:
    await _grow_and_sign(platform, 2)
    size = int((await client.get("/log/checkpoint")).text.split("\n")[1])
    for path, status, code in [
        ("/log/tile/0/abc", 404, "not_found"),  # a path that names no tile, as in a file tree
        ("/log/tile/0/001.p/0", 404, "not_found"),  # a partial tile is 1–255 wide
        ("/log/tile/0/x999/999", 404, "not_found"),
        ("/log/tile/entries/000", 404, "not_found"),  # entry bundles are not published
    ]:
        answer = await client.get(path)
        assert (answer.status_code, error_code(answer)) == (status, code), (path, answer.text)
    for params, status, code in [
        ({"index": size}, 400, "invalid_input"),
        ({"index": 0, "size": size + 10**6}, 404, "not_found"),
        ({"index": -1}, 400, None),
        ({"index": "x"}, 400, None),
    ]:
        answer = await client.get("/api/log/proof/inclusion", params=params)
        assert answer.status_code == status, (params, answer.text)
        if code:
            assert error_code(answer) == code
    answer = await client.get("/api/log/proof/consistency", params={"first": size + 1, "second": size})
    assert (answer.status_code, error_code(answer)) == (400, "invalid_input"), answer.text


async def test_the_watch_logs_new_rows_and_signs_when_due(
    client: httpx.AsyncClient, platform: Any, clock: ManualClock
) -> None:
    await add_events(platform.sessions, 2)
    first = await watch_log({"platform": platform})
    assert first["appended"] >= 2
    size = int((await client.get("/log/checkpoint")).text.split("\n")[1])
    assert first["signed"] is None or first["signed"] == size
    # Within the interval nothing more is signed, however much the tree grows.
    await add_events(platform.sessions, 1)
    again = await watch_log({"platform": platform})
    assert again["appended"] == 1 and again["signed"] is None
    clock.advance(timedelta(seconds=platform.settings.log_checkpoint_interval_s))
    due = await watch_log({"platform": platform})
    assert due["signed"] == int((await client.get("/log/checkpoint")).text.split("\n")[1]) > size


async def test_without_a_key_the_watch_appends_and_warns_once(
    platform: Any, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A production worker started before `bidding ca init` made the log key: leaves are appended,
    no checkpoint is signed, and the worker says so once as a warning (not an error every 5 s)."""
    keyless = dataclasses.replace(platform.settings, data_dir=tmp_path, ca_dir=None, ca_create=False)
    with pytest.raises(LogKeyMissing):
        log_signer(keyless)
    worker = SimpleNamespace(settings=keyless, sessions=platform.sessions, clock=platform.clock)
    await add_events(platform.sessions, 2)
    with caplog.at_level(logging.WARNING, logger="bidding.transparency.jobs"):
        first = await watch_log({"platform": worker})
        await add_events(platform.sessions, 1)
        second = await watch_log({"platform": worker})
    assert first["appended"] >= 2 and second["appended"] == 1
    assert first["signed"] is None and first["no_key"] and second["no_key"]
    said = [r for r in caplog.records if r.name == "bidding.transparency.jobs"]
    assert len(said) <= 1 and all(
        r.levelno == logging.WARNING and "bidding log init-key" in r.getMessage() for r in said
    )
