"""The evaluation report on the wire (``docs/evaluation.md`` §The report and its signatures): the
chair drafts it, each member signs it by remote signing (with a written dissent if they disagree),
the chair records a refusal without reasons (视为同意); the committee and the supervisor read it
while it is signed, the project's agent and tenderer once final. The use cases are
:mod:`bidding.evaluation.report`; this only translates the wire."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from bidding.core.http.dependencies import CallerDep, PlatformDep
from bidding.core.http.guards import requires
from bidding.core.http.openapi import wire
from bidding.core.roles import Role
from bidding.evaluation import report
from bidding.evaluation.report import (
    PreparedView,
    PrepareInput,
    RefusalInput,
    ReportStatusView,
    SignatureInput,
)
from storage.signing import content_disposition

EvaluationId = FromPath[uuid.UUID]
READERS = (Role.EXPERT, Role.SUPERVISOR, Role.AGENT, Role.TENDERER)


def _pdf(data: bytes, filename: str) -> Response[bytes]:
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": content_disposition(filename)})


class EvaluationReportController(Controller):
    """The report of an evaluation (评标报告): drafting, signing, reading."""

    path = "/api/evaluations"
    tags = ["evaluation"]

    @post(
        "/{evaluation_id:uuid}/report",
        status_code=HTTP_200_OK,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The chair drafts the report: scores computed once, ≤ 3 candidates, PDF signed by the platform "
        "(规定 42; 条例 53; 87号令 55, 58)",
    )
    async def draft(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> ReportStatusView:
        return await report.draft_report(platform, caller, evaluation_id)

    @get(
        "/{evaluation_id:uuid}/report",
        guards=[requires(*READERS)],
        opt=wire(errors=[403, 404, 409]),
        summary="The report's digest, version and every member's answer (signed, dissent, 视为同意)",
    )
    async def status(self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep) -> ReportStatusView:
        return await report.report_status(platform, caller, evaluation_id)

    @get(
        "/{evaluation_id:uuid}/report.json",
        guards=[requires(*READERS)],
        opt=wire(response=["application/json"], errors=[403, 404, 409]),
        summary="The report as canonical JSON: its SHA-256 is the one printed in the PDF",
    )
    async def report_json(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> Response[bytes]:
        data = await report.report_json(platform, caller, evaluation_id)
        return Response(data, media_type="application/json")

    @get(
        "/{evaluation_id:uuid}/report.pdf",
        guards=[requires(*READERS)],
        opt=wire(response=["application/pdf"], errors=[403, 404, 409]),
        summary="The report PDF, newest version (the platform's signature and every member's so far)",
    )
    async def report_pdf(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> Response[bytes]:
        return _pdf(await report.report_pdf(platform, caller, evaluation_id), "评标报告.pdf")

    @get(
        "/{evaluation_id:uuid}/signing-sheet.pdf",
        guards=[requires(*READERS)],
        opt=wire(response=["application/pdf"], errors=[403, 404, 409]),
        summary="The signing sheet (评标报告签署情况): outcomes, dissents in full, 视为同意 (条例 53; 规定 43)",
    )
    async def signing_sheet(
        self, evaluation_id: EvaluationId, platform: PlatformDep, caller: CallerDep
    ) -> Response[bytes]:
        return _pdf(await report.signing_sheet_pdf(platform, caller, evaluation_id), "评标报告签署情况.pdf")

    @post(
        "/{evaluation_id:uuid}/report/signature/prepare",
        status_code=HTTP_200_OK,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409]),
        summary="What the member's key signs to sign the newest version in their own field (remote signing)",
    )
    async def prepare(
        self, evaluation_id: EvaluationId, data: JSONBody[PrepareInput], platform: PlatformDep, caller: CallerDep
    ) -> PreparedView:
        return await report.prepare_signature(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/report/signature",
        status_code=HTTP_200_OK,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409, 422]),
        summary="The member's signature (and written dissent); 409 report_changed if another signed meanwhile "
        "(条例 53; 规定 43)",
    )
    async def sign(
        self, evaluation_id: EvaluationId, data: JSONBody[SignatureInput], platform: PlatformDep, caller: CallerDep
    ) -> ReportStatusView:
        return await report.sign_report(platform, caller, evaluation_id, data)

    @post(
        "/{evaluation_id:uuid}/report/refusals",
        status_code=HTTP_200_OK,
        guards=[requires(Role.EXPERT)],
        opt=wire(errors=[403, 404, 409]),
        summary="The chair records a refusal to sign without reasons: 视为同意 (条例 53)",
    )
    async def refusal(
        self, evaluation_id: EvaluationId, data: JSONBody[RefusalInput], platform: PlatformDep, caller: CallerDep
    ) -> ReportStatusView:
        return await report.record_refusal(platform, caller, evaluation_id, data)
