"""The data key of an opened bid, kept on the bid for the worker that decrypts its body.

A bidder gives its data key when it decrypts its form at the opening (办法 30); the opening room
keeps it here in the same transaction, and the ``open_bid_body`` job reads it back by bid id. From
the opening on the key is no longer one the platform must not hold (it never holds one *before* the
deadline, DESIGN §4), but it stays out of Redis (arq keeps a job's arguments and result there for a
day) and out of a bare database dump: the column holds it encrypted under a key derived from
``BIDDING_SECRET_KEY`` and bound to the bid's id (:mod:`crypto.at_rest`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bidding.submission.models import Bid
from crypto.at_rest import AtRestCipher, AtRestError

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["OpenedKeyUnavailable", "OpenedKeys"]

PURPOSE: Final = "opened bid data key"


class OpenedKeyUnavailable(Exception):
    """The bid has no kept data key (``key_missing``) or it does not open (``key_unreadable``: the
    platform secret changed, or the column was altered)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class OpenedKeys:
    def __init__(self, platform_secret: bytes) -> None:
        self._cipher = AtRestCipher(platform_secret, PURPOSE)

    @classmethod
    def for_platform(cls, platform: Platform) -> OpenedKeys:
        """The keys under the running platform's secret (``secret_key``)."""
        return cls(platform.settings.resolved_secret("secret_key").encode())

    def keep(self, bid: Bid, data_key: bytes) -> None:
        """Store ``data_key`` on ``bid``, encrypted; the caller's transaction writes it."""
        bid.opened_data_key = self._cipher.seal(data_key, bid.id.bytes)

    def read(self, bid: Bid) -> bytes:
        if bid.opened_data_key is None:
            raise OpenedKeyUnavailable("key_missing", "no data key was kept for this bid at its opening")
        try:
            return self._cipher.open(bid.opened_data_key, bid.id.bytes)
        except AtRestError as exc:
            raise OpenedKeyUnavailable("key_unreadable", f"{exc.code}: {exc.message}") from exc
