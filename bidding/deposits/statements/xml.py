"""Reading bank XML safely: one place that sets up lxml for untrusted bytes.

Bank files are untrusted input (an upload by the finance officer, a watched folder). The parser
never resolves entities, never touches the network, keeps lxml's limits on huge documents
(``huge_tree=False``), loads no DTD, and every document that *declares* a DOCTYPE or an entity is
refused before it is read, so XXE and "billion laughs" (CWE-776) cannot start. ISO 20022 messages
have no DOCTYPE, so nothing legitimate is lost.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, Final

from lxml import etree  # type: ignore[import-untyped]  # lxml ships no type information

from bidding.deposits.errors import DepositError, StatementInvalid, UnsafeXml

__all__ = ["PARSER_OPTIONS", "iter_elements", "local_name", "namespace_of", "parse_document", "refuse_unsafe"]

PARSER_OPTIONS: Final[dict[str, Any]] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
    "remove_pis": True,
    "remove_comments": True,
}
_DECLARATIONS: Final = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def refuse_unsafe(data: bytes, error: type[DepositError] = UnsafeXml) -> None:
    """Refuse bytes that declare a DOCTYPE or an entity, in any of XML's encodings."""
    for marker in _DECLARATIONS:
        if marker in data:
            raise error("DOCTYPE and ENTITY declarations are not allowed in bank files")


def local_name(tag: str) -> str:
    """``{urn:…}Ntry`` → ``Ntry``."""
    return tag.rpartition("}")[2]


def namespace_of(tag: str) -> str:
    """``{urn:…}Ntry`` → ``{urn:…}`` (the prefix to put before local names); ``""`` without one."""
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _syntax(error: etree.XMLSyntaxError, what: str, exc_type: type[DepositError]) -> DepositError:
    line = getattr(error, "lineno", None)
    return exc_type(f"{what} is not well-formed XML (line {line}): {error.msg}")


def parse_document(
    data: bytes,
    what: str = "the file",
    error: type[DepositError] = StatementInvalid,
    unsafe: type[DepositError] = UnsafeXml,
) -> Any:
    """The whole document as an element tree (for small files: bank reports, refund files).

    ``error`` is raised for XML that is not well-formed, ``unsafe`` for DOCTYPE/ENTITY declarations.
    """
    refuse_unsafe(data, unsafe)
    parser = etree.XMLParser(**PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax(exc, what, error) from None
    if root.getroottree().docinfo.doctype:
        raise unsafe("DOCTYPE declarations are not allowed")
    return root


def iter_elements(data: bytes, tags: tuple[str, ...], what: str = "the file") -> Iterator[Any]:
    """The elements with these local names, in document order, each once it is complete.

    Streams: the caller should ``clear()`` what it has read. The DOCTYPE check runs on the first
    element as well (``refuse_unsafe`` already ran on the bytes).
    """
    refuse_unsafe(data)
    events = etree.iterparse(io.BytesIO(data), events=("end",), tag=[f"{{*}}{t}" for t in tags], **PARSER_OPTIONS)
    checked = False
    try:
        for _, element in events:
            if not checked:
                if element.getroottree().docinfo.doctype:
                    raise UnsafeXml("DOCTYPE declarations are not allowed")
                checked = True
            yield element
    except etree.XMLSyntaxError as exc:
        raise _syntax(exc, what, StatementInvalid) from None
