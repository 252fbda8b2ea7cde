"""The OCDS 1.1 schemas the platform publishes against (``docs/opendata.md``): the vendored release
schema (``schema/README.md`` names the sources) patched by the extensions it declares, and the merge
rules the patched schema implies (OCDS 1.1 "Merging"). Pure: files read once, nothing fetched."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

__all__ = [
    "EXTENSIONS",
    "OCDS_VERSION",
    "MergeRules",
    "merge_patch",
    "merge_rules",
    "package_schema",
    "release_schema",
]

OCDS_VERSION: Final = "1.1"
_DIR: Final = Path(__file__).with_name("schema")
_RAW: Final = "https://raw.githubusercontent.com/open-contracting-extensions"

#: The extensions every package declares: its file under ``schema/extensions/`` → the URL of its
#: ``extension.json`` at the vendored tag or commit (``schema/README.md``).
EXTENSIONS: Final[dict[str, str]] = {
    "lots": f"{_RAW}/ocds_lots_extension/v1.1.5/extension.json",
    "bids": f"{_RAW}/ocds_bid_extension/v1.1.5/extension.json",
    # bidOpening refers to the location extension's ``Location`` (its declared dependency).
    "location": f"{_RAW}/ocds_location_extension/v1.1.5/extension.json",
    "bidOpening": f"{_RAW}/ocds_bidOpening_extension/47c576527240c7cd4e1a0fa1b051a9fce2adf5e6/extension.json",
    "submissionTerms": (
        f"{_RAW}/ocds_submissionTerms_extension/449ade63333a50f1e8cd2b0704c0a3c5e329a8a8/extension.json"
    ),
}

#: A field path (property names only, no array positions) → ``omitWhenMerged`` or ``wholeListMerge``.
MergeRules = dict[tuple[str, ...], str]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_DIR / name).read_text(encoding="utf-8"))
    return data


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def _release_schema() -> dict[str, Any]:
    schema = _load("release-schema.json")
    for name in EXTENSIONS:
        schema = merge_patch(schema, _load(f"extensions/{name}.json"))
    return schema


def release_schema() -> dict[str, Any]:
    """The 1.1 release schema with the declared extensions applied (a fresh copy)."""
    return copy.deepcopy(_release_schema())


def package_schema(kind: str) -> dict[str, Any]:
    """The vendored ``release-package`` or ``record-package`` schema (it refers to the release schema by URL)."""
    if kind not in ("release", "record"):
        raise ValueError(kind)
    return _load(f"{kind}-package-schema.json")


def _deref(node: Any, definitions: Mapping[str, Any], depth: int = 0) -> Any:
    """Inline the local ``#/definitions/…`` references (the OCDS schema has no cycles; the depth guards)."""
    if depth > 50:
        raise ValueError("the release schema nests too deeply (a reference cycle?)")
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            target = definitions[ref.removeprefix("#/definitions/")]
            merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            return _deref(merged, definitions, depth + 1)
        return {k: _deref(v, definitions, depth) for k, v in node.items()}
    if isinstance(node, list):
        return [_deref(v, definitions, depth) for v in node]
    return node


def _types(prop: Mapping[str, Any]) -> list[str]:
    kind = prop.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _rules(properties: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    # OCDS 1.1 "Merging": omitWhenMerged wins; then wholeListMerge; objects recurse; arrays of
    # objects with an ``id`` merge by identifier, any other array is replaced whole.
    for key, value in properties.items():
        here = (*path, key)
        types = _types(value)
        if value.get("omitWhenMerged") or value.get("mergeStrategy") == "ocdsOmit":
            yield here, "omitWhenMerged"
        elif "array" in types and (value.get("wholeListMerge") or value.get("mergeStrategy") == "ocdsVersion"):
            yield here, "wholeListMerge"
        elif "object" in types and "properties" in value:
            yield from _rules(value["properties"], here)
        elif "array" in types and "items" in value:
            item_types = _types(value["items"])
            if any(t != "object" for t in item_types):
                yield here, "wholeListMerge"
            elif "object" in item_types and "properties" in value["items"]:
                if "id" not in value["items"]["properties"]:
                    yield here, "wholeListMerge"
                else:
                    yield from _rules(value["items"]["properties"], here)


@cache
def _merge_rules() -> MergeRules:
    schema = _release_schema()
    return dict(_rules(_deref(schema["properties"], schema["definitions"]), ()))


def merge_rules() -> MergeRules:
    """The merge rules of the patched release schema (cached; do not mutate)."""
    return _merge_rules()
