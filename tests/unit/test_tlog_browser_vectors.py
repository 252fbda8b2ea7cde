"""The browser's transparency-log vectors (``tests/vectors/tlog/browser.json``, read by
``frontend/tests/tlog-verify.spec.ts``) are what ``crypto.tlog`` makes today: its notes open with
the vkey, its proofs verify, and regenerating them gives the same file."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

from crypto.tlog.checkpoint import Checkpoint
from crypto.tlog.merkle import verify_consistency
from crypto.tlog.note import Ed25519Verifier, open_note

HERE = Path(__file__).resolve().parents[1] / "vectors" / "tlog"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_tlog_vectors", HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_vectors_are_what_the_code_makes() -> None:
    committed = json.loads((HERE / "browser.json").read_text(encoding="utf-8"))
    assert _generator().vectors() == committed


def test_the_notes_open_and_the_proofs_verify() -> None:
    committed = json.loads((HERE / "browser.json").read_text(encoding="utf-8"))
    verifier = Ed25519Verifier.from_vkey(committed["vkey"])
    roots = {}
    for item in committed["checkpoints"]:
        note, signatures = open_note(item["note"], [verifier])
        checkpoint = Checkpoint.parse(note.text)
        assert checkpoint.size == item["size"] and base64.b64encode(checkpoint.root).decode() == item["root"]
        assert [s.name for s in signatures] == [verifier.name]
        roots[checkpoint.size] = checkpoint.root
    for proof in committed["consistency"]:
        hashes = [base64.b64decode(h) for h in proof["proof"]]
        verify_consistency(proof["first"], proof["second"], hashes, roots[proof["first"]], roots[proof["second"]])
