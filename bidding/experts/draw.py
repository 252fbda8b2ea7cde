"""The expert draw anyone can re-run: ``bidding-draw-v1`` (issue 19; RULES b3, b5, b8; ``docs/expert-draw.md``).

条例 46–47 and 规定 10 want the experts drawn at random within each specialty, nobody designated
openly or covertly, and the draw logged and traceable (1117号). Here the randomness is a published
computation over committed inputs, so that a supervisor or anyone holding the record can redo it:

1. Before the draw the platform fixes the *pool document* (the draw id, the seats and backups per
   specialty and the sorted eligible snapshot, :meth:`Pool.document`) and a 32-byte random *server
   seed*, and publishes ``pool_commitment = SHA-256(pool document)`` and
   ``server_seed_commitment = SHA-256("bidding-draw-v1 server-seed\\n" ‖ server seed)``
   (:func:`commit`).
2. Once a *public value* exists that nobody knew at commitment time (the opening record's hash
   and its RFC 3161 time-stamp token's hash, or a randomness beacon round), the draw's seed is
   ``HMAC-SHA256(server seed, seed message)`` over the draw id, both commitments and the public
   inputs (:func:`derive_seed`): the platform cannot choose the public value, and nobody else
   knows the server seed.
3. Every eligible expert ``e`` gets the key ``HMAC-SHA256(seed, e)``; within each specialty,
   ascending keys (as bytes) rank its experts (:func:`ranking`). Specialties are filled in
   ascending code order, seats first (the first ranked not yet seated), then backups (the next
   ranked not yet seated nor a backup), so no expert appears twice (:func:`select`).
4. The result is final; later the server seed is revealed and the whole :class:`DrawRecord`
   (``DRAW.json``) can be checked by :func:`verify`, ``bidding experts verify DRAW.json`` or the
   stand-alone ``docs/expert_draw_verify.py``.

Never Python's ``random``: its sequences may change between versions (DESIGN §8). Identifiers
(draw id, specialty codes, expert ids) are opaque ASCII ``[A-Za-z0-9._:-]{1,64}``, so the
line-and-space encoding below is unambiguous. The byte-by-byte definition is the document; this
module is its reference implementation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import operator
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import compress, count, repeat
from types import MappingProxyType
from typing import Any, Final

from bidding.core.errors import DomainError

__all__ = [
    "ALGORITHM",
    "SERVER_SEED_BYTES",
    "Check",
    "CheckStatus",
    "DrawError",
    "DrawInputInvalid",
    "DrawRecord",
    "DrawRecordInvalid",
    "Outcome",
    "Pool",
    "PoolInsufficient",
    "Seats",
    "VerifyResult",
    "commit",
    "derive_seed",
    "draw",
    "new_server_seed",
    "rank_key",
    "ranking",
    "select",
    "server_seed_commitment",
    "verify",
]

ALGORITHM: Final = "bidding-draw-v1"
SERVER_SEED_BYTES: Final = 32
MAX_ID_LENGTH: Final = 64
MAX_PUBLIC_VALUE_LENGTH: Final = 1024

_ID_CHARS: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_PUBLIC_NAME: Final = re.compile(r"[a-z0-9._-]{1,64}")
_PUBLIC_VALUE: Final = re.compile(r"[\x20-\x7e]{1,1024}")
_HEX32: Final = re.compile(r"[0-9a-f]{64}")

_SERVER_SEED_PREFIX: Final = f"{ALGORITHM} server-seed\n".encode()


# --- errors ---


class DrawError(DomainError):
    """Base class of the draw's errors."""

    code = "draw_error"
    status = 422
    message_zh = "专家抽取有误"
    message_en = "The expert draw failed"


class DrawInputInvalid(DrawError):
    """A draw id, specialty code, expert id, count, seed or public input the encoding cannot carry."""

    code = "draw_input_invalid"
    message_zh = "抽取输入有误"
    message_en = "Invalid draw input"


class PoolInsufficient(DrawError):
    """A specialty has fewer eligible experts (not already seated elsewhere) than seats: no committee.

    ``details``: ``{"specialty": …, "seats": …, "available": …}`` per specialty short.
    """

    code = "draw_pool_insufficient"
    status = 409
    message_zh = "符合条件的专家人数不足"
    message_en = "Not enough eligible experts"


class DrawRecordInvalid(DrawError):
    """A ``DRAW.json`` that is not a record of this format (the detail names the field)."""

    code = "draw_record_invalid"
    message_zh = "抽取记录格式有误"
    message_en = "The draw record is malformed"


# --- inputs ---


@dataclass(frozen=True)
class Seats:
    """How many experts one specialty seats, and how many backups it keeps in order."""

    seats: int
    backups: int = 0


def _check_identifiers(ids: Sequence[str], what: str) -> None:
    """All of ``ids`` are identifiers, checked in C (one pass over the joined text, not a regex per id:
    the draw must handle 100,000 experts in well under 100 ms)."""
    if not ids:
        return
    text = "\n".join(ids)
    if (
        not text.isascii()
        or len(text.encode().translate(None, _ID_CHARS)) != len(ids) - 1
        or min(map(len, ids)) < 1
        or max(map(len, ids)) > MAX_ID_LENGTH
    ):
        bad = next(i for i in ids if not _IDENTIFIER.fullmatch(i))
        raise DrawInputInvalid(
            f"{what} {bad!r} is not an identifier ([A-Za-z0-9._:-], 1–64 characters)",
            f"{what} {bad!r} 不是合法标识（1–64 位字母、数字或 . _ : -）",
        )


def _check_public_inputs(public_inputs: Mapping[str, str]) -> None:
    for name, value in public_inputs.items():
        if not isinstance(name, str) or not _PUBLIC_NAME.fullmatch(name):
            raise DrawInputInvalid(f"public input name {name!r} is not [a-z0-9._-]{{1,64}}")
        if not isinstance(value, str) or not _PUBLIC_VALUE.fullmatch(value):
            raise DrawInputInvalid(f"public input {name!r}: the value must be 1–1024 printable ASCII characters")


@dataclass(frozen=True)
class Pool:
    """What is drawn from, canonical: the draw id, seats per specialty, eligible ids per specialty.

    Build it with :meth:`build`, which sorts and checks; the fields are then in the order the pool
    document encodes them (specialties and ids ascending, as bytes).
    """

    draw_id: str
    constraints: Mapping[str, Seats]
    eligible: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(
        cls,
        draw_id: str,
        constraints: Mapping[str, Seats],
        eligible: Mapping[str, Iterable[str]],
    ) -> Pool:
        """Check and canonicalise; a specialty absent from ``eligible`` has no eligible expert.

        Raises :class:`DrawInputInvalid` (bad identifier, duplicate id, a count out of range, an
        eligible specialty without seats).
        """
        _check_identifiers([draw_id], "draw id")
        codes = sorted(constraints)
        if not codes:
            raise DrawInputInvalid("no specialty to draw from", "没有要抽取的专业")
        _check_identifiers(codes, "specialty")
        if extra := sorted(set(eligible) - set(constraints)):
            raise DrawInputInvalid(f"eligible experts for specialties without seats: {', '.join(extra)}")
        for code in codes:
            c = constraints[code]
            if type(c.seats) is not int or type(c.backups) is not int or c.seats < 1 or c.backups < 0:
                raise DrawInputInvalid(f"specialty {code}: seats must be ≥ 1 and backups ≥ 0")
        snapshot: dict[str, tuple[str, ...]] = {}
        for code in codes:
            ids = sorted(eligible.get(code, ()))
            _check_identifiers(ids, "expert id")
            if len(set(ids)) != len(ids):
                raise DrawInputInvalid(f"specialty {code}: an expert id appears twice")
            snapshot[code] = tuple(ids)
        return cls(
            draw_id=draw_id,
            constraints=MappingProxyType({code: constraints[code] for code in codes}),
            eligible=MappingProxyType(snapshot),
        )

    def document(self) -> bytes:
        """The pool document, ASCII, one LF-terminated line each::

        bidding-draw-v1 pool
        draw <draw id>
        specialty <code> seats <n> backups <m>      one per specialty, codes ascending
        expert <code> <expert id>                  one per eligible (specialty, expert), ascending
        """
        return b"".join(self._document_parts())

    def _document_parts(self) -> Iterator[bytes]:
        head = [f"{ALGORITHM} pool\n", f"draw {self.draw_id}\n"]
        head += [f"specialty {code} seats {c.seats} backups {c.backups}\n" for code, c in self.constraints.items()]
        yield "".join(head).encode("ascii")
        for code, ids in self.eligible.items():
            if ids:
                prefix = f"expert {code} "
                # One C-level join per specialty instead of a format per line.
                yield (prefix + ("\n" + prefix).join(ids) + "\n").encode("ascii")

    def commitment(self) -> str:
        """``pool_commitment``: the SHA-256 of :meth:`document`, lower-case hex (hashed specialty by
        specialty, never holding the whole document)."""
        digest = hashlib.sha256()
        for part in self._document_parts():
            digest.update(part)
        return digest.hexdigest()

    def shortfall(self) -> list[dict[str, Any]]:
        """Specialties with fewer eligible experts than seats (``{"specialty", "seats", "available"}``):
        check before committing, since such a pool can never be drawn. An empty list does not promise
        a committee when specialties share experts: :func:`select` seats each expert once."""
        return [
            {"specialty": code, "seats": c.seats, "available": len(self.eligible[code])}
            for code, c in self.constraints.items()
            if len(self.eligible[code]) < c.seats
        ]


def new_server_seed() -> bytes:
    """32 bytes from the operating system's CSPRNG (``secrets``), never Python's ``random``."""
    return secrets.token_bytes(SERVER_SEED_BYTES)


def server_seed_commitment(server_seed: bytes) -> str:
    """``SHA-256("bidding-draw-v1 server-seed\\n" ‖ server seed)``, lower-case hex."""
    if len(server_seed) != SERVER_SEED_BYTES:
        raise DrawInputInvalid(f"the server seed must be {SERVER_SEED_BYTES} bytes")
    return hashlib.sha256(_SERVER_SEED_PREFIX + server_seed).hexdigest()


def seed_message(draw_id: str, pool_commitment: str, seed_commitment: str, public_inputs: Mapping[str, str]) -> bytes:
    """The message the seed is the HMAC of, ASCII, LF-terminated lines::

    bidding-draw-v1 seed
    draw <draw id>
    pool <pool_commitment>
    server-seed <server_seed_commitment>
    public <name>=<value>        one per public input, names ascending
    """
    lines = [
        f"{ALGORITHM} seed\n",
        f"draw {draw_id}\n",
        f"pool {pool_commitment}\n",
        f"server-seed {seed_commitment}\n",
    ]
    lines += [f"public {name}={public_inputs[name]}\n" for name in sorted(public_inputs)]
    return "".join(lines).encode("ascii")


def derive_seed(
    server_seed: bytes,
    draw_id: str,
    pool_commitment: str,
    public_inputs: Mapping[str, str],
    *,
    seed_commitment: str | None = None,
) -> bytes:
    """The draw's seed: ``HMAC-SHA256(key = server seed, message = seed_message(…))``, 32 bytes.

    The message names the commitments as published (``seed_commitment`` defaults to the server
    seed's own, which is what the draw publishes). At least one public input is required: without a
    value unknown at commitment time the platform alone would know the result before committing.
    """
    if not public_inputs:
        raise DrawInputInvalid("at least one public input (a value unknown at commitment time) is required")
    _check_public_inputs(public_inputs)
    if seed_commitment is None:
        seed_commitment = server_seed_commitment(server_seed)
    message = seed_message(draw_id, pool_commitment, seed_commitment, public_inputs)
    return hmac.digest(server_seed, message, "sha256")


# --- ranking and selection ---


def _digests(seed: bytes, ids: Sequence[str]) -> list[bytes]:
    """``HMAC-SHA256(seed, id)`` for each id, in order.

    HMAC written out over hashlib (RFC 2104: ``H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))``) so that the keyed
    inner and outer states are computed once and copied per expert: the same bytes as
    ``hmac.digest``, several times faster on 100,000 experts (OpenSSL 3 sets up each one-shot HMAC
    afresh).
    """
    if not ids:
        return []
    key = seed.ljust(64, b"\0")  # the seed is 32 bytes, shorter than SHA-256's 64-byte block
    inner_copy = hashlib.sha256(bytes(b ^ 0x36 for b in key)).copy
    outer_copy = hashlib.sha256(bytes(b ^ 0x5C for b in key)).copy
    digests: list[bytes] = []
    append = digests.append
    for expert in "\n".join(ids).encode("ascii").split(b"\n"):
        i = inner_copy()
        i.update(expert)
        o = outer_copy()
        o.update(i.digest())
        append(o.digest())
    return digests


def _ranked(seed: bytes, ids: Sequence[str]) -> list[str]:
    """The full ranking: ascending key, then ascending id (a tie of 32-byte keys is only theoretical)."""
    return [e for _, e in sorted(zip(_digests(seed, ids), ids, strict=True))]


def rank_key(seed: bytes, expert_id: str) -> bytes:
    """One expert's ranking key: ``HMAC-SHA256(seed, expert id)``, the same in every specialty."""
    return hmac.digest(seed, expert_id.encode("ascii"), "sha256")


def ranking(seed: bytes, ids: Sequence[str]) -> list[tuple[str, str]]:
    """A specialty's experts ranked: ``(expert id, key hex)`` by ascending key (for documents and tests)."""
    return [(e, d.hex()) for d, e in sorted(zip(_digests(seed, ids), ids, strict=True))]


class _Ranking:
    """One specialty's ranking, read from the top: an exact prefix first (every member whose key is
    below a threshold, sorted — all of them rank before every other member), the full ranking only
    if the selection reads past it (skipped experts of several specialties, a small margin)."""

    def __init__(self, prefix: list[str], seed: bytes, ids: Sequence[str]) -> None:
        self._ranked, self._complete = prefix, len(prefix) == len(ids)
        self._seed, self._ids = seed, ids

    def __iter__(self) -> Iterator[str]:
        i = 0
        while True:
            if i == len(self._ranked):
                if self._complete:
                    return
                self._ranked, self._complete = _ranked(self._seed, self._ids), True
            yield self._ranked[i]
            i += 1


@dataclass(frozen=True)
class Outcome:
    """The result: per specialty the seated experts and the backups, each in ranking order."""

    seated: Mapping[str, tuple[str, ...]]
    backups: Mapping[str, tuple[str, ...]]

    def seated_ids(self) -> frozenset[str]:
        return frozenset(e for ids in self.seated.values() for e in ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seated": {code: list(ids) for code, ids in self.seated.items()},
            "backups": {code: list(ids) for code, ids in self.backups.items()},
        }


def select(pool: Pool, seed: bytes) -> Outcome:
    """Seats then backups, specialties in ascending code order, from each specialty's ranking.

    Phase 1: each specialty seats the first ``seats`` of its ranking not already seated (an expert
    of several specialties sits once, for the first specialty whose turn reaches them). Phase 2:
    each specialty lists the first ``backups`` of its ranking neither seated nor already a backup,
    fewer when the ranking runs out. A specialty that cannot fill its seats raises
    :class:`PoolInsufficient`.
    """
    # One key per expert, however many specialties they hold: the keys of the union, once.
    distinct = list(set().union(*pool.eligible.values()))
    digests = _digests(seed, distinct)
    # Only the top of each ranking is read (seats + backups, a margin for skipped experts). Keys are
    # uniform, so a specialty of n members has about 2·want of them below (2·want / n) · 2^256: one
    # threshold, the largest any large specialty needs, keeps a few thousand candidates, found in C
    # (map, compress, a keys-view intersection) instead of a key look-up per (specialty, expert).
    # A small specialty (n ≤ 32·want) is ranked whole from its own keys.
    fraction = {
        code: (2 * (c.seats + c.backups + 8) << 256) // max(len(ids), 1)
        for (code, ids), c in zip(pool.eligible.items(), pool.constraints.values(), strict=True)
    }
    small = 1 << 252
    threshold = max((f for f in fraction.values() if f < small), default=0)
    below = map(operator.lt, digests, repeat(threshold.to_bytes(32, "big")))
    # By position: only the chosen ids are touched (a pass over 100,000 scattered str objects is
    # what costs here, not the comparisons).
    candidates = {distinct[i]: digests[i] for i in compress(count(), below)}
    members = candidates.keys()
    ranked = {}
    for code, ids in pool.eligible.items():
        if fraction[code] >= small:
            ranked[code] = _Ranking(_ranked(seed, ids), seed, ids)
            continue
        hits = members & ids  # C: each id of the specialty looked up among the candidates
        ranked[code] = _Ranking([e for _, e in sorted((candidates[e], e) for e in hits)], seed, ids)
    used: set[str] = set()
    seated: dict[str, tuple[str, ...]] = {}
    short: list[dict[str, Any]] = []
    for code, c in pool.constraints.items():
        taken = _take(ranked[code], c.seats, used)
        if len(taken) < c.seats:
            short.append({"specialty": code, "seats": c.seats, "available": len(taken)})
        seated[code] = tuple(taken)
    if short:
        raise PoolInsufficient(
            "; ".join(f"{s['specialty']}: {s['available']} of {s['seats']}" for s in short),
            "；".join(f"{s['specialty']}：{s['available']}/{s['seats']}" for s in short),
            details=short,
        )
    backups = {code: tuple(_take(ranked[code], c.backups, used)) for code, c in pool.constraints.items()}
    return Outcome(seated=MappingProxyType(seated), backups=MappingProxyType(backups))


def _take(ranked: _Ranking, n: int, used: set[str]) -> list[str]:
    taken: list[str] = []
    if n == 0:
        return taken
    for expert in ranked:
        if expert not in used:
            used.add(expert)
            taken.append(expert)
            if len(taken) == n:
                break
    return taken


# --- the record ---


@dataclass(frozen=True)
class DrawRecord:
    """``DRAW.json``: everything needed to redo the draw (``docs/expert-draw.md`` §"The record").

    Published in stages: the commitments first (:func:`commit`: no public inputs, server seed,
    seed or result); the full record, server seed included, once the result is final (before that
    the result and the seed stay sealed: :meth:`sealed`).
    """

    algorithm: str
    draw_id: str
    constraints: Mapping[str, Seats]
    eligible: Mapping[str, tuple[str, ...]]
    pool_commitment: str
    server_seed_commitment: str
    public_inputs: Mapping[str, str] = field(default_factory=dict)
    server_seed: str | None = None
    seed: str | None = None
    result: Outcome | None = None

    def pool(self) -> Pool:
        """The pool the record draws from, checked and canonical (:meth:`Pool.build`)."""
        return Pool.build(self.draw_id, self.constraints, self.eligible)

    def sealed(self) -> DrawRecord:
        """The record without what would reveal the committee before the result is final (条例 41(二),
        规定 8): the server seed, the seed and the result."""
        return replace(self, server_seed=None, seed=None, result=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "draw_id": self.draw_id,
            "constraints": {code: {"seats": c.seats, "backups": c.backups} for code, c in self.constraints.items()},
            "eligible": {code: list(ids) for code, ids in self.eligible.items()},
            "pool_commitment": self.pool_commitment,
            "server_seed_commitment": self.server_seed_commitment,
            "public_inputs": dict(self.public_inputs),
            "server_seed": self.server_seed,
            "seed": self.seed,
            "result": self.result.to_dict() if self.result is not None else None,
        }

    def to_json(self) -> str:
        """Canonical text: keys sorted, two-space indent, ASCII, one final LF."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> DrawRecord:
        """Parse strictly: every field present with its type, no unknown or repeated key
        (:class:`DrawRecordInvalid` names the field). Values are checked by :func:`verify`."""
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
        except (ValueError, RecursionError) as exc:
            raise DrawRecordInvalid(f"not JSON: {exc}", f"不是 JSON：{exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> DrawRecord:
        r = _Reader(data, "record")
        record = cls(
            algorithm=r.string("algorithm"),
            draw_id=r.string("draw_id"),
            constraints=MappingProxyType(
                {
                    code: Seats(seats=c.integer("seats"), backups=c.integer("backups"))
                    for code, c in r.mapping("constraints").items_of(_Reader.object_of(("seats", "backups")))
                }
            ),
            eligible=MappingProxyType(
                {code: tuple(ids) for code, ids in r.mapping("eligible").items_of(_Reader.strings)}
            ),
            pool_commitment=r.string("pool_commitment"),
            server_seed_commitment=r.string("server_seed_commitment"),
            public_inputs=MappingProxyType(dict(r.mapping("public_inputs").items_of(_Reader.string_value))),
            server_seed=r.optional_string("server_seed"),
            seed=r.optional_string("seed"),
            result=_outcome(r.optional_mapping("result")),
        )
        r.done()
        return record


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DrawRecordInvalid(f"key {key!r} appears twice", f"键 {key!r} 重复")
        out[key] = value
    return out


class _Reader:
    """Reads one JSON object field by field and refuses what it did not read."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise DrawRecordInvalid(f"{where}: an object is expected")
        self.data, self.where, self.read = data, where, set[str]()

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise DrawRecordInvalid(f"{self.where}.{key} is missing", f"缺少 {self.where}.{key}")
        self.read.add(key)
        return self.data[key]

    def _fail(self, key: str, kind: str) -> DrawRecordInvalid:
        return DrawRecordInvalid(f"{self.where}.{key}: {kind} expected", f"{self.where}.{key}：应为{kind}")

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._get(key)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "a string or null")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        if type(value) is not int:
            raise self._fail(key, "an integer")
        return value

    def mapping(self, key: str) -> _Reader:
        return _Reader(self._get(key), f"{self.where}.{key}")

    def optional_mapping(self, key: str) -> _Reader | None:
        value = self._get(key)
        return None if value is None else _Reader(value, f"{self.where}.{key}")

    def items_of(self, convert: Any) -> list[tuple[str, Any]]:
        """Every field, each converted by ``convert(value, where)``."""
        self.read.update(self.data)
        return [(key, convert(value, f"{self.where}.{key}")) for key, value in self.data.items()]

    def done(self) -> None:
        if extra := sorted(set(self.data) - self.read):
            raise DrawRecordInvalid(f"{self.where}: unknown field(s) {', '.join(extra)}")

    @staticmethod
    def object_of(keys: tuple[str, ...]) -> Any:
        def convert(value: Any, where: str) -> _Reader:
            reader = _Reader(value, where)
            if extra := sorted(set(value) - set(keys)):
                raise DrawRecordInvalid(f"{where}: unknown field(s) {', '.join(extra)}")
            return reader

        return convert

    @staticmethod
    def strings(value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DrawRecordInvalid(f"{where}: a list of strings expected")
        return value

    @staticmethod
    def string_value(value: Any, where: str) -> str:
        if not isinstance(value, str):
            raise DrawRecordInvalid(f"{where}: a string expected")
        return value


def _outcome(r: _Reader | None) -> Outcome | None:
    if r is None:
        return None
    seated = r.mapping("seated").items_of(_Reader.strings)
    backups = r.mapping("backups").items_of(_Reader.strings)
    r.done()
    return Outcome(
        seated=MappingProxyType({code: tuple(ids) for code, ids in seated}),
        backups=MappingProxyType({code: tuple(ids) for code, ids in backups}),
    )


def commit(pool: Pool, server_seed: bytes) -> DrawRecord:
    """What is published before the draw: the pool and the server seed committed to."""
    return DrawRecord(
        algorithm=ALGORITHM,
        draw_id=pool.draw_id,
        constraints=pool.constraints,
        eligible=pool.eligible,
        pool_commitment=pool.commitment(),
        server_seed_commitment=server_seed_commitment(server_seed),
    )


def draw(pool: Pool, server_seed: bytes, public_inputs: Mapping[str, str]) -> DrawRecord:
    """The draw: seed from the server seed and the public inputs, then :func:`select`.

    Returns the full record (server seed included) for the platform to keep; publish
    :meth:`DrawRecord.sealed` until the result is final. Raises :class:`PoolInsufficient` when a
    specialty cannot fill its seats, :class:`DrawInputInvalid` on inputs the encoding cannot carry.
    """
    committed = commit(pool, server_seed)
    seed = derive_seed(server_seed, pool.draw_id, committed.pool_commitment, public_inputs)
    return replace(
        committed,
        public_inputs=MappingProxyType({name: public_inputs[name] for name in sorted(public_inputs)}),
        server_seed=server_seed.hex(),
        seed=seed.hex(),
        result=select(pool, seed),
    )


# --- verification ---


class CheckStatus(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    SKIPPED = "skipped"  # an earlier check failed, or the record does not yet hold what it needs


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str


@dataclass(frozen=True)
class VerifyResult:
    """Each check in order; ``ok`` only when every one matches."""

    checks: tuple[Check, ...]
    outcome: Outcome | None = None  # the recomputed committee and backups, when they could be

    @property
    def ok(self) -> bool:
        return all(c.status is CheckStatus.MATCH for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is not CheckStatus.MATCH)


CHECKS: Final = (
    "format",
    "pool_commitment",
    "server_seed_commitment",
    "seed",
    "seated",
    "backups",
)


def _read_pool(record: DrawRecord) -> tuple[Pool | None, list[str]]:
    """The record's pool, canonical, and what keeps the record from being a canonical
    ``bidding-draw-v1`` record; no pool when the record cannot be encoded at all."""
    if record.algorithm != ALGORITHM:
        return None, [f"unknown algorithm {record.algorithm!r} (this verifier knows {ALGORITHM})"]
    try:
        pool = Pool.build(record.draw_id, record.constraints, record.eligible)
    except DrawInputInvalid as exc:
        return None, [exc.detail_en or exc.code]
    problems: list[str] = []
    if list(record.constraints) != sorted(record.constraints) or list(record.eligible) != sorted(record.eligible):
        problems.append("specialties are not in ascending order")
    if set(record.eligible) != set(record.constraints):
        problems.append("the eligible snapshot and the constraints name different specialties")
    problems += [
        f"eligible ids of {code} are not in ascending order"
        for code, ids in record.eligible.items()
        if list(ids) != sorted(ids)
    ]
    hexes = {
        "pool_commitment": record.pool_commitment,
        "server_seed_commitment": record.server_seed_commitment,
        "server_seed": record.server_seed,
        "seed": record.seed,
    }
    problems += [
        f"{name} is not 64 lower-case hex digits"
        for name, v in hexes.items()
        if v is not None and not _HEX32.fullmatch(v)
    ]
    try:
        _check_public_inputs(record.public_inputs)
    except DrawInputInvalid as exc:
        problems.append(exc.detail_en or exc.code)
    if list(record.public_inputs) != sorted(record.public_inputs):
        problems.append("public inputs are not in ascending order of name")
    return pool, problems


def verify(record: DrawRecord) -> VerifyResult:
    """Redo the draw from the record and compare, check by check (:data:`CHECKS`).

    ``format`` (canonical, encodable), ``pool_commitment`` (SHA-256 of the pool document),
    ``server_seed_commitment`` (the revealed server seed against its commitment), ``seed`` (derived
    from the server seed, the commitments and the public inputs), ``seated`` and ``backups``
    (recomputed from the *derived* seed and the snapshot). Digests are compared in constant time.
    A check that cannot run (an un-encodable record, a seed not yet revealed) is ``skipped``.
    """
    checks: list[Check] = []

    def add(name: str, ok: bool, good: str, bad: str) -> None:
        checks.append(Check(name, CheckStatus.MATCH if ok else CheckStatus.MISMATCH, good if ok else bad))

    def skip_rest(reason: str, outcome: Outcome | None = None) -> VerifyResult:
        done = {c.name for c in checks}
        checks.extend(Check(name, CheckStatus.SKIPPED, reason) for name in CHECKS if name not in done)
        return VerifyResult(tuple(checks), outcome)

    pool, problems = _read_pool(record)
    entries = sum(len(ids) for ids in record.eligible.values())
    add(
        "format",
        not problems,
        f"{ALGORITHM}: {len(record.constraints)} specialties, {entries} eligible entries, "
        f"{len(record.public_inputs)} public input(s)",
        "; ".join(problems),
    )
    if pool is None:
        return skip_rest("the record cannot be encoded")
    pool_commitment = pool.commitment()
    add(
        "pool_commitment",
        _equal(pool_commitment, record.pool_commitment),
        f"SHA-256(pool document) = {pool_commitment}",
        f"SHA-256(pool document) = {pool_commitment}, the record says {record.pool_commitment}",
    )
    if record.server_seed is None:
        return skip_rest("the server seed is not revealed yet (it is, once the result is final)")
    if not _HEX32.fullmatch(record.server_seed):
        return skip_rest("the server seed is not 64 hex digits")
    server_seed = bytes.fromhex(record.server_seed)
    seed_commitment = server_seed_commitment(server_seed)
    add(
        "server_seed_commitment",
        _equal(seed_commitment, record.server_seed_commitment),
        f"SHA-256(prefix ‖ server seed) = {seed_commitment}",
        f"SHA-256(prefix ‖ server seed) = {seed_commitment}, the record says {record.server_seed_commitment}",
    )
    if not record.public_inputs:
        return skip_rest("no public input: the seed cannot be derived")
    if not (_HEX32.fullmatch(record.pool_commitment) and _HEX32.fullmatch(record.server_seed_commitment)):
        return skip_rest("a published commitment is not 64 hex digits: the seed message cannot be formed")
    try:
        seed = derive_seed(
            server_seed,
            record.draw_id,
            record.pool_commitment,
            record.public_inputs,
            seed_commitment=record.server_seed_commitment,
        )
    except DrawInputInvalid as exc:
        return skip_rest(exc.detail_en or exc.code)
    add(
        "seed",
        record.seed is not None and _equal(seed.hex(), record.seed),
        f"HMAC-SHA256(server seed, seed message) = {seed.hex()}",
        f"HMAC-SHA256(server seed, seed message) = {seed.hex()}, the record says {record.seed}",
    )
    try:
        outcome = select(pool, seed)
    except PoolInsufficient as exc:
        return skip_rest(f"the pool cannot fill the seats: {exc.detail_en}")
    if record.result is None:
        return skip_rest("the record holds no result", outcome)
    for name, mine, theirs in (
        ("seated", outcome.seated, record.result.seated),
        ("backups", outcome.backups, record.result.backups),
    ):
        count = sum(map(len, mine.values()))
        add(
            name,
            _same(mine, theirs),
            f"{count} expert(s) in {len(mine)} specialties, in the recorded order",
            f"recomputed {_show(mine)}; the record says {_show(theirs)}",
        )
    return VerifyResult(tuple(checks), outcome)


def _equal(mine: str, theirs: str) -> bool:
    # Constant time; as bytes, since a malformed record may hold non-ASCII text where hex belongs.
    return hmac.compare_digest(mine.encode(), theirs.encode())


def _same(a: Mapping[str, tuple[str, ...]], b: Mapping[str, tuple[str, ...]]) -> bool:
    # Specialties as a set (JSON object), each one's experts in order (the order is the result).
    return {k: tuple(v) for k, v in a.items()} == {k: tuple(v) for k, v in b.items()}


def _show(by_specialty: Mapping[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{code}: {', '.join(ids) or '—'}" for code, ids in by_specialty.items())
