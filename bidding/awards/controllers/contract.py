"""The contract, the report to the supervisor, failure and termination on the wire (``docs/awards.md``
§The contract, §The report to the supervisor, §Failed tenders and terminations). The use cases are
:mod:`bidding.awards.contract`, :mod:`bidding.awards.report_filing` and :mod:`bidding.awards.endings`;
this only translates the wire."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from bidding.awards import contract, endings, report_filing
from bidding.awards.contract import MAX_CONTRACT_BYTES, ContractView
from bidding.awards.endings import EndingView, FailureInput, TerminationInput
from bidding.awards.report_filing import ReportInput, SupervisorReportView
from bidding.core.errors import UnsupportedMediaType
from bidding.core.fields import NAME_PATTERN
from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from storage.signing import content_disposition

AwardId = FromPath[uuid.UUID]
PROJECT = (Role.TENDERER, Role.AGENT)
READERS = (Role.TENDERER, Role.AGENT, Role.BIDDER, Role.SUPERVISOR, Role.AUDITOR)
#: The body is the PDF itself (its content is checked, whatever the client called it).
ACCEPTED = frozenset({"application/pdf", "application/octet-stream", ""})


class AwardContractController(Controller):
    path = "/api/awards"
    tags = ["awards"]

    @put(
        "/{award_id:uuid}/contract",
        status_code=HTTP_200_OK,
        guards=[requires(*PROJECT)],
        request_max_body_size=MAX_CONTRACT_BYTES,
        opt=wire(request=["application/pdf"], errors=[403, 404, 409, 413, 415, 422]),
        summary="Upload the signed contract (raw PDF ≤ 50 MiB): checked for the winner and the awarded price, "
        "signed_on not before the award notice; the deposits' refunds follow (法 46; 条例 57)",
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        award_id: AwardId,
        platform: PlatformDep,
        caller: CallerDep,
        signed_on: Annotated[date, QueryParameter(description="The day the contract was signed (China)")],
        filename: Annotated[str, QueryParameter(min_length=1, max_length=200, pattern=NAME_PATTERN)] = "合同.pdf",
    ) -> ContractView:
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type not in ACCEPTED:
            raise UnsupportedMediaType(
                f"send the contract as the raw PDF (application/pdf), not {content_type}",
                f"请以 application/pdf 原始文件上传合同（收到 {content_type}）",
            )
        return await contract.upload_contract(
            platform,
            caller,
            award_id,
            signed_on=signed_on,
            filename=filename,
            content_type="application/pdf",
            data=await request.body(),
        )

    @get(
        "/{award_id:uuid}/contract",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404, 409]),
        summary="The contract's record and what was checked (project, supervisor, auditor, the winner)",
    )
    async def contract_record(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> ContractView:
        return await contract.contract_of(platform, caller, award_id)

    @get(
        "/{award_id:uuid}/contract.pdf",
        guards=[requires(*READERS)],
        opt=wire(response=["application/pdf"], errors=[403, 404, 409]),
        summary="The contract PDF as uploaded (project, supervisor, auditor, the winner)",
    )
    async def contract_file(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> Response[bytes]:
        data, filename = await contract.contract_pdf(platform, caller, award_id)
        return Response(
            data, media_type="application/pdf", headers={"Content-Disposition": content_disposition(filename)}
        )

    @post(
        "/{award_id:uuid}/report",
        status_code=HTTP_200_OK,
        guards=[requires(*PROJECT)],
        opt=wire(errors=[403, 404, 409]),
        summary="File the written report to the supervisor, once (法 47: 15 days from the award notice; "
        "later is taken and flagged late)",
    )
    async def file_report(
        self, award_id: AwardId, data: JSONBody[ReportInput], platform: PlatformDep, caller: CallerDep
    ) -> SupervisorReportView:
        return await report_filing.file_report(platform, caller, award_id, data)

    @get(
        "/{award_id:uuid}/report",
        guards=[requires(Role.SUPERVISOR, Role.AUDITOR, *PROJECT)],
        opt=wire(errors=[403, 404, 409]),
        summary="The written report as filed (supervisor, auditor, the project)",
    )
    async def report(self, award_id: AwardId, platform: PlatformDep, caller: CallerDep) -> SupervisorReportView:
        return await report_filing.report_of(platform, caller, award_id)

    @post(
        "/{award_id:uuid}/failure",
        status_code=HTTP_200_OK,
        guards=[requires(*PROJECT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="流标 before the contract: the notice, every deposit refunded (法 28, 42; 条例 55)",
    )
    async def failure(
        self, award_id: AwardId, data: JSONBody[FailureInput], platform: PlatformDep, caller: CallerDep
    ) -> EndingView:
        return await endings.declare_failed(platform, caller, award_id, data)

    @post(
        "/{award_id:uuid}/termination",
        status_code=HTTP_200_OK,
        guards=[requires(Role.TENDERER)],
        opt=wire(errors=[403, 404, 409]),
        summary="The tenderer terminates the tender of the lot before the contract: the notice, every deposit "
        "refunded with interest (条例 31)",
    )
    async def termination(
        self, award_id: AwardId, data: JSONBody[TerminationInput], platform: PlatformDep, caller: CallerDep
    ) -> EndingView:
        return await endings.terminate(platform, caller, award_id, data)
