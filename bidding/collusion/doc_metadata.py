"""What a bid's document says of itself, for the collusion report's ``same_document_metadata`` rule
(issue 24 "Collusion report"; RULES e: "same file creation ID", "same author or WPS account";
条例40（一）): the author, the last editor, the creating application, the template and a file id, read
into a :class:`~bidding.collusion.signals.DocumentMeta`. No database, HTTP, settings or clock.

=====  ==========================================  =============================================
kind   sniffed by                                  read from
=====  ==========================================  =============================================
pdf    ``%PDF-`` in the first 1 024 bytes          Info /Author, /Creator (application),
                                                   /Producer, /CreationDate; trailer /ID[0] (hex)
docx   a zip (``PK\\x03\\x04``) with ``word/``       ``docProps/core.xml``: dc:creator,
                                                   cp:lastModifiedBy, dcterms:created;
                                                   ``docProps/app.xml``: Application, Template;
                                                   the doc id: ``docProps/custom.xml`` ICV (WPS),
                                                   else ``word/settings.xml`` w15:docId / w14:docId
xlsx   a zip with ``xl/``                          the same core and app parts; the doc id: ICV,
                                                   else ``xl/workbook.xml`` xr:revisionPtr
                                                   documentId
other  anything else                               nothing but its name
=====  ==========================================  =============================================

The type is sniffed from the bytes, never from the name (a bid body may be any file, named anything).
**Nothing raises**: a file that cannot be read, or a part of it, gives a ``DocumentMeta`` with what
could be read. Untrusted input is refused where it could hurt: a zip member is read only up to
:data:`MAX_MEMBER_BYTES` (a member that inflates beyond is skipped: zip bombs), XML is parsed with
expat, refusing any DOCTYPE or entity declaration (no XXE, no "billion laughs"), and every text kept is
trimmed, stripped of control characters and cut at :data:`MAX_TEXT` characters.

A PDF date without an offset (PDF 32000-1 §7.9.4: "relationship to UT unknown") is taken as UTC;
times are returned aware, in UTC.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Final
from xml.parsers import expat

from pypdf import DocumentInformation, PdfReader
from pypdf.generic import ByteStringObject, PdfObject, TextStringObject

from bidding.collusion.signals import DocumentMeta

__all__ = ["MAX_MEMBER_BYTES", "MAX_TEXT", "parse_pdf_date", "read_metadata", "sniff"]

#: The most bytes read (inflated) from one zip member: the metadata parts are a few KiB.
MAX_MEMBER_BYTES: Final = 1024 * 1024
#: The longest text kept from a field (evidence, not content).
MAX_TEXT: Final = 256
#: PDF 32000-1 §7.5.2: the header may start anywhere in the first 1024 bytes.
_PDF_HEADER_WINDOW: Final = 1024

_DC: Final = "http://purl.org/dc/elements/1.1/"
_CP: Final = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DCTERMS: Final = "http://purl.org/dc/terms/"
_APP: Final = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_CUSTOM: Final = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_W14: Final = "http://schemas.microsoft.com/office/word/2010/wordml"
_W15: Final = "http://schemas.microsoft.com/office/word/2012/wordml"
_XR: Final = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
#: WPS writes a document id (a GUID-like hex) as the custom property ``ICV``, kept in every copy.
_WPS_ID: Final = "ICV"

_PDF_DATE: Final = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+\-])(?:(\d{2})'?(?:(\d{2})'?)?)?)?"
)
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")

Element = tuple[str, dict[str, str], str]


class _Unsafe(ValueError):
    """An XML part declares a DOCTYPE or an entity."""


def _text(value: object) -> str | None:
    """A field's text as kept: str, control characters removed, trimmed, cut; ``None`` when empty."""
    if not isinstance(value, str):
        return None
    text = _CONTROL.sub(" ", value).strip()[:MAX_TEXT]
    return text or None


def sniff(data: bytes) -> str:
    """``"pdf"``, ``"docx"``, ``"xlsx"`` or ``"other"``, from the bytes alone."""
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if not data.startswith(b"PK\x03\x04"):
        return "other"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "other"
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    return "other"


def parse_pdf_date(value: str | None) -> datetime | None:
    """A PDF date (``D:YYYYMMDDHHmmSSOHH'mm'``, fields after the year optional) as an aware UTC
    datetime; ``None`` when it is no date."""
    match = _PDF_DATE.match((value or "").strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h or 0), minutes=int(off_m or 0))
    zone = timezone(-offset if sign == "-" else offset) if sign in ("+", "-") else UTC
    try:
        moment = datetime(
            int(year),
            int(month or 1),
            int(day or 1),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=zone,
        )
    except ValueError:  # month 13, offset of 24 hours…
        return None
    return moment.astimezone(UTC)


def _w3c_date(value: str | None) -> datetime | None:
    """An Office date (W3CDTF, ``2026-12-01T09:00:00Z``) as an aware UTC datetime; a date without an
    offset is taken as UTC."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _id_hex(value: object) -> str | None:
    """The first element of a PDF's /ID as lower-case hex."""
    if isinstance(value, ByteStringObject):
        raw = bytes(value)
    elif isinstance(value, TextStringObject):
        raw = value.original_bytes
    elif isinstance(value, bytes):
        raw = value
    else:
        return None
    return raw.hex()[:MAX_TEXT] or None


def _guarded(read: Callable[[], object]) -> object:
    """``read()``, or ``None`` if the file makes it fail in any way: a bid body may be any file, and a
    broken PDF fails pypdf in many ways (its own errors, and KeyError, TypeError, RecursionError…)."""
    try:
        return read()
    except Exception:  # any malformed file: what could not be read is simply absent
        return None


def _pdf(name: str, data: bytes) -> DocumentMeta:
    reader = _guarded(lambda: PdfReader(io.BytesIO(data), strict=False))
    if not isinstance(reader, PdfReader):
        return DocumentMeta(name=name, kind="pdf")
    pdf = reader
    ids = _guarded(lambda: _resolved(pdf.trailer.get("/ID")))
    first = _guarded(lambda: _resolved(ids[0])) if isinstance(ids, list) and ids else None  # ArrayObject is a list
    # The trailer is never encrypted; the Info strings are, readable when the user password is empty.
    if _guarded(lambda: pdf.is_encrypted) is True:
        _guarded(lambda: pdf.decrypt(""))
    info = _guarded(lambda: pdf.metadata)

    def field(key: str) -> object:
        if not isinstance(info, DocumentInformation):
            return None
        return _guarded(lambda: _resolved(info.get(key)))

    created = field("/CreationDate")
    return DocumentMeta(
        name=name,
        kind="pdf",
        author=_text(field("/Author")),
        application=_text(field("/Creator")),
        producer=_text(field("/Producer")),
        doc_id=_id_hex(first),
        created=parse_pdf_date(created if isinstance(created, str) else None),
    )


def _resolved(value: object) -> object:
    """An indirect object's target (pypdf resolves them on demand)."""
    return value.get_object() if isinstance(value, PdfObject) else value


def _refuse(*_: object) -> None:
    raise _Unsafe("DOCTYPE and ENTITY declarations are refused")


def _elements(data: bytes) -> list[Element]:
    """Every element of an XML part: its name (``"namespace local"``), attributes and text; ``[]`` when
    it is not well-formed or declares a DOCTYPE or an entity."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    found: list[Element] = []
    stack: list[tuple[str, dict[str, str], list[str]]] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        stack.append((tag, attributes, []))

    def end(_: str) -> None:
        tag, attributes, parts = stack.pop()
        found.append((tag, attributes, "".join(parts)))

    def text(chunk: str) -> None:
        if stack:
            stack[-1][2].append(chunk)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, _Unsafe, ValueError):
        return []
    return found


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes, at most :data:`MAX_MEMBER_BYTES` inflated; ``None`` if absent, larger, or
    unreadable (encrypted, corrupt)."""
    try:
        info = archive.getinfo(name)
        if info.file_size > MAX_MEMBER_BYTES:
            return None
        with archive.open(info) as member:
            data = member.read(MAX_MEMBER_BYTES + 1)  # the header's size may lie: never inflate beyond
    except (KeyError, zipfile.BadZipFile, RuntimeError, ValueError, OSError, EOFError, NotImplementedError):
        return None
    return data if len(data) <= MAX_MEMBER_BYTES else None


def _first(elements: list[Element], namespace: str, local: str) -> str | None:
    for tag, _, text in elements:
        if tag == f"{namespace} {local}":
            return text
    return None


def _attribute(elements: list[Element], namespaces: tuple[str, ...], local: str, attribute: str) -> str | None:
    """The ``attribute`` of the first ``local`` element of the first of ``namespaces`` that has one."""
    for namespace in namespaces:
        for tag, attributes, _ in elements:
            if tag == f"{namespace} {local}":
                for key, value in attributes.items():
                    if key.rpartition(" ")[2] == attribute:
                        return value
    return None


def _wps_id(elements: list[Element]) -> str | None:
    """The value of the custom property ``ICV``: its one child (``vt:lpwstr``), which ends just before
    the property in :func:`_elements`' order."""
    for index, (tag, attributes, _) in enumerate(elements):
        if index > 0 and tag == f"{_CUSTOM} property" and attributes.get("name") == _WPS_ID:
            return elements[index - 1][2]
    return None


def _office_id(archive: zipfile.ZipFile, kind: str) -> str | None:
    custom = _member(archive, "docProps/custom.xml")
    wps = _wps_id(_elements(custom)) if custom is not None else None
    if _text(wps):
        return wps
    if kind == "docx":
        settings = _member(archive, "word/settings.xml")
        return _attribute(_elements(settings), (_W15, _W14), "docId", "val") if settings is not None else None
    workbook = _member(archive, "xl/workbook.xml")
    return _attribute(_elements(workbook), (_XR,), "revisionPtr", "documentId") if workbook is not None else None


def _office(name: str, kind: str, data: bytes) -> DocumentMeta:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return DocumentMeta(name=name, kind=kind)
    with archive:
        core_bytes = _member(archive, "docProps/core.xml")
        app_bytes = _member(archive, "docProps/app.xml")
        core = _elements(core_bytes) if core_bytes is not None else []
        app = _elements(app_bytes) if app_bytes is not None else []
        doc_id = _office_id(archive, kind)
    return DocumentMeta(
        name=name,
        kind=kind,
        author=_text(_first(core, _DC, "creator")),
        last_modified_by=_text(_first(core, _CP, "lastModifiedBy")),
        created=_w3c_date(_first(core, _DCTERMS, "created")),
        application=_text(_first(app, _APP, "Application")),
        template=_text(_first(app, _APP, "Template")),
        doc_id=_text(doc_id),
    )


def read_metadata(name: str, data: bytes) -> DocumentMeta:
    """The metadata of one document of a bid (``name`` as the bid names it, kept as evidence), by its
    sniffed type; never raises."""
    kind = sniff(data)
    if kind == "pdf":
        return _pdf(name, data)
    if kind in ("docx", "xlsx"):
        return _office(name, kind, data)
    return DocumentMeta(name=name, kind="other")
