"""C2SP tlog-checkpoint (crypto/tlog/checkpoint.py): strict bodies that round-trip byte for byte, and
signed checkpoints opened in the order of tlog-proof (origin, the log's signature, k of n witnesses)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.tlog.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    CheckpointError,
    TooFewCosignatures,
    WrongOrigin,
    open_checkpoint,
    sign_checkpoint,
)
from crypto.tlog.cosignature import CosignatureSigner
from crypto.tlog.note import BadSignature, Ed25519Signer, UnverifiedNote, add_signatures, parse_note

ORIGIN = "example.com/behind-the-sofa"
# c2sp.org/tlog-checkpoint, the spec's example body
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
ROOT = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


def key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def log_signer() -> Ed25519Signer:
    return Ed25519Signer(ORIGIN, key("log"))


def witness(i: int) -> CosignatureSigner:
    return CosignatureSigner(f"witness.example/w{i}", key(f"witness {i}"))


def test_spec_example_round_trips() -> None:
    checkpoint = Checkpoint.parse(SPEC_BODY)
    assert checkpoint == Checkpoint(ORIGIN, 20852163, ROOT)
    assert checkpoint.body() == SPEC_BODY


@pytest.mark.parametrize(
    "body",
    [
        "log\n0\n" + base64.b64encode(hashlib.sha256(b"").digest()).decode() + "\n",
        SPEC_BODY + "extension one\nextension two\n",
        "Moon Log\n4027504\n" + base64.b64encode(bytes(range(32))).decode() + "\n6086d1a9\nWaxing gibbous\n",
        f"{ORIGIN}\n{MAX_TREE_SIZE}\n{base64.b64encode(ROOT).decode()}\n",
        "公共资源交易中心/日志\n7\n" + base64.b64encode(ROOT).decode() + "\n",
    ],
)
def test_bodies_round_trip_byte_for_byte(body: str) -> None:
    assert Checkpoint.parse(body).body() == body


@pytest.mark.parametrize(
    "body",
    [
        "Head\n9944\n",  # too few lines
        "\n9944\n" + base64.b64encode(ROOT).decode() + "\n",  # empty origin
        ORIGIN + "\n123\nYmFuYW5hcw==",  # no final newline
        ORIGIN + "\nbananas\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n-34\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n+34\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n 34\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n3_4\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n034\n" + base64.b64encode(ROOT).decode() + "\n",  # leading zero
        ORIGIN + "\n00\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n\u0663\u0664\n" + base64.b64encode(ROOT).decode() + "\n",  # Arabic-Indic digits
        ORIGIN + f"\n{MAX_TREE_SIZE + 1}\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n3438945738945739845734895735\n" + base64.b64encode(ROOT).decode() + "\n",
        ORIGIN + "\n123\nThisIsn'tBase64\n",
        ORIGIN + "\n123\nYmFuYW5hcw==\n",  # 7 bytes, not 32
        SPEC_BODY.replace("q2I=", "q2J="),  # non-canonical base64 (padding bits)
        SPEC_BODY.replace("q2I=", "q2I"),  # missing padding
        SPEC_BODY + "\n",  # empty extension line
        SPEC_BODY + "ext\n\n\n",
        SPEC_BODY.replace("\n", "\r\n"),
        "a\x01b\n1\n" + base64.b64encode(ROOT).decode() + "\n",
    ],
)
def test_malformed_bodies_are_refused(body: str) -> None:
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)


def test_constructor_checks_its_fields() -> None:
    for bad in (
        dict(origin="", size=1, root=ROOT),
        dict(origin="a\nb", size=1, root=ROOT),
        dict(origin="a", size=-1, root=ROOT),
        dict(origin="a", size=True, root=ROOT),
        dict(origin="a", size=1, root=ROOT[:31]),
        dict(origin="a", size=1, root=ROOT, extensions=("",)),
        dict(origin="a", size=1, root=ROOT, extensions=("x\ny",)),
    ):
        with pytest.raises(CheckpointError):
            Checkpoint(**bad)  # type: ignore[arg-type]
    assert isinstance(CheckpointError("x"), ValueError)


def test_signed_checkpoint_round_trips_and_is_deterministic() -> None:
    checkpoint = Checkpoint(ORIGIN, 20852163, ROOT)
    signed = sign_checkpoint(checkpoint, log_signer())
    assert signed == sign_checkpoint(checkpoint, log_signer())  # Ed25519 is deterministic
    assert signed.startswith(SPEC_BODY + "\n— example.com/behind-the-sofa ")
    note = parse_note(signed)
    assert note.encode() == signed
    opened = open_checkpoint(signed, ORIGIN, log_signer().verifier)
    assert opened.checkpoint == checkpoint
    assert opened.log_signature.name == ORIGIN
    assert opened.cosignatures == ()


def test_signing_refuses_an_origin_that_cannot_be_a_key_name() -> None:
    for origin in ("example.com/a log", "example.com/a+b"):
        with pytest.raises(CheckpointError):
            sign_checkpoint(Checkpoint(origin, 1, ROOT), log_signer())


def test_wrong_origin_is_refused_before_the_signature() -> None:
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), log_signer())
    with pytest.raises(WrongOrigin):
        open_checkpoint(signed, "example.com/other", log_signer().verifier)


def test_a_checkpoint_signed_only_by_an_unknown_key_is_refused() -> None:
    other = Ed25519Signer(ORIGIN, key("another log key"))
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), other)
    with pytest.raises(UnverifiedNote):
        open_checkpoint(signed, ORIGIN, log_signer().verifier)


def test_a_changed_checkpoint_fails_its_signature() -> None:
    signed = sign_checkpoint(Checkpoint(ORIGIN, 5, ROOT), log_signer())
    with pytest.raises(BadSignature):
        open_checkpoint(signed.replace("\n5\n", "\n6\n", 1), ORIGIN, log_signer().verifier)


def test_witness_policy_k_of_n() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT)
    signed = sign_checkpoint(checkpoint, log_signer())
    cosigned = add_signatures(
        signed, [witness(1).cosign(checkpoint.body(), 1700000000), witness(2).cosign(checkpoint.body(), 1700000001)]
    )
    known = [witness(i).verifier for i in (1, 2, 3)]
    opened = open_checkpoint(cosigned, ORIGIN, log_signer().verifier, known, need=2)
    assert [(c.name, c.timestamp) for c in opened.cosignatures] == [
        ("witness.example/w1", 1700000000),
        ("witness.example/w2", 1700000001),
    ]
    with pytest.raises(TooFewCosignatures):
        open_checkpoint(cosigned, ORIGIN, log_signer().verifier, known, need=3)
    with pytest.raises(TooFewCosignatures):
        open_checkpoint(signed, ORIGIN, log_signer().verifier, known, need=1)
    with pytest.raises(ValueError):
        open_checkpoint(cosigned, ORIGIN, log_signer().verifier, known, need=4)
    # a witness's cosignature alone does not make the log's signature
    only_witness = parse_note(cosigned)
    without_log = add_signatures(
        f"{checkpoint.body()}\n{only_witness.signatures[1].line()}", [only_witness.signatures[2]]
    )
    with pytest.raises(UnverifiedNote):
        open_checkpoint(without_log, ORIGIN, log_signer().verifier, known, need=1)


def test_a_known_witness_with_a_bad_cosignature_refuses_the_checkpoint() -> None:
    checkpoint = Checkpoint(ORIGIN, 5, ROOT)
    other_body = Checkpoint(ORIGIN, 5, bytes(32)).body()
    wrong = add_signatures(sign_checkpoint(checkpoint, log_signer()), [witness(1).cosign(other_body, 1)])
    with pytest.raises(BadSignature):
        open_checkpoint(wrong, ORIGIN, log_signer().verifier, [witness(1).verifier], need=0)
    # unknown to this client: ignored
    opened = open_checkpoint(wrong, ORIGIN, log_signer().verifier, [witness(2).verifier], need=0)
    assert opened.cosignatures == ()
