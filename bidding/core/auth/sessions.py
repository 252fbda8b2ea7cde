"""Login sessions in Redis: any app process resolves any token, and a session can be revoked.

The token is a random 256-bit string shown to the client once; Redis keys are its SHA-256, so a
Redis dump holds no usable token. Each certificate keeps the set of its sessions, so revoking the
certificate ends every session it opened.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from bidding.core.clock import Clock
from bidding.core.roles import Role
from bidding.core.settings import Settings


@dataclass(frozen=True)
class SessionInfo:
    """Who a session belongs to: one certificate, one organisation, one role."""

    session_id: str
    fingerprint: str
    organization_id: uuid.UUID
    credit_code: str
    organization_name: str
    common_name: str
    role: Role
    issued_at: datetime
    expires_at: datetime

    def to_json(self) -> str:
        data = asdict(self)
        data.update(
            organization_id=str(self.organization_id),
            role=self.role.value,
            issued_at=self.issued_at.isoformat(),
            expires_at=self.expires_at.isoformat(),
        )
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> SessionInfo:
        data = json.loads(raw)
        data.update(
            organization_id=uuid.UUID(data["organization_id"]),
            role=Role(data["role"]),
            issued_at=datetime.fromisoformat(data["issued_at"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )
        return cls(**data)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, redis: Redis, settings: Settings, clock: Clock) -> None:
        self._redis = redis
        self._settings = settings
        self._clock = clock
        self.lifetime = timedelta(minutes=settings.session_minutes)

    def _session_key(self, session_id: str) -> str:
        return self._settings.redis_key("session", session_id)

    def _cert_key(self, fingerprint: str) -> str:
        return self._settings.redis_key("cert-sessions", fingerprint)

    async def open(
        self,
        *,
        fingerprint: str,
        organization_id: uuid.UUID,
        credit_code: str,
        organization_name: str,
        common_name: str,
        role: Role,
    ) -> tuple[str, SessionInfo]:
        """Create a session; returns the bearer token (shown once) and what it stands for."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        info = SessionInfo(
            session_id=_digest(token),
            fingerprint=fingerprint,
            organization_id=organization_id,
            credit_code=credit_code,
            organization_name=organization_name,
            common_name=common_name,
            role=role,
            issued_at=now,
            expires_at=now + self.lifetime,
        )
        ttl = int(self.lifetime.total_seconds())
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._session_key(info.session_id), info.to_json(), ex=ttl)
            pipe.sadd(self._cert_key(fingerprint), info.session_id)
            pipe.expire(self._cert_key(fingerprint), ttl)
            await pipe.execute()
        return token, info

    async def resolve(self, token: str) -> SessionInfo | None:
        if not token or len(token) > 128:
            return None
        raw = await self._redis.get(self._session_key(_digest(token)))
        if raw is None:
            return None
        info = SessionInfo.from_json(raw)
        if self._clock.now() >= info.expires_at:
            return None
        return info

    async def close(self, session_id: str) -> bool:
        """End one session (logout); True if it existed."""
        return bool(await self._redis.delete(self._session_key(session_id)))

    async def count_for_certificate(self, fingerprint: str) -> int:
        """How many sessions opened with the certificate are still open (the administrator's console)."""
        members: set[Any] = await self._redis.smembers(self._cert_key(fingerprint))  # type: ignore[misc]
        ids = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        return int(await self._redis.exists(*(self._session_key(i) for i in ids))) if ids else 0

    async def close_for_certificate(self, fingerprint: str) -> int:
        """End every session opened with the certificate (on revocation); returns how many there were."""
        members: set[Any] = await self._redis.smembers(self._cert_key(fingerprint))  # type: ignore[misc]
        ids = [m.decode() if isinstance(m, bytes) else str(m) for m in members]
        if not ids:
            return 0
        closed = int(await self._redis.delete(*(self._session_key(i) for i in ids)))
        await self._redis.delete(self._cert_key(fingerprint))
        return closed
