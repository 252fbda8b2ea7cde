"""Reading a decrypted bid body's documents for the collusion rule ``same_document_metadata``
(条例40（一）; ``bidding/submission/document_metadata.py``): from the tar file, bounded — an oversized
member is skipped unread, garbage is ignored, the member and document counts stop the walk, a header
claiming gigabytes is not read into memory —, GB 18030 names, and the JSON kept on the bid."""

from __future__ import annotations

import io
import logging
import tarfile
from pathlib import Path

import pytest

from bidding.collusion.signals import DocumentMeta
from bidding.submission import document_metadata as dm
from bidding.submission.document_metadata import from_json, read_documents, to_json
from tests.fixtures.bid_documents import body, docx, pdf


def written(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "body.tar"
    path.write_bytes(data)
    return path


def test_documents_are_read_by_their_bytes_and_the_rest_ignored(tmp_path: Path) -> None:
    tar = body(
        [
            ("投标文件/投标函.pdf", pdf("王建国", "WPS 文字")),
            ("投标文件/技术标.docx", docx("李明", "王建国", template="某公司投标.dotx")),
            ("投标文件/说明.txt", "技术方案：分三阶段施工。".encode()),
            ("投标文件/假的.pdf", b"this is not a pdf at all" * 100),  # named .pdf, bytes of text
            ("投标文件/坏的.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50),  # a PDF header, nothing behind it
            ("投标文件/压缩包.zip", b"PK\x03\x04" + b"\x00" * 100),  # a zip header, no zip
            ("投标文件/图纸", pdf("赵丽")),  # no extension: sniffed from the bytes
        ]
    )
    documents = read_documents(written(tmp_path, tar))
    assert documents is not None
    assert [(d.name, d.kind, d.author, d.last_modified_by) for d in documents] == [
        ("投标文件/投标函.pdf", "pdf", "王建国", None),
        ("投标文件/技术标.docx", "docx", "李明", "王建国"),
        ("投标文件/坏的.pdf", "pdf", None, None),
        ("投标文件/图纸", "pdf", "赵丽", None),
    ]
    assert documents[0].application == "WPS 文字" and documents[0].doc_id
    assert documents[1].template == "某公司投标.dotx" and documents[1].application == "Microsoft Office Word"


def test_an_oversized_member_is_skipped_unread(tmp_path: Path) -> None:
    big = pdf("王建国") + b"%" + b"x" * 4096  # still a PDF, over the bound
    small = pdf("李明")
    documents = read_documents(
        written(tmp_path, body([("大.pdf", big), ("小.pdf", small)])), max_document_bytes=len(small)
    )
    assert [(d.name, d.author) for d in documents or []] == [("小.pdf", "李明")]


def test_the_walk_stops_at_its_bounds(tmp_path: Path) -> None:
    members = [(f"{n}.pdf", pdf(f"作者{n}")) for n in range(5)]
    path = written(tmp_path, body([("a.txt", b"text"), *members]))
    assert [d.author for d in read_documents(path, max_documents=2) or []] == ["作者0", "作者1"]
    assert [d.author for d in read_documents(path, max_members=3) or []] == ["作者0", "作者1"]
    assert len(read_documents(path) or []) == 5


def test_no_tar_gives_none_and_a_broken_tar_keeps_what_came_before(tmp_path: Path) -> None:
    assert read_documents(written(tmp_path, pdf("王建国"))) is None  # a bare PDF is no tar
    assert read_documents(written(tmp_path, b"")) is None
    whole = body([("一.pdf", pdf("王建国")), ("二.pdf", pdf("李明"))])
    cut = whole[: len(whole) // 2 + 700]  # the second member's header or data is cut
    assert [d.author for d in read_documents(written(tmp_path, cut)) or []] == ["王建国"]


def test_a_header_claiming_gigabytes_is_not_read_into_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = body([("一.pdf", pdf("王建国"))])
    pax = tarfile.TarInfo("././@PaxHeader")
    pax.type = tarfile.XHDTYPE
    pax.size = 3 * 1024**3  # tarfile would read the pax records whole
    claimed = pax.tobuf(tarfile.USTAR_FORMAT)
    end = len(first) - 2 * tarfile.BLOCKSIZE  # before the end-of-archive blocks (padding may follow)
    while first[end - tarfile.BLOCKSIZE : end] == b"\0" * tarfile.BLOCKSIZE:
        end -= tarfile.BLOCKSIZE
    crafted = first[:end] + claimed + b"\0" * (2 * dm.MAX_HEADER_READ)
    with caplog.at_level(logging.WARNING, logger="bidding.submission"):
        assert [d.author for d in read_documents(written(tmp_path, crafted)) or []] == ["王建国"]
    assert f"a header read of {pax.size} bytes" in caplog.text  # refused, not read


def test_a_gb18030_name_is_read_as_such(tmp_path: Path) -> None:
    """A ustar name that is not UTF-8 is GB 18030 (archives of Chinese Windows tools)."""
    tar = body([("投标文件/商务标.pdf", pdf("王建国"))], fmt=tarfile.GNU_FORMAT, encoding="gb18030")
    assert "商务标".encode() not in tar and "商务标".encode("gb18030") in tar
    assert [d.name for d in read_documents(written(tmp_path, tar)) or []] == ["投标文件/商务标.pdf"]


def test_directories_and_links_are_not_documents(tmp_path: Path) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folder = tarfile.TarInfo("投标文件")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        link = tarfile.TarInfo("投标文件/链接.pdf")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
        data = pdf("王建国")
        member = tarfile.TarInfo("投标文件/投标函.pdf")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    assert [d.name for d in read_documents(written(tmp_path, out.getvalue())) or []] == ["投标文件/投标函.pdf"]


def test_the_json_kept_holds_short_strings_only_and_reads_back() -> None:
    read = DocumentMeta(
        name="技术标.docx",
        kind="docx",
        author="李明",
        last_modified_by="王建国",
        application="WPS Office_12.1.0",
        template="某公司投标.dotx",
        doc_id="{0C4E1E0B}",
        producer="not kept",
    )
    stored = to_json([read, DocumentMeta(name="a.pdf", kind="pdf")])
    assert stored == [
        {
            "name": "技术标.docx",
            "kind": "docx",
            "author": "李明",
            "last_modified_by": "王建国",
            "application": "WPS Office_12.1.0",
            "template": "某公司投标.dotx",
            "doc_id": "{0C4E1E0B}",
        },
        {"name": "a.pdf", "kind": "pdf"},
    ]
    assert from_json(stored) == (
        DocumentMeta(
            name="技术标.docx",
            kind="docx",
            author="李明",
            last_modified_by="王建国",
            application="WPS Office_12.1.0",
            template="某公司投标.dotx",
            doc_id="{0C4E1E0B}",
        ),
        DocumentMeta(name="a.pdf", kind="pdf"),
    )
    # NULL (never read) and anything that is not such an entry give nothing.
    assert from_json(None) == () and from_json({"name": "x"}) == ()
    assert from_json([1, "x", {"name": "a.pdf"}, {"name": "b.pdf", "kind": "pdf", "author": 7}]) == (
        DocumentMeta(name="b.pdf", kind="pdf"),
    )
