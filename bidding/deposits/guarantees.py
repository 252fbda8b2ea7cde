"""Electronic guarantees (电子保函) standing for a bidder's deposit (RULES a, acceptance check 7).

A bidder attaches, for one lot and before its deadline, a PDF signed by the issuing bank, insurer
or guarantee company, with the guarantee's data: issuer, beneficiary (the tenderer), amount,
validity and number. The platform:

1. checks the data against the lot: the lot accepts guarantees, the beneficiary is the tenderer,
   the amount reaches the deposit, the guarantee is in force at the deadline and lasts at least as
   long as the bid validity (条例 26: the deposit's validity equals the bid validity);
2. validates the PDF's signature with the platform's PDF validation (:func:`crypto.pdf.validate_pdf`,
   ETSI TS 119 102-2 indications) against the configured issuer roots
   (``BIDDING_GUARANTEE_ROOTS``, separate from the platform CA): any issuer whose certificate chains
   to one of them is accepted, never a designated one (发改法规〔2023〕27号); the declared issuer must
   be the signing certificate's organisation;
3. stores the PDF (retained 15 years) and the data, audited as a sealed event (办法 21: who takes
   part is nobody's to see before the deadline).

A refusal names its cause by code (``guarantee_signature_invalid``, ``guarantee_issuer_untrusted``,
``guarantee_amount_short``, ``guarantee_validity_short``, …) and is audited too; nothing refused is
stored. The amount and the dates are the bidder's declaration checked against the lot; a signed
PDF's own text is not parsed (the data standard DB3401/T 308—2023 carries them as XML: an adapter
for it would fill :class:`GuaranteeInput` from the file).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import anyio
import msgspec
from cryptography import x509
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.core.fields import LABEL_PATTERN, SAFE_INT_MAX, Body, OrgName
from bidding.core.settings import Settings
from bidding.deposits.matching import Guarantee, guarantee_problems
from bidding.deposits.participation_models import DepositGuarantee
from bidding.tendering.locks import lock_lot
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.deposit_requirements import DepositForm, bid_validity_end
from bidding.tendering.rules.projects import ProjectStatus
from crypto.errors import CAStoreError
from crypto.keyfiles import read_certs
from crypto.pdf import Indication, PdfError, PdfReport, SignatureReport, validate_pdf

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "MAX_GUARANTEE_BYTES",
    "MAX_REQUEST_BYTES",
    "GuaranteeInput",
    "GuaranteeRefused",
    "GuaranteeView",
    "SignatureCheck",
    "attach_guarantee",
    "check_signature",
    "data_problems",
    "issuer_roots",
    "my_guarantees",
]

#: The largest guarantee PDF accepted (the base64 in the request body is 4/3 of it).
MAX_GUARANTEE_BYTES: Final = 10 * 1024 * 1024
_MAX_BASE64: Final = (MAX_GUARANTEE_BYTES + 2) // 3 * 4
#: The request body's bound: the base64 of the largest PDF and its data.
MAX_REQUEST_BYTES: Final = _MAX_BASE64 + 64 * 1024
RETENTION: Final = timedelta(days=15 * 365)
GUARANTEE_KEY: Final = "deposit-guarantees/{lot}/{org}/{id}.pdf"
#: Validations running at once in one process (CPU-bound; they run in worker threads).
MAX_PARALLEL: Final = 2
_limiter = anyio.CapacityLimiter(MAX_PARALLEL)

#: Sub-indications that mean the signer's certificate does not chain to a configured issuer root.
_UNTRUSTED: Final = frozenset(
    {"NO_CERTIFICATE_CHAIN_FOUND", "CERTIFICATE_CHAIN_GENERAL_FAILURE", "CHAIN_CONSTRAINTS_FAILURE"}
)
#: Sub-indications that revocation data fetched from the CA may settle.
_REVOCATION_UNKNOWN: Final = frozenset({"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"})


# --- errors: one per cause ------------------------------------------------------------------------


class GuaranteeRefused(InvalidInput):
    """Base of the refusals of a guarantee (400)."""

    code = "guarantee_refused"
    message_zh = "电子保函不予接受"
    message_en = "The electronic guarantee is refused"


class GuaranteeNotPdf(GuaranteeRefused):
    code = "guarantee_not_pdf"
    message_zh = "电子保函须为 PDF 文件（Base64 编码）"
    message_en = "The guarantee must be a PDF file (base64)"


class GuaranteeUnsigned(GuaranteeRefused):
    code = "guarantee_unsigned"
    message_zh = "电子保函没有电子签名"
    message_en = "The guarantee PDF carries no signature"


class GuaranteeSignatureInvalid(GuaranteeRefused):
    code = "guarantee_signature_invalid"
    message_zh = "电子保函的签名无效（文件被篡改或签名值错误）"
    message_en = "The guarantee's signature is invalid (the file was altered or the signature does not verify)"


class GuaranteeIssuerUntrusted(GuaranteeRefused):
    code = "guarantee_issuer_untrusted"
    message_zh = "电子保函的签发证书不是由平台认可的出函机构根证书签发"
    message_en = "The guarantee's signing certificate does not chain to an accepted issuer root"


class GuaranteeSignatureIndeterminate(GuaranteeRefused):
    code = "guarantee_signature_indeterminate"
    message_zh = "无法确认电子保函签名的有效性（如缺少吊销信息或证书已过期）"
    message_en = "The guarantee's signature cannot be confirmed (e.g. no revocation data, or an expired certificate)"


class GuaranteeIssuerMismatch(GuaranteeRefused):
    code = "guarantee_issuer_mismatch"
    message_zh = "填写的出函机构与签名证书的单位名称不一致"
    message_en = "The declared issuer is not the organisation of the signing certificate"


class GuaranteeBeneficiaryMismatch(GuaranteeRefused):
    code = "guarantee_beneficiary_mismatch"
    message_zh = "保函受益人须为本项目的招标人"
    message_en = "The guarantee's beneficiary must be the project's tenderer"


class GuaranteeAmountShort(GuaranteeRefused):
    code = "guarantee_amount_short"
    message_zh = "保函金额低于投标保证金金额"
    message_en = "The guarantee's amount is below the required deposit"


class GuaranteeValidityShort(GuaranteeRefused):
    code = "guarantee_validity_short"
    message_zh = "保函有效期短于投标有效期"
    message_en = "The guarantee expires before the bid validity ends"


class GuaranteeNotYetValid(GuaranteeRefused):
    code = "guarantee_not_yet_valid"
    message_zh = "保函在投标截止时尚未生效"
    message_en = "The guarantee is not in force at the bid deadline"


class GuaranteeNotAccepted(Conflict):
    code = "guarantee_not_accepted"
    message_zh = "该标段不接受电子保函，或无需缴纳保证金"
    message_en = "This lot takes no electronic guarantee, or asks no deposit"


class GuaranteeDuplicate(Conflict):
    code = "guarantee_duplicate"
    message_zh = "该保函已提交过"
    message_en = "This guarantee was attached already"


class GuaranteeDeadlinePassed(Conflict):
    code = "deadline_passed"
    message_zh = "投标截止时间已过，不再接收保证金材料"
    message_en = "The bid deadline has passed; no more deposits are accepted"


_BY_CODE: Final[dict[str, type[GuaranteeRefused]]] = {
    cls.code: cls
    for cls in (GuaranteeSignatureInvalid, GuaranteeAmountShort, GuaranteeValidityShort, GuaranteeNotYetValid)
}


# --- the request ------------------------------------------------------------------------------------


class GuaranteeInput(Body, frozen=True):
    """A guarantee as the bidder attaches it: the signed PDF and its data."""

    #: 保函编号 as the issuer numbers it.
    guarantee_no: Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=LABEL_PATTERN)]
    #: 出具机构: the bank, insurer or guarantee company, as its signing certificate names it (O).
    issuer: OrgName
    #: 受益人: the project's tenderer, by its registered name.
    beneficiary: OrgName
    #: 担保金额 in fen.
    amount_fen: Annotated[int, msgspec.Meta(ge=1, le=SAFE_INT_MAX)]
    #: 有效期 from and until (inclusive), as the guarantee states them.
    valid_from: date
    valid_until: date
    #: The signed PDF, base64 (RFC 4648 §4), at most 10 MiB decoded.
    pdf_base64: Annotated[
        str,
        msgspec.Meta(
            min_length=4,
            max_length=_MAX_BASE64,
            pattern=r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
            description="The signed PDF, base64 (RFC 4648 §4), at most 10 MiB decoded",
        ),
    ]


@dataclass(frozen=True)
class GuaranteeView:
    id: uuid.UUID
    lot_id: uuid.UUID
    guarantee_no: str
    issuer: str
    beneficiary: str
    amount_fen: int
    valid_from: date
    valid_until: date
    sha256: str
    size: int
    signer: str
    signed_at: datetime | None
    attached_at: datetime

    @classmethod
    def of(cls, g: DepositGuarantee) -> GuaranteeView:
        signed = g.signature.get("time")
        return cls(
            g.id,
            g.lot_id,
            g.guarantee_no,
            g.issuer,
            g.beneficiary,
            g.amount_fen,
            g.valid_from,
            g.valid_until,
            g.sha256,
            g.size,
            str(g.signature.get("signer", "")),
            datetime.fromisoformat(signed) if signed else None,
            g.attached_at,
        )


# --- trust roots ----------------------------------------------------------------------------------

_roots_cache: dict[tuple[tuple[str, float], ...], tuple[x509.Certificate, ...]] = {}


def _pem_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.pem")) if path.is_dir() else [path]
    return files


def issuer_roots(settings: Settings) -> tuple[x509.Certificate, ...]:
    """The root certificates of accepted guarantee issuers (``BIDDING_GUARANTEE_ROOTS``: PEM files,
    or directories of ``*.pem``), re-read when a file changes. An unreadable file is an error of the
    configuration, not of the bidder (500)."""
    files = _pem_files(settings.guarantee_roots)
    stamp = tuple((str(f), f.stat().st_mtime if f.exists() else -1.0) for f in files)
    if stamp not in _roots_cache:
        try:
            _roots_cache.clear()
            _roots_cache[stamp] = tuple(cert for f in files for cert in read_certs(f))
        except CAStoreError as exc:
            raise RuntimeError(f"BIDDING_GUARANTEE_ROOTS: {exc.message}") from exc
    return _roots_cache[stamp]


# --- the checks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    """The signature that makes a guarantee PDF valid, as validated."""

    signer: str
    organisation: str
    certificate_issuer: str
    fingerprint: str
    time: datetime | None
    report_verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "signer": self.signer,
            "organisation": self.organisation,
            "certificate_issuer": self.certificate_issuer,
            "fingerprint": self.fingerprint,
            "time": self.time.isoformat() if self.time else None,
            "verdict": self.report_verdict,
        }


def _judge(report: PdfReport) -> SignatureReport | GuaranteeRefused:
    """The passing signature of a guarantee, or why there is none.

    Any signature that failed (altered file, signature value wrong) refuses the file; otherwise one
    signature that passed against the issuer roots makes it valid, whoever signed after it; without
    one, an untrusted chain is ``guarantee_issuer_untrusted`` and anything else indeterminate."""
    signatures = [s for s in report.signatures if s.kind == "signature"]
    if not signatures:
        return GuaranteeUnsigned("the PDF has no signature", "该 PDF 没有电子签名")
    failed = [s for s in report.signatures if s.indication is Indication.TOTAL_FAILED]
    if failed:
        why = failed[0].sub_indication or "TOTAL_FAILED"
        return GuaranteeSignatureInvalid(f"{failed[0].field_name}: {why}", f"{failed[0].field_name}：{why}")
    passed = [s for s in signatures if s.passed]
    if passed:
        return passed[0]
    subs = {s.sub_indication for s in signatures}
    if subs & _UNTRUSTED:
        who = signatures[0].signer.display_name if signatures[0].signer else "the signer"
        return GuaranteeIssuerUntrusted(
            f"{who} is not under an accepted issuer root",
            "签名证书不在平台认可的出函机构根证书之下",
        )
    why = ", ".join(sorted(str(s) for s in subs))
    return GuaranteeSignatureIndeterminate(why, why)


async def _validate(pdf: bytes, roots: Sequence[x509.Certificate], now: datetime, fetch: bool) -> PdfReport:
    def run() -> PdfReport:
        return asyncio.run(validate_pdf(pdf, trust_roots=roots, now=now, allow_fetching=fetch))

    return await anyio.to_thread.run_sync(run, limiter=_limiter)


async def check_signature(pdf: bytes, settings: Settings, now: datetime) -> SignatureCheck:
    """Validate a guarantee PDF's signature against the issuer roots at ``now``; raise the refusal.

    Offline first, with what the PDF carries (PAdES B-LT); only if that leaves the revocation status
    open and ``BIDDING_GUARANTEE_FETCH_REVOCATION`` is on, again fetching from the CA."""
    roots = issuer_roots(settings)
    if not roots:
        raise GuaranteeIssuerUntrusted("no issuer roots are configured", "平台尚未配置出函机构根证书")
    try:
        report = await _validate(pdf, roots, now, fetch=False)
        outcome = _judge(report)
        if (
            isinstance(outcome, GuaranteeSignatureIndeterminate)
            and settings.guarantee_fetch_revocation
            and {s.sub_indication for s in report.signatures} & _REVOCATION_UNKNOWN
        ):
            report = await _validate(pdf, roots, now, fetch=True)
            outcome = _judge(report)
    except PdfError as exc:
        raise GuaranteeNotPdf(f"{exc.code}: {exc}", f"{exc.code}：{exc}") from None
    if isinstance(outcome, GuaranteeRefused):
        raise outcome
    signer = outcome.signer
    return SignatureCheck(
        signer=signer.display_name if signer else "",
        organisation=(signer.organisation or signer.common_name or "") if signer else "",
        certificate_issuer=signer.issuer if signer else "",
        fingerprint=signer.sha256_fingerprint if signer else "",
        time=outcome.timestamp.time if outcome.timestamp else outcome.signing_time,
        report_verdict=report.verdict,
    )


def data_problems(data: GuaranteeInput, lot: Lot, project: Project) -> list[GuaranteeRefused]:
    """What is wrong with a guarantee's data for this lot, before its PDF is looked at (cheap first).

    The amount and validity rules are :func:`bidding.deposits.matching.guarantee_problems` (条例 26);
    the guarantee must also be in force at the deadline, and name the tenderer as beneficiary."""
    problems: list[GuaranteeRefused] = []
    if data.valid_from > data.valid_until:
        problems.append(GuaranteeValidityShort("valid_from is after valid_until", "有效期起始晚于截止"))
    assert lot.bid_deadline is not None
    validity_end = bid_validity_end(lot.bid_deadline, lot.bid_validity_days)
    declared = Guarantee(data.amount_fen, data.valid_until, signature_valid=True, issuer=data.issuer)
    for code in guarantee_problems(declared, lot.deposit_fen, validity_end):
        if code == "guarantee_amount_short":
            problems.append(
                GuaranteeAmountShort(
                    f"{data.amount_fen} fen < {lot.deposit_fen} fen required",
                    f"保函金额 {data.amount_fen} 分，低于要求的 {lot.deposit_fen} 分",
                    details=[{"key": "amount_fen", "required_fen": lot.deposit_fen}],
                )
            )
        else:
            problems.append(
                _BY_CODE[code](
                    f"valid until {data.valid_until}, the bid validity ends {validity_end}",
                    f"保函有效期至 {data.valid_until}，投标有效期至 {validity_end}",
                    details=[{"key": "valid_until", "bid_validity_end": validity_end.isoformat()}],
                )
            )
    deadline_day = china_day(lot.bid_deadline)
    if data.valid_from > deadline_day:
        problems.append(
            GuaranteeNotYetValid(
                f"in force from {data.valid_from}, the deadline is {deadline_day}",
                f"保函自 {data.valid_from} 起生效，投标截止日为 {deadline_day}",
                details=[{"key": "valid_from", "deadline": deadline_day.isoformat()}],
            )
        )
    if data.beneficiary.strip() != project.tenderer.name.strip():
        problems.append(
            GuaranteeBeneficiaryMismatch(
                f"beneficiary {data.beneficiary!r}, the tenderer is {project.tenderer.name!r}",
                f"受益人为「{data.beneficiary}」，招标人为「{project.tenderer.name}」",
                details=[{"key": "beneficiary", "expected": project.tenderer.name}],
            )
        )
    return problems


async def _lot(db: AsyncSession, lot_id: uuid.UUID) -> Lot:
    lot = await db.scalar(
        select(Lot).where(Lot.id == lot_id).options(selectinload(Lot.project).selectinload(Project.tenderer))
    )
    if lot is None or lot.project.status is ProjectStatus.DRAFT:
        raise NotFound(f"no lot {lot_id}", f"没有标段 {lot_id}")
    return lot


def _open_for_deposits(lot: Lot, now: datetime) -> None:
    """Deposits are provided by the deadline (条例 26), and nothing changes once the bids are taken."""
    if lot.project.status is ProjectStatus.CANCELLED:
        raise GuaranteeNotAccepted("the tender was terminated", "招标已终止")
    if DepositForm.E_GUARANTEE.value not in (lot.deposit_forms or []) or lot.deposit_fen <= 0:
        raise GuaranteeNotAccepted(
            f"lot {lot.code} accepts {', '.join(lot.deposit_forms or []) or 'no deposit'}",
            f"标段 {lot.code} 不接受电子保函",
        )
    if lot.bid_deadline is None or now >= lot.bid_deadline or lot.bids_extracted_at is not None:
        raise GuaranteeDeadlinePassed(f"the deadline of lot {lot.code} has passed", f"标段 {lot.code} 已过投标截止时间")


def _decoded(data: GuaranteeInput) -> bytes:
    try:
        pdf = base64.b64decode(data.pdf_base64, validate=True)
    except (binascii.Error, ValueError):
        raise GuaranteeNotPdf("pdf_base64 is not base64", "pdf_base64 不是 Base64 编码") from None
    if not pdf.startswith(b"%PDF-"):
        raise GuaranteeNotPdf("the file does not start with %PDF-", "文件不是 PDF")
    if len(pdf) > MAX_GUARANTEE_BYTES:
        raise GuaranteeNotPdf(f"at most {MAX_GUARANTEE_BYTES} bytes", f"文件不得超过 {MAX_GUARANTEE_BYTES} 字节")
    return pdf


async def _audit_refusal(
    platform: Platform, caller: Caller, lot: Lot, data: GuaranteeInput, error: GuaranteeRefused | Conflict
) -> None:
    async with platform.sessions() as db, db.begin():
        record(
            db,
            caller.actor,
            "deposit.guarantee.refused",
            object_type="lot",
            object_id=str(lot.id),
            details={
                "organization": str(caller.organization_id),
                "code": error.code,
                "guarantee_no": data.guarantee_no,
                "issuer": data.issuer,
                "amount_fen": data.amount_fen,
            },
            embargo_project_id=lot.project_id,
        )


async def attach_guarantee(
    platform: Platform, caller: Caller, lot_id: uuid.UUID, data: GuaranteeInput
) -> GuaranteeView:
    """Attach an electronic guarantee for the caller's deposit in a lot (before the deadline).

    Checks in order: the lot and its deadline; the data against the lot; the PDF's signature against
    the issuer roots; the declared issuer against the signer. The first refusal is raised (and
    audited, sealed until the deadline); an accepted guarantee is stored and audited the same way."""
    org_id = caller.organisation()
    now = platform.clock.now()
    async with platform.sessions() as db:
        lot = await _lot(db, lot_id)
    _open_for_deposits(lot, now)
    try:
        problems = data_problems(data, lot, lot.project)
        if problems:
            raise problems[0]
        pdf = _decoded(data)
        signature = await check_signature(pdf, platform.settings, now)
        if data.issuer.strip() != signature.organisation.strip():
            raise GuaranteeIssuerMismatch(
                f"declared {data.issuer!r}, signed by {signature.organisation!r}",
                f"填写为「{data.issuer}」，签名单位为「{signature.organisation}」",
                details=[{"key": "issuer", "signer": signature.organisation}],
            )
    except GuaranteeRefused as exc:
        await _audit_refusal(platform, caller, lot, data, exc)
        raise
    guarantee_id = uuid.uuid4()
    key = GUARANTEE_KEY.format(lot=lot.id, org=org_id, id=guarantee_id)
    try:
        async with platform.sessions() as db, db.begin():
            locked = await lock_lot(db, lot_id)  # after the PDF's validation: the lock is held briefly
            assert locked is not None
            _open_for_deposits(locked, platform.clock.now())
            sha256 = hashlib.sha256(pdf).hexdigest()
            taken = await db.scalar(
                select(DepositGuarantee.id).where(
                    or_(
                        and_(
                            DepositGuarantee.issuer == data.issuer.strip(),
                            DepositGuarantee.guarantee_no == data.guarantee_no.strip(),
                        ),
                        DepositGuarantee.sha256 == sha256,
                    )
                )
            )
            if taken is not None:
                raise IntegrityError("guarantee taken", None, ValueError(str(taken)))
            info = await platform.store.put(
                key, io.BytesIO(pdf), content_type="application/pdf", retain_until=now + RETENTION, overwrite=False
            )
            guarantee = DepositGuarantee(
                id=guarantee_id,
                lot_id=lot.id,
                organization_id=org_id,
                guarantee_no=data.guarantee_no.strip(),
                issuer=data.issuer.strip(),
                beneficiary=data.beneficiary.strip(),
                amount_fen=data.amount_fen,
                valid_from=data.valid_from,
                valid_until=data.valid_until,
                object_key=key,
                sha256=info.sha256 or "",
                size=info.size,
                signature=signature.to_dict(),
                attached_at=now,
                attached_by=caller.actor_id,
            )
            db.add(guarantee)
            await db.flush()
            record(
                db,
                caller.actor,
                "deposit.guarantee.attached",
                object_type="lot",
                object_id=str(lot.id),
                content_sha256=guarantee.sha256,
                details={
                    "organization": str(org_id),
                    "guarantee": str(guarantee.id),
                    "guarantee_no": guarantee.guarantee_no,
                    "issuer": guarantee.issuer,
                    "amount_fen": guarantee.amount_fen,
                    "valid_until": guarantee.valid_until.isoformat(),
                    "signer": signature.fingerprint,
                },
                embargo_project_id=lot.project_id,
            )
            return GuaranteeView.of(guarantee)
    except IntegrityError:
        error = GuaranteeDuplicate(
            f"guarantee {data.guarantee_no} of {data.issuer} (or this very file) was attached already",
            f"{data.issuer} 的保函 {data.guarantee_no}（或同一文件）已提交过",
        )
        await _audit_refusal(platform, caller, lot, data, error)
        raise error from None


async def my_guarantees(platform: Platform, caller: Caller, lot_id: uuid.UUID) -> list[GuaranteeView]:
    """The caller's guarantees for a lot, newest first (a bidder sees only its own)."""
    org_id = caller.organisation()
    async with platform.sessions() as db:
        await _lot(db, lot_id)
        rows = await db.scalars(
            select(DepositGuarantee)
            .where(DepositGuarantee.lot_id == lot_id, DepositGuarantee.organization_id == org_id)
            .order_by(DepositGuarantee.attached_at.desc())
        )
        return [GuaranteeView.of(g) for g in rows.all()]
