"""Push-style keyless verification of a package arriving in chunks (e.g. an HTTP upload).

:class:`PackageVerifier` checks exactly what :func:`crypto.sealed.package.inspect` checks — layout,
header, recipient envelopes, every segment record, the bidder's signature over the package digest
and the end of the data — but is fed with :meth:`~PackageVerifier.update` as bytes arrive, so an
upload can be verified while it streams into storage, in one pass and constant memory. Errors
are raised as soon as they are detectable, with the same classes and codes as ``inspect``.
"""

from __future__ import annotations

import hashlib
import struct
from enum import Enum, auto
from typing import Final

from crypto.sealed.envelope import EnvelopeInfo, envelope_info
from crypto.sealed.errors import MalformedPackageError, NotAPackageError, TrailingDataError, TruncatedError
from crypto.sealed.header import MAGIC, MAGIC_PREFIX, Header, Recipient, check_header_length, check_magic, decode_header
from crypto.sealed.keys import BINDING_TAG_SIZE
from crypto.sealed.package import MAX_FORM_PLAINTEXT, MAX_TRAILER_SIZE, PackageInfo, check_signer
from crypto.sealed.signature import verify_detached
from crypto.sealed.stream import (
    RECORD_HEADER_SIZE,
    TAG_SIZE,
    TRAILER_MAGIC,
    check_flag,
    check_part_magic,
    check_record,
)

_PART_HEAD: Final = 4 + BINDING_TAG_SIZE
_LABELS: Final = ("form", "body")


class _State(Enum):
    PREAMBLE = auto()  # magic + header length
    HEADER = auto()
    PART_HEAD = auto()
    RECORD_FLAG = auto()
    RECORD_LENGTH = auto()
    RECORD_BODY = auto()
    TRAILER_HEAD = auto()
    TRAILER = auto()
    DONE = auto()


class PackageVerifier:
    """Feed a package with :meth:`update`, then :meth:`finish` returns its :class:`PackageInfo`."""

    def __init__(self) -> None:
        self._state = _State.PREAMBLE
        self._need = len(MAGIC) + 4
        self._buf = bytearray()
        self._signed = hashlib.sha256()
        self._file = hashlib.sha256()
        self._offset = 0
        self._header: Header | None = None
        self._recipients: tuple[tuple[Recipient, EnvelopeInfo], ...] = ()
        self._part = 0
        self._counter = 0
        self._final = False
        self._skip = 0
        self._sizes = [0, 0]
        self._segments = [0, 0]
        self._offsets = {"form": 0, "body": 0, "trailer": 0}
        self._digest = b""
        self._signature = b""

    @property
    def offset(self) -> int:
        """Bytes consumed so far."""
        return self._offset

    def update(self, data: bytes | bytearray | memoryview) -> None:
        """Consume the next bytes of the package; raises as soon as something is wrong."""
        view = memoryview(data).cast("B")
        if not len(view):
            return
        self._file.update(view)
        pos = 0
        total = len(view)
        while pos < total:
            state = self._state
            if state is _State.DONE:
                raise TrailingDataError(f"data follows the signature trailer at byte {self._offset}")
            if state is _State.RECORD_BODY:
                k = min(self._skip, total - pos)
                self._signed.update(view[pos : pos + k])
                self._skip -= k
                self._offset += k
                pos += k
                if not self._skip:
                    self._end_record()
                continue
            k = min(self._need - len(self._buf), total - pos)
            chunk = view[pos : pos + k]
            if state is _State.PREAMBLE and len(self._buf) < len(MAGIC_PREFIX):
                seen = bytes(self._buf) + bytes(chunk[: len(MAGIC_PREFIX) - len(self._buf)])
                if not MAGIC_PREFIX.startswith(seen):
                    raise NotAPackageError("not a sealed bid package (no BIDSEAL magic)")
            self._buf += chunk
            if state not in (_State.TRAILER_HEAD, _State.TRAILER):
                self._signed.update(chunk)
            self._offset += k
            pos += k
            if len(self._buf) == self._need:
                block = bytes(self._buf)
                self._buf.clear()
                self._advance(block)

    def _advance(self, block: bytes) -> None:
        state = self._state
        if state is _State.PREAMBLE:
            check_magic(block[: len(MAGIC)])
            (length,) = struct.unpack(">I", block[len(MAGIC) :])
            check_header_length(length)
            self._state, self._need = _State.HEADER, length
        elif state is _State.HEADER:
            header = decode_header(block)
            self._recipients = tuple((r, envelope_info(r.cms)) for r in header.recipients)
            self._header = header
            self._offsets["form"] = self._offset
            self._state, self._need = _State.PART_HEAD, _PART_HEAD
        elif state is _State.PART_HEAD:
            label = _LABELS[self._part]
            check_part_magic(block[:4], label, self._offset - _PART_HEAD)
            self._counter = 0
            self._state, self._need = _State.RECORD_FLAG, 1
        elif state is _State.RECORD_FLAG:
            self._final = check_flag(block[0], _LABELS[self._part], self._offset - 1)
            self._state, self._need = _State.RECORD_LENGTH, RECORD_HEADER_SIZE - 1
        elif state is _State.RECORD_LENGTH:
            assert self._header is not None
            (ct_len,) = struct.unpack(">I", block)
            check_record(self._final, ct_len, self._counter, self._header.segment_size, _LABELS[self._part])
            self._sizes[self._part] += ct_len - TAG_SIZE
            self._segments[self._part] += 1
            if self._part == 0 and self._sizes[0] > MAX_FORM_PLAINTEXT:
                raise MalformedPackageError("the form part is larger than the format allows")
            self._skip = ct_len
            self._state, self._need = _State.RECORD_BODY, 0
        elif state is _State.TRAILER_HEAD:
            if block[:4] != TRAILER_MAGIC:
                raise MalformedPackageError(f"expected the signature trailer at byte {self._offset - 8}")
            (length,) = struct.unpack(">I", block[4:])
            if not 0 < length <= MAX_TRAILER_SIZE:
                raise MalformedPackageError(f"trailer length {length} out of range")
            self._state, self._need = _State.TRAILER, length
        elif state is _State.TRAILER:
            self._signature = block
            self._state, self._need = _State.DONE, 0

    def _end_record(self) -> None:
        self._counter += 1
        if not self._final:
            self._state, self._need = _State.RECORD_FLAG, 1
        elif self._part == 0:
            self._part = 1
            self._offsets["body"] = self._offset
            self._state, self._need = _State.PART_HEAD, _PART_HEAD
        else:
            self._offsets["trailer"] = self._offset
            self._digest = self._signed.digest()
            self._state, self._need = _State.TRAILER_HEAD, 8

    def finish(self) -> PackageInfo:
        """Check that the package is complete and verify the bidder's signature."""
        if self._state is not _State.DONE:
            # Judge a partial block as the pull reader would: it reads magics before what follows them.
            buf = bytes(self._buf)
            if self._state is _State.PREAMBLE:
                check_magic(buf[: len(MAGIC)])
            if self._state is _State.PART_HEAD and len(buf) >= 4:
                check_part_magic(buf[:4], _LABELS[self._part], self._offset - len(buf))
            if self._state is _State.TRAILER_HEAD and len(buf) >= 4 and buf[:4] != TRAILER_MAGIC:
                raise MalformedPackageError(f"expected the signature trailer at byte {self._offset - len(buf)}")
            where = {
                _State.TRAILER_HEAD: "the package ends before its signature trailer",
                _State.TRAILER: "the package ends inside the signature trailer",
            }.get(self._state, f"the package ends early (at byte {self._offset})")
            raise TruncatedError(where)
        header = self._header
        assert header is not None
        verified = verify_detached(self._signature, self._digest)
        check_signer(header, verified, "package")
        return PackageInfo(
            header=header,
            recipients=self._recipients,
            form_offset=self._offsets["form"],
            form_plaintext_size=self._sizes[0],
            body_offset=self._offsets["body"],
            body_size=self._sizes[1],
            body_segments=self._segments[1],
            trailer_offset=self._offsets["trailer"],
            package_size=self._offset,
            digest=self._digest,
            file_sha256=self._file.digest(),
            signer_cert=verified.signer_cert,
            signing_time=verified.signing_time,
        )
