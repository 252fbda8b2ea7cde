"""The RFC 6962 / RFC 9162 Merkle tree of the transparency log: hashes, roots, proofs, compact ranges.

Hashing is RFC 9162 §2.1.1 (same as RFC 6962 §2.1) with SHA-256: the empty tree's hash is
``SHA-256("")``, a leaf's ``SHA-256(0x00 ‖ d)``, an interior node's ``SHA-256(0x01 ‖ l ‖ r)``, and a
tree of ``n`` leaves splits at the largest power of two smaller than ``n``.

Proof *generation* reads stored hashes, not leaves. Every node a proof needs is either a complete
(perfect) subtree — stored once, when the compact range creates it (:meth:`CompactRange.append`),
and never changed — or an *ephemeral* node on the tree's right edge, which is the hash of a few
complete subtrees. :func:`inclusion_plan` and :func:`consistency_plan` say which complete subtrees
to read (:class:`ProofPlan.ids`) and :meth:`ProofPlan.assemble` folds them into the proof; this is
the design of transparency-dev/merkle (``proof/proof.go``, ``compact/range.go``).

Proof *verification* is the algorithm of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency),
word for word, with every hash's length checked and roots compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

__all__ = [
    "HASH_SIZE",
    "CompactRange",
    "ConsistencyError",
    "InclusionError",
    "MerkleError",
    "NodeID",
    "ProofPlan",
    "consistency_plan",
    "empty_root",
    "inclusion_plan",
    "leaf_hash",
    "node_hash",
    "range_nodes",
    "root_from_inclusion",
    "root_of",
    "root_plan",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"
_EMPTY_ROOT: Final = hashlib.sha256(b"").digest()


class MerkleError(Exception):
    """A Merkle tree proof or state is wrong (the message says why)."""


class InclusionError(MerkleError):
    """An inclusion proof does not verify (RFC 9162 §2.1.3.2)."""


class ConsistencyError(MerkleError):
    """A consistency proof does not verify (RFC 9162 §2.1.4.2)."""


# --- hashes (RFC 9162 §2.1.1) -------------------------------------------------------------------


def empty_root() -> bytes:
    """The hash of the empty tree, ``MTH({}) = SHA-256("")`` (RFC 9162 §2.1.1)."""
    return _EMPTY_ROOT


def leaf_hash(data: bytes) -> bytes:
    """A leaf's hash, ``MTH({d}) = SHA-256(0x00 ‖ d)`` (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node's hash, ``SHA-256(0x01 ‖ MTH(left) ‖ MTH(right))`` (RFC 9162 §2.1.1).

    Raises :class:`ValueError` unless both children are :data:`HASH_SIZE` bytes.
    """
    if len(left) != HASH_SIZE or len(right) != HASH_SIZE:
        raise ValueError(f"a child hash is {HASH_SIZE} bytes, got {len(left)} and {len(right)}")
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _fold(hashes: Sequence[bytes]) -> bytes:
    """The root of a tree given its perfect subtrees' hashes, left to right (biggest first)."""
    if not hashes:
        return _EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of the leaves whose hashes are given (RFC 9162 §2.1.1), in O(n).

    Iterative: a stack of perfect-subtree hashes (a compact range), folded right to left at the end.
    """
    stack: list[bytes] = []
    for count, h in enumerate(leaf_hashes):
        if len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash {count} is {len(h)} bytes, not {HASH_SIZE}")
        while count & 1:
            h = node_hash(stack.pop(), h)
            count >>= 1
        stack.append(h)
    return _fold(stack)


# --- node ids and compact ranges -----------------------------------------------------------------


@dataclass(frozen=True, order=True, slots=True)
class NodeID:
    """A complete (perfect) subtree: level ``level`` (0 = leaves), the ``index``-th at that level.

    It covers the leaves ``[index << level, (index + 1) << level)``; its hash never changes once the
    tree holds all of them. (transparency-dev/merkle ``compact.NodeID``.)
    """

    level: int
    index: int

    def __post_init__(self) -> None:
        if self.level < 0 or self.index < 0:
            raise ValueError(f"a node's level and index are non-negative, got ({self.level}, {self.index})")

    def parent(self) -> NodeID:
        """The node one level up that contains this one."""
        return NodeID(self.level + 1, self.index >> 1)

    def sibling(self) -> NodeID:
        """The other child of this node's parent."""
        return NodeID(self.level, self.index ^ 1)

    def coverage(self) -> tuple[int, int]:
        """The ``[begin, end)`` range of leaf indices this node covers."""
        return self.index << self.level, (self.index + 1) << self.level


def range_nodes(begin: int, end: int) -> list[NodeID]:
    """The perfect subtrees that exactly cover leaves ``[begin, end)``, left to right.

    The minimal such set (the compact range of transparency-dev/merkle ``compact.RangeNodes``):
    nodes growing in size along the left border, then shrinking along the right border.
    """
    if not 0 <= begin <= end:
        raise ValueError(f"not a range: [{begin}, {end})")
    ids: list[NodeID] = []
    pos = begin
    while pos < end:
        # The biggest aligned subtree starting at pos that does not pass end.
        level = (pos & -pos).bit_length() - 1 if pos else end.bit_length()
        while pos + (1 << level) > end:
            level -= 1
        ids.append(NodeID(level, pos >> level))
        pos += 1 << level
    return ids


# --- proof plans (transparency-dev/merkle proof/proof.go) ----------------------------------------


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """Which stored complete-subtree hashes a proof needs, and how to fold them into the proof.

    ``ids`` are complete subtrees of the tree the proof is for; read their hashes (in ``ids`` order)
    and pass them to :meth:`assemble`. ``fold`` (if not ``None``) is a ``(begin, end)`` slice of
    ``ids``: perfect subtrees, left to right, that together make one *ephemeral* node of the proof
    (a subtree on the right edge that is not complete); :meth:`assemble` replaces them with the hash
    of the tree they form. An empty fold slice stands for the empty tree.
    """

    ids: tuple[NodeID, ...]
    fold: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.fold is not None and not 0 <= self.fold[0] <= self.fold[1] <= len(self.ids):
            raise ValueError(f"fold {self.fold} is not a slice of {len(self.ids)} ids")

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        """The proof, from the hashes of :attr:`ids` in the same order (ephemeral nodes rehashed).

        Raises :class:`ValueError` if the count or a hash's length is wrong.
        """
        if len(hashes) != len(self.ids):
            raise ValueError(f"the plan reads {len(self.ids)} hashes, got {len(hashes)}")
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise ValueError(f"hash {i} ({self.ids[i]}) is {len(h)} bytes, not {HASH_SIZE}")
        if self.fold is None:
            return list(hashes)
        begin, end = self.fold
        return [*hashes[:begin], _fold(hashes[begin:end]), *hashes[end:]]


def _path_nodes(index: int, level: int, size: int) -> ProofPlan:
    """The nodes proving that node ``(level, index)`` is in the tree of ``size`` leaves, itself first.

    transparency-dev/merkle ``proof.nodes``: siblings up to the *fork* (where the path to the node
    leaves the path to leaf ``size``); then the subtrees right of the fork, which make the fork's
    ephemeral sibling (folded); then the subtrees left of the fork, lowest first.
    """
    inner = (index ^ (size >> level)).bit_length() - 1
    fork = NodeID(level + inner, index >> inner)
    begin, end = fork.coverage()
    node = NodeID(level, index)
    ids = [node]
    while node.level < fork.level:
        ids.append(node.sibling())
        node = node.parent()
    fold_begin = len(ids)
    ids.extend(range_nodes(end, size))
    fold_end = len(ids)
    ids.extend(reversed(range_nodes(0, begin)))
    return ProofPlan(tuple(ids), (fold_begin, fold_end) if fold_begin < fold_end else None)


def _skip_first(plan: ProofPlan) -> ProofPlan:
    fold = None if plan.fold is None else (plan.fold[0] - 1, plan.fold[1] - 1)
    return ProofPlan(plan.ids[1:], fold)


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """How to build ``PATH(index, D[size])``, the inclusion proof of RFC 9162 §2.1.3.1.

    Raises :class:`ValueError` unless ``0 <= index < size``.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    return _skip_first(_path_nodes(index, 0, size))


def consistency_plan(size1: int, size2: int) -> ProofPlan:
    """How to build ``PROOF(size1, D[size2])``, the consistency proof of RFC 9162 §2.1.4.1.

    The proof is empty when ``size1 == size2`` or ``size1 == 0`` (nothing to prove; note that
    :func:`verify_consistency` refuses ``0 < size2`` from the empty tree). Raises
    :class:`ValueError` unless ``0 <= size1 <= size2``.
    """
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    if size1 in (0, size2):
        return ProofPlan(())
    # The biggest perfect subtree ending at size1, and its path into the tree of size2; its own
    # hash is the proof's first element unless it is the whole old tree (the verifier has that).
    level = (size1 & -size1).bit_length() - 1
    plan = _path_nodes((size1 - 1) >> level, level, size2)
    return _skip_first(plan) if size1 & (size1 - 1) == 0 else plan


def root_plan(size: int) -> ProofPlan:
    """How to compute the root of the tree of ``size`` leaves: its perfect subtrees, left to right.

    :meth:`ProofPlan.assemble` folds them into one hash, ``[root]`` (``[empty_root()]`` for 0).
    """
    if size < 0:
        raise ValueError(f"a tree size is non-negative, got {size}")
    ids = tuple(range_nodes(0, size))
    return ProofPlan(ids, (0, len(ids)))


# --- verification (RFC 9162 §2.1.3.2, §2.1.4.2) --------------------------------------------------


_BYTES: Final = (bytes, bytearray, memoryview)


def _check_hashes(what: str, hashes: Sequence[bytes], error: type[MerkleError]) -> None:
    for i, h in enumerate(hashes):
        if not isinstance(h, _BYTES) or len(h) != HASH_SIZE:
            raise error(f"{what} {i} is not a {HASH_SIZE}-byte hash")


def _children(left: bytes, right: bytes) -> bytes:
    """:func:`node_hash` for hashes already checked (the verification loops)."""
    return hashlib.sha256(b"".join((_NODE_PREFIX, left, right))).digest()


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that an inclusion proof leads to (RFC 9162 §2.1.3.2, all but the final comparison).

    Raises :class:`InclusionError` if ``index`` is not below ``size``, a hash is not
    :data:`HASH_SIZE` bytes, or the proof has the wrong number of elements.
    """
    if not 0 <= index < size:
        raise InclusionError(f"leaf {index} is not in a tree of size {size}")
    _check_hashes("leaf hash", [leaf_hash], InclusionError)
    _check_hashes("proof element", proof, InclusionError)
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise InclusionError(f"the proof is longer than a proof for leaf {index} in a tree of size {size}")
        if fn & 1 or fn == sn:
            r = _children(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InclusionError(f"the proof is shorter than a proof for leaf {index} in a tree of size {size}")
    return r


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the leaf hash ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`InclusionError` (message says why) on any failure.
    """
    _check_hashes("root", [root], InclusionError)
    computed = root_from_inclusion(leaf_hash, index, size, proof)
    if not hmac.compare_digest(computed, root):
        raise InclusionError(f"the proof for leaf {index} leads to another root than the tree of size {size}'s")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check that the tree of ``size2`` with ``root2`` extends the tree of ``size1`` with ``root1``.

    RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots. From the empty tree
    (``size1 == 0 < size2``) there is nothing a proof could show, so it is refused, as
    transparency-dev/merkle does: trust a first checkpoint on its signature, not on a proof.
    Raises :class:`ConsistencyError` (message says why) on any failure.
    """
    _check_hashes("root", [root1, root2], ConsistencyError)
    _check_hashes("proof element", proof, ConsistencyError)
    if not 0 <= size1 <= size2:
        raise ConsistencyError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == size2:
        if proof:
            raise ConsistencyError(f"the proof between equal sizes ({size1}) must be empty")
        if size1 == 0 and not hmac.compare_digest(root1, _EMPTY_ROOT):
            raise ConsistencyError("the root of the empty tree is SHA-256 of nothing")
        if not hmac.compare_digest(root1, root2):
            raise ConsistencyError(f"two different roots for the tree of size {size1}")
        return
    if size1 == 0:
        raise ConsistencyError("a consistency proof from the empty tree proves nothing")
    if not proof:  # step 1
        raise ConsistencyError(f"an empty proof from size {size1} to size {size2}")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: the old tree is one perfect subtree
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ConsistencyError(f"the proof is longer than a proof from size {size1} to size {size2}")
        if fn & 1 or fn == sn:
            fr = _children(c, fr)
            sr = _children(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # step 7
        raise ConsistencyError(f"the proof is shorter than a proof from size {size1} to size {size2}")
    old_ok = hmac.compare_digest(fr, root1)
    new_ok = hmac.compare_digest(sr, root2)
    if not old_ok:
        raise ConsistencyError(f"the proof does not lead to the root of size {size1}")
    if not new_ok:
        raise ConsistencyError(f"the proof does not lead to the root of size {size2}")


# --- compact range (transparency-dev/merkle compact/range.go) -----------------------------------


class CompactRange:
    """The right edge of a tree of ``size`` leaves: the hashes of its perfect subtrees.

    At most ``log2(size) + 1`` hashes, biggest (leftmost) first — exactly one per set bit of
    ``size``. Enough to append leaves and compute the root (RFC 9162 §2.1.1) without the leaves.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError(f"a tree size is non-negative, got {size}")
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} perfect subtrees, got {len(hashes)}")
        for i, h in enumerate(hashes):
            if len(h) != HASH_SIZE:
                raise ValueError(f"hash {i} is {len(h)} bytes, not {HASH_SIZE}")
        self._size = size
        self._hashes = [bytes(h) for h in hashes]

    @property
    def size(self) -> int:
        """The number of leaves."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect subtrees' hashes, biggest first: what to persist to resume the range."""
        return tuple(self._hashes)

    def ids(self) -> list[NodeID]:
        """The perfect subtrees whose hashes :attr:`hashes` holds, in the same order."""
        return range_nodes(0, self._size)

    def append(self, leaf_hash: bytes) -> list[tuple[NodeID, bytes]]:
        """Add a leaf; return every complete node this creates (the leaf first, then upwards).

        Storing these is storing the whole tree: each node is emitted once, when it completes.
        """
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, got {len(leaf_hash)}")
        index, level, h = self._size, 0, bytes(leaf_hash)
        created = [(NodeID(0, index), h)]
        while index & 1:
            h = node_hash(self._hashes.pop(), h)
            index >>= 1
            level += 1
            created.append((NodeID(level, index), h))
        self._hashes.append(h)
        self._size += 1
        return created

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves so far (RFC 9162 §2.1.1)."""
        return _fold(self._hashes)

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size})"
