"""A receipt issued during an upload verifies offline with only the log's verifier key (issue 23):
the bidder downloads its ``.tlog-proof`` once a checkpoint covers the bid, and the library, the
``bidding log verify-proof`` command and the stand-alone verifier of the docs all accept it — and
refuse it with one bit changed."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bidding.transparency.checkpoints import sign_next
from bidding.transparency.keys import log_signer
from bidding.transparency.sequencer import sequence_all
from crypto.tlog.proof_file import ProofFileError, TlogProof, verify_proof_file
from tests.fixtures.errors import error_code
from tests.fixtures.parties import Enrolled
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import upload_all

REPO = Path(__file__).resolve().parents[2]
VERIFIER = REPO / "docs" / "examples" / "verify_tlog_proof.py"


async def test_the_receipt_of_an_upload_verifies_offline_with_the_vkey_alone(
    client: httpx.AsyncClient, published: dict[str, Any], platform: Any, tmp_path: Path
) -> None:
    bidder: Enrolled = published["users"]["bidder"]
    headers, lot = published["bidder"], published["lot"]
    done = await upload_all(client, headers, lot["id"], sealed(bidder, published["project"], lot, b"logged bid"))
    assert done.status_code == 200, done.text
    bid_id = done.json()["bid"]["id"]
    url = f"/api/bidder/bids/{bid_id}/receipt.tlog-proof"

    # Not in a checkpoint yet: no proof, said plainly.
    early = await client.get(url, headers=headers)
    assert (early.status_code, error_code(early)) == (404, "not_found"), early.text
    assert (await client.get(f"/api/bidder/bids/{bid_id}/receipt.json", headers=headers)).json()["tlog_proof"] is None

    await sequence_all(platform.sessions, platform.clock.now())
    assert await sign_next(platform.sessions, log_signer(platform.settings), platform.clock.now(), every=timedelta(0))

    answer = await client.get(url, headers=headers)
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"  # the charset once
    text = answer.text
    receipt = (await client.get(f"/api/bidder/bids/{bid_id}/receipt.json", headers=headers)).json()
    assert receipt["tlog_proof"] == text  # embedded in the receipt's JSON too
    # Another bidder cannot have it (nor learn the bid exists).
    other = await client.get(url, headers=published["other"])
    assert other.status_code == 404

    # What was logged is the bid the receipt names.
    leaf = json.loads(TlogProof.parse(text).extra or b"")
    assert leaf["action"] == "bid.submitted" and leaf["source"] == "sealed"
    assert leaf["details"]["bid"] == bid_id
    assert leaf["details"]["receipt_number"] == receipt["receipt"]["receipt_number"]
    assert leaf["content_sha256"] == receipt["receipt"]["ciphertext_sha256"]

    # Offline, with only the verifier key: the library, our command, the docs' stand-alone script.
    vkey = (await client.get("/log/vkey")).text.strip()
    verified = verify_proof_file(text, origin=vkey.split("+", 1)[0], log_vkey=vkey)
    assert verified.index == TlogProof.parse(text).index
    proof_file = tmp_path / "receipt.tlog-proof"
    proof_file.write_text(text, encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "bidding", "log", "verify-proof", str(proof_file), "--vkey", vkey],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "BIDDING_DATA_DIR": str(tmp_path / "nothing")},
        cwd=REPO,
    )
    assert cli.returncode == 0, cli.stderr
    alone = subprocess.run(
        [sys.executable, str(VERIFIER), str(proof_file), "--vkey", vkey], capture_output=True, text=True, check=False
    )
    assert alone.returncode == 0 and alone.stdout.startswith("OK"), alone.stdout + alone.stderr

    # One bit changed in the logged leaf, or in a proof hash: refused by both.
    parsed = TlogProof.parse(text)
    changed = bytearray(parsed.extra or b"")
    changed[10] ^= 1
    forged = TlogProof(parsed.index, parsed.proof, parsed.checkpoint, bytes(changed)).encode()
    path_hash = bytearray(parsed.proof[0])
    path_hash[0] ^= 0x80
    bent = TlogProof(parsed.index, (bytes(path_hash), *parsed.proof[1:]), parsed.checkpoint, parsed.extra).encode()
    for bad in (forged, bent):
        with pytest.raises(ProofFileError):
            verify_proof_file(bad, origin=vkey.split("+", 1)[0], log_vkey=vkey)
        proof_file.write_text(bad, encoding="utf-8")
        refused = subprocess.run(
            [sys.executable, str(VERIFIER), str(proof_file), "--vkey", vkey],
            capture_output=True,
            text=True,
            check=False,
        )
        assert refused.returncode == 1, refused.stdout
    assert base64.b64decode(text.split("\n")[1].split(" ", 1)[1])  # the extra line is base64
