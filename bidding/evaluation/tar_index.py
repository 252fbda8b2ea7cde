"""The file list of a decrypted bid body (a tar archive, ``opened/<lot>/<bid>.tar``) from its headers
alone: each member's name, where its data starts and its size, without reading any data into memory
(issue 20: the committee reads the bodies file by file; bodies may be gigabytes).

A tar archive (POSIX.1-2001 pax, ustar, and GNU tar) is a sequence of 512-byte header blocks, each
followed by the member's data padded to a multiple of 512 bytes, and ends with zero blocks. The walk
reads a header, skips the data, reads the next header: for an archive of ``n`` members that is ``n``
small ranged reads, whatever the size of the data. Supported:

- ustar (``ustar\\0`` ``00``): the name is ``prefix/name`` (155 + 100 bytes);
- GNU (``ustar  \\0``): a long name is an ``L`` member whose data is the next member's name; sizes of
  8 GiB and more in base-256 (the high bit of the size field's first byte);
- pax: an ``x`` member's records (``<length> <key>=<value>\\n``) set the next member's ``path`` and
  ``size`` (POSIX.1-2001 ``pax`` format); global ``g`` headers are skipped.

Only regular files are listed (type ``0``, ``\\0``, ``7``); directories, links, devices and GNU sparse
files are skipped. Names are labels, never paths: ``../x`` or ``/etc/passwd`` are listed as written
(the platform writes nothing to disk by a member's name). Names are UTF-8 (pax always is); a ustar or
GNU name that is not UTF-8 is read as GB 18030 (archives made by Chinese Windows tools).

Pure: the walk is a generator that asks for byte ranges (:func:`walk`); :func:`index_bytes` and
:func:`index_stream` feed it from memory or from an async ranged reader (the object store).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Final, TypeAlias

__all__ = [
    "BLOCK",
    "MAX_MEMBERS",
    "MAX_META_SIZE",
    "TarFormatError",
    "TarMember",
    "Walk",
    "index_bytes",
    "index_stream",
    "walk",
]

BLOCK: Final = 512
#: More members than this is not a bid body but an attack on the index (it is kept in a JSON column).
MAX_MEMBERS: Final = 20_000
#: A long name or a pax header larger than this is refused (a name is at most a few hundred bytes).
MAX_META_SIZE: Final = 64 * 1024
#: How much the stream reader fetches at once: the headers of small members come in one read.
WINDOW: Final = 64 * 1024

_REGULAR: Final = frozenset({b"0", b"\0", b"7"})
_GNU_LONG_NAME: Final = b"L"
_GNU_LONG_LINK: Final = b"K"
_PAX: Final = b"x"
_PAX_GLOBAL: Final = b"g"


class TarFormatError(ValueError):
    """The bytes are not a tar archive this index reads; the message says where and why."""


@dataclass(frozen=True)
class TarMember:
    """One regular file of the archive: its name as written, where its data starts, its size."""

    name: str
    offset: int
    size: int


#: A walk: yields ``(offset, length)`` ranges to read, is sent their bytes, returns the members.
Walk: TypeAlias = Generator[tuple[int, int], bytes, list[TarMember]]


def _padded(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _octal(field: bytes, what: str, at: int) -> int:
    """A numeric field: octal digits (NUL/space terminated), or GNU base-256 when the first byte's
    high bit is set (a negative base-256 number is refused)."""
    if field and field[0] & 0x80:
        if field[0] & 0x40:
            raise TarFormatError(f"negative {what} in the header at {at}")
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    digits = field.split(b"\0", 1)[0].strip(b" ")
    if not digits:
        return 0
    try:
        return int(digits, 8)
    except ValueError:
        raise TarFormatError(f"{what} {digits!r} in the header at {at} is not an octal number") from None


def _checksum_ok(header: bytes) -> bool:
    """The header's checksum: the sum of its bytes with the checksum field read as spaces; old tars
    summed signed bytes, both are accepted."""
    stored = header[148:156].split(b"\0", 1)[0].strip(b" ")
    try:
        expected = int(stored, 8)
    except ValueError:
        return False
    unsigned = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
    signed = unsigned - 256 * sum(1 for b in header[:148] + header[156:] if b > 127)
    return expected in (unsigned, signed)


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def _cstring(raw: bytes) -> bytes:
    return raw.split(b"\0", 1)[0]


def _pax_records(data: bytes, at: int) -> dict[str, bytes]:
    """The records of a pax extended header: ``"%d %s=%s\\n" % (length, key, value)`` (POSIX.1-2001
    pax, "extended header"); the length counts the whole record including itself and the newline."""
    records: dict[str, bytes] = {}
    pos = 0
    while pos < len(data) and data[pos] != 0:
        space = data.find(b" ", pos)
        if space < 0:
            raise TarFormatError(f"a pax record at {at} has no length")
        try:
            length = int(data[pos:space])
        except ValueError:
            raise TarFormatError(f"a pax record at {at} has a length that is not a number") from None
        end = pos + length
        if length <= space - pos + 1 or end > len(data) or data[end - 1 : end] != b"\n":
            raise TarFormatError(f"a pax record at {at} is cut short or does not end with a newline")
        key, eq, value = data[space + 1 : end - 1].partition(b"=")
        if not eq:
            raise TarFormatError(f"a pax record at {at} has no '='")
        records[key.decode("utf-8", errors="replace")] = value
        pos = end
    return records


def walk(size: int) -> Walk:
    """Walk the headers of an archive of ``size`` bytes (see the module doc).

    An archive that ends without its zero blocks at a header boundary is read to its end (some tools
    leave them out); a header or a member's data past the end of the archive, a bad checksum, or more
    than :data:`MAX_MEMBERS` members is a :class:`TarFormatError`."""
    members: list[TarMember] = []
    pos = 0
    long_name: str | None = None
    pax: dict[str, bytes] = {}
    while pos + BLOCK <= size:
        header = yield pos, BLOCK
        if header == bytes(BLOCK):
            break
        if not _checksum_ok(header):
            raise TarFormatError(f"the header at {pos} has a wrong checksum (not a tar archive, or damaged)")
        kind = header[156:157]
        length = _octal(header[124:136], "size", pos)
        data_at = pos + BLOCK
        if data_at + length > size:
            raise TarFormatError(f"the member at {pos} ({length} bytes) runs past the end of the archive")
        if kind in (_GNU_LONG_NAME, _GNU_LONG_LINK, _PAX, _PAX_GLOBAL):
            if length > MAX_META_SIZE:
                raise TarFormatError(f"the extended header at {pos} is {length} bytes; at most {MAX_META_SIZE}")
            meta = (yield data_at, length) if length else b""
            if kind == _GNU_LONG_NAME:
                long_name = _text(_cstring(meta))
            elif kind == _PAX:
                pax = _pax_records(meta, pos)
            pos = data_at + _padded(length)
            continue
        if "size" in pax:
            try:
                length = int(pax["size"])
            except ValueError:
                raise TarFormatError(f"the pax size of the member at {pos} is not a number") from None
            if length < 0 or data_at + length > size:
                raise TarFormatError(f"the member at {pos} ({length} bytes) runs past the end of the archive")
        if kind in _REGULAR:
            if "path" in pax:
                name = pax["path"].decode("utf-8", errors="replace")
            elif long_name is not None:
                name = long_name
            else:
                name = _text(_cstring(header[0:100]))
                if header[257:263] == b"ustar\0" and (prefix := _cstring(header[345:500])):
                    name = f"{_text(prefix)}/{name}"
            members.append(TarMember(name, data_at, length))
            if len(members) > MAX_MEMBERS:
                raise TarFormatError(f"the archive has more than {MAX_MEMBERS} files")
        long_name, pax = None, {}
        pos = data_at + _padded(length)
    return members


def index_bytes(data: bytes) -> list[TarMember]:
    """The members of an archive held in memory (tests, small bodies)."""
    steps = walk(len(data))
    try:
        offset, length = next(steps)
        while True:
            offset, length = steps.send(data[offset : offset + length])
    except StopIteration as done:
        result: list[TarMember] = done.value
        return result


async def index_stream(read: Callable[[int, int], Awaitable[bytes]], size: int) -> list[TarMember]:
    """The members of an archive of ``size`` bytes read by ``read(offset, length)`` (e.g. ranged reads
    of the object store). Reads :data:`WINDOW` bytes at a time and answers the headers that fall in the
    window from it, so that an archive of many small files costs few reads."""
    window_at, window = 0, b""
    steps = walk(size)
    try:
        offset, length = next(steps)
        while True:
            if not (window_at <= offset and offset + length <= window_at + len(window)):
                window_at = offset
                window = await read(offset, min(max(length, WINDOW), size - offset))
                if len(window) < length:
                    raise TarFormatError(f"the archive ends at {offset + len(window)}, inside a header")
            start = offset - window_at
            offset, length = steps.send(window[start : start + length])
    except StopIteration as done:
        result: list[TarMember] = done.value
        return result
