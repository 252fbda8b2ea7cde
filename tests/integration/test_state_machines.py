"""States are types (issue 17), on both profiles.

The database itself refuses a state its enum does not name — a raw UPDATE or INSERT, bypassing the
models, fails on the named CHECK constraint — and takes every state the enum names. The transition
tables are what the services do: driven through the app's own code, uploads, bids, opening sessions
and the opening of each bid make every move their table lists and no other, and a move the table
does not list is refused before anything is written.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import JSON, Uuid, bindparam, column, select, table, text
from sqlalchemy.exc import IntegrityError

from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import ManualClock
from bidding.core.db.engine import create_engine
from bidding.core.db.migrate import downgrade, schema_state, upgrade
from bidding.core.db.types import UTCDateTime
from bidding.core.jobs.models import ExecutionStatus, JobExecution
from bidding.core.roles import Role as UserRole
from bidding.core.transitions import IllegalTransition, edges
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.submission.bidder import finish_upload
from bidding.submission.models import Bid, BidUpload
from bidding.submission.service import (
    Uploader,
    move_bid,
    move_upload,
    receive_chunk,
    refuse_upload,
    withdraw,
)
from bidding.submission.staging import sweep_staging
from bidding.submission.states import (
    BID_START,
    BID_TRANSITIONS,
    UPLOAD_TRANSITIONS,
    BidStatus,
    UploadMode,
    UploadStatus,
)
from bidding.tendering.models import (
    Announcement,
    Lot,
    Project,
    ProjectRegistration,
    TenderDocument,
    TenderDocumentApproval,
)
from bidding.tendering.rules.announcements import AnnouncementKind
from bidding.tendering.rules.projects import Category, ProjectStatus
from bidding.tendering.rules.registrations import DocumentDecision, RegistrationStatus
from crypto.login import certificate_fingerprint
from crypto.sealed import unwrap_data_key
from opening_room.errors import CommandRefused
from opening_room.participants import Participant
from opening_room.room import OpeningRoom, room_of
from opening_room.states import (
    BID_OPENING_TRANSITIONS,
    TRANSITIONS,
    BidOpeningOutcome,
    BidOpeningStatus,
    Role,
    State,
)
from opening_room.tables import BidOpening, OpeningSession, move_opening, move_session
from tests.fixtures.parties import Enrolled, logged_in_parties
from tests.fixtures.projects import DAY, create_published
from tests.fixtures.sealed import sealed
from tests.fixtures.uploads import start, upload_all

# ---------------------------------------------------------------------------------------- the database


async def _insert_rows(db: Any, tag: str) -> dict[tuple[str, str], tuple[str, Any]]:
    """One row of every table with a state column, each in its first state (the caller rolls them
    back); for each state column, the key column and key of its row."""
    now = datetime.now().astimezone()
    org = Organization(
        credit_code=f"9132{tag}".ljust(18, "0"), name=f"单位{tag}", kind=OrgKind.BIDDER, status=OrgStatus.APPROVED
    )
    db.add(org)
    await db.flush()
    project = Project(
        code=f"S-{tag}",
        name="状态",
        category=Category.GOODS,
        status=ProjectStatus.PUBLISHED,
        tenderer_id=org.id,
        agent_id=org.id,
    )
    db.add(project)
    await db.flush()
    lot = Lot(project_id=project.id, code="01", name="一", estimated_price_fen=100_000, deposit_fen=0, form_fields=[])
    db.add(lot)
    await db.flush()
    bid = Bid(
        lot_id=lot.id,
        organization_id=org.id,
        version=1,
        status=BidStatus.ACTIVE,
        object_key=f"bids/{tag}",
        size=1,
        sha256="0" * 64,
        package_digest="0" * 64,
        header_sha256="0" * 64,
        signer_fingerprint="0" * 64,
        uploader_fingerprint="0" * 64,
        submitted_at=now,
        receipt_number=f"R-{tag}",
        receipt_jws="x",
    )
    db.add(bid)
    await db.flush()
    upload = BidUpload(
        lot_id=lot.id,
        organization_id=org.id,
        fingerprint="0" * 64,
        mode=UploadMode.CHUNKED,
        size=1,
        chunk_size=1,
        status=UploadStatus.OPEN,
        created_at=now,
    )
    notice = Announcement(
        project_id=project.id,
        kind=AnnouncementKind.TENDER,
        title="t",
        body="b",
        published_at=now,
        published_by="test",
        content_sha256="0" * 64,
    )
    job = JobExecution(job_key=f"state-test:{tag}", function="f", status=ExecutionStatus.DONE, result={})
    session = OpeningSession(lot_id=lot.id, state=State.WAITING, last_seq=0, updated_at=now)
    opening = BidOpening(
        bid_id=bid.id,
        lot_id=lot.id,
        organization_id=org.id,
        order_no=1,
        status=BidOpeningStatus.PENDING,
        attempts=0,
    )
    document = TenderDocument(
        project_id=project.id,
        version=1,
        filename="t.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        object_key=f"tender-documents/{tag}",
        uploaded_by="test",
    )
    # Taken up, with its agent and project: the registration's other CHECKs hold in every status.
    registration = ProjectRegistration(
        tenderer_id=org.id,
        name="登记",
        approval_number="发改〔2026〕1号",
        funding_source="财政资金",
        estimate_fen=100_000,
        category=Category.GOODS,
        status=RegistrationStatus.TAKEN_UP,
        agent_id=org.id,
        project_id=project.id,
        created_by="test",
    )
    db.add_all([upload, notice, job, session, opening, document, registration])
    await db.flush()
    approval = TenderDocumentApproval(  # with comments: the returned decision needs them
        project_id=project.id,
        document_id=document.id,
        decision=DocumentDecision.APPROVED,
        comments="c",
        decided_by="test",
        decided_at=now,
    )
    db.add(approval)
    await db.flush()
    return {
        ("organizations", "kind"): ("id", org.id),
        ("organizations", "status"): ("id", org.id),
        ("projects", "category"): ("id", project.id),
        ("projects", "status"): ("id", project.id),
        ("announcements", "kind"): ("id", notice.id),
        ("bid_uploads", "mode"): ("id", upload.id),
        ("bid_uploads", "status"): ("id", upload.id),
        ("bids", "status"): ("id", bid.id),
        ("job_executions", "status"): ("id", job.id),
        ("opening_sessions", "state"): ("lot_id", lot.id),
        ("bid_openings", "status"): ("bid_id", bid.id),
        ("bid_openings", "outcome"): ("bid_id", bid.id),
        ("project_registrations", "category"): ("id", registration.id),
        ("project_registrations", "status"): ("id", registration.id),
        ("tender_document_approvals", "decision"): ("id", approval.id),
    }


#: Every state column, its enum, and the name of its CHECK constraint.
STATE_COLUMNS: list[tuple[str, str, type[StrEnum], str]] = [
    ("organizations", "kind", OrgKind, "ck_organizations_org_kind"),
    ("organizations", "status", OrgStatus, "ck_organizations_org_status"),
    ("projects", "category", Category, "ck_projects_category"),
    ("projects", "status", ProjectStatus, "ck_projects_project_status"),
    ("announcements", "kind", AnnouncementKind, "ck_announcements_announcement_kind"),
    ("bid_uploads", "mode", UploadMode, "ck_bid_uploads_upload_mode"),
    ("bid_uploads", "status", UploadStatus, "ck_bid_uploads_upload_status"),
    ("bids", "status", BidStatus, "ck_bids_bid_status"),
    ("job_executions", "status", ExecutionStatus, "ck_job_executions_job_status"),
    ("opening_sessions", "state", State, "ck_opening_sessions_opening_state"),
    ("bid_openings", "status", BidOpeningStatus, "ck_bid_openings_bid_opening_status"),
    ("bid_openings", "outcome", BidOpeningOutcome, "ck_bid_openings_bid_opening_outcome"),
    ("project_registrations", "category", Category, "ck_project_registrations_category"),
    ("project_registrations", "status", RegistrationStatus, "ck_project_registrations_registration_status"),
    ("tender_document_approvals", "decision", DocumentDecision, "ck_tender_document_approvals_document_decision"),
]


@pytest.mark.parametrize(
    ("table", "column", "states", "constraint"), STATE_COLUMNS, ids=[f"{t}.{c}" for t, c, _, _ in STATE_COLUMNS]
)
async def test_the_database_takes_every_state_and_refuses_any_other(
    platform: Any, table: str, column: str, states: type[StrEnum], constraint: str
) -> None:
    async with platform.sessions() as db:  # never committed: everything here is rolled back
        keys = await _insert_rows(db, uuid.uuid4().hex[:10].upper())
        key_column, key = keys[(table, column)]
        key_type = Uuid() if isinstance(key, uuid.UUID) else None
        statement = text(f"UPDATE {table} SET {column} = :value WHERE {key_column} = :key").bindparams(
            bindparam("key", type_=key_type)
        )
        for state in states:
            async with db.begin_nested():
                changed = await db.execute(statement, {"value": state.value, "key": key})
                assert changed.rowcount == 1
        for wrong in ("bogus", "", state.value.upper(), f" {state.value}"):
            with pytest.raises(IntegrityError) as refused:
                async with db.begin_nested():
                    await db.execute(statement, {"value": wrong, "key": key})
            assert constraint in str(refused.value.orig), refused.value
        await db.rollback()


async def test_a_raw_insert_with_an_unknown_state_is_refused(platform: Any) -> None:
    insert = text(
        "INSERT INTO job_executions (job_key, function, status, result, started_at) "
        "VALUES (:key, 'f', :status, '{}', CURRENT_TIMESTAMP)"
    )
    async with platform.sessions() as db:
        async with db.begin_nested():
            await db.execute(insert, {"key": f"raw:{uuid.uuid4()}", "status": ExecutionStatus.DONE.value})
        with pytest.raises(IntegrityError, match="ck_job_executions_job_status"):
            async with db.begin_nested():
                await db.execute(insert, {"key": f"raw:{uuid.uuid4()}", "status": "running"})
        await db.rollback()


# ------------------------------------------------------------------------- the migration, with data


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'states.db'}"
    return str(request.getfixturevalue("fresh_pg_url"))


def _t(name: str, *columns: str | tuple[str, Any]) -> Any:
    """A table as of revision 0008, with the types that bind ids, times and JSON on either database."""
    return table(name, *(column(c) if isinstance(c, str) else column(c[0], c[1]) for c in columns))


ID, AT, DATA = Uuid(), UTCDateTime(), JSON()
ORGS = _t("organizations", ("id", ID), "credit_code", "name", "kind", "status", ("created_at", AT))
PROJECTS = _t(
    "projects", ("id", ID), "code", "name", "category", "status", ("tenderer_id", ID), ("agent_id", ID),
    ("created_at", AT), ("updated_at", AT),
)  # fmt: skip
LOTS = _t(
    "lots", ("id", ID), ("project_id", ID), "code", "name", "estimated_price_fen", "deposit_fen",
    "decrypt_window_minutes", "objection_window_minutes", ("form_fields", DATA), ("created_at", AT),
)  # fmt: skip
BIDS = _t(
    "bids", ("id", ID), ("lot_id", ID), ("organization_id", ID), "version", "status", "object_key", "size", "sha256",
    "package_digest", "header_sha256", "signer_fingerprint", "uploader_fingerprint", ("submitted_at", AT),
    "receipt_number", "receipt_jws",
)  # fmt: skip
UPLOADS = _t(
    "bid_uploads", ("id", ID), ("lot_id", ID), ("organization_id", ID), "fingerprint", "mode", "size", "chunk_size",
    "received", "next_chunk", "status", ("created_at", AT), ("bid_id", ID),
)  # fmt: skip
SESSIONS = _t("opening_sessions", ("lot_id", ID), "state", "last_seq", ("updated_at", AT))
OPENINGS = _t(
    "bid_openings", ("bid_id", ID), ("lot_id", ID), ("organization_id", ID), "order_no", "status", "attempts",
    "outcome",
)  # fmt: skip
JOBS = _t("job_executions", "job_key", "function", "status", ("result", DATA), ("started_at", AT))


async def test_the_migration_keeps_the_rows_and_stops_at_an_unknown_state(empty_db_url: str) -> None:
    """Rows as the code wrote them before 0009 survive its upgrade and downgrade — on SQLite too,
    where ``bids``, which uploads and openings refer to, is copied — and a state no enum names stops
    the upgrade with the table, column and value, changing nothing."""
    engine = create_engine(empty_db_url)
    try:
        await upgrade(engine, "0008")
        now = datetime.now(UTC)
        org, project, lot, bid, upload = (uuid.uuid4() for _ in range(5))
        async with engine.begin() as conn:
            for statement in (
                ORGS.insert().values(
                    id=org, credit_code="91320100MA0000000X", name="甲", kind="bidder", status="approved",
                    created_at=now,
                ),
                PROJECTS.insert().values(
                    id=project, code="M-1", name="迁移", category="works", status="published", tenderer_id=org,
                    agent_id=org, created_at=now, updated_at=now,
                ),
                LOTS.insert().values(
                    id=lot, project_id=project, code="01", name="一", estimated_price_fen=100_000, deposit_fen=0,
                    decrypt_window_minutes=30, objection_window_minutes=15, form_fields=[], created_at=now,
                ),
                BIDS.insert().values(
                    id=bid, lot_id=lot, organization_id=org, version=1, status="active", object_key="bids/m",
                    size=1, sha256="0" * 64, package_digest="0" * 64, header_sha256="0" * 64,
                    signer_fingerprint="0" * 64, uploader_fingerprint="0" * 64, submitted_at=now,
                    receipt_number="R-M", receipt_jws="x",
                ),
                UPLOADS.insert().values(
                    id=upload, lot_id=lot, organization_id=org, fingerprint="0" * 64, mode="direct", size=1,
                    chunk_size=1, received=1, next_chunk=0, status="completed", created_at=now, bid_id=bid,
                ),
                SESSIONS.insert().values(lot_id=lot, state="closed", last_seq=9, updated_at=now),
                OPENINGS.insert().values(
                    bid_id=bid, lot_id=lot, organization_id=org, order_no=1, status="failed", attempts=5,
                    outcome="revoked",
                ),
                JOBS.insert().values(job_key="m", function="f", status="done", result={}, started_at=now),
            ):  # fmt: skip
                await conn.execute(statement)

        async def rows() -> list[Any]:
            async with engine.connect() as conn:
                return [
                    (await conn.execute(select(BIDS.c.status).where(BIDS.c.id == bid))).scalar_one(),
                    (await conn.execute(select(UPLOADS.c.mode, UPLOADS.c.status, UPLOADS.c.bid_id))).one(),
                    (await conn.execute(select(SESSIONS.c.state))).scalar_one(),
                    (await conn.execute(select(OPENINGS.c.status, OPENINGS.c.outcome))).one(),
                    (await conn.execute(select(JOBS.c.status))).scalar_one(),
                ]

        before = await rows()
        assert before == ["active", ("direct", "completed", bid), "closed", ("failed", "revoked"), "done"]
        await upgrade(engine)
        assert await rows() == before
        bogus = BIDS.update().where(BIDS.c.id == bid).values(status="submitted")
        with pytest.raises(IntegrityError, match="ck_bids_bid_status"):
            async with engine.begin() as conn:
                await conn.execute(bogus)
        await downgrade(engine, "0008")
        assert await rows() == before
        async with engine.begin() as conn:  # no constraint any more: an old database could hold this
            await conn.execute(bogus)
        with pytest.raises(RuntimeError, match=r"bids\.status holds \['submitted'\]"):
            await upgrade(engine)
        assert (await schema_state(engine)).current == "0008"
        async with engine.begin() as conn:
            await conn.execute(BIDS.update().where(BIDS.c.id == bid).values(status="withdrawn"))
        await upgrade(engine)
        assert (await schema_state(engine)).up_to_date
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- uploads and bids, as served


class Watch:
    """The states of a bidder's uploads and bids for a lot, read from the database after each step:
    the first state each row had and every change seen."""

    def __init__(self, platform: Any, lot_id: str, organization_id: str) -> None:
        self.platform = platform
        self.lot_id, self.organization_id = uuid.UUID(lot_id), uuid.UUID(organization_id)
        self.seen: dict[tuple[str, uuid.UUID], StrEnum] = {}
        self.starts: dict[str, set[StrEnum]] = {"upload": set(), "bid": set()}
        self.moves: dict[str, set[tuple[StrEnum, StrEnum]]] = {"upload": set(), "bid": set()}

    async def look(self) -> None:
        async with self.platform.sessions() as db:
            for kind, model in (("upload", BidUpload), ("bid", Bid)):
                rows = await db.execute(
                    select(model.id, model.status).where(
                        model.lot_id == self.lot_id, model.organization_id == self.organization_id
                    )
                )
                for row_id, status in rows.all():
                    before = self.seen.get((kind, row_id))
                    if before is None:
                        self.starts[kind].add(status)
                    elif before is not status:
                        self.moves[kind].add((before, status))
                    self.seen[(kind, row_id)] = status


async def test_uploads_and_bids_make_exactly_the_moves_of_their_tables(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    p = await logged_in_parties(client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), ("a", "bidder"))
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    user: Enrolled = p["users"]["a"]
    caller = Caller("test:a", frozenset({UserRole.BIDDER}), uuid.UUID(user.org_id), certificate_fingerprint(user.cert))
    uploader = Uploader.of(caller)
    watch = Watch(platform, lot["id"], user.org_id)

    async def begin(body: bytes) -> tuple[uuid.UUID, bytes]:
        package = sealed(user, project, lot, body)  # one chunk
        upload_id = uuid.UUID((await start(client, p["a"], lot["id"], len(package)))["id"])
        await watch.look()
        return upload_id, package

    async def arrive(upload_id: uuid.UUID, package: bytes, at: datetime) -> None:
        async with platform.sessions() as db, db.begin():
            await receive_chunk(db, platform.store, uploader, upload_id, 0, package, at)
        await watch.look()

    async def finish(upload_id: uuid.UUID) -> None:
        await finish_upload(platform, caller, upload_id)
        await watch.look()

    # open → completing → completed, recorded active.
    first, package = await begin(b"version 1")
    await arrive(first, package, clock.now())
    await finish(first)
    # A later version: the active one becomes replaced.
    second, package = await begin(b"version 2")
    await arrive(second, package, clock.now())
    await finish(second)
    # Withdrawn by the bidder (撤回).
    async with platform.sessions() as db, db.begin():
        withdrawn = await withdraw(db, uploader, uuid.UUID(lot["id"]), clock.now())
    await watch.look()
    # Left without a byte for longer than the idle time: open → rejected (abandoned) by the sweep.
    idle, _ = await begin(b"never sent")
    swept = await sweep_staging(
        platform.sessions, platform.store, now=clock.now() + timedelta(hours=2), idle=timedelta(hours=1)
    )
    assert idle in swept.abandoned
    await watch.look()
    # Refused while completing (its verification failed): completing → rejected.
    refused, package = await begin(b"refused")
    await arrive(refused, package, clock.now())
    async with platform.sessions() as db, db.begin():
        await refuse_upload(db, uploader, refused, "package_invalid")
    await watch.look()
    # Two versions in flight: the one whose last byte came first is recorded after the other,
    # and so as replaced from the start.
    earlier, early_package = await begin(b"earlier")
    later, late_package = await begin(b"later")
    await arrive(earlier, early_package, clock.now())
    await arrive(later, late_package, clock.now() + timedelta(seconds=1))
    await finish(later)
    await finish(earlier)

    assert watch.starts["upload"] == {UploadStatus.OPEN}
    assert watch.moves["upload"] == edges(UPLOAD_TRANSITIONS)
    assert watch.starts["bid"] == BID_START
    assert watch.moves["bid"] == edges(BID_TRANSITIONS)

    # A move the table does not list is refused before anything is written.
    async with platform.sessions() as db, db.begin():
        bid = await db.get(Bid, withdrawn.id)
        assert bid is not None and bid.status is BidStatus.WITHDRAWN
        with pytest.raises(IllegalTransition, match=f"bid {bid.id} is withdrawn and cannot become active"):
            move_bid(bid, BidStatus.ACTIVE)
        upload = await db.get(BidUpload, first)
        assert upload is not None and upload.status is UploadStatus.COMPLETED
        with pytest.raises(IllegalTransition, match="is completed and cannot become rejected"):
            move_upload(upload, UploadStatus.REJECTED, error="package_invalid")
        assert (upload.status, upload.error) == (UploadStatus.COMPLETED, None)
    async with platform.sessions() as db, db.begin():  # the service asks first: a completed upload stays so
        await refuse_upload(db, uploader, first, "package_invalid")
    await watch.look()
    assert watch.seen[("upload", first)] is UploadStatus.COMPLETED
    assert watch.moves["bid"] == edges(BID_TRANSITIONS) and watch.moves["upload"] == edges(UPLOAD_TRANSITIONS)


# ----------------------------------------------------------------------------------- the opening room

FORM = {"price_fen": 4_650_000_00}  # what the lots below ask

#: Moves out of ``announced`` other than to the objections: the room passes through it within one
#: transaction (唱标, then the objections open), so no command ever finds a session in it.
THROUGH_ANNOUNCED = {(State.ANNOUNCED, State.SIGNING), (State.ANNOUNCED, State.ADJOURNED)}


async def test_opening_sessions_and_bid_openings_make_exactly_the_moves_of_their_tables(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    room: OpeningRoom = room_of(platform)
    names = ("a", "b", "c")
    p = await logged_in_parties(
        client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), *((n, "bidder") for n in names)
    )
    deadline = clock.now() + 25 * DAY
    lots: list[dict[str, Any]] = [
        {
            "code": f"{n:02d}",
            "name": f"标段{n}",
            "estimated_price_fen": 1_000_000_00,
            "deposit_fen": 0,
            "bid_deadline": deadline.isoformat(),
        }
        for n in range(1, 10)
    ]
    project = await create_published(client, p, clock.now(), lots=lots)
    other = await create_published(client, p, clock.now(), lots=lots[:1])  # to be terminated
    lot_ids = {lot["code"]: uuid.UUID(lot["id"]) for lot in project["lots"]}
    by_bidders = {"01": ("a",), "02": ("a", "b", "c")}
    for code, bidders in by_bidders.items():
        lot = next(x for x in project["lots"] if x["code"] == code)
        for name in bidders:
            package = sealed(p["users"][name], project, lot, f"{name} for {code}".encode(), form=FORM)
            assert (await upload_all(client, p[name], lot["id"], package)).status_code == 200

    host = Participant(role=Role.HOST, actor=Actor("test:host"), name="主持人")

    def bidder(name: str) -> Participant:
        user: Enrolled = p["users"][name]
        return Participant(
            role=Role.BIDDER,
            actor=Actor(f"test:{name}"),
            organization_id=uuid.UUID(user.org_id),
            fingerprint=certificate_fingerprint(user.cert),
            name=user.org_name,
        )

    seen: dict[uuid.UUID, tuple[State, int]] = {}
    moves: set[tuple[State, State]] = set()

    async def look(lot_id: uuid.UUID) -> State:
        """The session's state now; the moves since the last look (``announced`` shows by its event)."""
        snapshot = await room.snapshot(lot_id)
        state, last = State(snapshot["state"]), snapshot["last_seq"]
        before, since = seen.get(lot_id, (None, 0))
        if before is not None:
            path = [before]
            if any(e.name == "announcement" for e in await room.events_since(lot_id, since, None)):
                path.append(State.ANNOUNCED)
            path.append(state)
            moves.update((x, y) for x, y in itertools.pairwise(path) if x is not y)
        seen[lot_id] = (state, last)
        return state

    async def run(lot_id: uuid.UUID, who: Participant, name: str, **args: Any) -> dict[str, Any]:
        result = await room.command(who, lot_id, uuid.uuid4().hex, name, args)
        await look(lot_id)
        return result

    reason = {"reason": "测试"}
    # Before the deadline: every session is waiting; one is adjourned there; a tender is terminated.
    for lot_id in [*lot_ids.values(), uuid.UUID(other["lots"][0]["id"])]:
        assert await look(lot_id) is State.WAITING
    await run(lot_ids["05"], host, "adjourn", **reason)
    terminated = await client.post(
        f"/api/agent/projects/{other['id']}/terminate",
        json={"kind": "termination", "title": "终止公告", "body": "因故终止"},
        headers=p["agent"],
    )
    assert terminated.status_code == 200, terminated.text

    clock.set(deadline + timedelta(seconds=1))
    assert await look(uuid.UUID(other["lots"][0]["id"])) is State.FAILED  # a terminated tender
    states = {code: await look(lot_id) for code, lot_id in lot_ids.items() if code != "05"}
    assert states.pop("02") is State.BIDDERS_PUBLISHED  # three bids
    assert set(states.values()) == {State.EXTRACTED}  # fewer than three: the host decides

    # Lot 01, one bid, the whole way: its bid fails by a platform fault (twice), then is decrypted.
    one = lot_ids["01"]
    await run(one, host, "continue", **reason)
    await run(one, host, "start_decryption")
    opening_moves: set[tuple[BidOpeningStatus, BidOpeningStatus]] = set()

    async def opening_step(
        lot_id: uuid.UUID, name: str, step: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """A step on ``name``'s bid: its status before and after (a repeated move shows as a success)."""
        async with platform.sessions() as db:
            query = select(BidOpening.status).where(
                BidOpening.lot_id == lot_id, BidOpening.organization_id == bidder(name).organization_id
            )
            before = await db.scalar(query)
        result = await step()
        async with platform.sessions() as db:
            after = await db.scalar(query)
        assert before is not None and after is not None
        if before is not after or result.get("outcome") == BidOpeningOutcome.WITHDRAWN:
            opening_moves.add((before, after))
        return result

    async def decrypt(lot_id: uuid.UUID, name: str) -> dict[str, Any]:
        envelope = await room.command(bidder(name), lot_id, uuid.uuid4().hex, "get_envelope", {})
        key = unwrap_data_key(base64.b64decode(envelope["envelope"]), p["users"][name].key)
        return await room.command(
            bidder(name), lot_id, uuid.uuid4().hex, "decrypt", {"data_key": base64.b64encode(key).decode()}
        )

    fault = {"order": 1, "reason": "平台存储故障", "remedy": "延长解密时间"}
    for _ in range(2):
        answer = await opening_step(one, "a", lambda: run(one, host, "platform_fault", **fault))
        assert answer["outcome"] == "withdrawn"
    assert (await opening_step(one, "a", lambda: decrypt(one, "a")))["status"] == "decrypted"
    await run(one, host, "pause", **reason)
    await run(one, host, "resume")
    await run(one, host, "pause", **reason)
    await run(one, host, "close_decryption")  # paused → announced → objections
    await run(one, host, "close_objections")
    assert await look(one) is State.SIGNING
    for _ in range(500):  # the signed record is made right after that commit; closing waits for it
        if any(e.name == "record.ready" for e in await room.events_since(one, 0, None)):
            break
        await asyncio.sleep(0.02)
    await run(one, host, "close")
    assert await look(one) is State.CLOSED

    # Lot 03, no bid: the host stops (条例 44). Lots 06 to 09 are adjourned in each later state.
    await run(lot_ids["03"], host, "stop", **reason)
    await run(lot_ids["06"], host, "adjourn", **reason)
    for code, steps in {
        "07": ["continue"],
        "08": ["continue", "start_decryption"],
        "09": ["continue", "start_decryption", "pause"],
        "04": ["continue", "start_decryption", "close_decryption", "close_objections"],
    }.items():
        for name in steps:
            await run(lot_ids[code], host, name, **(reason if name in ("continue", "pause") else {}))
        await run(lot_ids[code], host, "adjourn", **reason)

    # Lot 02, three bids: one bidder decrypts; the window closes by the clock alone and the other two
    # fail through their bidders (视为撤销); adjourned during the objections.
    three = lot_ids["02"]
    await run(three, host, "start_decryption")
    assert (await opening_step(three, "a", lambda: decrypt(three, "a")))["status"] == "decrypted"
    window = next(x for x in project["lots"] if x["code"] == "02")["decrypt_window_minutes"]
    clock.advance(timedelta(minutes=window, seconds=1))
    await opening_step(three, "b", lambda: room.snapshot(three))  # the clock's tick
    assert await look(three) is State.OBJECTIONS
    async with platform.sessions() as db:
        outcomes = (
            await db.execute(select(BidOpening.status, BidOpening.outcome).where(BidOpening.lot_id == three))
        ).all()
    assert sorted(outcomes) == [
        (BidOpeningStatus.DECRYPTED, None),
        (BidOpeningStatus.FAILED, BidOpeningOutcome.REVOKED),
        (BidOpeningStatus.FAILED, BidOpeningOutcome.REVOKED),
    ]
    await run(three, host, "adjourn", **reason)

    assert moves == edges(TRANSITIONS) - THROUGH_ANNOUNCED
    assert opening_moves == edges(BID_OPENING_TRANSITIONS)
    # Closed and adjourned sessions take no more moves: the room's commands refuse them in words.
    for lot_id in (one, three):
        with pytest.raises(CommandRefused):
            await room.command(host, lot_id, uuid.uuid4().hex, "adjourn", reason)
    # And the table refuses what no command would ask, before anything is written.
    async with platform.sessions() as db, db.begin():
        session = await db.get(OpeningSession, one)
        assert session is not None and session.state is State.CLOSED
        with pytest.raises(IllegalTransition, match=f"the opening of lot {one} is closed and cannot become waiting"):
            move_session(session, State.WAITING)
        opening = await db.scalar(select(BidOpening).where(BidOpening.lot_id == one))
        assert opening is not None and opening.status is BidOpeningStatus.DECRYPTED
        with pytest.raises(IllegalTransition, match="bid 1 is decrypted and cannot become failed"):
            move_opening(opening, BidOpeningStatus.FAILED)
