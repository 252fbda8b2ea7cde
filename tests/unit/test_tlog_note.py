"""C2SP signed-note (crypto/tlog/note.py) against the vectors of Go's reference implementation
(golang.org/x/mod sumdb/note/note_test.go) and the C2SP spec's own example: byte-identical signing,
verification, the key ID formula, and refusal of malformed, unknown-key and bad-signature notes."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.tlog.note import (
    ALG_ED25519,
    MAX_SIGNATURES,
    AmbiguousVerifier,
    BadSignature,
    Ed25519Signer,
    Ed25519Verifier,
    MalformedNote,
    Note,
    Signature,
    UnverifiedNote,
    add_signatures,
    check_key_name,
    key_id,
    open_note,
    parse_note,
    sign_note,
)

# golang.org/x/mod/sumdb/note/note_test.go
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
# c2sp.org/signed-note §Verifier keys, example
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = (
    "This is an example message.\n\n— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


def peter() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(PETER_VKEY)


def enoch() -> Ed25519Verifier:
    return Ed25519Verifier.from_vkey(ENOCH_VKEY)


# --- keys ---------------------------------------------------------------------------------------


def test_go_signing_key_gives_go_verifier_key_and_round_trips() -> None:
    signer = Ed25519Signer.from_private_key_string(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id == bytes.fromhex("c74f20a3")
    assert signer.vkey == PETER_VKEY
    assert signer.private_key_string() == PETER_SKEY


def test_key_id_is_the_spec_formula() -> None:
    """signed-note §Signatures: SHA-256(name || 0x0A || 0x01 || pub32)[:4], here written out by hand."""
    verifier = peter()
    pub = verifier.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    by_hand = hashlib.sha256(b"PeterNeumann" + b"\x0a" + b"\x01" + pub).digest()[:4]
    assert verifier.key_id == by_hand == bytes.fromhex("c74f20a3")
    assert key_id("PeterNeumann", ALG_ED25519, pub) == by_hand
    assert key_id("PeterNeumann", 0x04, pub) != by_hand  # the type byte is part of the id
    assert Ed25519Verifier.from_vkey(SPEC_VKEY).key_id == bytes.fromhex("530d903a")


def test_vkey_round_trips() -> None:
    for vkey in (PETER_VKEY, ENOCH_VKEY, SPEC_VKEY):
        assert Ed25519Verifier.from_vkey(vkey).vkey == vkey


def test_every_mangled_verifier_key_is_refused() -> None:
    """Go's TestNewVerifier: every proper substring and every one-character change fails, and only
    with MalformedNote."""
    refused = 0
    for i in range(len(PETER_VKEY) + 1):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(MalformedNote):
                    Ed25519Verifier.from_vkey(PETER_VKEY[i:j])
                refused += 1
    for i in range(len(PETER_VKEY)):
        mangled = PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) + 1) + PETER_VKEY[i + 1 :]
        with pytest.raises(MalformedNote):
            Ed25519Verifier.from_vkey(mangled)
        refused += 1
    assert refused > 2000
    # wrong key length, and unknown algorithm, each with a key id adjusted to match
    with pytest.raises(MalformedNote):  # Go's vector; its base64 is also non-canonical
        Ed25519Verifier.from_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
    short = bytes([ALG_ED25519]) + bytes(31)
    with pytest.raises(MalformedNote, match="32-byte"):
        Ed25519Verifier.from_vkey(
            f"PeterNeumann+{key_id('PeterNeumann', short[0], short[1:]).hex()}+{base64.b64encode(short).decode()}"
        )
    with pytest.raises(MalformedNote, match="type 0x65"):
        Ed25519Verifier.from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_every_mangled_signing_key_is_refused() -> None:
    """Go's TestNewSigner."""
    for i in range(len(PETER_SKEY) + 1):
        for j in range(i + 1, len(PETER_SKEY) + 1):
            if (i, j) != (0, len(PETER_SKEY)):
                with pytest.raises(MalformedNote):
                    Ed25519Signer.from_private_key_string(PETER_SKEY[i:j])
    for i in range(len(PETER_SKEY)):
        with pytest.raises(MalformedNote):
            Ed25519Signer.from_private_key_string(PETER_SKEY[:i] + chr(ord(PETER_SKEY[i]) + 1) + PETER_SKEY[i + 1 :])


def test_uppercase_key_id_is_refused() -> None:
    """The spec's hex is lowercase; one spelling per key."""
    with pytest.raises(MalformedNote):
        Ed25519Verifier.from_vkey(PETER_VKEY.replace("c74f20a3", "C74F20A3"))


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\tb", "a\u00a0b", "a\u3000b", "a\nb", "a\x01b", "\ud800"])
def test_invalid_key_names_are_refused(name: str) -> None:
    with pytest.raises(MalformedNote):
        check_key_name(name)
    with pytest.raises(MalformedNote):
        Ed25519Signer(name, Ed25519PrivateKey.generate())


def test_generated_key_signs_and_verifies() -> None:
    signer = Ed25519Signer.generate("example.com/log")
    again = Ed25519Signer.from_private_key_string(signer.private_key_string())
    verifier = Ed25519Verifier.from_vkey(signer.vkey)
    assert again.vkey == signer.vkey
    sig = signer.sign(b"hi")
    assert verifier.verify(b"hi", sig)
    assert not verifier.verify(b"hj", sig)
    assert not verifier.verify(b"hi", bytes([sig[0] ^ 1]) + sig[1:])
    assert not verifier.verify(b"hi", sig[:-1])


# --- signing ------------------------------------------------------------------------------------


def test_sign_is_byte_identical_to_go() -> None:
    signed = sign_note(TEXT, [Ed25519Signer.from_private_key_string(PETER_SKEY)])
    assert signed == TEXT + "\n" + PETER_SIG


def test_spec_example_verifies() -> None:
    note, verified = open_note(SPEC_NOTE, [Ed25519Verifier.from_vkey(SPEC_VKEY)])
    assert note.text == "This is an example message.\n"
    assert [s.name for s in verified] == ["example.com/foo"]


def test_sign_refuses_bad_text_and_bad_signers() -> None:
    signer = Ed25519Signer.from_private_key_string(PETER_SKEY)
    for text in ("abc", "", "a\x00b\n", "tab\there\n", "\ud800\n"):
        with pytest.raises(MalformedNote):
            sign_note(text, [signer])
    with pytest.raises(MalformedNote):
        sign_note(TEXT, [])


def test_text_with_blank_lines_round_trips() -> None:
    """The text may hold empty lines; the last blank line separates it from the signatures."""
    signer = Ed25519Signer.from_private_key_string(PETER_SKEY)
    for text in ("a\n\nb\n", "Note\n\n", "\n", "— Looks like a signature line\n"):
        signed = sign_note(text, [signer])
        note, verified = open_note(signed, [peter()])
        assert note.text == text
        assert len(verified) == 1
        assert note.encode() == signed


def test_add_signatures_appends_and_replaces_a_key_line() -> None:
    signed = TEXT + "\n" + PETER_SIG
    enoch_sig = parse_note(TEXT + "\n" + ENOCH_SIG).signatures[0]
    both = add_signatures(signed, [enoch_sig])
    assert both == TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert add_signatures(both, [enoch_sig]) == both  # same key: the line is replaced, not doubled
    _, verified = open_note(both, [peter(), enoch()])
    assert len(verified) == 2
    # Go's TestSign: an existing bad line of the same key is replaced by a fresh signature
    stale = Signature("PeterNeumann", bytes.fromhex("c74f20a3"), b"BAD")
    fixed = add_signatures(Note(TEXT, (stale,)).encode(), [parse_note(signed).signatures[0]])
    assert fixed == signed


# --- parsing and opening ------------------------------------------------------------------------


def test_parse_and_encode_round_trip_byte_for_byte() -> None:
    msg = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG
    note = parse_note(msg)
    assert len(note.signatures) == 4  # every line, duplicates included
    assert note.encode() == msg
    assert parse_note(msg.encode()) == note


def test_one_known_one_unknown() -> None:
    note, verified = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter()])
    assert note.text == TEXT
    assert [(s.name, s.key_id.hex()) for s in verified] == [("PeterNeumann", "c74f20a3")]
    assert [s.name for s in note.signatures] == ["PeterNeumann", "EnochRoot"]


def test_both_known() -> None:
    _, verified = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter(), enoch()])
    assert [s.name for s in verified] == ["PeterNeumann", "EnochRoot"]


def test_signed_only_by_unknown_keys_is_refused() -> None:
    with pytest.raises(UnverifiedNote) as caught:
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    assert not isinstance(caught.value, BadSignature)
    with pytest.raises(UnverifiedNote):
        open_note(TEXT + "\n" + ENOCH_SIG, [peter()])


def test_same_name_other_key_id_is_unknown_and_ignored() -> None:
    """signed-note §Signatures: ignore signatures sharing a name or an id (not both) with a known key."""
    impostor = Ed25519Signer("PeterNeumann", Ed25519PrivateKey.generate())
    forged = add_signatures(TEXT + "\n" + PETER_SIG, [parse_note(sign_note(TEXT, [impostor])).signatures[0]])
    _, verified = open_note(forged, [peter()])
    assert len(verified) == 1
    with pytest.raises(UnverifiedNote):
        open_note(sign_note(TEXT, [impostor]), [peter()])


def test_known_key_with_bad_signature_refuses_the_note() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]  # Go's "Invalid signature" case
    with pytest.raises(BadSignature):
        open_note(TEXT + "\n" + bad, [peter()])
    # even alongside a good signature of another known key
    with pytest.raises(BadSignature):
        open_note(TEXT + "\n" + ENOCH_SIG + bad, [peter(), enoch()])
    # and a signature over another text
    with pytest.raises(BadSignature):
        open_note(TEXT.replace("answer", "Answer") + "\n" + PETER_SIG, [peter()])


def test_duplicate_lines_are_counted_once() -> None:
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    msg = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    note, verified = open_note(msg, [peter()])
    assert [s.name for s in verified] == ["PeterNeumann"]
    assert len(note.signatures) == 5


def test_ambiguous_verifiers() -> None:
    with pytest.raises(AmbiguousVerifier):
        open_note(TEXT + "\n" + ENOCH_SIG, [enoch(), peter(), enoch()])
    _, verified = open_note(TEXT + "\n" + PETER_SIG, [enoch(), peter(), enoch()])  # unused duplicate
    assert len(verified) == 1


def test_signature_count_limit() -> None:
    _, verified = open_note(TEXT + "\n" + PETER_SIG * MAX_SIGNATURES, [peter()])
    assert len(verified) == 1
    for verifiers in ([peter()], []):
        with pytest.raises(MalformedNote):
            open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), verifiers)


def test_sixteen_distinct_signatures_are_accepted() -> None:
    """signed-note §Format: verifiers MUST accept at least 16 signatures."""
    signers = [Ed25519Signer(f"example.com/k{i}", Ed25519PrivateKey.generate()) for i in range(20)]
    signed = sign_note(TEXT, signers)
    note, verified = open_note(signed, [s.verifier for s in signers])
    assert len(verified) == 20
    assert note.encode() == signed


@pytest.mark.parametrize(
    "msg",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT
        + "\n"
        + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        # ours: more syntax
        TEXT + "\n" + PETER_SIG + "\n",
        TEXT + "\n" + PETER_SIG.replace("— ", "- "),
        TEXT + "\n" + PETER_SIG.replace("— ", "—"),
        TEXT + "\n" + "— PeterNeumann\n",
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann AAAAAA==\n",  # key id and no signature byte
        TEXT + "\n" + "— PeterNeumann x08go/ZJ!\n",
        TEXT + "\n" + PETER_SIG.replace("AM=\n", "AN=\n"),  # non-canonical base64 (padding bits set)
        TEXT + "\n" + PETER_SIG.replace("AM=\n", "AM\n"),  # missing padding
        TEXT + "\n" + PETER_SIG.replace("x08go", "x08 go"),
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter+Neumann"),
        "\ud800" + TEXT + "\n" + PETER_SIG,
    ],
)
def test_malformed_notes_are_refused(msg: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(msg, [peter()])
    with pytest.raises(MalformedNote):
        parse_note(msg)


def test_invalid_utf8_bytes_are_refused() -> None:
    with pytest.raises(MalformedNote):
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), [peter()])


def test_signature_line_round_trip() -> None:
    line = PETER_SIG[:-1]
    sig = Signature.from_line(line)
    assert sig.key_id == bytes.fromhex("c74f20a3")
    assert len(sig.signature) == 64
    assert sig.line() == PETER_SIG
    assert base64.b64decode(line.split(" ")[2]) == sig.key_id + sig.signature
