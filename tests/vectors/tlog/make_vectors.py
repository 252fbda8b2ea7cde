"""Write the transparency log's browser vectors (``frontend/src/tlog/verify.ts`` is tested on them).

    .venv/bin/python tests/vectors/tlog/make_vectors.py

Writes ``browser.json``: a log key from a fixed seed (its vkey, C2SP signed-note), signed checkpoints
(C2SP tlog-checkpoint) of a tree of leaves ``leaf 0``, ``leaf 1``, … at several sizes — one of them
also cosigned by a witness (C2SP tlog-cosignature, a line the log's key does not verify) — and RFC
9162 §2.1.4 consistency proofs between them, all made by :mod:`crypto.tlog`. Ed25519 is
deterministic, so re-running it with unchanged code rewrites the same bytes;
``tests/unit/test_tlog_browser_vectors.py`` checks the file against the Python code.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from crypto.tlog.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from crypto.tlog.cosignature import CosignatureSigner  # noqa: E402
from crypto.tlog.merkle import CompactRange, leaf_hash, verify_consistency  # noqa: E402
from crypto.tlog.note import Ed25519Signer, add_signatures  # noqa: E402
from tests.fixtures.merkle_reference import Reference  # noqa: E402

ORIGIN = "ggzy.example.cn/log"
WITNESS = "witness.example.org"
#: The checkpoints' sizes, and the pairs whose consistency proofs are written (m ≤ n).
SIZES = (1, 2, 3, 4, 7, 8, 13, 256, 300, 1000)
COSIGNED = 13
TIMESTAMP = 1_780_000_000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def vectors() -> dict[str, Any]:
    signer = Ed25519Signer.from_private(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    witness = CosignatureSigner.from_private(WITNESS, Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))))
    leaves = [leaf_hash(f"leaf {i}".encode()) for i in range(max(SIZES))]
    tree = CompactRange()
    roots: dict[int, bytes] = {}
    for i, h in enumerate(leaves):
        tree.append(h)
        if i + 1 in SIZES:
            roots[i + 1] = tree.root()
    checkpoints = []
    for size in SIZES:
        checkpoint = Checkpoint(ORIGIN, size, roots[size])
        note = sign_checkpoint(checkpoint, signer)
        if size == COSIGNED:
            note = add_signatures(note, [witness.cosign(checkpoint.body(), TIMESTAMP)])
        checkpoints.append({"size": size, "root": _b64(roots[size]), "note": note})
    reference = Reference(leaves)
    proofs = []
    for i, m in enumerate(SIZES):
        for n in SIZES[i + 1 :]:
            proof = reference.proof(m, n)
            verify_consistency(m, n, proof, roots[m], roots[n])  # the Python verifier agrees
            proofs.append({"first": m, "second": n, "proof": [_b64(p) for p in proof]})
    return {
        "description": "crypto.tlog vectors for frontend/src/tlog/verify.ts (tests/vectors/tlog/make_vectors.py)",
        "vkey": signer.vkey,
        "witness_vkey": witness.vkey,
        "checkpoints": checkpoints,
        "consistency": proofs,
    }


def main() -> None:
    text = json.dumps(vectors(), indent=1, ensure_ascii=False) + "\n"
    (HERE / "browser.json").write_text(text, encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
