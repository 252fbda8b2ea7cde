"""Edge types: what a value from a client may be, checked once where it comes in (issue 16).

Every request body is a :class:`Body` (a ``msgspec.Struct`` that refuses unknown fields) whose
fields use the aliases below; Litestar validates them while decoding and documents the same
constraints in the OpenAPI schema. Path and query parameters use :data:`PATH_BIGINT_ID` and
friends (Litestar ``Parameter`` bounds). A value outside these gets the platform's 400
``validation_failed`` naming the field, on SQLite and PostgreSQL alike — never a database error.

The bounds follow the columns (``bidding/core/db/models.py``, ``opening_room/tables.py``), taking the
narrower engine: ``Integer`` is 32-bit on PostgreSQL, ``BigInteger`` 64-bit on both but taken
only up to 2^53 - 1 (:data:`SAFE_INT_MAX`); a ``String(n)`` holds n characters. Text refuses
C0/C1 control characters (PostgreSQL refuses NUL outright; the rest are terminal escapes and
invisible tricks) except tab and line breaks in multi-line fields, and one-line names refuse the
bidirectional controls that make ``exe.pdf`` read as ``fdp.exe`` (U+202E) — Unicode TR 36 §2.1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Final, Literal

import msgspec
from litestar.params import Parameter

from bidding.core.errors import InvalidInput

__all__ = [
    "EARLIEST",
    "FIELD_KEY_PATTERN",
    "INT32_MAX",
    "LABEL_PATTERN",
    "LATEST",
    "LINE_PATTERN",
    "NAME_PATTERN",
    "OBJECT_KEY_PATTERN",
    "PATH_BIGINT_ID",
    "QUERY_BIGINT_CURSOR",
    "QUERY_INT32_CURSOR",
    "SAFE_INT_MAX",
    "TEXT_PATTERN",
    "Body",
    "ByteSize",
    "Code",
    "CreditCode",
    "Fen",
    "FileName",
    "FormFieldDeclaration",
    "LongText",
    "Moment",
    "Name",
    "ObjectKey",
    "OrgName",
    "Pem",
    "PersonName",
    "Phone",
    "Region",
    "Title",
    "Token",
    "WindowMinutes",
    "calendar_problem",
    "query_moment",
    "text_problem",
]

#: ``Integer`` columns: PostgreSQL's 32-bit range (SQLite's is wider).
INT32_MAX: Final = 2**31 - 1
#: ``BigInteger`` columns (64-bit) take at most 2^53 - 1 from a client: the largest integer a
#: JSON number keeps exactly in JavaScript and in the schema's ``maximum`` (a double); 2^63 - 1
#: would be written as 2^63 there. 9,007,199,254,740,991 fen is some 90 trillion yuan.
SAFE_INT_MAX: Final = 2**53 - 1

# Character classes, written as regex escapes so the pattern (also shown in the OpenAPI schema,
# an ECMA-262 regex there) holds no raw control character itself.
_C0_C1 = r"\x00-\x1f\x7f-\x9f"
_C0_C1_BUT_TAB_AND_BREAKS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_BIDI = r"\u200e\u200f\u202a-\u202e\u2066-\u2069"
# ``$(?!\n)``: Python's ``$`` also matches before a final newline; the look-ahead closes that gap
# (in ECMA-262 ``$`` is the end already, and the look-ahead is always true there).
#: One line of text: no control characters.
LINE_PATTERN: Final = rf"^[^{_C0_C1}]*$(?!\n)"
#: A name (of an organisation, project, lot, person, file): one line, no bidirectional controls.
NAME_PATTERN: Final = rf"^[^{_C0_C1}{_BIDI}]*$(?!\n)"
#: Multi-line text (announcement bodies): tab, CR and LF allowed, other control characters not.
TEXT_PATTERN: Final = rf"^[^{_C0_C1_BUT_TAB_AND_BREAKS}]*$"

#: Names of organisations (``String(200)``), projects and lots (``String(300)``), people (``String(100)``).
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=NAME_PATTERN)]
OrgName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
PersonName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NAME_PATTERN)]
Region = Annotated[str, msgspec.Meta(max_length=100, pattern=NAME_PATTERN)]
Phone = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=NAME_PATTERN)]
#: Project and lot codes (``String(64)``): one line, no bidirectional controls.
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=NAME_PATTERN)]
#: Unified social credit code: 18 letters and digits (the check character is the service's).
CreditCode = Annotated[str, msgspec.Meta(min_length=18, max_length=18, pattern=r"^[0-9A-Za-z]{18}$(?!\n)")]
#: Announcement titles (``String(300)``).
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300, pattern=NAME_PATTERN)]
#: Announcement bodies (``Text``): many lines, bounded so one notice stays a notice.
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=200_000, pattern=TEXT_PATTERN)]
#: File names of uploads (``String(200)``).
FileName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_PATTERN)]
#: A short machine token (role, reason, challenge id): one line.
Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
#: An object store key as ``storage.validate_key`` accepts it: segments of [A-Za-z0-9._-] of at most
#: 200 characters, never '.' or '..', joined by single slashes, 512 characters in all.
_KEY_SEGMENT: Final = (
    r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}|\.[A-Za-z0-9_-][A-Za-z0-9._-]{0,198}|\.\.[A-Za-z0-9._-]{1,198})"
)
OBJECT_KEY_PATTERN: Final = f"^{_KEY_SEGMENT}(?:/{_KEY_SEGMENT})*$"
ObjectKey = Annotated[str, msgspec.Meta(min_length=1, max_length=512, pattern=OBJECT_KEY_PATTERN)]
#: PEM text or base64 (certificates, CSRs, signatures): lines of printable ASCII.
Pem = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000, pattern=r"^[\t\n\r -~]*$")]

#: A label: a name with at least one character that is not white space.
LABEL_PATTERN: Final = rf"^[^{_C0_C1}{_BIDI}]*[^\s{_C0_C1}{_BIDI}][^{_C0_C1}{_BIDI}]*$(?!\n)"
#: A form field's key: lower-case letters, digits and ``_``, starting with a letter.
FIELD_KEY_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$(?!\n)"


class FormFieldDeclaration(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One declared field of a lot's opening form (开标一览表; ``bidding.tendering.rules.forms`` holds the
    rules across fields: keys unique in a lot, ``price_fen`` always present and of type money)."""

    #: The key the sealed form uses, e.g. ``price_fen`` or ``duration_days``.
    key: Annotated[str, msgspec.Meta(pattern=FIELD_KEY_PATTERN, max_length=40)]
    #: The label shown in Chinese and in English.
    label_zh: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LABEL_PATTERN)]
    label_en: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LABEL_PATTERN)]
    #: ``money`` (integer fen), ``integer`` or ``text`` (at most 500 characters).
    type: Literal["money", "integer", "text"]


#: Money in fen (分), a ``BigInteger`` column: whole and not negative (DESIGN §7).
Fen = Annotated[int, msgspec.Meta(ge=0, le=SAFE_INT_MAX)]
#: Minutes of an opening's windows (decryption, objections): 1 to 1440, as the lots' CHECK says.
WindowMinutes = Annotated[int, msgspec.Meta(ge=1, le=1440)]
#: A size in bytes (``BigInteger``).
ByteSize = Annotated[int, msgspec.Meta(ge=0, le=SAFE_INT_MAX)]

#: A moment: an ISO 8601 time with its offset (a naive time could be any zone); within
#: [:data:`EARLIEST`, :data:`LATEST`), checked by :class:`Body`.
Moment = Annotated[datetime, msgspec.Meta(tz=True)]
EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)

# Path and query parameters (Litestar checks the bounds and documents them).
#: A ``BigInteger`` id (notifications, audit events): 1 to 2^53 - 1.
PATH_BIGINT_ID: Final = Parameter(ge=1, le=SAFE_INT_MAX)
#: A cursor over ``BigInteger`` ids ("after this id"): 0 to 2^53 - 1.
QUERY_BIGINT_CURSOR: Final = Parameter(ge=0, le=SAFE_INT_MAX)
#: A cursor or index over an ``Integer`` column (event sequence numbers, chunk indexes).
QUERY_INT32_CURSOR: Final = Parameter(ge=0, le=INT32_MAX)


def calendar_problem(moment: datetime) -> str | None:
    """Why a time is outside what the platform handles, or None: a time must carry its offset and
    lie in [2000, 2100) (far outside, converting it to UTC can overflow, and no tender is there)."""
    if moment.tzinfo is None:
        return "needs a timezone offset, e.g. 2026-11-23T09:00:00+08:00"
    if not EARLIEST <= moment < LATEST:
        return f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
    return None


def query_moment(key: str, given: datetime | None) -> datetime | None:
    """A time query parameter the platform can handle, or :class:`~bidding.core.errors.InvalidInput`
    (400) naming ``key``; checked before any arithmetic, since far from now a time overflows (and a
    bare number such as ``0.5`` is read as a Unix time of 1970)."""
    problem = calendar_problem(given) if given is not None else None
    if problem:
        raise InvalidInput(
            f"`{key}` {problem}",
            f"`{key}` 须带时区（例如 2026-11-23T00:00:00+08:00），且在 2000 至 2100 年之间",
            details=[{"key": key, "source": "query", "message": problem}],
        )
    return given


_RULES: Final = {
    "name": (re.compile(NAME_PATTERN), "contains control characters or bidirectional formatting"),
    "line": (re.compile(LINE_PATTERN), "contains control characters"),
    "text": (re.compile(TEXT_PATTERN), "contains control characters other than tab and line breaks"),
}


def text_problem(value: str, *, max_length: int, rule: Literal["name", "line", "text"] = "name") -> str | None:
    """Why a text from outside a body (a header, a query value, a WebSocket message, a decrypted
    form) is refused, or None: empty, longer than ``max_length``, or against the ``rule``
    (:data:`NAME_PATTERN`, :data:`LINE_PATTERN` or :data:`TEXT_PATTERN`)."""
    if not value:
        return "is empty"
    if len(value) > max_length:
        return f"is longer than {max_length} characters"
    pattern, problem = _RULES[rule]
    return None if pattern.search(value) else problem


def _moments(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, Mapping):
        return [v for v in value.values() if isinstance(v, datetime)]
    return []


class Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of request bodies: unknown fields are refused (a misspelt field is an error, not a
    silently ignored default), and every time in a field (or a mapping's values) lies in the
    calendar of :func:`calendar_problem`."""

    def __post_init__(self) -> None:
        for field in self.__struct_fields__:
            for moment in _moments(getattr(self, field)):
                problem = calendar_problem(moment)
                if problem:
                    # msgspec turns a ValueError here into a validation error at this object's path;
                    # bidding.core.http.errors moves the back-quoted field name into the detail's key.
                    raise ValueError(f"`{field}`: {problem}")
