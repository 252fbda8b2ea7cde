"""The tenderer's project registration (项目登记) and its approval of the tender documents: states.

A tenderer (招标人) registers a project it means to tender — name, approval number (审批/核准文号,
招标投标法第九条: a project that needs approval is approved before it is tendered), funding source
(资金来源) and estimate — and appoints the agent that will run it (招标投标法第十二条: the
tenderer chooses its agency itself). The agent then creates the draft project from the
registration; from then on the registration names that project and changes no more.

Before such a project is published the tenderer approves the current version of its tender
documents (招标文件由招标人确认后发出); a newer version needs its own approval.
"""

from __future__ import annotations

import enum
from typing import Final


class RegistrationStatus(enum.StrEnum):
    #: Registered, no agent appointed (editable; an agent may be appointed).
    REGISTERED = "registered"
    #: An agent is appointed and has not yet created the project (editable; the appointment may be
    #: changed or withdrawn).
    APPOINTED = "appointed"
    #: The appointed agent created the project: the registration names it and no longer changes.
    TAKEN_UP = "taken_up"


#: The states in which the tenderer may still edit the registration or change the appointment.
OPEN_STATES: Final = frozenset({RegistrationStatus.REGISTERED, RegistrationStatus.APPOINTED})


class DocumentDecision(enum.StrEnum):
    """The tenderer's decision on one version of the tender documents."""

    APPROVED = "approved"
    #: Sent back to the agent with comments: publication waits for a new, approved version.
    RETURNED = "returned"
