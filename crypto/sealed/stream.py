"""Segmented AES-256-GCM with the STREAM construction (one part of a sealed bid).

STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online authenticated-encryption and its
nonce-reuse misuse-resistance", CRYPTO 2015), in the nonce layout of Tink's AES-GCM-HKDF
streaming AEAD (also age's payload and C2SP chunked-encryption)::

    nonce(i) = prefix (7 bytes) || uint32_be(i) || last (0x00 or 0x01)      12 bytes, NIST SP 800-38D §8.2.1

A part on the wire::

    part   = magic (4: "FORM" | "BODY") || binding_tag (32) || record* (exactly one final)
    record = flag (1: 0x00 | 0x01 final) || uint32_be(len(ct)) || ct
    ct     = AES-256-GCM(part key, nonce(i), plaintext_i, aad = "")     (ciphertext || 16-byte tag)

Every non-final segment carries exactly ``segment_size`` plaintext bytes; the final segment
carries 1..``segment_size`` bytes, or 0 bytes when the whole part is empty. The counter and the
final flag are inside the nonce, so a reordered, dropped, duplicated or re-flagged segment fails
its tag; a part cut before its final segment is reported as truncated. Memory use is two
segment buffers whatever the part size.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import Any, BinaryIO, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crypto.sealed.errors import MalformedPackageError, SealedError, SegmentAuthenticationError, TruncatedError
from crypto.sealed.keys import BINDING_TAG_SIZE, PartKeys

TAG_SIZE: Final = 16
RECORD_HEADER_SIZE: Final = 5
FLAG_MORE: Final = 0x00
FLAG_FINAL: Final = 0x01
MAX_SEGMENTS: Final = 2**32
PART_MAGIC: Final = {"form": b"FORM", "body": b"BODY"}
TRAILER_MAGIC: Final = b"SIGN"
_NEXT_MAGIC_FIRST_BYTES: Final = frozenset({ord("B"), ord("S")})


def segment_nonce(prefix: bytes, counter: int, final: bool) -> bytes:
    """The 12-byte GCM nonce of segment ``counter``: prefix || uint32_be(counter) || final flag."""
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def _blocking(result: Any) -> Any:
    """A non-blocking stream answers None for "no data yet": never mistake that for the end."""
    if result is None:
        raise BlockingIOError("sealed-bid streams must be blocking (read returned None)")
    return result


def write_all(write: Any, data: bytes | bytearray | memoryview) -> None:
    """Call ``write`` until all of ``data`` is taken: a raw (unbuffered) stream may write only part.

    A ``write`` that returns None (many file-likes) is taken to have written everything.
    """
    n = write(data)
    if n is None or n >= len(data):
        return
    view = memoryview(data)[n:]
    while view:
        n = write(view)
        if n is None:
            return
        view = view[n:]


class Sink:
    """Where a writer puts bytes: the output stream, with the running package SHA-256 and offset."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.hasher = hashlib.sha256()
        self.offset = 0
        self.hashing = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.hashing:
            self.hasher.update(data)
        write_all(self.out.write, data)
        self.offset += len(data)


class Source:
    """Reads a package: exact reads that raise :class:`TruncatedError`, with the running SHA-256 and offset."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.hasher = hashlib.sha256()
        self.offset = 0
        self.hashing = True
        self._readinto: Any = getattr(stream, "readinto", None)

    def _got(self, data: bytes | memoryview) -> None:
        if self.hashing:
            self.hasher.update(data)
        self.offset += len(data)

    def read_upto(self, n: int) -> bytes:
        """Read up to ``n`` bytes; fewer only at the end of the stream."""
        chunks = []
        left = n
        while left:
            chunk = _blocking(self.stream.read(left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        self._got(data)
        return data

    def read_exact(self, n: int, what: str) -> bytes:
        data = self.read_upto(n)
        if len(data) != n:
            raise TruncatedError(f"the package ends inside {what} (at byte {self.offset})")
        return data

    def readinto_exact(self, view: memoryview, what: str) -> None:
        n = len(view)
        got = 0
        while got < n:
            if self._readinto is not None:
                k = _blocking(self._readinto(view[got:]))
            else:
                chunk = _blocking(self.stream.read(n - got))
                k = len(chunk)
                view[got : got + k] = chunk
            if not k:
                self.offset += got
                raise TruncatedError(f"the package ends inside {what} (at byte {self.offset})")
            got += k
        self._got(view)


def _fill(src: BinaryIO, view: memoryview) -> int:
    """Read into ``view`` until it is full or the source ends; return the byte count."""
    readinto = getattr(src, "readinto", None)
    got = 0
    n = len(view)
    while got < n:
        if readinto is not None:
            k = _blocking(readinto(view[got:]))
        else:
            chunk = _blocking(src.read(n - got))
            k = len(chunk)
            view[got : got + k] = chunk
        if not k:
            break
        got += k
    return got


def check_flag(flag: int, label: str, offset: int) -> bool:
    """Validate a record's flag byte; return whether it is the final record of the part."""
    if flag not in (FLAG_MORE, FLAG_FINAL):
        if flag in _NEXT_MAGIC_FIRST_BYTES:  # the next part or the trailer where a record should be
            raise TruncatedError(f"the {label} part ends without its final segment")
        raise MalformedPackageError(f"bad segment flag 0x{flag:02x} in the {label} part at byte {offset}")
    return flag == FLAG_FINAL


def check_record(final: bool, ct_len: int, counter: int, segment_size: int, label: str) -> None:
    """Validate a record's ciphertext length and index against the segment rules (module doc)."""
    if final:
        ok = TAG_SIZE < ct_len <= segment_size + TAG_SIZE or (ct_len == TAG_SIZE and counter == 0)
    else:
        ok = ct_len == segment_size + TAG_SIZE
    if not ok:
        raise MalformedPackageError(f"{label} segment {counter} has an invalid length {ct_len}")
    if counter >= MAX_SEGMENTS:
        raise MalformedPackageError(f"the {label} part has more than 2**32 segments")


def check_part_magic(magic: bytes, label: str, offset: int) -> None:
    if magic != PART_MAGIC[label]:
        raise MalformedPackageError(f"expected the {label} part at byte {offset}")


class SegmentEncryptor:
    """Writes one part: magic, binding tag, then the STREAM segments of what is written to it.

    A full segment is only encrypted once more data arrives, so the last one can carry the final
    flag; :meth:`close` writes it. Use :meth:`write` (push) or :meth:`readfrom` (pull, zero copy).
    """

    def __init__(self, sink: Sink, keys: PartKeys, segment_size: int) -> None:
        self._sink = sink
        self._keys = keys
        self._seg = segment_size
        self._aead = AESGCM(keys.key)
        self._prefix = keys.nonce_prefix
        self._buf = bytearray(segment_size)
        self._spare = bytearray(segment_size)
        self._fill = 0
        self._out = bytearray(RECORD_HEADER_SIZE + segment_size + TAG_SIZE)
        self._out_view = memoryview(self._out)
        self._counter = 0
        self._closed = False
        self.plaintext_size = 0
        self.start_offset = sink.offset
        sink.write(PART_MAGIC[keys.label])
        sink.write(keys.binding_tag)

    @property
    def segments(self) -> int:
        return self._counter

    def _flush(self, final: bool) -> None:
        if self._counter >= MAX_SEGMENTS:
            raise SealedError("a part may hold at most 2**32 segments")
        n = self._fill
        ct_len = n + TAG_SIZE
        out = self._out
        out[0] = FLAG_FINAL if final else FLAG_MORE
        struct.pack_into(">I", out, 1, ct_len)
        nonce = self._prefix + self._counter.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
        self._aead.encrypt_into(
            nonce, memoryview(self._buf)[:n], None, self._out_view[RECORD_HEADER_SIZE : RECORD_HEADER_SIZE + ct_len]
        )
        self._sink.write(self._out_view[: RECORD_HEADER_SIZE + ct_len])
        self._counter += 1
        self.plaintext_size += n
        self._fill = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append plaintext; returns ``len(data)``."""
        if self._closed:
            raise ValueError("write to a closed part")
        view = memoryview(data).cast("B")
        pos = 0
        total = len(view)
        seg = self._seg
        while pos < total:
            if self._fill == seg:
                self._flush(final=False)
            k = min(seg - self._fill, total - pos)
            self._buf[self._fill : self._fill + k] = view[pos : pos + k]
            self._fill += k
            pos += k
        return total

    def readfrom(self, src: BinaryIO) -> None:
        """Encrypt everything ``src`` yields until its end, reading straight into the segment buffers."""
        if self._closed:
            raise ValueError("write to a closed part")
        seg = self._seg
        while True:
            if self._fill == seg:
                n = _fill(src, memoryview(self._spare))
                if not n:
                    return
                self._flush(final=False)
                self._buf, self._spare = self._spare, self._buf
                self._fill = n
            else:
                n = _fill(src, memoryview(self._buf)[self._fill :])
                if not n:
                    return
                self._fill += n

    def close(self) -> None:
        """Write the final segment (empty only when nothing was written)."""
        if not self._closed:
            self._flush(final=True)
            self._closed = True


class SegmentReader:
    """Reads one part from a :class:`Source`; decrypts when given keys, else only checks the layout.

    :meth:`segments` yields each authenticated plaintext segment as a memoryview that is only valid
    until the next iteration. Plaintext of a segment is yielded only after its tag verified; a
    caller that wrote earlier segments somewhere must discard them if a later one fails.
    """

    def __init__(self, source: Source, label: str, segment_size: int, keys: PartKeys | None) -> None:
        self._src = source
        self._label = label
        self._seg = segment_size
        self._keys = keys
        self.plaintext_size = 0
        self.segment_count = 0
        self.start_offset = source.offset
        self.end_offset = -1

    def _read_head(self) -> None:
        magic = self._src.read_upto(4)
        if len(magic) < 4:
            raise TruncatedError(f"the package ends before its {self._label} part")
        check_part_magic(magic, self._label, self._src.offset - 4)
        tag = self._src.read_exact(BINDING_TAG_SIZE, f"the {self._label} part's binding tag")
        if self._keys is not None:
            self._keys.check_binding(tag)

    def segments(self) -> Iterator[memoryview]:
        src = self._src
        label = self._label
        seg = self._seg
        self._read_head()
        inbuf = bytearray(seg + TAG_SIZE)
        inview = memoryview(inbuf)
        keys = self._keys
        aead = AESGCM(keys.key) if keys is not None else None
        outbuf = bytearray(seg) if keys is not None else bytearray()
        outview = memoryview(outbuf)
        counter = 0
        while True:
            flag_byte = src.read_upto(1)
            if not flag_byte:
                raise TruncatedError(f"the package ends inside the {label} part (no final segment)")
            final = check_flag(flag_byte[0], label, src.offset - 1)
            (ct_len,) = struct.unpack(">I", src.read_exact(4, f"a {label} segment header"))
            check_record(final, ct_len, counter, seg, label)
            ct = inview[:ct_len]
            src.readinto_exact(ct, f"{label} segment {counter}")
            n = ct_len - TAG_SIZE
            if aead is not None and keys is not None:
                nonce = keys.nonce_prefix + counter.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
                try:
                    aead.decrypt_into(nonce, ct, None, outview[:n])
                except InvalidTag:
                    outview[:n] = bytes(n)  # never leave unauthenticated plaintext in memory we hand out
                    raise SegmentAuthenticationError(
                        f"{label} segment {counter} does not authenticate (altered, reordered, dropped or foreign)"
                    ) from None
                self.plaintext_size += n
                self.segment_count = counter + 1
                counter += 1
                yield outview[:n]
            else:
                self.plaintext_size += n
                self.segment_count = counter + 1
                counter += 1
            if final:
                self.end_offset = src.offset
                return

    def drain(self) -> None:
        """Consume the whole part (decrypting and discarding when keyed)."""
        for _ in self.segments():
            pass
