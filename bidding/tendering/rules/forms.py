"""The opening form (开标一览表): the fields a tender names, and the values a bidder fills in.

A lot declares its fields; the price (``price_fen``, integer fen) is always one of them. At the
opening the decrypted form is checked against the declaration before it is announced.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import msgspec

from bidding.core.fields import FIELD_KEY_PATTERN, SAFE_INT_MAX, FormFieldDeclaration, text_problem

FIELD_TYPES: Final = frozenset({"money", "integer", "text"})
PRICE_FIELD: Final = "price_fen"
MAX_FIELDS: Final = 20
MAX_TEXT: Final = 500
_KEY = re.compile(FIELD_KEY_PATTERN)


class FormError(ValueError):
    """The declaration or the filled-in form is wrong; the message names the field."""


PRICE_DECLARATION: Final = {"key": PRICE_FIELD, "label_zh": "投标报价（元）", "label_en": "Bid price", "type": "money"}


def normalise_fields(fields: Sequence[FormFieldDeclaration | Mapping[str, Any]]) -> list[dict[str, str]]:
    """Check a lot's field declaration; the price field is added if missing, first.

    The edge (:class:`FormFieldDeclaration`) has checked each field's shape when it came over HTTP;
    the rules across fields are here, and the shape again for declarations made in Python (demo,
    CLI)."""
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    if len(fields) > MAX_FIELDS:
        raise FormError(f"at most {MAX_FIELDS} fields")
    for index, declared in enumerate(fields):
        field = msgspec.structs.asdict(declared) if isinstance(declared, FormFieldDeclaration) else declared
        key, kind = str(field.get("key", "")), str(field.get("type", ""))
        if not _KEY.match(key):
            raise FormError(
                f"field {index + 1}: key {key!r} must be lower-case letters, digits and _ (start with a letter)"
            )
        if key in seen:
            raise FormError(f"field {key}: declared twice")
        if kind not in FIELD_TYPES:
            raise FormError(f"field {key}: type {kind!r} is not one of {', '.join(sorted(FIELD_TYPES))}")
        if key == PRICE_FIELD and kind != "money":
            raise FormError(f"field {PRICE_FIELD} must be of type money")
        label_zh, label_en = str(field.get("label_zh", "")).strip(), str(field.get("label_en", "")).strip()
        if not label_zh or not label_en:
            raise FormError(f"field {key}: label_zh and label_en are required")
        seen.add(key)
        out.append({"key": key, "label_zh": label_zh[:100], "label_en": label_en[:100], "type": kind})
    if PRICE_FIELD not in seen:
        out.insert(0, dict(PRICE_DECLARATION))
    return out


def check_values(fields: Sequence[Mapping[str, str]], values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a filled-in form against the declaration: every declared field, no other, right types."""
    declared = {f["key"]: f["type"] for f in fields}
    extra = sorted(set(values) - set(declared))
    if extra:
        raise FormError(f"fields not in the tender: {', '.join(extra)}")
    checked: dict[str, Any] = {}
    for key, kind in declared.items():
        if key not in values:
            raise FormError(f"field {key} is missing")
        value = values[key]
        if kind in ("money", "integer"):
            # Bounded like every number the platform stores (a price is a BigInteger column).
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= SAFE_INT_MAX:
                unit = " of fen" if kind == "money" else ""
                raise FormError(f"field {key} must be a whole number from 0 to {SAFE_INT_MAX}{unit}")
        elif not isinstance(value, str) or (value and text_problem(value, max_length=MAX_TEXT, rule="text")):
            raise FormError(
                f"field {key} must be text of at most {MAX_TEXT} characters, without control characters"
                " other than tab and line breaks"
            )
        checked[key] = value
    return checked
