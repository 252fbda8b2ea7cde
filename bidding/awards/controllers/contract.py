"""The contract, the report to the supervisor, failure and termination on the wire (stub: being built)."""

from __future__ import annotations

from litestar import Controller


class AwardContractController(Controller):
    path = "/api/awards"
    tags = ["awards"]
