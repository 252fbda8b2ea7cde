"""Integrity check of a stored object: re-hash it and compare with the SHA-256 on record.

Run by auditors (and later after each bid upload) to show that a stored package is the one the
receipt names. The outcome is recorded once per job id, with an audit event.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.jobs.once import run_once
from bidding.core.jobs.registry import JobSpec

if TYPE_CHECKING:  # the runtime imports the catalogue, hence this module
    from bidding.core.platform import Platform


async def verify_object(ctx: dict[str, Any], key: str, expected_sha256: str, requested_by: str) -> dict[str, Any]:
    platform: Platform = ctx["platform"]
    digest = hashlib.sha256()
    size = 0
    async for chunk in platform.store.open(key):
        digest.update(chunk)
        size += len(chunk)
    actual = digest.hexdigest()
    intact = hmac.compare_digest(actual, expected_sha256.lower())

    async def effect(session: AsyncSession) -> dict[str, Any]:
        outcome = {"key": key, "size": size, "sha256": actual, "expected_sha256": expected_sha256, "intact": intact}
        record(
            session,
            Actor.system("worker", request_id=ctx["job_id"]),
            "storage.object_verified" if intact else "storage.object_corrupt",
            object_type="object",
            object_id=key[:100],  # the column's length; a bid's key is longer (in full in details)
            content_sha256=actual,
            details={**outcome, "requested_by": requested_by},
        )
        return outcome

    result, _ = await run_once(
        platform.sessions, job_key=f"verify_object:{ctx['job_id']}", function="verify_object", effect=effect
    )
    return result


#: Re-hash a stored object against the SHA-256 on record (auditors, `POST /api/admin/integrity-checks`).
VERIFY_OBJECT: Final = JobSpec("verify_object", verify_object, timeout_s=3600)
