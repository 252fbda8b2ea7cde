"""Running pyHanko's validation on one embedded signature or document time-stamp.

Signatures follow ETSI EN 319 102-1: the validation process for signatures with time (§5.5) is
run first; if it does not pass with one of the indications that allow further processing, the
long-term validation process (§5.6.3, using the DSS and document time-stamps as proof of
existence) is run. When §5.5 passes, §5.6.3 step 3 says the result is PASSED — pyHanko's own
LTA routine always continues into past validation and can report NO_POE for a sound B-LT
signature, hence the explicit order here.

Document time-stamps (ISO 32000-2 §12.8.5) are validated with pyHanko's classic API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature, async_validate_pdf_timestamp
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import DocumentTimestampStatus, PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from crypto.pdf.reader import PARSE_ERRORS

SIGNATURE_KEY_USAGE = KeyUsageConstraints(
    key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False
)
"""A signer certificate needs digitalSignature or nonRepudiation (ETSI EN 319 412-2 §4.3.2)."""


@dataclass(frozen=True)
class Material:
    """Trust anchors and revocation data supplied by the caller (DER)."""

    trust_roots: Sequence[asn1_x509.Certificate]
    crls: Sequence[bytes]
    ocsps: Sequence[bytes]
    allow_fetching: bool


@dataclass(frozen=True)
class SignatureOutcome:
    """Raw result for one ``/Sig`` signature: the AdES sub-indication and the classic status."""

    ades_subindic: Any
    status: PdfSignatureStatus | None
    failure_message: str | None
    best_signature_time: datetime | None


def _spec(material: Material, knowledge: LocalKnowledge) -> SignatureValidationSpec:
    fetching = (
        RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.NO_HISTORICAL_FETCH)
        if material.allow_fetching
        else RevocationInfoGatheringSpec(
            online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
        )
    )
    return SignatureValidationSpec(
        cert_validation_policy=CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(list(material.trust_roots)),
            revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
        ),
        revinfo_gathering_policy=fetching,
        local_knowledge=knowledge,
        key_usage_settings=SIGNATURE_KEY_USAGE,
    )


def caller_knowledge(material: Material) -> LocalKnowledge:
    """CRLs and OCSP responses handed in by the caller, as certvalidator containers."""
    crls = [CRLContainer(asn1_crl.CertificateList.load(c)) for c in material.crls]
    ocsps = [c for o in material.ocsps for c in OCSPContainer.load_multi(asn1_ocsp.OCSPResponse.load(o))]
    return LocalKnowledge(known_crls=crls, known_ocsps=ocsps)


def _merge(*parts: LocalKnowledge) -> LocalKnowledge:
    return LocalKnowledge(
        known_ocsps=[o for p in parts for o in p.known_ocsps],
        known_crls=[c for p in parts for c in p.known_crls],
        known_certs=[c for p in parts for c in p.known_certs],
    )


def document_knowledge(reader: PdfFileReader) -> LocalKnowledge:
    """Certificates, CRLs and OCSP responses from the document security store (ISO 32000-2 §12.8.4.3)."""
    # pyHanko 0.38 keeps this helper private; the project pins pyHanko <0.39.
    knowledge: LocalKnowledge = ades._dss_to_local_knowledge(reader)
    return knowledge


async def validate_signature(
    sig: EmbeddedPdfSignature, material: Material, dss: LocalKnowledge, when: datetime
) -> SignatureOutcome:
    """ETSI EN 319 102-1 §5.5 then, if needed and useful, §5.6.3 for one signature."""
    timing = ValidationTimingInfo(validation_time=when, best_signature_time=when, point_in_time_validation=False)
    sig.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)  # type: ignore[no-untyped-call]
    knowledge = _merge(caller_knowledge(material), dss, ades._adobe_revinfo_archival_to_local_knowledge(sig))
    spec = _spec(material, knowledge)
    with_time = await ades.ades_with_time_validation(
        signed_data=sig.signed_data,
        validation_spec=spec,
        timing_info=timing,
        raw_digest=sig.compute_digest(),
        extra_status_kwargs=sig.summarise_integrity_info(),
        status_cls=PdfSignatureStatus,
    )
    result: ades.AdESBasicValidationResult[Any] = with_time
    best_time = with_time.best_signature_time
    if with_time.ades_subindic in ades._LTA_FURTHER_PROC and not _passed(with_time.ades_subindic):
        lta_spec = PdfSignatureValidationSpec(replace(spec, local_knowledge=caller_knowledge(material)))
        lta = await ades.ades_lta_validation(sig, lta_spec, timing_info=timing)
        # §5.6.2.4: when past validation cannot establish a better result, the indication of the
        # validation at the current time stands (e.g. REVOKED_NO_POE rather than NO_POE).
        if _passed(lta.ades_subindic):
            result, best_time = lta, lta.best_signature_time
    status = result.api_status if isinstance(result.api_status, PdfSignatureStatus) else None
    return SignatureOutcome(result.ades_subindic, status, result.failure_msg, best_time)


def _passed(subindic: Any) -> bool:
    return bool(getattr(subindic, "status", None) is not None and subindic.status.name == "PASSED")


def timestamp_context(reader: PdfFileReader, material: Material, when: datetime) -> ValidationContext:
    """A classic validation context for document time-stamps: caller material plus the DSS."""
    certs: list[asn1_x509.Certificate] = []
    crls: list[Any] = list(material.crls)
    ocsps: list[Any] = list(material.ocsps)
    try:
        dss = DocumentSecurityStore.read_dss(reader)
        certs = list(dss.load_certs())
        crls += [c.get_object().data for c in dss.crls]
        ocsps += [o.get_object().data for o in dss.ocsps]
    except NoDSSFoundError:
        pass
    except PARSE_ERRORS:
        pass  # a broken DSS only means less validation material
    return ValidationContext(
        trust_roots=list(material.trust_roots),
        other_certs=certs,
        crls=crls,
        ocsps=ocsps,
        moment=when,
        allow_fetching=material.allow_fetching,
        revocation_mode="require",
    )


async def validate_timestamp(sig: EmbeddedPdfSignature, context: ValidationContext) -> DocumentTimestampStatus:
    """Classic validation of a ``/DocTimeStamp`` (RFC 3161 token over the byte range)."""
    status: DocumentTimestampStatus = await async_validate_pdf_timestamp(
        sig, validation_context=context, diff_policy=DEFAULT_DIFF_POLICY
    )
    return status
