"""The reply handlers the app runs with, injected into the handlers that route answers.

The registry is the composition root's (``bidding/catalogue.py::REPLY_HANDLERS``), kept in the app's
state under ``reply_handlers`` by ``bidding/app.py``; a handler takes ``reply_handlers: ReplyHandlersDep``.
"""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency

from bidding.messaging.replies import ReplyHandlers

__all__ = ["ReplyHandlersDep", "provide_reply_handlers"]


def provide_reply_handlers(state: State) -> ReplyHandlers:
    handlers: ReplyHandlers = state.reply_handlers
    return handlers


ReplyHandlersDep = NamedDependency[ReplyHandlers]
