"""C2SP ``signed-note`` (https://c2sp.org/signed-note, v1.0.0): text signed by one or more keys.

A signed note is the text (ending in a newline), a blank line, then one or more signature lines
``— <key name> base64(key ID[4, BE] || signature)``. Notes are UTF-8 with no control characters but
newline (§Format). A key is named by the pair (name, key ID); verifiers ignore unknown pairs, must
verify known ones, and refuse the note when no known key verified it (§Signatures). Key IDs are
``SHA-256(name || 0x0A || type || public key)[:4]`` (§Signatures, the recommended formula) and
verifier keys are ``name+hex(key ID)+base64(type || public key)`` (§Verifier keys).

This module does the syntax and the Ed25519 type (0x01). Other signature types plug in through the
:class:`Verifier` protocol: a verifier is given the note text and builds its own signed message, as
the timestamped cosignatures of :mod:`crypto.tlog.cosignature` (type 0x04) do. The reference
implementation followed is Go's ``golang.org/x/mod/sumdb/note``, whose test vectors the tests use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Final, Generic, Protocol, Self, TypeVar, cast, runtime_checkable

from cryptography.exceptions import InvalidSignature as _Ed25519Mismatch
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto.errors import CryptoError

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "KEY_ID_SIZE",
    "MAX_SIGNATURES",
    "AmbiguousVerifier",
    "BadSignature",
    "Ed25519Key",
    "Ed25519Signer",
    "Ed25519SigningKey",
    "Ed25519Verifier",
    "MalformedNote",
    "Note",
    "NoteError",
    "Signature",
    "Signer",
    "UnverifiedNote",
    "Verifier",
    "add_signatures",
    "b64decode_strict",
    "check_key_name",
    "key_id",
    "open_note",
    "parse_note",
    "parse_vkey",
    "sign_note",
    "verify_signatures",
]

ALG_ED25519: Final = 0x01
"""Signature type of plain Ed25519 note signatures (signed-note §Signature types)."""
ALG_COSIGNATURE_V1: Final = 0x04
"""Signature type of timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature)."""
KEY_ID_SIZE: Final = 4
MAX_SIGNATURES: Final = 100
"""Signature lines accepted in one note: the spec requires at least 16; Go's reference stops at 100."""

SIGNATURE_PREFIX: Final = "\u2014 "  # em dash, space
_PRIVATE_PREFIX: Final = "PRIVATE+KEY+"
_HEX8: Final = re.compile(r"[0-9a-f]{8}")
_ED25519_SIZE: Final = 32
K = TypeVar("K", bound="Ed25519Key")


class NoteError(CryptoError):
    """A signed note, or a key for one, is unusable (signed-note)."""

    code = "note_invalid"


class MalformedNote(NoteError):
    """The note or key string breaks the syntax of signed-note §Format / §Verifier keys."""

    code = "note_malformed"


class UnverifiedNote(NoteError):
    """No known key verified the note (signed-note §Signatures: clients MUST reject it)."""

    code = "note_unverified"


class BadSignature(UnverifiedNote):
    """A known key's signature does not verify; the whole note is refused (signed-note §Signatures)."""

    code = "note_bad_signature"


class AmbiguousVerifier(NoteError):
    """Two configured verifiers share a key name and key ID, and a signature names that pair."""

    code = "note_ambiguous_key"


@runtime_checkable
class Verifier(Protocol):
    """One known key. ``verify`` gets the note text (UTF-8, final newline included) and the signature
    bytes after the key ID; each signature type builds its own signed message from the text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool: ...


@runtime_checkable
class Signer(Protocol):
    """One private key; ``sign`` gets the note text and returns the signature bytes after the key ID."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


def check_key_name(name: str) -> str:
    """Return ``name`` if it is a valid key name: non-empty, no Unicode space, no ``+`` (signed-note
    §Format), and no control character (§Format forbids them in the whole note); else MalformedNote."""
    if not name or "+" in name or any(ch.isspace() or ord(ch) < 0x20 for ch in name) or not _is_utf8(name):
        raise MalformedNote(f"invalid key name {name!r}: it must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """``SHA-256(name || 0x0A || alg || public_key)[:4]`` — signed-note §Signatures (recommended key ID)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:KEY_ID_SIZE]


def b64decode_strict(text: str, what: str, error: type[CryptoError] = MalformedNote) -> bytes:
    """Decode RFC 4648 §4 standard base64, refusing anything but its canonical form (so that what is
    parsed re-encodes byte for byte, and no two encodings name one value)."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise error(f"{what} is not standard base64") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise error(f"{what} is not canonical base64")
    return raw


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """Split a verifier key ``name+hex(key ID)+base64(type || key)`` (signed-note §Verifier keys) into
    (name, key ID, type, key material), checking that the key ID matches the formula."""
    name, _, rest = vkey.partition("+")
    hex_id, _, key64 = rest.partition("+")
    if not _HEX8.fullmatch(hex_id):
        raise MalformedNote("a verifier key is name+8 lowercase hex digits+base64 key")
    check_key_name(name)
    typed = b64decode_strict(key64, "the verifier key's key material")
    if len(typed) < 2:
        raise MalformedNote("the verifier key has no key material")
    wanted = bytes.fromhex(hex_id)
    if not hmac.compare_digest(wanted, key_id(name, typed[0], typed[1:])):
        raise MalformedNote("the verifier key's key ID does not match its name and key")
    return name, wanted, typed[0], typed[1:]


def _vkey(name: str, alg: int, public_key: bytes) -> str:
    return f"{name}+{key_id(name, alg, public_key).hex()}+{_b64(bytes([alg]) + public_key)}"


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Ed25519Key:
    """An Ed25519 public key named for notes, of signature type :attr:`ALG` (the key id and vkey
    depend on it: signed-note §Signature types). Subclasses say how a signature is checked."""

    ALG: ClassVar[int] = ALG_ED25519
    KIND: ClassVar[str] = "Ed25519"
    ERROR: ClassVar[type[CryptoError]] = MalformedNote

    def __init__(self, name: str, public_key: Ed25519PublicKey) -> None:
        self._name = check_key_name(name)
        self._public_key = public_key
        self._raw = _raw_public(public_key)
        self._key_id = key_id(name, self.ALG, self._raw)

    @classmethod
    def from_vkey(cls, vkey: str) -> Self:
        """Parse ``name+hex8+base64(ALG || pub32)``; :attr:`ERROR` on any other form."""
        try:
            name, _, alg, material = parse_vkey(vkey)
        except MalformedNote as exc:
            raise cls.ERROR(exc.message) from None
        if alg != cls.ALG:
            raise cls.ERROR(f"the verifier key has signature type 0x{alg:02x}, not {cls.KIND} (0x{cls.ALG:02x})")
        if len(material) != _ED25519_SIZE:
            raise cls.ERROR(f"a {cls.KIND} verifier key holds a 32-byte Ed25519 public key")
        return cls(name, Ed25519PublicKey.from_public_bytes(material))

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._public_key

    @property
    def vkey(self) -> str:
        return _vkey(self._name, self.ALG, self._raw)


class Ed25519Verifier(Ed25519Key):
    """An Ed25519 (type 0x01) note key: RFC 8032 signatures over the note text (signed-note §Ed25519)."""

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != 64:
            return False
        try:
            self._public_key.verify(signature, message)
        except _Ed25519Mismatch:
            return False
        return True


class Ed25519SigningKey(Generic[K]):
    """An Ed25519 private key named for notes, whose public half is a :attr:`VERIFIER` (its type
    fixes the signature type, the key id and the private-key string's type byte)."""

    VERIFIER: ClassVar[type[Ed25519Key]] = Ed25519Key

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        self._name = check_key_name(name)
        self._private_key = private_key
        self._verifier = cast(K, self.VERIFIER(name, private_key.public_key()))

    @classmethod
    def from_private(cls, name: str, private_key: Ed25519PrivateKey) -> Self:
        return cls(name, private_key)

    @classmethod
    def generate(cls, name: str) -> Self:
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_private_key_string(cls, text: str) -> Self:
        """Parse Go's ``PRIVATE+KEY+name+hex8+base64(ALG || seed32)``; the key ID is checked against
        the public key derived from the seed."""
        kind, error = cls.VERIFIER.KIND, cls.VERIFIER.ERROR
        if not text.startswith(_PRIVATE_PREFIX):
            raise error("a signing key starts with PRIVATE+KEY+")
        name, _, rest = text[len(_PRIVATE_PREFIX) :].partition("+")
        hex_id, _, key64 = rest.partition("+")
        if not _HEX8.fullmatch(hex_id):
            raise error("a signing key is PRIVATE+KEY+name+8 lowercase hex digits+base64 seed")
        try:
            check_key_name(name)
        except MalformedNote as exc:
            raise error(exc.message) from None
        typed = b64decode_strict(key64, "the signing key's seed", error)
        if len(typed) != 1 + _ED25519_SIZE or typed[0] != cls.VERIFIER.ALG:
            raise error(f"a {kind} signing key is 0x{cls.VERIFIER.ALG:02x} followed by a 32-byte seed")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(typed[1:]))
        if not hmac.compare_digest(bytes.fromhex(hex_id), signer.key_id):
            raise error("the signing key's key ID does not match its name and key")
        return signer

    def private_key_string(self) -> str:
        """The Go ``note.NewSigner`` form; secret: whoever holds it signs as this key."""
        seed = self._private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return f"{_PRIVATE_PREFIX}{self._name}+{self.key_id.hex()}+{_b64(bytes([self.VERIFIER.ALG]) + seed)}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    @property
    def vkey(self) -> str:
        return self._verifier.vkey

    @property
    def verifier(self) -> K:
        return self._verifier


class Ed25519Signer(Ed25519SigningKey[Ed25519Verifier]):
    """An Ed25519 (type 0x01) note signing key. Ed25519 is deterministic: one text, one signature."""

    VERIFIER = Ed25519Verifier

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, 4-byte key ID and the signature bytes that follow the key ID."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        """``— <name> base64(key ID || signature)`` with its newline (signed-note §Format)."""
        check_key_name(self.name)
        if len(self.key_id) != KEY_ID_SIZE or not self.signature:
            raise MalformedNote("a signature is a 4-byte key ID and at least one byte")
        return f"{SIGNATURE_PREFIX}{self.name} {_b64(self.key_id + self.signature)}\n"

    @classmethod
    def from_line(cls, line: str) -> Signature:
        """Parse one signature line without its newline."""
        if not line.startswith(SIGNATURE_PREFIX):
            raise MalformedNote("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        check_key_name(name)
        raw = b64decode_strict(encoded, f"the signature of {name!r}")
        if len(raw) <= KEY_ID_SIZE:
            raise MalformedNote(f"the signature of {name!r} is shorter than a key ID and one byte")
        return cls(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True)
class Note:
    """A parsed note: its text (final newline included) and every signature line, in order."""

    text: str
    signatures: tuple[Signature, ...]

    def encode(self) -> str:
        """The signed note, byte for byte as parsed."""
        _check_text(self.text)
        if not self.signatures:
            raise MalformedNote("a signed note has at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise MalformedNote(f"a note carries at most {MAX_SIGNATURES} signatures")
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedNote("the note text ends with a newline")
    _check_characters(text)


def _check_characters(text: str) -> None:
    if not _is_utf8(text):
        raise MalformedNote("a note is valid UTF-8")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise MalformedNote("a note holds no control characters other than newline")


def _as_text(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedNote("a note is valid UTF-8") from None
    return note


def parse_note(note: str | bytes) -> Note:
    """Split a signed note into text and signature lines, checking the syntax only (signed-note §Format):
    valid UTF-8, no control characters but newline, the text separated from one or more signature lines
    by the last blank line, at most :data:`MAX_SIGNATURES` lines. Signatures are not verified here."""
    text = _as_text(note)
    _check_characters(text)
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedNote("a signed note has a blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block or not block.endswith("\n"):
        raise MalformedNote("a signed note ends with one or more newline-terminated signature lines")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNote(f"a note carries at most {MAX_SIGNATURES} signatures")
    return Note(body, tuple(Signature.from_line(line) for line in lines))


def verify_signatures(note: Note, verifiers: Sequence[Verifier]) -> list[Signature]:
    """The signatures of ``note`` made by known keys, each verified; unknown (name, key ID) pairs are
    ignored, repeated lines of one key are counted once, and a known key whose signature does not
    verify refuses the whole note with :class:`BadSignature` (signed-note §Signatures). An empty
    list means no known key signed."""
    known: dict[tuple[str, bytes], list[Verifier]] = {}
    for verifier in verifiers:
        known.setdefault((verifier.name, bytes(verifier.key_id)), []).append(verifier)
    message = note.text.encode("utf-8")
    verified: list[Signature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in note.signatures:
        pair = (sig.name, sig.key_id)
        candidates = known.get(pair)
        if candidates is None or pair in seen:
            continue
        if len(candidates) > 1:
            raise AmbiguousVerifier(f"two configured keys are named {sig.name}+{sig.key_id.hex()}")
        seen.add(pair)
        if not candidates[0].verify(message, sig.signature):
            raise BadSignature(f"the signature of known key {sig.name}+{sig.key_id.hex()} does not verify")
        verified.append(sig)
    return verified


def open_note(note: str | bytes, verifiers: Sequence[Verifier]) -> tuple[Note, list[Signature]]:
    """Parse ``note`` and verify it against ``verifiers`` (signed-note §Signatures): returns the note
    and its verified signatures; MalformedNote on syntax, BadSignature when a known key's signature
    fails, UnverifiedNote when no known key signed."""
    parsed = parse_note(note)
    verified = verify_signatures(parsed, verifiers)
    if not verified:
        raise UnverifiedNote("no known key signed the note")
    return parsed, verified


def _with_replaced(existing: Sequence[Signature], new: Sequence[Signature]) -> tuple[Signature, ...]:
    replaced = {(sig.name, sig.key_id) for sig in new}
    kept = [sig for sig in existing if (sig.name, sig.key_id) not in replaced]
    return (*kept, *new)


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Sign ``text`` (which ends with a newline) with each signer, in order (signed-note §Format)."""
    _check_text(text)
    if not signers:
        raise MalformedNote("a signed note needs at least one signer")
    message = text.encode("utf-8")
    signatures = [Signature(check_key_name(s.name), bytes(s.key_id), s.sign(message)) for s in signers]
    return Note(text, _with_replaced((), signatures)).encode()


def add_signatures(note: str | bytes, signatures: Sequence[Signature]) -> str:
    """Append signature lines (e.g. witness cosignatures) to a signed note, keeping its text and its
    lines; an existing line of the same (name, key ID) is replaced by the new one, as Go's ``note.Sign``
    does. Nothing is verified here."""
    parsed = parse_note(note)
    return Note(parsed.text, _with_replaced(parsed.signatures, signatures)).encode()
