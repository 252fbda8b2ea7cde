"""Checking what is published (RULES §(g) acceptance checks 1 and 4): a package validated against
the OCDS 1.1 schema with the declared extensions (JSON Schema Draft 4, as OCDS uses, with date-time
formats checked), and a release scanned for what must stay secret.

``jsonschema`` is a development dependency: the tests and the CLI import this module, the server
never does."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, Final

from bidding.opendata.schemas import package_schema, release_schema

__all__ = ["scan_secrets", "validate_package", "validate_release"]

_RELEASE_URL: Final = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"

#: Keys that carry bank data or the evaluation committee: never in a release.
_BANK_KEYS: Final = re.compile(r"(bank|account|iban|swift|payer|payment)", re.IGNORECASE)
_EXPERT_KEYS: Final = re.compile(r"(expert|committee|evaluator|reviewer|judge)", re.IGNORECASE)
#: A bank account or card number: 12 to 30 digits, perhaps grouped by spaces or hyphens.
_ACCOUNT_NUMBER: Final = re.compile(r"(?<![\w-])\d(?:[ -]?\d){11,29}(?![\w-])")


def _validator(kind: str) -> Any:
    import jsonschema  # type: ignore[import-untyped]
    from referencing import Registry
    from referencing.jsonschema import DRAFT4

    release = release_schema()
    registry: Registry[Any] = Registry().with_resource(_RELEASE_URL, DRAFT4.create_resource(release))
    schema = package_schema(kind) if kind != "bare" else release
    return jsonschema.Draft4Validator(
        schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def _errors(validator: Any, data: Mapping[str, Any]) -> list[str]:
    return sorted(
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}" for error in validator.iter_errors(data)
    )


def validate_package(package: Mapping[str, Any], kind: str = "release") -> list[str]:
    """The errors of a ``release`` or ``record`` package against the patched 1.1 schema ([] if valid)."""
    if kind not in ("release", "record"):
        raise ValueError(kind)
    return _errors(_validator(kind), package)


def validate_release(release: Mapping[str, Any]) -> list[str]:
    """The errors of one release against the patched 1.1 release schema ([] if valid)."""
    return _errors(_validator("bare"), release)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, str | None, Any]]:
    """(path, key, value) of every value in the tree."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f"{path}/{key}"
            yield here, str(key), value
            yield from _walk(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            here = f"{path}/{i}"
            yield here, None, value
            yield from _walk(value, here)


def _date(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def scan_secrets(
    release: Mapping[str, Any],
    *,
    openings: Mapping[str, datetime | None] | None = None,
    forbidden: Iterable[str] = (),
) -> list[str]:
    """What in ``release`` must not be public (RULES §(g) check 4); [] if nothing.

    Found: a key of bank data (account, payer, …) or of the evaluation committee (expert, committee,
    …); a string that looks like a bank account number (12–30 digits) outside identifiers; any of the
    ``forbidden`` texts (experts' names, objection or complaint texts, account numbers known to the
    caller); bids of a lot whose opening (``openings``: lot code → the moment its record was
    announced, None if not yet) had not closed at the release's date.
    """
    found: list[str] = []
    texts = [t for t in forbidden if t]
    for path, key, value in _walk(release):
        if key is not None and _BANK_KEYS.search(key):
            found.append(f"{path}: bank data field")
        if key is not None and _EXPERT_KEYS.search(key):
            found.append(f"{path}: evaluation committee field")
        if isinstance(value, str):
            in_identifier = "/identifier/" in path or key == "id" or key in ("relatedBid", "awardID", "url")
            if not in_identifier and _ACCOUNT_NUMBER.search(value):
                found.append(f"{path}: looks like a bank account number")
            for text in texts:
                if text in value:
                    found.append(f"{path}: contains a forbidden text ({text[:20]!r})")
    if openings is not None:
        at = _date(str(release["date"]))
        for i, bid in enumerate((release.get("bids") or {}).get("details") or []):
            for lot in bid.get("relatedLots") or [None]:
                closed = openings.get(lot) if lot is not None else None
                if closed is None or at < closed:
                    found.append(f"/bids/details/{i}: bid of lot {lot} before its opening closed")
    return found
