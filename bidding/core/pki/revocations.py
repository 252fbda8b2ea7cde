"""Revocation status published from the database: CRLs (RFC 5280 §5) and OCSP answers (RFC 6960).

The ``certificates`` table is the one source of truth, so every app process publishes the same
status. Signing a CRL costs a signature, so each process keeps the last one it built and rebuilds
when the table's revocation revision changes (one cheap query) or the CRL is an hour old.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from cryptography import x509
from cryptography.x509 import ocsp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bidding.core.clock import Clock
from bidding.core.pki.keystore import PlatformKeys
from bidding.core.pki.models import Certificate
from crypto.revocation import RevocationList, build_crl, ocsp_response

CRL_LIFETIME: Final = timedelta(days=1)
CRL_REFRESH: Final = timedelta(hours=1)

Revision = tuple[int, datetime | None]


@dataclass(frozen=True)
class _Built:
    revision: Revision
    built_at: datetime
    der: bytes


def reason_flag(name: str | None) -> x509.ReasonFlags:
    """The stored reason (a ``ReasonFlags`` member name such as ``key_compromise``) as the enum."""
    return x509.ReasonFlags[name or "unspecified"]


def serial_hex(serial: int) -> str:
    return format(serial, "x")


async def revocation_list(session: AsyncSession) -> RevocationList:
    """Every revoked platform certificate, keyed by serial."""
    revoked = RevocationList()
    rows = await session.execute(
        select(Certificate.serial_hex, Certificate.revoked_at, Certificate.revocation_reason).where(
            Certificate.revoked_at.is_not(None)
        )
    )
    for serial, revoked_at, reason in rows:
        if revoked_at is not None:
            revoked.revoke(int(serial, 16), revoked_at, reason_flag(reason))
    return revoked


async def _revision(session: AsyncSession) -> Revision:
    row = (
        await session.execute(
            select(func.count(), func.max(Certificate.revoked_at)).where(Certificate.revoked_at.is_not(None))
        )
    ).one()
    return int(row[0]), row[1]


class RevocationPublisher:
    """Builds the issuing-CA and root CRLs and answers OCSP requests for this platform's CA."""

    def __init__(self, keys: PlatformKeys, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._keys = keys
        self._sessions = sessions
        self._clock = clock
        self._cache: dict[str, _Built] = {}
        self._lock = asyncio.Lock()

    async def crl(self, issuer: Literal["issuing", "root"] = "issuing") -> bytes:
        """The current DER CRL of ``issuer`` (the root's lists revoked issuing CAs: none so far)."""
        now = self._clock.now()
        async with self._lock:
            if issuer == "root":
                revision: Revision = (0, None)
                revoked = RevocationList()
            else:
                async with self._sessions() as session:
                    revision = await _revision(session)
                    cached = self._fresh(issuer, revision, now)
                    if cached is not None:
                        return cached
                    revoked = await revocation_list(session)
            cached = self._fresh(issuer, revision, now)
            if cached is not None:
                return cached
            # CRL numbers must increase (RFC 5280 §5.2.3): milliseconds keep them apart across processes.
            der = build_crl(
                self._keys.ca,
                revoked,
                now,
                now + CRL_LIFETIME,
                crl_number=int(now.timestamp() * 1000),
                issuer=issuer,
            )
            self._cache[issuer] = _Built(revision, now, der)
            return der

    def _fresh(self, issuer: str, revision: Revision, now: datetime) -> bytes | None:
        built = self._cache.get(issuer)
        if built is None or built.revision != revision:
            return None
        if not built.built_at <= now < built.built_at + CRL_REFRESH:
            return None
        return built.der

    async def ocsp(self, request_der: bytes) -> bytes:
        """A signed OCSP response for the serial the request names (malformedRequest if unparseable).

        Issued means: in the ``certificates`` table, or one of the platform's own service
        certificates (TSA, document signer, OCSP responder), which outside validators check too.
        The delegated responder signs (RFC 6960 §4.2.2.2); outside its certificate's validity
        (a process running past the renewal that happens on start) the issuing CA signs itself.
        """
        try:
            serial = ocsp.load_der_ocsp_request(request_der).serial_number
        except ValueError:
            serial = None  # ocsp_response answers malformedRequest
        revoked = RevocationList()
        issued = serial is not None and any(c.serial_number == serial for c in self._keys.service_certificates)
        if serial is not None and not issued:
            async with self._sessions() as session:
                row = (
                    await session.execute(
                        select(Certificate.revoked_at, Certificate.revocation_reason).where(
                            Certificate.serial_hex == serial_hex(serial)
                        )
                    )
                ).one_or_none()
            if row is not None:
                issued = True
                if row.revoked_at is not None:
                    revoked.revoke(serial, row.revoked_at, reason_flag(row.revocation_reason))
        now = self._clock.now()
        responder = self._keys.ocsp_responder
        return ocsp_response(
            self._keys.ca,
            request_der,
            revoked,
            now,
            lambda _: issued,
            responder=responder if responder.valid_at(now) else None,
        )
