"""Running one dependency check with a time limit; shared by `/ready` and `bidding doctor`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def probe(check: Callable[[], Awaitable[str]], timeout_s: float) -> tuple[bool, str]:
    """(ok, detail): the check's own detail, or what went wrong, never an exception."""
    try:
        return True, await asyncio.wait_for(check(), timeout_s)
    except TimeoutError:
        return False, f"no answer within {timeout_s:.0f}s"
    except Exception as exc:  # a failing check reports the failure as its detail
        return False, f"{type(exc).__name__}: {exc}"
