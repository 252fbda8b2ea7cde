"""The sealed list (RULES b5: 规定 8, 条例 41(二), 条例 46; 政采条例 43, 87号令 69): who sits on a
committee stays encrypted at rest until the evaluation starts, is shown to the committee only, and
becomes known to others with the result where the rules say so. Every reveal is an audit event
(the service's, ``bidding.experts.draws.reveal_committee``).

**At rest** (:class:`SealedList`), under keys derived from the platform secret
(``BIDDING_SECRET_KEY``) by HKDF-SHA256 (RFC 5869), each with its own label:

=========================  =====================================================================
what                       how
=========================  =====================================================================
a seat's expert            ``crypto.at_rest`` (AES-256-GCM) of the expert's pool id, bound to the
                           seat's id: a blob copied to another seat does not open
a round's server seed      the same, bound to the round's id (secret until the result is final)
a round's full record      the same (``DRAW.json`` with the seed and result), bound to the round
an expert's lookup         ``HMAC-SHA256(lookup key, pool id)``: the logged-in expert's own seats
                           are found by it without opening any other; the same across draws
a per-round pseudonym      ``"x" ‖ hex(HMAC-SHA256(pseudonym key, round id ‖ ":" ‖ pool id))[:30]``:
                           the expert's id in that round's published record, unlinkable across
                           rounds and to the pool without the key
=========================  =====================================================================

A copy of the database alone does not say who sits where. The platform (holding the secret) can
open the list: it must, to send the invitations. The messaging outbox keeps the addresses it sent
to (``docs/expert-draws.md`` §"What stays in clear").

**Who may read the names** (:func:`may_reveal`, pure):

===========  ======================================================================  ==============
audience     may read the committee's names                                          article
===========  ======================================================================  ==============
committee    a member who accepted and signed in on the day (the evaluation starts)  规定 8
supervisor   once the evaluation has started (on the day, from its start time)       条例 46 (supervises
                                                                                     the evaluation)
party        the agent, the tenderer, a bidder of the lot: once the result is final  条例 46, 规定 8
public       government procurement only, with the result (the award notice names    政采条例 43,
             the committee); otherwise never on the public portal                    87号令 69
===========  ======================================================================  ==============

"The result is final" is the draw's ``final`` state: the supervisor's ``finalise`` until the award
is built (issue 21), which will call it with the award notice.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.at_rest import AtRestCipher, AtRestError

__all__ = ["Audience", "RevealFacts", "SealedList", "SealedUnreadable", "may_reveal"]

SEAT_PURPOSE: Final = "expert draw seat"
SEED_PURPOSE: Final = "expert draw server seed"
RECORD_PURPOSE: Final = "expert draw record"
LOOKUP_INFO: Final = b"bidding-platform/expert-draw-lookup/v1"
PSEUDONYM_INFO: Final = b"bidding-platform/expert-draw-pseudonym/v1"


class SealedUnreadable(Exception):
    """A sealed value does not open (another platform secret, or altered bytes)."""


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


class SealedList:
    """Seals and opens the draw's secrets under one platform secret."""

    def __init__(self, platform_secret: bytes) -> None:
        self._seat = AtRestCipher(platform_secret, SEAT_PURPOSE)
        self._seed = AtRestCipher(platform_secret, SEED_PURPOSE)
        self._record = AtRestCipher(platform_secret, RECORD_PURPOSE)
        self._lookup_key = _derive(platform_secret, LOOKUP_INFO)
        self._pseudonym_key = _derive(platform_secret, PSEUDONYM_INFO)

    def lookup(self, expert_id: uuid.UUID) -> str:
        """The expert's lookup token (64 hex)."""
        return hmac.new(self._lookup_key, expert_id.bytes, hashlib.sha256).hexdigest()

    def pseudonym(self, round_id: uuid.UUID, expert_id: uuid.UUID) -> str:
        """The expert's id in one round's record: 31 characters ``[0-9a-x]``, an identifier of the
        draw's encoding (``docs/expert-draw.md`` §2)."""
        mac = hmac.new(self._pseudonym_key, f"{round_id}:{expert_id}".encode(), hashlib.sha256).hexdigest()
        return "x" + mac[:30]

    def seal_expert(self, seat_id: uuid.UUID, expert_id: uuid.UUID) -> bytes:
        return self._seat.seal(expert_id.bytes, seat_id.bytes)

    def open_expert(self, seat_id: uuid.UUID, blob: bytes) -> uuid.UUID:
        try:
            return uuid.UUID(bytes=self._seat.open(blob, seat_id.bytes))
        except AtRestError as exc:
            raise SealedUnreadable(f"seat {seat_id}: {exc.code}") from exc

    def seal_seed(self, round_id: uuid.UUID, seed: bytes) -> bytes:
        return self._seed.seal(seed, round_id.bytes)

    def open_seed(self, round_id: uuid.UUID, blob: bytes) -> bytes:
        try:
            return self._seed.open(blob, round_id.bytes)
        except AtRestError as exc:
            raise SealedUnreadable(f"round {round_id}: {exc.code}") from exc

    def seal_record(self, round_id: uuid.UUID, record_json: str) -> bytes:
        return self._record.seal(record_json.encode(), round_id.bytes)

    def open_record(self, round_id: uuid.UUID, blob: bytes) -> str:
        try:
            return self._record.open(blob, round_id.bytes).decode()
        except AtRestError as exc:
            raise SealedUnreadable(f"round {round_id}: {exc.code}") from exc


class Audience(StrEnum):
    """Who asks to read the committee's names (the module's table)."""

    COMMITTEE = "committee"
    SUPERVISOR = "supervisor"
    PARTY = "party"
    PUBLIC = "public"


@dataclass(frozen=True)
class RevealFacts:
    """What the reveal rules look at, read by the service at one moment."""

    now: datetime
    evaluation_at: datetime
    #: The result is final (the draw's ``final`` state).
    final: bool
    government_procurement: bool
    #: The asking member accepted a seat of this draw and signed in (committee only).
    signed_in: bool = False


def may_reveal(audience: Audience, facts: RevealFacts) -> str | None:
    """None when ``audience`` may read the names now; otherwise the code of the rule that keeps them
    sealed (``sealed_until_sign_in``, ``sealed_until_evaluation``, ``sealed_until_final``,
    ``not_published``). 规定 8, 条例 41(二), 条例 46; 政采条例 43 and 87号令 69 for the public.

    >>> from datetime import UTC
    >>> at = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
    >>> may_reveal(Audience.PARTY, RevealFacts(now=at, evaluation_at=at, final=False, government_procurement=True))
    'sealed_until_final'
    >>> may_reveal(Audience.PUBLIC, RevealFacts(now=at, evaluation_at=at, final=True, government_procurement=False))
    'not_published'
    """
    if audience is Audience.COMMITTEE:
        # Sign-in is open on the evaluation's day only (the service's rule): signed in, the evaluation starts.
        return None if facts.signed_in or facts.final else "sealed_until_sign_in"
    if audience is Audience.SUPERVISOR:
        return None if facts.final or facts.now >= facts.evaluation_at else "sealed_until_evaluation"
    if audience is Audience.PARTY:
        return None if facts.final else "sealed_until_final"
    if not facts.final:
        return "sealed_until_final"
    return None if facts.government_procurement else "not_published"
