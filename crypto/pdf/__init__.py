"""Signed PDFs and their validation reports.

* :func:`sign_pdf` — the platform's own PAdES B-LT signature (ETSI EN 319 142-1);
* :func:`prepare_remote_signature` / :func:`finish_remote_signature` — a signature made with a
  key held by the user (browser / CLI), in two HTTP round trips with storable state;
* :func:`validate_pdf` — a report with ETSI TS 119 102-2 indications for every signature and
  document time-stamp, with modification analysis (ISO 32000-2 §12.8);
* :class:`InProcessTimeStamper` — pyHanko's time-stamp client wired to the platform TSA.

See ``docs/pdf-signatures.md``. Imports nothing from the platform's other packages.
"""

from crypto.pdf.document import simple_pdf
from crypto.pdf.errors import (
    EncryptedPdfError,
    MalformedPdfError,
    NotAPdfError,
    PdfError,
    PdfSigningError,
    PdfTooLargeError,
    RemoteSignatureInvalidError,
    RemoteSigningError,
    RemoteStateError,
    SignerCertificateError,
    TimestampFailedError,
)
from crypto.pdf.identity import SignerIdentity
from crypto.pdf.indications import Indication
from crypto.pdf.remote import RemoteSigningRequest, finish_remote_signature, prepare_remote_signature
from crypto.pdf.report import PdfReport, SignatureReport, TimestampInfo, validate_pdf
from crypto.pdf.signing import sign_pdf
from crypto.pdf.timestamper import InProcessTimeStamper

__all__ = [
    "EncryptedPdfError",
    "InProcessTimeStamper",
    "Indication",
    "MalformedPdfError",
    "NotAPdfError",
    "PdfError",
    "PdfReport",
    "PdfSigningError",
    "PdfTooLargeError",
    "RemoteSignatureInvalidError",
    "RemoteSigningError",
    "RemoteSigningRequest",
    "RemoteStateError",
    "SignatureReport",
    "SignerCertificateError",
    "SignerIdentity",
    "TimestampFailedError",
    "TimestampInfo",
    "finish_remote_signature",
    "prepare_remote_signature",
    "sign_pdf",
    "simple_pdf",
    "validate_pdf",
]
