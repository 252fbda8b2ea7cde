"""The app's request class: JSON bodies nested deeper than any of our bodies are refused (issue 16).

msgspec gives up near 1,000 levels with a ``RecursionError`` (a 500 if nobody catches it), and
even a few hundred levels reach code that recurses over the value (validation, JSON columns). No
body of this API nests deeper than a handful of levels, so anything past :data:`MAX_JSON_DEPTH`
is a client's mistake, answered with a 400 ``json_too_deep`` before any handler sees it.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request

from bidding.core.errors import InvalidInput

__all__ = ["MAX_JSON_DEPTH", "JsonTooDeep", "PlatformRequest", "json_depth"]

#: Deepest nesting of arrays and objects accepted in a JSON body (ours need about 5).
MAX_JSON_DEPTH: Final = 64


class JsonTooDeep(InvalidInput):
    code = "json_too_deep"
    message_zh = "JSON 嵌套层数过多"
    message_en = "The JSON body is nested too deeply"


def json_depth(value: Any, limit: int) -> int:
    """The nesting depth of a decoded JSON value (a scalar is 0, ``[]`` is 1), counted without
    recursion; stops counting past ``limit`` (returns ``limit + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        depth += 1
        if depth > limit:
            return depth
        deepest = max(deepest, depth)
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def _too_deep() -> JsonTooDeep:
    return JsonTooDeep(
        f"at most {MAX_JSON_DEPTH} levels of arrays and objects",
        f"数组和对象最多嵌套 {MAX_JSON_DEPTH} 层",
        details=[{"key": "body", "source": "body", "limit": MAX_JSON_DEPTH}],
    )


class PlatformRequest(Request[Any, Any, Any]):
    """Litestar's request with the JSON body's depth bounded."""

    __slots__ = ("_depth_checked",)

    async def json(self) -> Any:
        try:
            value = await super().json()
        except RecursionError:  # msgspec's own limit, far past ours
            raise _too_deep() from None
        if not getattr(self, "_depth_checked", False):
            if json_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
                raise _too_deep()
            self._depth_checked = True
        return value
