"""The OCDS merge routine (OCDS 1.1 "Merging"): a record's compiled release from its releases.

Releases are taken in order of ``date`` (stable: equal dates keep their order). Each field's newest
value wins; a ``null`` removes the field; objects merge field by field; an array of objects whose
items have an ``id`` merges item by item on that ``id`` (identifier merge); any other array — of
strings, of objects without ``id``, or marked ``wholeListMerge`` — is replaced whole; fields marked
``omitWhenMerged`` (the release's ``id``, ``date``, ``tag``) are dropped. The compiled release gets
``ocid``, ``id`` = ``{ocid}-{date}`` and ``date`` of the newest release, and ``tag: ["compiled"]``.

This is the routine of the reference implementation ``ocdsmerge`` (``Merger.create_compiled_release``),
written out here so that production does not pull in ``requests``; ``tests/unit/opendata/`` checks it
against ``ocdsmerge`` where that is installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bidding.opendata.schemas import MergeRules, merge_rules

__all__ = ["compile_release"]


class _Item(str):
    """A path step into an array: the item's ``id`` (or a unique token for an item without one)."""

    __slots__ = ("original",)
    original: Any


_tokens = itertools.count()


def _item(value: Mapping[str, Any]) -> _Item:
    if "id" in value:
        step = _Item(str(value["id"]))
        step.original = value["id"]
    else:
        # No id: the item cannot match any other release's item (ocdsmerge uses a fresh UUID).
        step = _Item(f"\x00{next(_tokens)}")
        step.original = None
    return step


Path = tuple[str, ...]


def _flatten(obj: Any, rules: MergeRules, out: dict[Path, Any], path: Path, rule_path: tuple[str, ...]) -> None:
    pairs: Iterable[tuple[str, Any]] = ((_item(v), v) for v in obj) if isinstance(obj, list) else obj.items()
    for key, value in pairs:
        here_rule = rule_path if isinstance(key, _Item) else (*rule_path, key)
        rule = rules.get(here_rule)
        if rule == "omitWhenMerged":
            continue
        whole = (
            rule == "wholeListMerge"
            or not isinstance(value, dict | list)
            or (isinstance(value, list) and any(not isinstance(v, dict) for v in value))
        )
        if whole:
            out[(*path, key)] = value
        elif value:  # an empty object or array of objects adds nothing
            _flatten(value, rules, out, (*path, key), here_rule)


def _unflatten(flat: Mapping[Path, Any]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    items: dict[Path, dict[str, Any]] = {}
    for key, value in flat.items():
        node: Any = root
        for end, part in enumerate(key, 1):
            if isinstance(part, _Item):
                where = key[:end]
                if where not in items:
                    new: dict[str, Any] = {}
                    if part.original is not None:
                        new["id"] = part.original
                    items[where] = new
                    node.append(new)
                node = items[where]
            elif part in node:
                node = node[part]
            elif end < len(key):
                node[part] = [] if isinstance(key[end], _Item) else {}
                node = node[part]
            elif value is not None:  # null removes
                node[part] = value
    return root


def compile_release(releases: Sequence[Mapping[str, Any]], rules: MergeRules | None = None) -> dict[str, Any]:
    """The compiled release of one ocid's releases (any order; sorted by ``date`` here)."""
    rules = merge_rules() if rules is None else rules
    flat: dict[Path, Any] = {("tag",): ["compiled"]}
    ordered = list(releases) if len(releases) == 1 else sorted(releases, key=lambda r: r["date"])
    for release in ordered:
        body = {k: v for k, v in release.items() if k != "tag"}
        ocid, date = release.get("ocid"), release.get("date")
        flat[("id",)] = f"{ocid}-{date}"
        flat[("date",)] = date
        flat[("ocid",)] = ocid
        step: dict[Path, Any] = {}
        _flatten(body, rules, step, (), ())
        flat.update(step)
    return _unflatten(flat)
