"""The golden vector (tests/vectors/draw/, frozen): the code must give exactly the stored exclusions,
pool document and DRAW.json, and the stored values re-derive from the document's definitions with
nothing but hashlib and hmac."""

from __future__ import annotations

import hashlib
import hmac
import json

from bidding.experts.committee import committee_problems
from bidding.experts.draw import DrawRecord, draw, verify
from tests.fixtures.draw_vector import VECTOR_DIR, load_vector

STORED = (VECTOR_DIR / "DRAW.json").read_text(encoding="ascii")


def test_the_committee_is_valid() -> None:
    assert committee_problems(load_vector().committee) == ()


def test_the_exclusions_are_the_stored_ones() -> None:
    split = load_vector().split()
    stored = json.loads((VECTOR_DIR / "exclusions.json").read_text(encoding="ascii"))
    assert {e: sorted(r.value for r in reasons) for e, reasons in split.excluded.items()} == stored["excluded"]
    assert split.outside == stored["outside"]


def test_the_pool_document_is_the_stored_one() -> None:
    assert load_vector().pool().document() == (VECTOR_DIR / "pool.txt").read_bytes()


def test_the_draw_gives_the_stored_record_byte_for_byte() -> None:
    vector = load_vector()
    record = draw(vector.pool(), vector.server_seed, vector.public_inputs)
    assert record.to_json() == STORED
    assert DrawRecord.from_json(STORED) == record


def test_the_stored_record_verifies() -> None:
    result = verify(DrawRecord.from_json(STORED))
    assert result.ok, result.failed
    assert [c.name for c in result.checks] == [
        "format",
        "pool_commitment",
        "server_seed_commitment",
        "seed",
        "seated",
        "backups",
    ]


def test_the_stored_values_follow_from_the_document() -> None:
    record = json.loads(STORED)
    pool_txt = (VECTOR_DIR / "pool.txt").read_bytes()
    assert hashlib.sha256(pool_txt).hexdigest() == record["pool_commitment"]
    server_seed = bytes.fromhex(record["server_seed"])
    assert (
        hashlib.sha256(b"bidding-draw-v1 server-seed\n" + server_seed).hexdigest() == record["server_seed_commitment"]
    )
    message = "".join(
        [
            "bidding-draw-v1 seed\n",
            f"draw {record['draw_id']}\n",
            f"pool {record['pool_commitment']}\n",
            f"server-seed {record['server_seed_commitment']}\n",
            *(f"public {k}={v}\n" for k, v in sorted(record["public_inputs"].items())),
        ]
    ).encode()
    seed = hmac.new(server_seed, message, hashlib.sha256).digest()
    assert seed.hex() == record["seed"]
    # A0104's ranking: its first is seated; its second was seated for A0101 (filled first), so the
    # backup is the third (the vector's case of "nobody twice").
    a0104 = sorted(record["eligible"]["A0104"], key=lambda e: hmac.new(seed, e.encode(), hashlib.sha256).digest())
    assert record["result"]["seated"]["A0104"] == [a0104[0]]
    assert a0104[1] in record["result"]["seated"]["A0101"]
    assert record["result"]["backups"]["A0104"] == [a0104[2]]
