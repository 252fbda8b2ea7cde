"""The file list of a bid body from its tar headers alone (bidding.evaluation.tar_index): ustar, GNU and
pax archives as Python's tarfile writes them, offsets worked by hand, names that are not paths, and a
10 GiB member listed with two small reads."""

from __future__ import annotations

import asyncio
import io
import tarfile

import pytest

from bidding.evaluation.tar_index import (
    BLOCK,
    TarFormatError,
    TarMember,
    index_bytes,
    index_stream,
)


def _tar(files: list[tuple[str, bytes]], fmt: int = tarfile.PAX_FORMAT, encoding: str = "utf-8") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt, encoding=encoding) as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_offsets_worked_by_hand_in_a_ustar_archive() -> None:
    # a.txt: header 0..512, data 512..517 padded to 1024; b.pdf: header 1024..1536, data 1536..2136.
    data = _tar([("a.txt", b"hello"), ("b.pdf", b"%PDF-" + b"x" * 595)], tarfile.USTAR_FORMAT)
    assert index_bytes(data) == [TarMember("a.txt", 512, 5), TarMember("b.pdf", 1536, 600)]
    assert data[1536:1541] == b"%PDF-"


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_every_format_gives_the_names_and_the_exact_bytes(fmt: int) -> None:
    files = [
        ("投标文件/投标函.pdf", b"%PDF-1.7 letter"),
        ("投标文件/" + "第三章施工组织设计/" * 8 + "进度计划.txt", "分三阶段".encode()),  # > 100 bytes
        ("empty.bin", b""),
    ]
    data = _tar(files, fmt)
    members = index_bytes(data)
    assert [m.name for m in members] == [name for name, _ in files]
    assert [data[m.offset : m.offset + m.size] for m in members] == [content for _, content in files]


def test_ustar_long_names_are_prefix_slash_name() -> None:
    name = "a" * 120 + "/" + "b" * 90 + ".txt"  # tarfile splits it into prefix (120) and name (94)
    data = _tar([(name, b"x")], tarfile.USTAR_FORMAT)
    assert data[345:350] == b"aaaaa"  # the prefix field really is used
    assert index_bytes(data) == [TarMember(name, 512, 1)]


def test_a_gnu_name_written_in_gbk_is_read_as_gb18030() -> None:
    data = _tar([("技术标.pdf", b"%PDF-")], tarfile.GNU_FORMAT, encoding="gbk")
    assert "技术标.pdf".encode("gbk") in data[:100]
    assert index_bytes(data)[0].name == "技术标.pdf"


def test_only_regular_files_are_listed() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folder = tarfile.TarInfo("投标文件")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        link = tarfile.TarInfo("link")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
        info = tarfile.TarInfo("投标文件/a.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    assert [m.name for m in index_bytes(out.getvalue())] == ["投标文件/a.txt"]


def test_names_that_would_escape_a_directory_are_listed_as_written() -> None:
    data = _tar([("../../etc/cron.d/x", b"1"), ("/etc/passwd", b"2")], tarfile.GNU_FORMAT)
    assert [m.name for m in index_bytes(data)] == ["../../etc/cron.d/x", "/etc/passwd"]


def test_an_empty_archive_and_an_archive_without_its_end_blocks() -> None:
    assert index_bytes(bytes(2 * BLOCK)) == []
    data = _tar([("a.txt", b"hello")], tarfile.USTAR_FORMAT)
    unterminated = data[:1024]  # header + one data block, no zero blocks
    assert index_bytes(unterminated) == [TarMember("a.txt", 512, 5)]


def test_what_is_not_a_tar_archive_is_refused() -> None:
    with pytest.raises(TarFormatError, match="checksum"):
        index_bytes(b"%PDF-1.7\n" + bytes(1024))
    data = bytearray(_tar([("a.txt", b"hello")], tarfile.USTAR_FORMAT))
    data[0] = ord("b")  # the name changed, the checksum not
    with pytest.raises(TarFormatError, match="checksum"):
        index_bytes(bytes(data))


def test_a_member_cut_short_is_refused() -> None:
    data = _tar([("big.bin", b"x" * 5000)], tarfile.USTAR_FORMAT)
    with pytest.raises(TarFormatError, match="past the end"):
        index_bytes(data[:2048])  # 5000 bytes announced, 1536 present


def _header(name: str, size_field: bytes, kind: bytes = b"0") -> bytes:
    """A GNU header with a given raw size field (to test base-256 sizes)."""
    header = bytearray(BLOCK)
    header[0 : len(name)] = name.encode()
    header[100:108] = b"0000644\0"
    header[124:136] = size_field
    header[156:157] = kind
    header[257:265] = b"ustar  \0"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header)


class _Reads:
    """A ranged reader over a sparse archive (only the headers exist), counting its reads."""

    def __init__(self, blocks: dict[int, bytes]) -> None:
        self.blocks = blocks
        self.calls: list[tuple[int, int]] = []

    async def __call__(self, offset: int, length: int) -> bytes:
        self.calls.append((offset, length))
        out = bytearray(length)
        for at, block in self.blocks.items():
            lo, hi = max(at, offset), min(at + len(block), offset + length)
            if lo < hi:
                out[lo - offset : hi - offset] = block[lo - at : hi - at]
        return bytes(out)


def test_a_10_gib_member_is_listed_with_two_reads_and_none_of_its_data() -> None:
    size = 10 * 1024**3  # 0o1200000000000: 12 octal digits do not fit in 11, GNU uses base-256
    field = bytes([0x80]) + size.to_bytes(11, "big")
    end = 512 + size  # already a multiple of 512
    reads = _Reads({0: _header("big.bin", field)})
    members = asyncio.run(index_stream(reads, end + 2 * BLOCK))
    assert members == [TarMember("big.bin", 512, size)]
    assert reads.calls == [(0, 64 * 1024), (end, 2 * BLOCK)]


def test_a_pax_size_overrides_the_header_size() -> None:
    size = 9 * 1024**3
    info = tarfile.TarInfo("huge.iso")
    info.size = size
    headers = info.tobuf(tarfile.PAX_FORMAT)  # a pax header ("size=9663676416") and the member's header
    assert b"size=9663676416" in headers
    reads = _Reads({0: headers})
    members = asyncio.run(index_stream(reads, len(headers) + size + 2 * BLOCK))
    assert members == [TarMember("huge.iso", len(headers), size)]


def test_many_small_files_are_listed_with_few_reads() -> None:
    files = [(f"附件{i:03}.txt", b"x" * 10) for i in range(100)]
    data = _tar(files, tarfile.USTAR_FORMAT)  # 100 × 1024 bytes + end blocks

    async def read(offset: int, length: int) -> bytes:
        calls.append(offset)
        return data[offset : offset + length]

    calls: list[int] = []
    members = asyncio.run(index_stream(read, len(data)))
    assert members == index_bytes(data)
    assert [m.offset for m in members[:3]] == [512, 1536, 2560]
    assert calls == [0, 65536]  # two 64 KiB windows cover 102,400 + 10,240 bytes of headers
