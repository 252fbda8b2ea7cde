"""The room's commands (docs/opening-room-protocol.md, Commands): one function each, named in one
table, :data:`COMMANDS`, with who may send it in which states from :data:`opening_room.states.COMMANDS`.

The room looks a command up here by the name the client sent; a name not in the table is unknown.
Grouped by the part of the opening they belong to:

* :mod:`~opening_room.commands.hosting`: the host's decisions, the window's clock, adjourning, remarks;
* :mod:`~opening_room.commands.decryption`: signing in, the envelope, decrypting, a platform fault,
  the end of the window (唱标);
* :mod:`~opening_room.commands.objections`: objections and their answers, closing them;
* :mod:`~opening_room.commands.record_signing`: the bidders' confirmations of the record, closing.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from opening_room.commands import decryption, hosting, objections, record_signing
from opening_room.commands.call import Answer, Call, Change, Command, Handler, Resources
from opening_room.states import COMMANDS as RULES

__all__ = ["COMMANDS", "Answer", "Call", "Change", "Command", "Handler", "Resources"]


def _table(handlers: Mapping[str, Handler]) -> Mapping[str, Command]:
    """Each handler with its rule; a command without a rule, or a rule without a command, stops the import."""
    if set(handlers) != set(RULES):
        raise RuntimeError(f"commands without a rule or rules without a command: {set(handlers) ^ set(RULES)}")
    return MappingProxyType({name: Command(name, run, *RULES[name]) for name, run in handlers.items()})


#: Name → the command: its function, the roles that may send it and the states it is allowed in.
COMMANDS: Final = _table(
    {
        "sign_in": decryption.sign_in,
        "continue": hosting.continue_,
        "stop": hosting.stop,
        "start_decryption": hosting.start_decryption,
        "pause": hosting.pause,
        "resume": hosting.resume,
        "extend": hosting.extend,
        "get_envelope": decryption.get_envelope,
        "decrypt": decryption.decrypt,
        "close_decryption": decryption.close_decryption,
        "platform_fault": decryption.platform_fault,
        "raise_objection": objections.raise_objection,
        "answer_objection": objections.answer_objection,
        "close_objections": objections.close_objections,
        "prepare_record_signature": record_signing.prepare_record_signature,
        "sign_record": record_signing.sign_record,
        "close": record_signing.close,
        "adjourn": hosting.adjourn,
        "remark": hosting.remark,
    }
)
