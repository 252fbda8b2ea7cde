"""Validation reports for signed PDFs (ETSI TS 119 102-2 indications, ISO 32000-2 §12.8).

:func:`validate_pdf` validates every signature (``/Sig``) and document time-stamp
(``/DocTimeStamp``) in a PDF and returns a :class:`PdfReport`: per item the ETSI indication and
sub-indication, the signer, the claimed signing time, the time-stamp time and TSA, the revocation
status, the byte-range coverage and the analysis of incremental updates made after signing; then
an overall verdict and a plain-language summary in Simplified Chinese and English.

The indication of a signature combines pyHanko's AdES result with its classic PDF integrity
checks (see :mod:`crypto.pdf.indications`): a document changed after signing in a way the
signature does not permit is TOTAL_FAILED even if the AdES process alone passes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, BinaryIO, Final, Literal

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus

from crypto.pdf import engine
from crypto.pdf.errors import MalformedPdfError
from crypto.pdf.identity import SignerIdentity, identity_of
from crypto.pdf.indications import (
    TIMESTAMP_INVALID,
    Indication,
    Verdict,
    combine,
    from_ades,
    from_classic,
    integrity_verdict,
    worst,
)
from crypto.pdf.pki import to_asn1_cert
from crypto.pdf.reader import MAX_PDF_BYTES, PARSE_ERRORS, open_reader, read_input
from crypto.pdf.summary import summarise

Lang = Literal["zh-CN", "en"]
Kind = Literal["signature", "document_timestamp"]
RevocationStatus = Literal["good", "revoked", "unknown"]
OverallVerdict = Literal["TOTAL_PASSED", "INDETERMINATE", "TOTAL_FAILED", "NO_SIGNATURES"]

MAX_SIGNATURES: Final = 50
"""Upper bound on signatures validated in one document (untrusted uploads)."""

_REVOKED_SUBS: Final = frozenset({"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"})
_UNKNOWN_REVOCATION_SUBS: Final = frozenset({"TRY_LATER", "REVOCATION_OUT_OF_BOUNDS_NO_POE"})
_SUBFILTERS: Final = frozenset(s.value for s in SigSeedSubFilter)


def _iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a ``Z`` suffix."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class TimestampInfo:
    """An RFC 3161 time-stamp attached to a signature or forming a document time-stamp."""

    time: datetime
    tsa: SignerIdentity | None
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        return {"time": _iso(self.time), "tsa": self.tsa.to_dict() if self.tsa else None, "valid": self.valid}


@dataclass(frozen=True)
class SignatureReport:
    """The validation result of one signature or document time-stamp."""

    field_name: str
    kind: Kind
    revision: int
    indication: Indication
    sub_indication: str | None
    reasons: tuple[str, ...]
    signer: SignerIdentity | None
    signing_time: datetime | None
    """Time claimed by the signer (``/M`` or signing-time attribute); not trusted on its own."""
    timestamp: TimestampInfo | None
    revocation: RevocationStatus
    revocation_time: datetime | None
    coverage: str | None
    modification_level: str | None
    changes_permitted: bool | None
    intact: bool | None
    signature_valid: bool | None
    subfilter: str | None
    reason: str | None = None
    location: str | None = None
    detail: str | None = None

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        return {
            "field_name": self.field_name,
            "kind": self.kind,
            "revision": self.revision,
            "indication": self.indication.value,
            "sub_indication": self.sub_indication,
            "reasons": list(self.reasons),
            "signer": self.signer.to_dict() if self.signer else None,
            "signing_time": _iso(self.signing_time),
            "timestamp": self.timestamp.to_dict() if self.timestamp else None,
            "revocation": {"status": self.revocation, "revoked_at": _iso(self.revocation_time)},
            "coverage": self.coverage,
            "modification": {"level": self.modification_level, "permitted": self.changes_permitted},
            "intact": self.intact,
            "signature_valid": self.signature_valid,
            "subfilter": self.subfilter,
            "reason": self.reason,
            "location": self.location,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class PdfReport:
    """Validation report of a whole PDF."""

    sha256: str
    size: int
    revisions: int
    validated_at: datetime
    signatures: tuple[SignatureReport, ...] = field(default=())

    @property
    def verdict(self) -> OverallVerdict:
        """TOTAL_FAILED if any item failed, INDETERMINATE if any is, TOTAL_PASSED if all passed."""
        if not self.signatures:
            return "NO_SIGNATURES"
        return worst(*(Verdict(s.indication, s.sub_indication) for s in self.signatures)).indication.value

    @property
    def signature_count(self) -> int:
        return sum(1 for s in self.signatures if s.kind == "signature")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary; times are ISO-8601 UTC."""
        return {
            "verdict": self.verdict,
            "sha256": self.sha256,
            "size": self.size,
            "revisions": self.revisions,
            "validated_at": _iso(self.validated_at),
            "signatures": [s.to_dict() for s in self.signatures],
            "summary": {"zh-CN": self.summary("zh-CN"), "en": self.summary("en")},
        }

    def summary(self, lang: Lang | str = "zh-CN") -> str:
        """A plain-language summary (``zh-CN`` or ``en``)."""
        return summarise(self, "en" if lang.lower().startswith("en") else "zh-CN")


async def validate_pdf(
    pdf: bytes | BinaryIO,
    *,
    trust_roots: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    allow_fetching: bool = False,
    now: datetime | None = None,
    max_bytes: int = MAX_PDF_BYTES,
) -> PdfReport:
    """Validate all signatures and document time-stamps of ``pdf`` against ``trust_roots``.

    ``crls`` / ``ocsps`` (DER) add to what the document carries in its DSS; nothing is fetched
    unless ``allow_fetching``. ``now`` is the validation time (default: the system clock).
    A PDF without signatures gives a report with verdict ``NO_SIGNATURES``; input that is not a PDF
    raises :class:`~crypto.pdf.errors.NotAPdfError` (``not_a_pdf``), a broken one
    :class:`~crypto.pdf.errors.MalformedPdfError` (``malformed_pdf``).
    """
    when = (now or datetime.now(UTC)).astimezone(UTC)
    data = read_input(pdf, max_bytes)
    reader = open_reader(data)
    embedded, unreadable = _collect(reader)
    try:
        revisions = int(reader.xrefs.total_revisions)
    except PARSE_ERRORS as exc:
        raise MalformedPdfError(f"the revisions cannot be read: {type(exc).__name__}: {exc}") from exc
    material = engine.Material(
        trust_roots=[to_asn1_cert(c) for c in trust_roots],
        crls=list(crls),
        ocsps=list(ocsps),
        allow_fetching=allow_fetching,
    )
    reports = [await _validate_one(reader, sig, material, when) for sig in embedded] + unreadable
    return PdfReport(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        revisions=revisions,
        validated_at=when,
        signatures=tuple(reports),
    )


def _collect(reader: PdfFileReader) -> tuple[list[EmbeddedPdfSignature], list[SignatureReport]]:
    """Signed signature fields (ISO 32000-2 §12.7.5.5) in revision order; unreadable ones as failed items.

    Unlike pyHanko's own collection, a field with an unknown ``/SubFilter`` or a CMS blob that does
    not parse is reported (TOTAL_FAILED/FORMAT_FAILURE) instead of silently skipped or fatal.
    """
    try:
        fields = list(enumerate_sig_fields(reader, filled_status=True))
    except PARSE_ERRORS as exc:
        raise MalformedPdfError(f"the signature fields cannot be read: {type(exc).__name__}: {exc}") from exc
    if len(fields) > MAX_SIGNATURES:
        raise MalformedPdfError(f"the PDF has {len(fields)} signatures; at most {MAX_SIGNATURES} are validated")
    good: list[EmbeddedPdfSignature] = []
    bad: list[SignatureReport] = []
    for name, sig_obj, sig_field in fields:
        try:
            subfilter = sig_obj.get_object().get("/SubFilter")
            if subfilter not in _SUBFILTERS:
                raise ValueError(f"unsupported /SubFilter {subfilter}")
            good.append(EmbeddedPdfSignature(reader, sig_field, name))
        except Exception as exc:  # hostile input: any parse failure becomes a failed item
            bad.append(_unreadable(str(name), f"{type(exc).__name__}: {exc}"))
    try:
        good.sort(key=lambda e: e.signed_revision)
    except PARSE_ERRORS as exc:
        raise MalformedPdfError(f"the signed revisions cannot be determined: {exc}") from exc
    return good, bad


def _unreadable(name: str, detail: str) -> SignatureReport:
    return SignatureReport(
        field_name=name,
        kind="signature",
        revision=-1,
        indication=Indication.TOTAL_FAILED,
        sub_indication="FORMAT_FAILURE",
        reasons=(),
        signer=None,
        signing_time=None,
        timestamp=None,
        revocation="unknown",
        revocation_time=None,
        coverage=None,
        modification_level=None,
        changes_permitted=None,
        intact=None,
        signature_valid=None,
        subfilter=None,
        detail=detail[:500],
    )


async def _validate_one(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, material: engine.Material, when: datetime
) -> SignatureReport:
    try:
        if sig.sig_object_type == "/DocTimeStamp":
            return await _doc_timestamp_report(reader, sig, material, when)
        return await _signature_report(reader, sig, material, when)
    except Exception as exc:  # pyHanko raises many types for hostile CMS; a report must still come out
        return _broken(sig, f"{type(exc).__name__}: {exc}")


def _common(sig: EmbeddedPdfSignature) -> dict[str, Any]:
    obj = sig.sig_object
    subfilter = obj.get("/SubFilter")
    return {
        "field_name": str(sig.field_name),
        "revision": int(sig.signed_revision),
        "subfilter": str(subfilter)[1:] if subfilter is not None else None,
        "reason": _text(obj.get("/Reason")),
        "location": _text(obj.get("/Location")),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _broken(sig: EmbeddedPdfSignature, detail: str) -> SignatureReport:
    """A signature whose CMS or dictionary cannot be processed: TOTAL_FAILED/FORMAT_FAILURE."""
    try:
        common = _common(sig)
        kind: Kind = "document_timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature"
    except Exception:  # the dictionary itself is unreadable
        return _unreadable("?", detail)
    return replace(_unreadable(common.pop("field_name"), detail), kind=kind, **common)


def _revocation(sub_indication: str | None, status: Any) -> tuple[RevocationStatus, datetime | None]:
    details = getattr(status, "revocation_details", None)
    if details is not None:
        return "revoked", details.revocation_date
    if sub_indication in _REVOKED_SUBS:
        return "revoked", None
    if sub_indication is None:
        return "good", None
    if sub_indication in _UNKNOWN_REVOCATION_SUBS or getattr(status, "validation_path", None) is None:
        return "unknown", None
    return "good", None


async def _signature_report(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, material: engine.Material, when: datetime
) -> SignatureReport:
    outcome = await engine.validate_signature(sig, material, engine.document_knowledge(reader), when)
    status: PdfSignatureStatus | None = outcome.status
    ades_verdict = from_ades(outcome.ades_subindic)
    coverage = status.coverage.name if status is not None and status.coverage is not None else _coverage(sig)
    level = status.modification_level if status is not None else None
    level_name = level.name if level is not None else None
    docmdp_ok = status.docmdp_ok if status is not None else None
    classic = integrity_verdict(coverage=coverage, docmdp_ok=docmdp_ok, modification_level=level_name)
    if status is not None and not status.intact:
        classic = worst(classic, Verdict(Indication.TOTAL_FAILED, "HASH_FAILURE"))
    elif status is not None and not status.valid:
        classic = worst(classic, Verdict(Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE"))
    timestamp = _attached_timestamp(status)
    if timestamp is not None and not timestamp.valid:
        classic = worst(classic, Verdict(Indication.INDETERMINATE, "TIMESTAMP_ORDER_FAILURE", (TIMESTAMP_INVALID,)))
    verdict = combine(ades_verdict, classic)
    revocation, revoked_at = _revocation(verdict.sub_indication, status)
    return SignatureReport(
        kind="signature",
        indication=verdict.indication,
        sub_indication=verdict.sub_indication,
        reasons=verdict.reasons,
        signer=_signer(sig),
        signing_time=sig.self_reported_timestamp,
        timestamp=timestamp,
        revocation=revocation,
        revocation_time=revoked_at,
        coverage=coverage,
        modification_level=level_name,
        changes_permitted=docmdp_ok,
        intact=status.intact if status is not None else None,
        signature_valid=status.valid if status is not None else None,
        detail=outcome.failure_message,
        **_common(sig),
    )


def _coverage(sig: EmbeddedPdfSignature) -> str | None:
    try:
        return str(sig.evaluate_signature_coverage().name)
    except Exception:
        return None


def _signer(sig: EmbeddedPdfSignature) -> SignerIdentity | None:
    try:
        return identity_of(sig.signer_cert)
    except Exception:
        return None


def _attached_timestamp(status: PdfSignatureStatus | None) -> TimestampInfo | None:
    ts = status.timestamp_validity if status is not None else None
    if ts is None:
        return None
    tsa = identity_of(ts.signing_cert) if ts.signing_cert is not None else None
    return TimestampInfo(time=ts.timestamp, tsa=tsa, valid=bool(ts.intact and ts.valid and ts.trusted))


async def _doc_timestamp_report(
    reader: PdfFileReader, sig: EmbeddedPdfSignature, material: engine.Material, when: datetime
) -> SignatureReport:
    status: DocumentTimestampStatus = await engine.validate_timestamp(
        sig, engine.timestamp_context(reader, material, when)
    )
    core = from_classic(
        intact=status.intact, valid=status.valid, trust_problem=status.trust_problem_indic, revoked=status.revoked
    )
    coverage = status.coverage.name if status.coverage is not None else None
    level = status.modification_level
    level_name = level.name if level is not None else None
    docmdp_ok = None if level is None else level.name in ("NONE", "LTA_UPDATES", "FORM_FILLING")
    verdict = combine(core, integrity_verdict(coverage=coverage, docmdp_ok=docmdp_ok, modification_level=level_name))
    tsa = identity_of(status.signing_cert) if status.signing_cert is not None else None
    revocation, revoked_at = _revocation(verdict.sub_indication, status)
    return SignatureReport(
        kind="document_timestamp",
        indication=verdict.indication,
        sub_indication=verdict.sub_indication,
        reasons=verdict.reasons,
        signer=tsa,
        signing_time=None,
        timestamp=TimestampInfo(time=status.timestamp, tsa=tsa, valid=bool(status.trusted)),
        revocation=revocation,
        revocation_time=revoked_at,
        coverage=coverage,
        modification_level=level_name,
        changes_permitted=docmdp_ok,
        intact=status.intact,
        signature_valid=status.valid,
        **_common(sig),
    )
