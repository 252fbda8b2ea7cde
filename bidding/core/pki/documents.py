"""The platform's signature on the PDFs it issues (receipts, opening records, award notices), and
the two halves of a user's remote signature on such a PDF (docs/pdf-signatures.md).

Every platform signature is PAdES B-LT: signed with the document-signing key, time-stamped by the
platform TSA, with the CRLs that prove both certificates good embedded, so it validates offline.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Final

from cryptography import x509

from bidding.core.clock import Clock
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.revocations import RevocationPublisher
from crypto.pdf import (
    InProcessTimeStamper,
    RemoteSigningRequest,
    finish_remote_signature,
    prepare_remote_signature,
    sign_pdf,
)

LOCATION: Final = "公共资源交易平台 / Public resource trading platform"


class DocumentSigner:
    def __init__(self, keys: PlatformKeys, revocations: RevocationPublisher, clock: Clock, state_secret: bytes) -> None:
        self._keys = keys
        self._revocations = revocations
        self._clock = clock
        # Remote-signing state leaves the process (database, object store): an HMAC keeps it honest.
        self._state_key = hashlib.sha256(b"remote-signing-state\x00" + state_secret).digest()

    def _timestamper(self) -> InProcessTimeStamper:
        return InProcessTimeStamper(self._keys.tsa, self._clock.now)

    async def _crls(self) -> list[bytes]:
        return [await self._revocations.crl("issuing"), await self._revocations.crl("root")]

    async def sign(self, pdf: bytes, *, reason: str, field_name: str = "PlatformSignature") -> bytes:
        """The platform's PAdES B-LT signature on ``pdf``.

        Signing is CPU work (hashing, the signature, the time-stamp, the DSS update): it runs on a
        worker thread with its own event loop, so the server keeps reading other requests meanwhile.
        """
        crls, now = await self._crls(), self._clock.now()
        work = sign_pdf(
            pdf,
            signer_key=self._keys.signer_key,
            signer_cert=self._keys.signer_cert,
            chain=self._keys.ca.chain,
            timestamper=self._timestamper(),
            crls=crls,
            trust_roots=[self._keys.ca.root_cert],
            field_name=field_name,
            reason=reason,
            location=LOCATION,
            now=now,
        )
        return await asyncio.to_thread(asyncio.run, work)

    async def prepare_user_signature(
        self, pdf: bytes, signer_cert: x509.Certificate, *, field_name: str, reason: str
    ) -> RemoteSigningRequest:
        """First half of a remote signature: what the user's key must sign, and the state to keep."""
        return await prepare_remote_signature(
            pdf,
            signer_cert=signer_cert,
            chain=self._keys.ca.chain,
            field_name=field_name,
            reason=reason,
            location=LOCATION,
            now=self._clock.now(),
            state_key=self._state_key,
        )

    async def finish_user_signature(self, state: bytes, signature: bytes) -> bytes:
        """Second half: check the user's signature, embed it, add the platform TSA's time-stamp."""
        return await finish_remote_signature(
            state,
            signature,
            timestamper=self._timestamper(),
            trust_roots=[self._keys.ca.root_cert],
            crls=await self._crls(),
            now=self._clock.now(),
            state_key=self._state_key,
        )
