"""The expert pool on the wire (``docs/experts.md``): the administrator registers, changes, suspends,
reinstates and retires experts, records conflicts and unavailable days, imports CSV/XLSX files and
issues an expert's enrolment code; the supervisor reads. Agents, tenderers, bidders, finance officers,
auditors and the public get 403 or 401: pool data is confidential (RULES b8). A logged-in expert reads
their own record and declares unavailable days (``/api/expert/me``). The specialty tree is reference
data, public.

The use cases are :mod:`bidding.experts.pool`'s and :mod:`bidding.experts.pool_import`'s; this only
translates the wire.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from bidding.core.errors import UnsupportedMediaType
from bidding.core.fields import NAME_PATTERN
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.experts import pool, pool_import
from bidding.experts.pool import (
    ConflictsInput,
    EnrolmentInput,
    ExpertChanges,
    ExpertEnrolmentView,
    ExpertSelfView,
    ExpertSummary,
    ExpertView,
    NewExpert,
    RetireInput,
    SuspendInput,
    UnavailabilityInput,
)
from bidding.experts.pool_import import ImportResult
from bidding.experts.pool_rules import ExpertStatus
from bidding.experts.specialties import tree

#: What an import file may be sent as.
IMPORT_TYPES: Final = ("text/csv", pool_import.XLSX_TYPE, "application/octet-stream")

ExpertId = FromPath[uuid.UUID]
Filter = Annotated[str | None, QueryParameter(min_length=1, max_length=100, pattern=NAME_PATTERN)]


@dataclass(frozen=True)
class SpecialtyItem:
    code: str
    name_zh: str
    name_en: str
    level: int
    parent: str | None
    #: Experts are registered under leaves (sub-specialties) only.
    leaf: bool


@dataclass(frozen=True)
class SpecialtyTreeView:
    version: str
    specialties: list[SpecialtyItem]


class ExpertPoolController(Controller):
    path = "/api/experts"
    tags = ["experts"]
    guards = [requires(*pool.READERS)]

    @get("/", summary="The expert pool, by registry number (administrator, supervisor)")
    async def list_experts(
        self,
        platform: PlatformDep,
        caller: CallerDep,
        q: Filter = None,
        specialty: Annotated[str | None, QueryParameter(min_length=1, max_length=8, pattern=r"^[A-Za-z0-9]+$")] = None,
        status: FromQuery[ExpertStatus | None] = None,
        region: Annotated[str | None, QueryParameter(min_length=2, max_length=6, pattern=r"^[0-9]+$")] = None,
        employer_credit_code: Annotated[
            str | None, QueryParameter(min_length=18, max_length=18, pattern=r"^[0-9A-Za-z]{18}$")
        ] = None,
        after: Annotated[str | None, QueryParameter(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9-]+$")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[ExpertSummary]:
        return await pool.list_experts(
            platform,
            caller,
            q=q,
            specialty=specialty,
            status=status,
            region=region,
            employer_credit_code=employer_credit_code,
            after=after,
            limit=limit,
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[409]),
        summary="Register an expert (规定 11: 8+ years, a senior title or equivalent)",
    )
    async def register(self, data: JSONBody[NewExpert], platform: PlatformDep, caller: CallerDep) -> ExpertView:
        return await pool.register(platform, caller, data)

    @post(
        "/import",
        status_code=HTTP_200_OK,
        guards=[requires(*pool.WRITERS)],
        request_max_body_size=pool_import.MAX_BYTES,
        opt=wire(request=IMPORT_TYPES, errors=[409]),
        summary="Import experts from a CSV or XLSX file: all rows or none, idempotent by registry number",
    )
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        platform: PlatformDep,
        caller: CallerDep,
        format: FromQuery[Literal["csv", "xlsx"] | None] = None,
        filename: Annotated[str | None, QueryParameter(min_length=1, max_length=200, pattern=NAME_PATTERN)] = None,
    ) -> ImportResult:
        given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if given not in IMPORT_TYPES:
            raise UnsupportedMediaType(
                f"send the file as one of {', '.join(IMPORT_TYPES)} (got {given or 'no content type'})",
                f"请以 {', '.join(IMPORT_TYPES)} 之一发送文件（收到 {given or '无内容类型'}）",
            )
        if format is None and given == "text/csv":
            format = "csv"
        elif format is None and given == pool_import.XLSX_TYPE:
            format = "xlsx"
        return await pool_import.import_file(platform, caller, await request.body(), fmt=format, source_name=filename)

    @get("/{expert_id:uuid}", opt=wire(errors=[404]), summary="One expert's whole record")
    async def detail(self, expert_id: ExpertId, platform: PlatformDep, caller: CallerDep) -> ExpertView:
        return await pool.get_expert(platform, caller, expert_id)

    @put(
        "/{expert_id:uuid}",
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Rewrite an expert's particulars (the registry number and status stay)",
    )
    async def update(
        self, expert_id: ExpertId, data: JSONBody[ExpertChanges], platform: PlatformDep, caller: CallerDep
    ) -> ExpertView:
        return await pool.update(platform, caller, expert_id, data)

    @post(
        "/{expert_id:uuid}/suspend",
        status_code=HTTP_200_OK,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Suspend an expert until a day (inclusive), with the reason",
    )
    async def suspend(
        self, expert_id: ExpertId, data: JSONBody[SuspendInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertView:
        return await pool.suspend(platform, caller, expert_id, data)

    @post(
        "/{expert_id:uuid}/reinstate",
        status_code=HTTP_200_OK,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="End a suspension: the expert may be drawn again",
    )
    async def reinstate(self, expert_id: ExpertId, platform: PlatformDep, caller: CallerDep) -> ExpertView:
        return await pool.reinstate(platform, caller, expert_id)

    @post(
        "/{expert_id:uuid}/retire",
        status_code=HTTP_200_OK,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Retire an expert from the pool for good (their certificates are revoked)",
    )
    async def retire(
        self, expert_id: ExpertId, data: JSONBody[RetireInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertView:
        return await pool.retire(platform, caller, expert_id, data)

    @post(
        "/{expert_id:uuid}/conflicts",
        status_code=HTTP_200_OK,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Declare organisations the expert must never evaluate (规定 12, 198号 §16)",
    )
    async def conflicts(
        self, expert_id: ExpertId, data: JSONBody[ConflictsInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertView:
        return await pool.declare_conflicts(platform, caller, expert_id, data)

    @put(
        "/{expert_id:uuid}/unavailability",
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="Replace the days the expert cannot serve",
    )
    async def unavailability(
        self, expert_id: ExpertId, data: JSONBody[UnavailabilityInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertView:
        return await pool.set_unavailability(platform, caller, expert_id, data)

    @post(
        "/{expert_id:uuid}/enrolment-codes",
        status_code=HTTP_201_CREATED,
        guards=[requires(*pool.WRITERS)],
        opt=wire(errors=[404, 409]),
        summary="A one-time enrolment code for the expert's platform certificate (role expert)",
    )
    async def enrolment_code(
        self, expert_id: ExpertId, data: JSONBody[EnrolmentInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertEnrolmentView:
        return await pool.issue_enrolment_code(platform, caller, expert_id, data)


class ExpertSelfController(Controller):
    """The logged-in expert's own record."""

    path = "/api/expert/me"
    tags = ["experts"]
    guards = [requires(Role.EXPERT)]

    @get("/", summary="The logged-in expert's own record")
    async def me(self, platform: PlatformDep, caller: CallerDep) -> ExpertSelfView:
        return await pool.my_record(platform, caller)

    @put("/unavailability", summary="The logged-in expert declares the days they cannot serve")
    async def unavailability(
        self, data: JSONBody[UnavailabilityInput], platform: PlatformDep, caller: CallerDep
    ) -> ExpertSelfView:
        return await pool.set_my_unavailability(platform, caller, data)


class SpecialtyController(Controller):
    """The specialty code tree: reference data (like the national classification it follows)."""

    path = "/api/expert-specialties"
    tags = ["experts"]

    @get("/", summary="The specialty code tree experts are registered and drawn by")
    async def specialties(self) -> SpecialtyTreeView:
        known = tree()
        return SpecialtyTreeView(
            known.version,
            [
                SpecialtyItem(n.code, n.name_zh, n.name_en, n.level, n.parent, known.is_leaf(n.code))
                for n in known.nodes()
            ],
        )
