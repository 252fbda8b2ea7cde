"""One-time login challenges, kept in Redis so that any app process can check any challenge.

A challenge is consumed atomically (``GETDEL``): of two logins racing with one challenge only one
gets it. A consumed challenge leaves a tombstone, so a replay is told apart from a challenge that
never existed. Expiry is judged by the platform clock; Redis' own TTL only collects garbage.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Final

from redis.asyncio import Redis

from bidding.core.auth.errors import ChallengeExpired, ChallengeForeign, ChallengeReplayed, ChallengeUnknown
from bidding.core.clock import Clock
from bidding.core.settings import Settings
from crypto.login import Challenge

GARBAGE_AFTER: Final = timedelta(minutes=15)
NONCE_BYTES: Final = 32


class ChallengeStore:
    def __init__(self, redis: Redis, settings: Settings, clock: Clock) -> None:
        self._redis = redis
        self._settings = settings
        self._clock = clock
        self._lifetime = timedelta(seconds=settings.challenge_seconds)

    def _key(self, kind: str, challenge_id: str) -> str:
        return self._settings.redis_key("login", kind, challenge_id)

    async def issue(self, fingerprint: str) -> Challenge:
        now = self._clock.now().replace(microsecond=0)
        challenge = Challenge(
            challenge_id=secrets.token_urlsafe(18),
            nonce=secrets.token_bytes(NONCE_BYTES),
            audience=self._settings.effective_base_url,
            fingerprint=fingerprint,
            issued_at=now,
            expires_at=now + self._lifetime,
        )
        record = {
            "nonce": challenge.nonce.hex(),
            "audience": challenge.audience,
            "fingerprint": fingerprint,
            "issued_at": challenge.issued_at.isoformat(),
            "expires_at": challenge.expires_at.isoformat(),
        }
        ttl = int((self._lifetime + GARBAGE_AFTER).total_seconds())
        await self._redis.set(self._key("challenge", challenge.challenge_id), json.dumps(record), ex=ttl)
        return challenge

    async def consume(self, challenge_id: str, fingerprint: str) -> Challenge:
        """Take the challenge out of circulation and return it, or raise why it cannot be used."""
        if not challenge_id or len(challenge_id) > 64:
            raise ChallengeUnknown()
        raw = await self._redis.getdel(self._key("challenge", challenge_id))
        if raw is None:
            if await self._redis.exists(self._key("used", challenge_id)):
                raise ChallengeReplayed()
            raise ChallengeUnknown()
        ttl = int((self._lifetime + GARBAGE_AFTER).total_seconds())
        await self._redis.set(self._key("used", challenge_id), "1", ex=ttl)
        record = json.loads(raw)
        challenge = Challenge(
            challenge_id=challenge_id,
            nonce=bytes.fromhex(record["nonce"]),
            audience=record["audience"],
            fingerprint=record["fingerprint"],
            issued_at=datetime.fromisoformat(record["issued_at"]),
            expires_at=datetime.fromisoformat(record["expires_at"]),
        )
        if self._clock.now() >= challenge.expires_at:
            raise ChallengeExpired()
        if challenge.fingerprint != fingerprint:
            raise ChallengeForeign()
        return challenge
