"""Anyone's PDF, validated (docs/pdf-signatures.md): every signature and time-stamp checked against
every trust anchor of the platform (its own root and configured outside roots) with the platform's
current CRLs; anything else must be embedded in the PDF (PAdES B-LT). The report follows ETSI TS
119 102-2.

Validation is CPU-bound, so it runs in a worker thread, at most :data:`MAX_PARALLEL` at a time per
process, and never blocks the event loop that serves the other requests.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Final

import anyio

from crypto.pdf import validate_pdf

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["MAX_PARALLEL", "validation_report"]

#: Validations running at once in one process.
MAX_PARALLEL: Final = 2
_limiter = anyio.CapacityLimiter(MAX_PARALLEL)


async def validation_report(platform: Platform, pdf: bytes) -> dict[str, Any]:
    """The signature-validation report of ``pdf``, as of now."""
    roots = list(platform.keys.trusted_roots)
    crls = [await platform.revocations.crl("issuing"), await platform.revocations.crl("root")]
    now = platform.clock.now()

    def run() -> dict[str, Any]:
        report = asyncio.run(validate_pdf(pdf, trust_roots=roots, crls=crls, now=now))
        return report.to_dict()

    return await anyio.to_thread.run_sync(run, limiter=_limiter)
