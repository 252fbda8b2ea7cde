"""ETSI TS 119 102-2 validation indications and how pyHanko's statuses map onto them.

ETSI EN 319 102-1 §5.1.3 defines three main indications — TOTAL-PASSED, TOTAL-FAILED and
INDETERMINATE — each refined by a sub-indication (Table 5). ETSI TS 119 102-2 (validation report)
carries them as URIs; the report here uses the bare names (``TOTAL_PASSED`` …).

pyHanko gives two views of one signature:

* the AdES view (``ades_subindic``: ``AdESPassed`` / ``AdESFailure`` / ``AdESIndeterminate``), which
  follows EN 319 102-1 but does **not** look at incremental updates made after signing;
* the classic view (``PdfSignatureStatus``: ``intact``, ``valid``, ``coverage``,
  ``modification_level``, ``docmdp_ok``, ``bottom_line``), which does (ISO 32000-2 §12.8.2.2,
  incremental updates and DocMDP §12.8.2.2.2).

:func:`combine` merges them: a signature passes only if both views agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Final

from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed


class Indication(enum.StrEnum):
    """Main status indication (ETSI EN 319 102-1 §5.1.3, Table 4)."""

    TOTAL_PASSED = "TOTAL_PASSED"
    INDETERMINATE = "INDETERMINATE"
    TOTAL_FAILED = "TOTAL_FAILED"


SEVERITY: Final = {Indication.TOTAL_PASSED: 0, Indication.INDETERMINATE: 1, Indication.TOTAL_FAILED: 2}

MODIFIED_AFTER_SIGNING: Final = "modified_after_signing"
"""Platform reason: an incremental update after the signature made changes its DocMDP level forbids."""
COVERAGE_INCOMPLETE: Final = "coverage_incomplete"
"""Platform reason: the /ByteRange does not cover a whole revision (ISO 32000-2 §12.8.1)."""
TIMESTAMP_INVALID: Final = "timestamp_invalid"
"""Platform reason: the attached signature time-stamp does not validate."""


@dataclass(frozen=True)
class Verdict:
    """One indication with its sub-indication (``None`` when passed) and platform reason codes."""

    indication: Indication
    sub_indication: str | None
    reasons: tuple[str, ...] = ()


def from_ades(subindic: Any) -> Verdict:
    """Map a pyHanko ``AdESSubIndic`` to ETSI indication + sub-indication (EN 319 102-1 Table 5)."""
    if isinstance(subindic, AdESPassed):
        return Verdict(Indication.TOTAL_PASSED, None)
    if isinstance(subindic, AdESFailure):
        return Verdict(Indication.TOTAL_FAILED, subindic.name)
    if isinstance(subindic, AdESIndeterminate):
        return Verdict(Indication.INDETERMINATE, subindic.name)
    return Verdict(Indication.INDETERMINATE, "GENERIC")


def from_classic(*, intact: bool, valid: bool, trust_problem: Any = None, revoked: bool = False) -> Verdict:
    """Derive a verdict from pyHanko's classic fields (used for document time-stamps).

    Digest mismatch → TOTAL_FAILED/HASH_FAILURE; signature value does not verify →
    TOTAL_FAILED/SIG_CRYPTO_FAILURE; revoked → TOTAL_FAILED/REVOKED; any other trust problem →
    the sub-indication pyHanko reports (INDETERMINATE/…).
    """
    if not intact:
        return Verdict(Indication.TOTAL_FAILED, "HASH_FAILURE")
    if not valid:
        return Verdict(Indication.TOTAL_FAILED, "SIG_CRYPTO_FAILURE")
    if revoked:
        return Verdict(Indication.TOTAL_FAILED, "REVOKED")
    if trust_problem is not None:
        return from_ades(trust_problem)
    return Verdict(Indication.TOTAL_PASSED, None)


def worst(*verdicts: Verdict) -> Verdict:
    """The most severe verdict (FAILED > INDETERMINATE > PASSED); reasons are merged."""
    chosen = max(verdicts, key=lambda v: SEVERITY[v.indication])
    reasons = tuple(dict.fromkeys(r for v in verdicts for r in v.reasons))
    return Verdict(chosen.indication, chosen.sub_indication, reasons)


def integrity_verdict(*, coverage: str | None, docmdp_ok: bool | None, modification_level: str | None) -> Verdict:
    """The classic PDF integrity checks as a verdict (ISO 32000-2 §12.8.1, §12.8.2.2).

    A signature whose byte range does not cover a full revision, or which is followed by changes
    its modification policy does not permit, is TOTAL_FAILED. There is no dedicated ETSI
    sub-indication for "document modified after signing"; FORMAT_FAILURE is used and the platform
    reason code (``modified_after_signing`` / ``coverage_incomplete``) says what happened.
    """
    if coverage is not None and coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return Verdict(Indication.TOTAL_FAILED, "FORMAT_FAILURE", (COVERAGE_INCOMPLETE,))
    if docmdp_ok is False or modification_level == "OTHER":
        return Verdict(Indication.TOTAL_FAILED, "FORMAT_FAILURE", (MODIFIED_AFTER_SIGNING,))
    return Verdict(Indication.TOTAL_PASSED, None)


def combine(ades: Verdict, classic: Verdict) -> Verdict:
    """Both views must pass; a classic integrity failure overrides an AdES pass (DESIGN.md §8)."""
    if classic.indication is Indication.TOTAL_FAILED and ades.indication is not Indication.TOTAL_FAILED:
        return Verdict(classic.indication, classic.sub_indication, classic.reasons + ades.reasons)
    return worst(ades, classic)
