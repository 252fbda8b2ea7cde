"""Dependencies injected into handlers: the platform and the caller.

A handler that acts for someone takes ``caller: CallerDep`` (a logged-in caller: the guards have
admitted it) or ``visitor: VisitorDep`` (anyone, anonymous included) and hands it to the service.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from bidding.core.auth.caller import Caller
from bidding.core.http.context import caller_of
from bidding.core.http.guards import auth_error_of
from bidding.core.platform import Platform


def provide_platform(state: State) -> Platform:
    platform: Platform = state.platform
    return platform


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The logged-in caller; 401 (the token's problem) for a request without a valid token."""
    caller = caller_of(request)
    if caller.anonymous:
        raise auth_error_of(request)
    return caller


def provide_visitor(request: Request[Any, Any, Any]) -> Caller:
    """The caller, anonymous when the request carries no valid token (the public endpoints)."""
    return caller_of(request)


# Explicit markers for injected values (Litestar 3 drops inferred dependencies).
PlatformDep = NamedDependency[Platform]
CallerDep = NamedDependency[Caller]
VisitorDep = NamedDependency[Caller]
