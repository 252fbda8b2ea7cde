"""The composition root: one Litestar app wiring the trading service (and later the opening room)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme, Tag

from bidding import __version__
from bidding.archive.controllers.archive import ArchiveController
from bidding.awards.controllers.awards import AwardController
from bidding.awards.controllers.complaints import AwardComplaintController
from bidding.awards.controllers.contract import AwardContractController
from bidding.awards.controllers.notices import MyAwardNoticesController
from bidding.awards.controllers.objections import AwardObjectionController
from bidding.awards.controllers.publicity import PublicAwardController
from bidding.catalogue import CATALOGUE, REPLY_HANDLERS
from bidding.core.auth.authenticator import Authenticator
from bidding.core.clock import Clock, clock_for
from bidding.core.http.allow import fix_allow_header
from bidding.core.http.api_docs import DOCS_PATH, docs_assets_router, render_plugins
from bidding.core.http.dependencies import provide_caller, provide_platform, provide_visitor
from bidding.core.http.errors import EXCEPTION_HANDLERS
from bidding.core.http.middleware import request_context_middleware
from bidding.core.http.openapi import complete_schema
from bidding.core.http.request import PlatformRequest
from bidding.core.platform import start_platform
from bidding.core.settings import Settings
from bidding.deposits.controllers.bidder import BidderDepositController
from bidding.deposits.controllers.finance import FinanceController
from bidding.deposits.controllers.oversight import BasicAccountAdminController, LotDepositsController
from bidding.deposits.controllers.refunds import (
    BidderRefundController,
    OverdueRefundsController,
    RefundFinanceController,
    RefundTriggerController,
)
from bidding.evaluation.controllers.bodies import EvaluationBodiesController
from bidding.evaluation.controllers.clarifications import (
    BidderClarificationController,
    EvaluationClarificationController,
)
from bidding.evaluation.controllers.criteria import LotCriteriaController, PublicCriteriaController
from bidding.evaluation.controllers.report import EvaluationReportController
from bidding.evaluation.controllers.review import EvaluationReviewController, EvaluationSignalsController
from bidding.evaluation.controllers.room import EvaluationRoomController
from bidding.evaluation.controllers.supervision import (
    EvaluationSupervisionController,
    LotEvaluationProgressController,
)
from bidding.experts.controllers.draws import (
    DrawSupervisionController,
    ExpertAssignmentController,
    ExpertDrawController,
    InvitationLinkController,
    PublicDrawController,
)
from bidding.experts.controllers.pool import ExpertPoolController, ExpertSelfController, SpecialtyController
from bidding.identity.controllers.console import IdentityConsoleController
from bidding.identity.controllers.identity import AuthController, EnrolmentController
from bidding.identity.controllers.pki import PkiController
from bidding.identity.controllers.pki_admin import IdentityAdminController
from bidding.messaging.controllers.admin import MessageLogController
from bidding.messaging.controllers.callbacks import MessagingCallbackController
from bidding.messaging.controllers.dependencies import provide_reply_handlers
from bidding.messaging.controllers.inbox import InboxController
from bidding.notifications.controllers.me import MeController
from bidding.opendata.controllers.opendata import OpenDataController
from bidding.operations.controllers.admin import AdminController
from bidding.operations.controllers.health import HealthController
from bidding.statistics.controllers.statistics import CentreStatisticsController, PublicStatisticsController
from bidding.submission.controllers.bidder import BidderController
from bidding.submission.controllers.storage import StorageController
from bidding.supervision.controllers.clocks import SupervisionClockController
from bidding.supervision.controllers.collusion import CollusionReportController
from bidding.supervision.controllers.live import supervision_socket
from bidding.supervision.controllers.orders import SupervisionOrderController
from bidding.supervision.controllers.overview import SupervisionOverviewController
from bidding.tendering.controllers.agent import AgentController
from bidding.tendering.controllers.public import PublicController
from bidding.tendering.controllers.tenderer import TendererController
from bidding.transparency.controllers.audit import LogAuditController, LogCheckpointsController
from bidding.transparency.controllers.log import LogProofController, LogTilesController
from bidding.verification.controllers.verify import VerifyController
from bidding.webapp import webapp_router
from bidding.worker import running_workers
from opening_room.http import OpeningController
from opening_room.hub import Hub, channel_prefix
from opening_room.room import room_of
from opening_room.ws import opening_socket

log = logging.getLogger("bidding.app")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> Litestar:
    """Build the ASGI app. Resources start in the lifespan, so building it touches nothing."""
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            platform = await stack.enter_async_context(start_platform(settings, clock=app.state.clock))
            app.state.platform = platform
            app.state.authenticator = Authenticator(
                admin_token=settings.resolved_secret("admin_token"), sessions=platform.session_store
            )
            # The room is the platform's (opening_room.room.room_of); the hub is this process's clients.
            hub = Hub(platform.redis, channel_prefix(settings), platform.sessions)
            app.state.opening_hub = hub
            await stack.enter_async_context(hub.running())
            room_of(platform).tell_committed(hub.committed)
            await stack.enter_async_context(room_of(platform).ticking(hub.lots, hub.saw))
            if settings.run_worker_in_process:
                async with running_workers(platform, CATALOGUE):
                    log.info("platform ready (worker in-process)", extra={"base_url": settings.effective_base_url})
                    yield
            else:
                log.info("platform ready", extra={"base_url": settings.effective_base_url})
                yield

    api = Router(
        path="/",
        route_handlers=[
            HealthController,
            PublicController,
            AdminController,
            StorageController,
            PkiController,
            EnrolmentController,
            AuthController,
            IdentityAdminController,
            IdentityConsoleController,
            TendererController,
            PublicStatisticsController,
            CentreStatisticsController,
            VerifyController,
            EvaluationRoomController,
            EvaluationBodiesController,
            EvaluationClarificationController,
            BidderClarificationController,
            EvaluationReviewController,
            EvaluationSignalsController,
            EvaluationReportController,
            EvaluationSupervisionController,
            LotEvaluationProgressController,
            LotCriteriaController,
            PublicCriteriaController,
            PublicAwardController,
            AwardController,
            AwardObjectionController,
            AwardComplaintController,
            AwardContractController,
            MyAwardNoticesController,
            ArchiveController,
            OpenDataController,
            LogTilesController,
            LogProofController,
            LogCheckpointsController,
            LogAuditController,
            AgentController,
            BidderController,
            BidderDepositController,
            BasicAccountAdminController,
            LotDepositsController,
            FinanceController,
            RefundFinanceController,
            OverdueRefundsController,
            RefundTriggerController,
            BidderRefundController,
            ExpertPoolController,
            ExpertSelfController,
            SpecialtyController,
            ExpertDrawController,
            DrawSupervisionController,
            PublicDrawController,
            ExpertAssignmentController,
            InvitationLinkController,
            MeController,
            MessageLogController,
            MessagingCallbackController,
            InboxController,
            SupervisionClockController,
            CollusionReportController,
            SupervisionOrderController,
            SupervisionOverviewController,
            supervision_socket,
            opening_socket,
            OpeningController,
        ],
    )
    frontend: Path = settings.effective_frontend_dir
    app = Litestar(
        route_handlers=[api, docs_assets_router(), webapp_router(frontend)],
        lifespan=[lifespan],
        dependencies={
            "platform": Provide(provide_platform, sync_to_thread=False),
            "caller": Provide(provide_caller, sync_to_thread=False),
            "visitor": Provide(provide_visitor, sync_to_thread=False),
            "reply_handlers": Provide(provide_reply_handlers, sync_to_thread=False),
        },
        state=_initial_state(clock or clock_for(settings.clock_offset_file)),
        middleware=[request_context_middleware],
        before_send=[fix_allow_header],
        request_class=PlatformRequest,  # JSON bodies nested too deep are a 400 (issue 16)
        exception_handlers=dict(EXCEPTION_HANDLERS),
        request_max_body_size=settings.max_request_mib * 1024 * 1024,
        openapi_config=OpenAPIConfig(
            title="电子招投标与不见面开标平台 API / e-Bidding Platform API",
            version=__version__,
            description=(
                "HTTP API of the electronic bidding and remote bid-opening platform. Errors use one JSON "
                'format: `{"error": {"code", "message", "message_zh", "message_en", "request_id"}}`.'
            ),
            path=DOCS_PATH,
            render_plugins=render_plugins(),
            tags=[
                Tag(name="public", description="Public portal, no login"),
                Tag(name="admin", description="Operations and audit"),
                Tag(name="identity", description="Enrolment and certificate login"),
                Tag(name="agent", description="Tender agents: projects, documents, announcements"),
                Tag(name="bidder", description="Bidders: sealed packages, receipts, withdrawal, deposits"),
                Tag(
                    name="supervision",
                    description="Supervisors: statutory clocks and their alerts, supervision orders (督办单), "
                    "complaints, collusion reports, a lot's deposits after extraction",
                ),
                Tag(name="finance", description="The centre's finance officer: bank statements, deposit book, refunds"),
                Tag(name="experts", description="The expert pool (administrator, supervisor), an expert's own record"),
                Tag(
                    name="evaluation",
                    description="Evaluation (评标): criteria, the committee's room, bodies, review, scores, "
                    "clarifications, the report",
                ),
                Tag(
                    name="awards",
                    description="From report to contract (定标): publicity, objections, complaints, the choice, "
                    "award and result notices, the contract, failure and termination",
                ),
                Tag(name="archive", description="Project archives (电子档案): signed manifests, offline verification"),
                Tag(name="opendata", description="Open data: OCDS 1.1 releases and records, no login"),
                Tag(name="pki", description="CA certificates, CRLs, OCSP and the timestamp authority"),
                Tag(name="health", description="Liveness and readiness"),
                Tag(name="storage", description="Signed object links of the local store"),
                Tag(name="messaging", description="SMS and voice providers' pushes: replies, keypresses, reports"),
            ],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")},
            ),
        ),
        logging_config=None,  # bidding.core.logs configures logging (JSON lines with request ids)
        debug=False,
    )
    complete_schema(app)  # errors, security and raw media types that signatures cannot say
    return app


def _initial_state(clock: Clock) -> State:
    # The reply handlers the app routes answers to (a test may run the app with a registry of its own).
    return State({"clock": clock, "reply_handlers": REPLY_HANDLERS})
