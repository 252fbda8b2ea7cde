"""C2SP tlog-proof@v1 files (crypto/tlog/proof_file.py) and the stand-alone verifier of the docs
(docs/examples/verify_tlog_proof.py): byte-for-byte round trips (transparency-dev/formats' vectors), each
verification step's own failure, in the spec's order, and a one-bit flip anywhere refused by both.

Proofs here come from an independent RFC 9162 §2.1.1 / §2.1.3.1 implementation (``mth``, ``path``)."""

from __future__ import annotations

import ast
import base64
import hashlib
import importlib.util
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.tlog.checkpoint import Checkpoint, sign_checkpoint
from crypto.tlog.cosignature import CosignatureSigner
from crypto.tlog.note import Ed25519Signer, add_signatures, parse_note
from crypto.tlog.proof_file import (
    HEADER,
    MAX_PROOF_HASHES,
    InclusionFailed,
    InvalidKey,
    LeafMismatch,
    LogSignatureInvalid,
    MalformedProof,
    NotEnoughCosignatures,
    ProofFileError,
    TlogProof,
    WrongOrigin,
    verify_proof_file,
)

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "verify_tlog_proof.py"
ORIGIN = "bidding.example.cn/log"


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash, written from the RFC."""
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return sha(b"\x00" + leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def private(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(sha(label.encode()))


LOG = Ed25519Signer(ORIGIN, private("log"))
WITNESSES = [CosignatureSigner(f"witness.example/w{i}", private(f"witness {i}")) for i in range(3)]


def leaves_of(n: int) -> list[bytes]:
    return [f"audit event {i}".encode() for i in range(n)]


def make(
    n: int,
    index: int,
    *,
    extra: bytes | None = None,
    cosigners: Sequence[CosignatureSigner] = (),
    signer: Ed25519Signer = LOG,
    root: bytes | None = None,
) -> str:
    leaves = leaves_of(n)
    checkpoint = Checkpoint(ORIGIN, n, mth(leaves) if root is None else root)
    note = sign_checkpoint(checkpoint, signer)
    if cosigners:
        note = add_signatures(note, [w.cosign(checkpoint.body(), 1700000000 + i) for i, w in enumerate(cosigners)])
    return TlogProof(index, tuple(path(index, leaves)), note, extra).encode()


def verify(text: str | bytes, leaf: bytes | None = None, **kwargs: object) -> object:
    options: dict[str, object] = {"origin": ORIGIN, "log_vkey": LOG.vkey, **kwargs}
    return verify_proof_file(text, leaf, **options)  # type: ignore[arg-type]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# --- the format ---------------------------------------------------------------------------------

H1, H2 = sha(b"hash1"), sha(b"hash2")


def test_transparency_dev_marshal_vectors() -> None:
    """transparency-dev/formats proof/tlog_proof_test.go TestMarshal, and back."""
    cases = [
        (TlogProof(5, (H1, H2), "test checkpoint\n"), f"{HEADER}\nindex 5\n{b64(H1)}\n{b64(H2)}\n\ntest checkpoint\n"),
        (
            TlogProof(10, (H1,), "checkpoint data\n", b"extra information"),
            f"{HEADER}\nextra {b64(b'extra information')}\nindex 10\n{b64(H1)}\n\ncheckpoint data\n",
        ),
        (TlogProof(0, (), "checkpoint\n"), "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"),
        (TlogProof(789, (), "checkpoint\n", b""), "c2sp.org/tlog-proof@v1\nextra \nindex 789\n\ncheckpoint\n"),
    ]
    for proof, text in cases:
        assert proof.encode() == text
        assert TlogProof.parse(text) == proof
        assert TlogProof.parse(text.encode()) == proof


@pytest.mark.parametrize(("n", "index"), [(1, 0), (2, 1), (7, 3), (64, 63), (1000, 517)])
def test_real_proof_files_round_trip_byte_for_byte(n: int, index: int) -> None:
    text = make(n, index, extra=b"receipt 42", cosigners=WITNESSES[:2])
    assert TlogProof.parse(text).encode() == text


@pytest.mark.parametrize(
    "text",
    [
        "wrong-header\nindex 0\n\ncheckpoint\n",
        f"{HEADER}\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
        f"{HEADER}\n\n\ncheckpoint\n",
        f"{HEADER}\nindex notanumber\n\ncheckpoint\n",
        f"{HEADER}\nindex -5\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n{b64(bytes(64))}\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n" + "a" * 65 * 1024 + "\n",
        # ours: stricter
        f"{HEADER}\nindex 05\n\ncheckpoint\n",
        f"{HEADER}\nindex +5\n\ncheckpoint\n",
        f"{HEADER}\nindex  5\n\ncheckpoint\n",
        f"{HEADER}\nindex 5 \n\ncheckpoint\n",
        f"{HEADER}\nindex \u0665\n\ncheckpoint\n",
        f"{HEADER}\nindex {2**64}\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\nextra AA==\n\ncheckpoint\n",
        f"{HEADER}\nextra AB==\nindex 0\n\ncheckpoint\n",  # non-canonical base64
        f"{HEADER}\nindex 0\n{b64(H1)[:-1]}\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n{b64(H1)[:-2]}b=\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n" + f"{b64(H1)}\n" * (MAX_PROOF_HASHES + 1) + "\ncheckpoint\n",
        f"{HEADER}\nindex 0\n{b64(H1)}\n",
        f"{HEADER}\nindex 0\n\n",
        f"{HEADER}\nindex 0\n\ncheckpoint",
        f"{HEADER}\nindex 0\n\n\ncheckpoint\n",
        f"{HEADER}\r\nindex 0\r\n\r\ncheckpoint\r\n",
        f"{HEADER}x\nindex 0\n\ncheckpoint\n",
        f"{HEADER}\nindex 0\n\n" + "c" * 300_000 + "\n",
    ],
)
def test_malformed_files_are_refused(text: str) -> None:
    with pytest.raises(MalformedProof):
        TlogProof.parse(text)
    with pytest.raises(MalformedProof):
        verify(text, b"x")


def test_non_utf8_is_refused() -> None:
    with pytest.raises(MalformedProof):
        TlogProof.parse(b"\xff" + make(3, 1).encode())


# --- verification -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [*range(1, 18), 31, 32, 33, 100])
def test_every_leaf_verifies(n: int) -> None:
    leaves = leaves_of(n)
    for index in range(n):
        text = make(n, index)
        verified = verify(text, leaves[index])
        assert verified.index == index  # type: ignore[attr-defined]
        assert verified.checkpoint.size == n  # type: ignore[attr-defined]
        assert verified.leaf_hash == sha(b"\x00" + leaves[index])  # type: ignore[attr-defined]
        verify(text, leaf_hash=sha(b"\x00" + leaves[index]))
        if index + 1 < n:
            with pytest.raises(InclusionFailed):
                verify(text, leaves[index + 1])


def test_the_extra_data_can_be_the_leaf() -> None:
    leaves = leaves_of(9)
    text = make(9, 4, extra=leaves[4])
    verified = verify(text)
    assert verified.leaf_from_extra and verified.extra == leaves[4]  # type: ignore[attr-defined]
    assert "leaf 4" in str(verified) and f"{ORIGIN} at tree size 9" in str(verified)
    with pytest.raises(InclusionFailed):
        verify(make(9, 4, extra=b"not the leaf"))
    with pytest.raises(ValueError, match="leaf"):
        verify(make(9, 4))


def test_witness_policy() -> None:
    leaves = leaves_of(12)
    vkeys = [w.vkey for w in WITNESSES]
    text = make(12, 5, cosigners=WITNESSES[:2])
    verified = verify(text, leaves[5], witness_vkeys=vkeys, witnesses_needed=2)
    assert [(c.name, c.timestamp) for c in verified.cosignatures] == [  # type: ignore[attr-defined]
        ("witness.example/w0", 1700000000),
        ("witness.example/w1", 1700000001),
    ]
    assert "cosigned by witness.example/w0 at 1700000000" in str(verified)
    with pytest.raises(NotEnoughCosignatures):
        verify(text, leaves[5], witness_vkeys=vkeys, witnesses_needed=3)
    with pytest.raises(ValueError):
        verify(text, leaves[5], witness_vkeys=vkeys[:1], witnesses_needed=2)
    # a cosignature made over another checkpoint, from a known witness
    other = Checkpoint(ORIGIN, 12, bytes(32)).body()
    forged = add_signatures(make(12, 5), [WITNESSES[0].cosign(other, 1)])
    with pytest.raises(NotEnoughCosignatures):
        verify(forged, leaves[5], witness_vkeys=vkeys, witnesses_needed=0)


def test_each_step_has_its_own_failure() -> None:
    leaves = leaves_of(10)
    good = make(10, 3)
    with pytest.raises(LeafMismatch):  # 1
        verify(good, leaves[3], leaf_hash=sha(b"\x00" + leaves[4]))
    with pytest.raises(WrongOrigin):  # 2
        verify(good, leaves[3], origin="bidding.example.cn/other")
    with pytest.raises(LogSignatureInvalid):  # 2: signed only by a key the verifier does not know
        verify(make(10, 3, signer=Ed25519Signer(ORIGIN, private("not the log"))), leaves[3])
    with pytest.raises(LogSignatureInvalid):  # 2: the log's line is there, the checkpoint changed
        verify(good.replace("\n10\n", "\n11\n"), leaves[3])
    with pytest.raises(NotEnoughCosignatures):  # 3
        verify(good, leaves[3], witness_vkeys=[WITNESSES[0].vkey], witnesses_needed=1)
    with pytest.raises(InclusionFailed):  # 4
        verify(good.replace("index 3\n", "index 4\n"), leaves[3])
    with pytest.raises(InclusionFailed):  # 4: index beyond the tree
        verify(TlogProof(10, (), TlogProof.parse(good).checkpoint).encode(), leaves[3])
    with pytest.raises(InvalidKey):
        verify(good, leaves[3], log_vkey=LOG.vkey[:-2])
    with pytest.raises(InvalidKey):
        verify(good, leaves[3], witness_vkeys=[LOG.vkey])  # a 0x01 key is not a witness key
    with pytest.raises(InvalidKey):  # one witness counted twice would fake a quorum
        verify(good, leaves[3], witness_vkeys=[WITNESSES[0].vkey] * 2, witnesses_needed=2)


def test_steps_run_in_the_spec_order() -> None:
    leaves = leaves_of(10)
    unknown_signer = make(10, 3, signer=Ed25519Signer(ORIGIN, private("not the log")))
    with pytest.raises(LeafMismatch):  # step 1 before step 2
        verify(unknown_signer, leaves[3], leaf_hash=sha(b"\x00" + leaves[4]), origin="x")
    with pytest.raises(WrongOrigin):  # step 2 before 4
        verify(make(10, 3), leaves[4], origin="x")
    with pytest.raises(LogSignatureInvalid):  # step 2 before 3 and 4
        verify(unknown_signer, leaves[4], witness_vkeys=[WITNESSES[0].vkey], witnesses_needed=1)
    with pytest.raises(NotEnoughCosignatures):  # step 3 before 4
        verify(make(10, 3), leaves[4], witness_vkeys=[WITNESSES[0].vkey], witnesses_needed=1)


def flips(text: str) -> list[tuple[str, str]]:
    """(part, file) for every single-bit flip of every proof hash, of the root (re-signed by the log, and
    not), and of the log's signature, each re-encoded as canonical base64 so only the meaning changes."""
    proof = TlogProof.parse(text)
    note = parse_note(proof.checkpoint)
    checkpoint = Checkpoint.parse(note.text)
    out: list[tuple[str, str]] = []
    for i, h in enumerate(proof.proof):
        for bit in range(len(h) * 8):
            hashes = list(proof.proof)
            hashes[i] = flip(h, bit)
            out.append((f"hash {i}", TlogProof(proof.index, tuple(hashes), proof.checkpoint).encode()))
    for bit in range(len(checkpoint.root) * 8):
        changed = Checkpoint(checkpoint.origin, checkpoint.size, flip(checkpoint.root, bit))
        unsigned = proof.checkpoint.replace(checkpoint.body(), changed.body())
        out.append(("root, old signature", TlogProof(proof.index, proof.proof, unsigned).encode()))
        out.append(("root, re-signed", TlogProof(proof.index, proof.proof, sign_checkpoint(changed, LOG)).encode()))
    log_sig = note.signatures[0]
    for bit in range(len(log_sig.signature) * 8):
        bad = type(log_sig)(log_sig.name, log_sig.key_id, flip(log_sig.signature, bit))
        out.append(("signature", TlogProof(proof.index, proof.proof, f"{note.text}\n{bad.line()}").encode()))
    return out


def flip(raw: bytes, bit: int) -> bytes:
    changed = bytearray(raw)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def test_every_bit_flip_fails_in_the_library() -> None:
    leaves = leaves_of(13)
    text = make(13, 6)
    verify(text, leaves[6])
    cases = flips(text)
    assert len(cases) == 3 * 256 + 2 * 256 + 512 + 256  # 4 hashes for leaf 6 of 13
    for part, changed in cases:
        expected = InclusionFailed if part.startswith(("hash", "root, re-signed")) else LogSignatureInvalid
        with pytest.raises(expected):
            verify(changed, leaves[6])


# --- the stand-alone verifier -------------------------------------------------------------------


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_tlog_proof", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False)


def test_script_is_small_and_imports_only_hashlib_base64_sys_and_cryptography() -> None:
    source = SCRIPT.read_text(encoding="utf-8")
    assert len(source.splitlines()) < 100
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported == {"base64", "hashlib", "sys", "cryptography"}


def test_script_accepts_good_files(tmp_path: Path) -> None:
    leaves = leaves_of(21)
    file = tmp_path / "receipt.tlog-proof"
    file.write_text(make(21, 13, extra=leaves[13], cosigners=WITNESSES), encoding="utf-8")
    leaf = tmp_path / "leaf.bin"
    leaf.write_bytes(leaves[13])
    leaf_hex = sha(b"\x00" + leaves[13]).hex()
    for extra_args in (["--leaf", str(leaf)], ["--leaf-hash", leaf_hex], []):
        done = run_script(str(file), "--vkey", LOG.vkey, *extra_args)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"OK: leaf 13 ({leaf_hex}) is in {ORIGIN} at tree size 21\n"


def test_script_refuses_flips_and_bad_input(tmp_path: Path) -> None:
    leaves = leaves_of(21)
    good = make(21, 13)
    leaf_hex = sha(b"\x00" + leaves[13]).hex()
    by_part: dict[str, str] = {}
    for part, changed in flips(good):
        by_part.setdefault(part, changed)
    cases = {
        **by_part,
        "other leaf": good,
        "wrong origin": make(21, 13).replace(ORIGIN, "bidding.example.cn/other"),
        "unknown key": make(21, 13, signer=Ed25519Signer(ORIGIN, private("not the log"))),
        "bad index": good.replace("index 13", "index 013"),
    }
    for part, text in cases.items():
        file = tmp_path / "receipt.tlog-proof"
        file.write_text(text, encoding="utf-8")
        use = sha(b"\x00" + leaves[12]).hex() if part == "other leaf" else leaf_hex
        done = run_script(str(file), "--vkey", LOG.vkey, "--leaf-hash", use)
        assert done.returncode == 1, part
        assert done.stderr.startswith("FAIL: ") and "Traceback" not in done.stderr, (part, done.stderr)
        assert done.stdout == ""
    file = tmp_path / "receipt.tlog-proof"
    file.write_text(good, encoding="utf-8")
    for args in (
        [str(file)],
        [str(file), "--vkey"],
        [str(file), "--vkey", LOG.vkey[:-2], "--leaf-hash", leaf_hex],
        [str(file), "--vkey", WITNESSES[0].vkey, "--leaf-hash", leaf_hex],
        [str(file), "--vkey", LOG.vkey, "--leaf-hash", "zz"],
        [str(file), "--vkey", LOG.vkey],  # no leaf and no extra
        [str(tmp_path / "missing"), "--vkey", LOG.vkey, "--leaf-hash", leaf_hex],
        [str(file), "--vkey", LOG.vkey, "--bogus", "x"],
    ):
        done = run_script(*args)
        assert done.returncode == 1, args
        assert "Traceback" not in done.stderr, (args, done.stderr)


def test_script_refuses_every_bit_flip_as_the_library_does(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every flip of flips(), through the script's main() in this process (a subprocess each would be slow)."""
    script = load_script()
    leaves = leaves_of(13)
    leaf_hex = sha(b"\x00" + leaves[6]).hex()
    file = tmp_path / "receipt.tlog-proof"

    def script_accepts(text: str) -> bool:
        file.write_text(text, encoding="utf-8")
        try:
            script.main([str(file), "--vkey", LOG.vkey, "--leaf-hash", leaf_hex])
        except InvalidSignature:  # the script's __main__ turns it into FAIL
            return False
        except SystemExit as exc:
            assert str(exc.code).startswith("FAIL: ")  # noqa: PT017 - the script exits, it does not raise
            return False
        return True

    text = make(13, 6)
    assert script_accepts(text)
    for part, changed in flips(text):
        assert not script_accepts(changed), part
        with pytest.raises(ProofFileError):
            verify(changed, leaves[6])
    assert capsys.readouterr().out.count("OK: ") == 1
