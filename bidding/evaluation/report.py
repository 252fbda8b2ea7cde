"""The evaluation report and its signatures (评标报告, issue 20 "Report"; RULES c8, c9, acceptance
check 3; ``docs/evaluation.md`` §The report and its signatures).

* **Draft** (:func:`draft_report`, the chair, ``detailed``): refused (409 ``report_blocked``, one
  detail per reason) while the committee is not full, a sitting member has not submitted their score
  sheet, a re-check is open, a bid is still in review, a clarification or a flagged price is pending
  (:func:`bidding.evaluation.clarifications.pending_blockers`), or the opening record is unknown.
  Then the system computes **once** the system scores, the totals, the ranking and at most three
  candidates (87号令 55; 条例 53), kept in ``evaluations.system_scores``/``ranking``; the report JSON is
  built (:mod:`bidding.evaluation.report_data`, 规定 42; 87号令 58), its SHA-256 is the report's;
  the PDF is rendered, signed by the platform (PAdES B-LT) and stored for 15 years as version 1; the
  evaluation is ``reporting``.
* **Members sign** (:func:`prepare_signature`, :func:`sign_report`): remote signing as for the opening
  record (``opening_room.commands.record_signing``): the server prepares the newest version for the
  member's own signature field (``Member01`` …), the member's key signs in their client, the server
  embeds it (and a platform time-stamp) as a new version. A member who prepared over a version
  another member has signed meanwhile is refused (409 ``report_changed``: prepare again). A written
  dissent (≤ 5,000 characters) goes with the signature and is printed in full on the signing sheet
  (条例 53; 规定 43: 评标报告应当注明该不同意见). Each member answers once.
* **A refusal without reasons** (:func:`record_refusal`, the chair): 视为同意, recorded with the chair's
  note (条例 53: 拒绝在评标报告上签字且不陈述不同意见和理由的，视为同意评标结果).
* **Final**: in the transaction of the last sitting member's answer, and never before (RULES c,
  acceptance check 3), the signing sheet (评标报告签署情况) is rendered with every outcome, signed by
  the platform and stored; ``finalised_at`` is set, the evaluation is ``final`` and
  ``evaluation.finalised`` is audited with the report's SHA-256 and the PDFs' digests. After the
  commit the draw is finalised (:func:`bidding.experts.draws.finalise`: the draw records revealed,
  the backups released); its failure leaves the report final and is logged and audited.
* **Reading** (:func:`report_json`, :func:`report_pdf`, :func:`signing_sheet_pdf`,
  :func:`report_status`): the members and the supervisor while ``reporting`` and once ``final``;
  the project's agent and tenderer once ``final``; nobody else, ever.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from cryptography import x509
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.errors import Conflict, Forbidden, InvalidInput
from bidding.core.fields import TEXT_PATTERN, Body
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.documents.evaluation_report import (
    SigningEntry,
    member_field,
    render_evaluation_report,
    render_signing_sheet,
)
from bidding.evaluation import report_data
from bidding.evaluation.access import (
    EvaluationForbidden,
    evaluation,
    member_gate,
    project_gate,
    sitting,
    supervisor_gate,
)
from bidding.evaluation.clarifications import pending_blockers
from bidding.evaluation.criteria_wire import criteria_from_dict
from bidding.evaluation.lifecycle import audit, set_state
from bidding.evaluation.models import (
    Evaluation,
    EvaluationBid,
    EvaluationMember,
    EvaluationSignature,
)
from bidding.evaluation.sheets import member_scores, open_rechecks
from bidding.evaluation.states import BidReview, EvaluationState, MemberStatus, SignatureOutcome
from bidding.experts import draws
from bidding.experts.draw_models import ExpertDraw
from bidding.experts.draw_states import DrawStatus
from crypto.pdf.errors import PdfError
from opening_room import record as stored
from storage import ObjectNotFound

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "PENDING_KEY",
    "REPORT_KEY",
    "SHEET_KEY",
    "PrepareInput",
    "PreparedView",
    "RefusalInput",
    "ReportAlreadyAnswered",
    "ReportBlocked",
    "ReportChanged",
    "ReportStatusView",
    "SignatureInput",
    "SignatureNotPrepared",
    "blockers",
    "draft_report",
    "links",
    "prepare_signature",
    "record_refusal",
    "report_json",
    "report_pdf",
    "report_status",
    "report_status_of",
    "sign_report",
    "signing_sheet_pdf",
]

log = logging.getLogger(__name__)

REPORT_KEY: Final = "evaluation-reports/{lot}/report-v{version}.pdf"
SHEET_KEY: Final = "evaluation-reports/{lot}/signing-sheet-v{version}.pdf"
#: A member's prepared signature (remote signing state) until they send their signature.
PENDING_KEY: Final = "evaluation-reports/{lot}/pending-{member}.json"
REASON_SIGNED: Final = "评标委员会成员签署评标报告"
REASON_DISSENT: Final = "评标委员会成员签署评标报告（有不同意见，见签署情况）"

Dissent = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=TEXT_PATTERN)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]
Signature = Annotated[str, msgspec.Meta(min_length=16, max_length=4096, pattern=r"^[A-Za-z0-9+/=]*$")]


# ----------------------------------------------------------------------------- errors


class ReportBlocked(Conflict):
    """Something keeps the report from being drafted; one detail per reason."""

    code = "report_blocked"
    message_zh = "尚不能生成评标报告"
    message_en = "The report cannot be drafted yet"


class ReportChanged(Conflict):
    """Another member signed after this one prepared: the version prepared is no longer the newest."""

    code = "report_changed"
    message_zh = "评标报告已被其他成员签署更新，请重新获取待签数据"
    message_en = "The report changed: prepare the signature again"


class ReportAlreadyAnswered(Conflict):
    code = "report_already_answered"
    message_zh = "该成员已签署评标报告（或已记录为视为同意）"
    message_en = "This member has already answered the report"


class SignatureNotPrepared(Conflict):
    code = "report_signature_not_prepared"
    message_zh = "请先获取待签数据"
    message_en = "Prepare the signature first"


class PlatformCertificateRequired(Forbidden):
    code = "platform_certificate_required"
    message_zh = "仅本平台签发的证书可在此签署评标报告"
    message_en = "Only a certificate issued by this platform can sign the report here"


# ----------------------------------------------------------------------------- wire


class PrepareInput(Body, frozen=True, kw_only=True):
    #: True when the member will send a written dissent with the signature (the signature's reason says so).
    dissent: bool = False


class SignatureInput(Body, frozen=True, kw_only=True):
    #: Base64 of the member's signature over ``to_be_signed``.
    signature: Signature
    #: The written dissent (条例 53), when the member prepared with ``dissent: true``.
    dissent: Dissent | None = None


class RefusalInput(Body, frozen=True, kw_only=True):
    member_id: uuid.UUID
    #: What happened: the member refused to sign and gave no reasons.
    note: Note


@dataclass(frozen=True)
class PreparedView:
    to_be_signed: str
    algorithm: str
    field: str
    base_version: int


@dataclass(frozen=True)
class SignatureItem:
    member_id: uuid.UUID
    seat: int
    name: str
    role: str
    outcome: str | None
    dissent: str | None
    note: str | None
    pdf_version: int | None
    at: datetime | None


@dataclass(frozen=True)
class ReportLinks:
    report_json: str
    report_pdf: str
    signing_sheet_pdf: str | None


@dataclass(frozen=True)
class ReportStatusView:
    """The report and who answered it (GET /api/evaluations/{id}/report)."""

    evaluation_id: uuid.UUID
    state: str
    report_sha256: str | None
    version: int | None
    drafted_at: datetime | None
    finalised_at: datetime | None
    signatures: list[SignatureItem]
    waiting_for: int
    links: ReportLinks | None


def links(ev: Evaluation) -> ReportLinks | None:
    if ev.report_pdf_key is None:
        return None
    base = f"/api/evaluations/{ev.id}"
    return ReportLinks(
        f"{base}/report.json",
        f"{base}/report.pdf",
        f"{base}/signing-sheet.pdf" if ev.signing_sheet_key else None,
    )


async def _signatures(session: AsyncSession, ev: Evaluation) -> dict[uuid.UUID, EvaluationSignature]:
    rows = await session.scalars(select(EvaluationSignature).where(EvaluationSignature.evaluation_id == ev.id))
    return {s.member_id: s for s in rows.all()}


async def report_status_of(session: AsyncSession, ev: Evaluation) -> ReportStatusView:
    """The report's digest, version and every sitting member's answer (the caller checked access)."""
    report = ev.report or {"members": []}
    answers = await _signatures(session, ev)
    items: list[SignatureItem] = []
    for m in report["members"]:
        if m["status"] != "sat":
            continue
        s = answers.get(uuid.UUID(m["member_id"]))
        items.append(
            SignatureItem(
                uuid.UUID(m["member_id"]),
                int(m["seat"]),
                m["name"],
                m["role"],
                s.outcome.value if s else None,
                s.dissent if s else None,
                s.note if s else None,
                s.pdf_version if s else None,
                s.at if s else None,
            )
        )
    return ReportStatusView(
        evaluation_id=ev.id,
        state=ev.state.value,
        report_sha256=ev.report_sha256,
        version=stored.version_of(ev.report_pdf_key) if ev.report_pdf_key else None,
        drafted_at=datetime.fromisoformat(report["drafted_at"]) if report.get("drafted_at") else None,
        finalised_at=ev.finalised_at,
        signatures=items,
        waiting_for=sum(1 for i in items if i.outcome is None),
        links=links(ev),
    )


# ----------------------------------------------------------------------------- storing


async def _store_new(platform: Platform, template: str, data: bytes, *, lot: uuid.UUID, version: int) -> str:
    """Store ``data`` as ``version`` of ``template`` or the first free version after it (kept 15 years,
    ``opening_room.record``'s retention): a key left by an attempt whose transaction did not commit is
    skipped, never overwritten."""
    key = template.format(lot=lot, version=version)
    while await platform.store.exists(key):
        version += 1
        key = template.format(lot=lot, version=version)
    await stored.put(platform.store, platform.clock, key, data)
    return key


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ----------------------------------------------------------------------------- drafting


def _detail(reason: str, en: str, zh: str, **extra: Any) -> dict[str, Any]:
    return {"reason": reason, "message_en": en, "message_zh": zh, **extra}


async def blockers(session: AsyncSession, ev: Evaluation, members: list[EvaluationMember]) -> list[dict[str, Any]]:
    """Why the report cannot be drafted now (empty: it can): the committee is not full (规定 9: the
    committee sits whole), a sitting member's sheet is missing (87号令 55: every member scores), a
    re-check is open (87号令 62), a bid is still in review (条例 51), a clarification, a correction or a
    flagged price is pending (条例 52; 规定 19, 21; 87号令 59–60), or the opening record is unknown
    (规定 42(三))."""
    found: list[dict[str, Any]] = []
    if len(members) < ev.size:
        found.append(
            _detail(
                "committee_incomplete",
                f"{len(members)} of {ev.size} members sit",
                f"评标委员会在席成员 {len(members)} 人，应为 {ev.size} 人",
                sitting=len(members),
                size=ev.size,
            )
        )
    for m in members:
        if m.sheet_submitted_at is None:
            found.append(
                _detail(
                    "sheet_missing",
                    f"{m.name} has not submitted the score sheet",
                    f"{m.name} 尚未提交评分表",
                    member_id=str(m.id),
                )
            )
    rechecks = await open_rechecks(session, ev.id)
    if rechecks:
        found.append(
            _detail(
                "recheck_open",
                f"{rechecks} re-check(s) not answered",
                f"尚有 {rechecks} 项复核未答复",
                count=rechecks,
            )
        )
    in_review = (
        await session.scalars(
            select(EvaluationBid).where(
                EvaluationBid.evaluation_id == ev.id, EvaluationBid.review == BidReview.IN_REVIEW
            )
        )
    ).all()
    for b in in_review:
        found.append(
            _detail(
                "bid_in_review",
                f"bid #{b.order_no} has not passed or failed the preliminary review",
                f"第{b.order_no}号投标初步评审尚无结论",
                bid_id=str(b.bid_id),
            )
        )
    for line in await pending_blockers(session, ev):
        en, _, zh = line.partition(" | ")
        found.append(_detail(en.split(" ", 1)[0], en, zh or en))
    if ev.opening_record_sha256 is None:
        found.append(_detail("opening_record_missing", "the opening record is not known", "开标记录缺失"))
    return found


async def draft_report(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> ReportStatusView:
    """``POST /api/evaluations/{id}/report``: the chair drafts the report (see the module doc)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "draft_report", for_update=True)
        ev = seat.evaluation
        members = await sitting(session, ev.id)
        found = await blockers(session, ev, members)
        if found:
            raise ReportBlocked(
                "; ".join(d["message_en"] for d in found), "；".join(d["message_zh"] for d in found), details=found
            )
        criteria = criteria_from_dict(ev.criteria)
        bids = list((await session.scalars(select(EvaluationBid).where(EvaluationBid.evaluation_id == ev.id))).all())
        result = report_data.results(criteria, report_data.evaluated_prices(bids), await member_scores(session, ev))
        ev.system_scores = {
            bid: {item: str(score) for item, score in items.items()} for bid, items in result.system_scores.items()
        }
        ev.ranking = [
            {
                "bid": r.bid,
                "rank": r.rank,
                "total": str(r.total) if r.total is not None else None,
                "price_fen": r.price_fen,
            }
            for r in result.ranking
        ]
        signals = await report_data.shown_signals(session, platform, ev)
        report = await report_data.build(session, ev, result, signals=signals, drafted_at=now)
        sha = report_data.digest(report)
        pdf = await asyncio.to_thread(render_evaluation_report, report_data.to_report_data(report, sha, issued_at=now))
        signed = await platform.documents.sign(pdf, reason="评标报告 / evaluation report（规定 42）")
        key = await _store_new(platform, REPORT_KEY, signed, lot=ev.lot_id, version=1)
        ev.report, ev.report_sha256, ev.report_pdf_key = report, sha, key
        set_state(session, caller.actor, ev, EvaluationState.REPORTING, now, reason="report_drafted", report_sha256=sha)
        audit(
            session,
            caller.actor,
            ev,
            "report_drafted",
            report_sha256=sha,
            pdf=key,
            pdf_sha256=_sha256(signed),
            candidates=[c.bid for c in result.candidates],
        )
        await session.flush()
        return await report_status_of(session, ev)


# ----------------------------------------------------------------------------- signing


def _pending_key(ev: Evaluation, member: EvaluationMember) -> str:
    return PENDING_KEY.format(lot=ev.lot_id, member=member.id)


async def prepare_signature(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: PrepareInput
) -> PreparedView:
    """``POST /api/evaluations/{id}/report/signature/prepare``: what the member's key must sign to
    sign the newest version in their own field (remote signing; the key never leaves the client)."""
    async with platform.sessions() as session:
        seat = await member_gate(session, platform, caller, evaluation_id, "sign_report")
        ev, member = seat.evaluation, seat.member
        if await session.get(EvaluationSignature, member.id) is not None:
            raise ReportAlreadyAnswered()
        certificate = await session.scalar(select(Certificate).where(Certificate.fingerprint == caller.fingerprint))
        if certificate is None:
            raise PlatformCertificateRequired()
        assert ev.report is not None
        assert ev.report_pdf_key is not None
        number = report_data.seat_of(ev.report, member.id)
        if number is None:  # a member who sat when the report was drafted; the committee cannot change since
            raise EvaluationForbidden("you are not on the report's list of members", "您不在评标报告的成员名单中")
        base, field = ev.report_pdf_key, member_field(number)
        pending_key = _pending_key(ev, member)
    request = await platform.documents.prepare_user_signature(
        await stored.read(platform.store, base),
        x509.load_der_x509_certificate(certificate.der),
        field_name=field,
        reason=REASON_DISSENT if data.dissent else REASON_SIGNED,
    )
    pending = {
        "base": base,
        "state": base64.b64encode(request.state).decode(),
        "dissent": data.dissent,
        "fingerprint": caller.fingerprint,
    }
    await stored.put(platform.store, platform.clock, pending_key, json.dumps(pending).encode(), retain=False)
    return PreparedView(
        to_be_signed=base64.b64encode(request.to_be_signed).decode(),
        algorithm=request.algorithm,
        field=field,
        base_version=stored.version_of(base),
    )


async def sign_report(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: SignatureInput
) -> ReportStatusView:
    """``POST /api/evaluations/{id}/report/signature``: embed the member's signature as a new version;
    with a written dissent when they prepared for one. The last answer makes the report final."""
    now = platform.clock.now()
    try:
        signature = base64.b64decode(data.signature, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("`signature` must be base64", "`signature` 须为 base64") from None
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "sign_report", for_update=True)
        ev, member = seat.evaluation, seat.member
        if await session.get(EvaluationSignature, member.id) is not None:
            raise ReportAlreadyAnswered()
        try:
            pending = json.loads(await stored.read(platform.store, _pending_key(ev, member)))
        except ObjectNotFound:
            raise SignatureNotPrepared() from None
        if pending.get("fingerprint") != caller.fingerprint:
            raise SignatureNotPrepared("prepared with another certificate", "待签数据由另一证书获取，请重新获取")
        if pending["base"] != ev.report_pdf_key:
            raise ReportChanged(
                "another member signed the report meanwhile: prepare again",
                "评标报告已被其他成员签署，请重新获取待签数据",
            )
        dissent = (data.dissent or "").strip() or None
        if bool(pending["dissent"]) != (dissent is not None):
            raise InvalidInput(
                "prepare with `dissent: true` to sign with a written dissent (and send it), or without",
                "书面不同意见须与待签数据一致：请以 dissent: true 重新获取待签数据并提交意见，或不附意见",
            )
        try:
            signed = await platform.documents.finish_user_signature(base64.b64decode(pending["state"]), signature)
        except PdfError as exc:
            raise InvalidInput(f"{exc.code}: {exc}", f"{exc.code}：{exc}") from None
        assert ev.report_pdf_key is not None
        key = await _store_new(
            platform, REPORT_KEY, signed, lot=ev.lot_id, version=stored.version_of(ev.report_pdf_key) + 1
        )
        version = stored.version_of(key)
        ev.report_pdf_key, ev.updated_at = key, now
        outcome = SignatureOutcome.DISSENT if dissent else SignatureOutcome.SIGNED
        session.add(
            EvaluationSignature(
                member_id=member.id,
                evaluation_id=ev.id,
                outcome=outcome,
                dissent=dissent,
                pdf_version=version,
                recorded_by=caller.actor_id,
                at=now,
            )
        )
        audit(
            session,
            caller.actor,
            ev,
            "report_signed",
            member=str(member.id),
            outcome=outcome.value,
            version=version,
            pdf_sha256=_sha256(signed),
            dissent_sha256=_sha256(dissent.encode()) if dissent else None,
        )
        await session.flush()
        final = await _finalise_if_complete(session, platform, caller.actor, ev, now, signed)
        view = await report_status_of(session, ev)
        draw_id = ev.draw_id
    with contextlib.suppress(ObjectNotFound):
        await platform.store.delete(_pending_key(ev, member))
    if final:
        await _finalise_draw(platform, evaluation_id, draw_id)
    return view


async def record_refusal(
    platform: Platform, caller: Caller, evaluation_id: uuid.UUID, data: RefusalInput
) -> ReportStatusView:
    """``POST /api/evaluations/{id}/report/refusals``: the chair records that a member refused to sign
    and gave no reasons: 视为同意, with the note (条例 53; RULES c9)."""
    now = platform.clock.now()
    async with platform.sessions() as session, session.begin():
        seat = await member_gate(session, platform, caller, evaluation_id, "record_refusal", for_update=True)
        ev = seat.evaluation
        target = await session.get(EvaluationMember, data.member_id)
        if target is None or target.evaluation_id != ev.id or target.status is not MemberStatus.SITTING:
            raise InvalidInput("name a sitting member of this committee", "请指定本评标委员会的在席成员")
        if target.id == seat.member.id:
            raise InvalidInput("the chair signs or dissents in person", "评标委员会负责人应本人签署")
        if await session.get(EvaluationSignature, target.id) is not None:
            raise ReportAlreadyAnswered()
        note = data.note.strip()
        session.add(
            EvaluationSignature(
                member_id=target.id,
                evaluation_id=ev.id,
                outcome=SignatureOutcome.DEEMED_AGREEMENT,
                dissent=None,
                pdf_version=None,
                recorded_by=caller.actor_id,
                note=note,
                at=now,
            )
        )
        ev.updated_at = now
        audit(session, caller.actor, ev, "refusal_recorded", member=str(target.id), note=note)
        await session.flush()
        assert ev.report_pdf_key is not None
        final = await _finalise_if_complete(
            session, platform, caller.actor, ev, now, await stored.read(platform.store, ev.report_pdf_key)
        )
        view = await report_status_of(session, ev)
        draw_id = ev.draw_id
    if final:
        await _finalise_draw(platform, evaluation_id, draw_id)
    return view


# ----------------------------------------------------------------------------- final


async def _finalise_if_complete(
    session: AsyncSession, platform: Platform, actor: Actor, ev: Evaluation, now: datetime, report_pdf: bytes
) -> bool:
    """``final`` once every sitting member has answered (signed, dissented, or 视为同意), never before:
    the signing sheet is rendered, platform-signed and stored, and the move audited."""
    members = await sitting(session, ev.id)
    answers = await _signatures(session, ev)
    if not members or any(m.id not in answers for m in members):
        return False
    assert ev.report is not None
    assert ev.report_sha256 is not None
    sitting_ids = {str(m.id) for m in members}
    entries: list[SigningEntry] = []
    for m in ev.report["members"]:
        if m["member_id"] not in sitting_ids:
            continue
        s = answers[uuid.UUID(m["member_id"])]
        note = s.note or ""
        if s.pdf_version is not None:
            note = f"签名见评标报告第 {s.pdf_version} 版 / signature in version {s.pdf_version}"
        entries.append(SigningEntry(name=m["name"], outcome=s.outcome.value, at=s.at, dissent=s.dissent, note=note))
    sheet = await asyncio.to_thread(
        render_signing_sheet, ev.report_sha256, entries, now, report_number=ev.report["report_number"]
    )
    signed_sheet = await platform.documents.sign(sheet, reason="评标报告签署情况 / signing of the evaluation report")
    key = await _store_new(platform, SHEET_KEY, signed_sheet, lot=ev.lot_id, version=1)
    ev.signing_sheet_key, ev.finalised_at = key, now
    set_state(session, actor, ev, EvaluationState.FINAL, now, reason="every_member_answered")
    counts = {o.value: sum(1 for a in answers.values() if a.outcome is o) for o in SignatureOutcome}
    audit(
        session,
        actor,
        ev,
        "finalised",
        report_sha256=ev.report_sha256,
        report_pdf=ev.report_pdf_key,
        report_pdf_sha256=_sha256(report_pdf),
        signing_sheet=key,
        signing_sheet_sha256=_sha256(signed_sheet),
        outcomes=counts,
    )
    await session.flush()
    return True


async def _finalise_draw(platform: Platform, evaluation_id: uuid.UUID, draw_id: uuid.UUID) -> None:
    """The committee's work is done: finalise its draw (its own transaction, after the report's). A
    failure there does not undo the final report; it is logged and audited for the supervisor, who can
    finalise the draw by hand (``bidding experts finalise``)."""
    async with platform.sessions() as session:
        draw = await session.get(ExpertDraw, draw_id)
        complete = draw is not None and draw.status is DrawStatus.COMPLETE
    if not complete:
        return
    actor = Actor.system("evaluation")
    try:
        await draws.finalise(platform, actor, draw_id)
    except Exception as exc:  # the report is final whatever happens to the draw
        log.exception("finalising draw %s after evaluation %s failed", draw_id, evaluation_id)
        async with platform.sessions() as session, session.begin():
            ev = await session.get(Evaluation, evaluation_id)
            assert ev is not None
            audit(session, actor, ev, "draw_finalise_failed", draw=str(draw_id), error=str(exc)[:500])


# ----------------------------------------------------------------------------- reading


async def _reader(
    session: AsyncSession, platform: Platform, caller: Caller, evaluation_id: uuid.UUID, *, final_only: bool = False
) -> Evaluation:
    """The evaluation if the caller may read its report now: members and the supervisor while
    ``reporting`` and once ``final``; the project's agent and tenderer once ``final``."""
    ev = await evaluation(session, evaluation_id)
    command = "read_draft_report" if ev.state is EvaluationState.REPORTING and not final_only else "read_final_report"
    if caller.has(Role.EXPERT):
        await member_gate(session, platform, caller, evaluation_id, command)
    elif caller.has(Role.SUPERVISOR):
        supervisor_gate(caller, ev, command)
    elif caller.has(Role.AGENT, Role.TENDERER):  # the draft never: "not yet" (409) until final
        await project_gate(session, caller, ev, "read_final_report")
    else:
        raise EvaluationForbidden("the report is for the committee, the supervisor and the project", "无权查看评标报告")
    return ev


async def report_status(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> ReportStatusView:
    """``GET /api/evaluations/{id}/report``: the report's digest, version and every member's answer."""
    async with platform.sessions() as session:
        ev = await _reader(session, platform, caller, evaluation_id)
        return await report_status_of(session, ev)


async def report_json(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> bytes:
    """``GET /api/evaluations/{id}/report.json``: the canonical JSON, whose SHA-256 the PDF prints."""
    async with platform.sessions() as session:
        ev = await _reader(session, platform, caller, evaluation_id)
        assert ev.report is not None
        return report_data.canonical(ev.report)


async def report_pdf(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> bytes:
    """``GET /api/evaluations/{id}/report.pdf``: the newest version (every signature so far)."""
    async with platform.sessions() as session:
        ev = await _reader(session, platform, caller, evaluation_id)
        assert ev.report_pdf_key is not None
        key = ev.report_pdf_key
    return await stored.read(platform.store, key)


async def signing_sheet_pdf(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> bytes:
    """``GET /api/evaluations/{id}/signing-sheet.pdf``: the platform-signed signing sheet (final only)."""
    async with platform.sessions() as session:
        ev = await _reader(session, platform, caller, evaluation_id, final_only=True)
        assert ev.signing_sheet_key is not None
        key = ev.signing_sheet_key
    return await stored.read(platform.store, key)
