"""A pyHanko :class:`~pyhanko.sign.timestamps.api.TimeStamper` backed by the in-process platform TSA.

pyHanko normally reaches an RFC 3161 TSA over HTTP (RFC 3161 §3.4). The platform runs its own
TSA (:class:`crypto.tsa.TimeStampAuthority`) in the same process, so this subclass hands the DER
``TimeStampReq`` straight to :meth:`~crypto.tsa.TimeStampAuthority.respond` — no network, no
event-loop blocking I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from asn1crypto import tsp
from pyhanko.sign.timestamps.api import TimeStamper

from crypto.pdf.errors import TimestampFailedError
from crypto.tsa import TimeStampAuthority, TimeStampResp

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class InProcessTimeStamper(TimeStamper):
    """Get RFC 3161 tokens from a :class:`TimeStampAuthority` living in this process.

    ``clock`` gives ``genTime`` for each token (default: the system clock in UTC). A refusal by the
    TSA (``rejection`` status, RFC 3161 §2.4.2) raises :class:`TimestampFailedError`.
    """

    def __init__(self, tsa: TimeStampAuthority, clock: Clock | None = None, include_nonce: bool = True) -> None:
        super().__init__(include_nonce=include_nonce)  # type: ignore[no-untyped-call]
        self._tsa = tsa
        self._clock = clock or _utc_now

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """Answer ``req`` with the platform TSA instead of an HTTP round trip."""
        der = self._tsa.respond(req.dump(), self._clock())
        reply = TimeStampResp.load(der)
        status = reply["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            text = "; ".join(reply["status"]["status_string"].native or [])
            fail = ", ".join(sorted(reply["status"]["fail_info"].native or []))
            raise TimestampFailedError(f"the platform TSA refused the request: {status} ({fail}) {text}".strip())
        return tsp.TimeStampResp.load(der)
