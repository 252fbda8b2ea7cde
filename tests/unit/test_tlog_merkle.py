"""crypto.tlog.merkle against published vectors and a reference written as RFC 6962 §2.1 words it.

Vectors: transparency-dev/merkle ``testonly/constants.go`` (8 leaves, their node and root hashes) and
its ``testdata/`` probes (copied into ``tests/data/tlog/transparency_dev_probes.json``).
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from crypto.tlog.merkle import (
    HASH_SIZE,
    CompactRange,
    ConsistencyError,
    InclusionError,
    MerkleError,
    NodeID,
    ProofPlan,
    consistency_plan,
    empty_root,
    inclusion_plan,
    leaf_hash,
    node_hash,
    range_nodes,
    root_from_inclusion,
    root_of,
    root_plan,
    verify_consistency,
    verify_inclusion,
)
from tests.fixtures.merkle_reference import Reference

PROBES = Path(__file__).parents[1] / "data" / "tlog" / "transparency_dev_probes.json"

# --- transparency-dev/merkle testonly/constants.go -----------------------------------------------

LEAF_INPUTS = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
ROOT_HASHES = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


LEAVES = [leaf_hash(str(i).encode()) for i in range(1001)]
REF = Reference(LEAVES)


def plan_proof(plan: ProofPlan, node: Callable[[NodeID], bytes] = REF.node) -> list[bytes]:
    return plan.assemble([node(i) for i in plan.ids])


def flipped(proof: Sequence[bytes], every_bit: bool = True) -> list[list[bytes]]:
    """Every proof with one bit of one element flipped (or one bit per byte, ``every_bit=False``)."""
    out = []
    for e, element in enumerate(proof):
        for byte in range(len(element)):
            for bit in range(8) if every_bit else [(byte + e) % 8]:
                changed = bytearray(element)
                changed[byte] ^= 1 << bit
                out.append([*proof[:e], bytes(changed), *proof[e + 1 :]])
    return out


# --- hashes and roots ----------------------------------------------------------------------------


def test_hashes_match_rfc6962_vectors() -> None:
    assert empty_root().hex() == ROOT_HASHES[0]
    for level, row in enumerate(NODE_HASHES):
        for index, want in enumerate(row):
            begin, end = NodeID(level, index).coverage()
            assert root_of([leaf_hash(d) for d in LEAF_INPUTS[begin:end]]).hex() == want
    for i in range(0, 8, 2):
        assert node_hash(leaf_hash(LEAF_INPUTS[i]), leaf_hash(LEAF_INPUTS[i + 1])).hex() == NODE_HASHES[1][i // 2]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_rfc6962_vectors(size: int) -> None:
    hashes = [leaf_hash(d) for d in LEAF_INPUTS[:size]]
    assert root_of(hashes).hex() == ROOT_HASHES[size]
    compact = CompactRange()
    for h in hashes:
        compact.append(h)
    assert compact.root().hex() == ROOT_HASHES[size]


def test_node_hash_refuses_short_children() -> None:
    with pytest.raises(ValueError):
        node_hash(b"\x00" * 31, b"\x00" * 32)
    with pytest.raises(ValueError):
        root_of([b"short"])


def test_roots_match_reference_for_every_size_to_1000() -> None:
    compact = CompactRange()
    assert compact.root() == REF.mth(0, 0) == root_of([])
    for n in range(1, 1001):
        compact.append(LEAVES[n - 1])
        want = REF.mth(0, n)
        assert compact.root() == want, n
        assert plan_proof(root_plan(n)) == [want], n
    for n in (0, 1, 2, 3, 255, 256, 257, 511, 999, 1000):
        assert root_of(LEAVES[:n]) == REF.mth(0, n)
    assert plan_proof(root_plan(0)) == [empty_root()]


# --- compact range -------------------------------------------------------------------------------


def test_compact_range_emits_every_complete_node_once_and_resumes() -> None:
    compact = CompactRange()
    emitted: dict[NodeID, bytes] = {}
    for n in range(1000):
        created = compact.append(LEAVES[n])
        assert created[0] == (NodeID(0, n), LEAVES[n])
        assert [node.level for node, _ in created] == list(range(len(created)))
        for node, h in created:
            assert node not in emitted
            assert node.coverage()[1] == n + 1  # a node completes with its last leaf
            emitted[node] = h
        assert len(compact.hashes) == (n + 1).bit_count()
        assert compact.ids() == range_nodes(0, n + 1)
        assert list(compact.hashes) == [emitted[i] for i in compact.ids()]
        if n % 97 == 0:  # resume from what would be persisted
            resumed = CompactRange(compact.size, compact.hashes)
            assert resumed.root() == compact.root()
            assert resumed.append(LEAVES[n + 1]) == CompactRange(n + 1, compact.hashes).append(LEAVES[n + 1])
    complete = {NodeID(level, i) for level in range(11) for i in range(1000 >> level)}
    assert set(emitted) == complete
    for node, h in emitted.items():
        assert h == REF.node(node)


def test_compact_range_refuses_inconsistent_state() -> None:
    with pytest.raises(ValueError):
        CompactRange(3, [LEAVES[0]])  # a tree of 3 has 2 perfect subtrees
    with pytest.raises(ValueError):
        CompactRange(1, [b"short"])
    with pytest.raises(ValueError):
        CompactRange(-1)
    with pytest.raises(ValueError):
        CompactRange().append(b"short")


def compact_range_size(begin: int, end: int) -> int:
    """transparency-dev/merkle compact.RangeSize (via compact.Decompose)."""
    if begin == 0:
        return end.bit_count()
    mask = (1 << ((begin - 1) ^ end).bit_length() - 1) - 1
    return (~(begin - 1) & mask).bit_count() + (end & mask).bit_count()


def test_range_nodes_cover_exactly() -> None:
    for begin in range(40):
        for end in range(begin, 80):
            ids = range_nodes(begin, end)
            covered = [leaf for node in ids for leaf in range(*node.coverage())]
            assert covered == list(range(begin, end))
            for a, b in itertools.pairwise(ids):  # minimal: no two neighbours make one parent
                assert a.sibling() != b
            assert len(ids) == compact_range_size(begin, end)
    with pytest.raises(ValueError):
        range_nodes(5, 4)


# --- proofs against the reference ----------------------------------------------------------------


def test_inclusion_proofs_for_every_leaf_of_every_size_to_64() -> None:
    for n in range(1, 65):
        root = REF.mth(0, n)
        for m in range(n):
            plan = inclusion_plan(m, n)
            for node in plan.ids:  # only complete subtrees of the tree of size n
                assert node.coverage()[1] <= n
            proof = plan_proof(plan)
            assert proof == REF.path(m, 0, n), (m, n)
            verify_inclusion(LEAVES[m], m, n, proof, root)
            assert root_from_inclusion(LEAVES[m], m, n, proof) == root


def test_consistency_proofs_for_every_pair_to_64() -> None:
    for n in range(0, 65):
        for m in range(0, n + 1):
            plan = consistency_plan(m, n)
            for node in plan.ids:
                assert node.coverage()[1] <= n
            proof = plan_proof(plan)
            if m == 0:
                assert proof == []
                continue
            assert proof == REF.proof(m, n), (m, n)
            verify_consistency(m, n, proof, REF.mth(0, m), REF.mth(0, n))


def test_plans_refuse_impossible_arguments() -> None:
    for index, size in ((0, 0), (5, 5), (-1, 3), (6, 5)):
        with pytest.raises(ValueError):
            inclusion_plan(index, size)
    for size1, size2 in ((5, 4), (-1, 3), (1, 0)):
        with pytest.raises(ValueError):
            consistency_plan(size1, size2)
    with pytest.raises(ValueError):
        root_plan(-1)
    plan = inclusion_plan(3, 7)
    with pytest.raises(ValueError):
        plan.assemble([])
    with pytest.raises(ValueError):
        plan.assemble([b"x" * 31] * len(plan.ids))


def test_consistency_from_or_to_the_same_size() -> None:
    root = REF.mth(0, 5)
    verify_consistency(5, 5, [], root, root)
    verify_consistency(0, 0, [], empty_root(), empty_root())
    with pytest.raises(ConsistencyError):
        verify_consistency(5, 5, [], root, REF.mth(0, 4))
    with pytest.raises(ConsistencyError):
        verify_consistency(5, 5, [root], root, root)
    with pytest.raises(ConsistencyError):  # the empty tree's root is SHA-256("")
        verify_consistency(0, 0, [], root, root)
    with pytest.raises(ConsistencyError, match="empty tree proves nothing"):
        verify_consistency(0, 5, [], empty_root(), root)


# --- every single bit flip fails -----------------------------------------------------------------

#: Every pair and every bit for n <= 16; above, a sample of pairs around powers of two and at 1000,
#: with one bit flipped in every byte of the proof.
FLIP_SIZES = [*range(1, 17), 31, 32, 33, 64, 256, 257, 1000]


def flip_sizes(n: int) -> list[int]:
    return list(range(n + 1)) if n <= 16 else sorted({0, 1, n // 3, n // 2 + 1, n - 1, n})


def refused(error: type[MerkleError], check: Callable[..., None], *args: Any) -> bool:
    """Whether ``check(*args)`` raises ``error`` (a try, not pytest.raises: thousands per test)."""
    try:
        check(*args)
    except error:
        return True
    return False


def root_flips(h: bytes) -> list[bytes]:
    """Every bit of the first, a middle and the last byte flipped (a wrong root is a wrong root)."""
    return [
        bytes(b ^ (1 << bit) if i == byte else b for i, b in enumerate(h)) for byte in (0, 13, 31) for bit in range(8)
    ]


@pytest.mark.parametrize("n", FLIP_SIZES)
def test_inclusion_fails_after_any_bit_flip(n: int) -> None:
    root = REF.mth(0, n)
    for m in flip_sizes(n):
        if m >= n:
            continue
        leaf = LEAVES[m]
        proof = plan_proof(inclusion_plan(m, n))
        verify_inclusion(leaf, m, n, proof, root)
        assert all(
            refused(InclusionError, verify_inclusion, leaf, m, n, bad, root) for bad in flipped(proof, n <= 16)
        ), m
        assert all(refused(InclusionError, verify_inclusion, leaf, m, n, proof, bad) for bad in root_flips(root)), m
        assert all(refused(InclusionError, verify_inclusion, bad, m, n, proof, root) for bad in root_flips(leaf)), m
        # Another index or size: refused unless its proof has the same shape (RFC 9162 §2.1.3.2
        # binds the size to the root only through the signed checkpoint: leaf 0 of 3 and of 4 share one).
        for index, size in ((m + 1, n), (m - 1, n), (m ^ 1, n), (m, n + 1), (m, n - 1), (m, 2 * n), (m, n // 2)):
            if (index, size) == (m, n) or not 0 <= index < size:
                continue
            if Reference.path_shape(index, size) == Reference.path_shape(m, n):
                verify_inclusion(leaf, index, size, proof, root)
            else:
                assert refused(InclusionError, verify_inclusion, leaf, index, size, proof, root), (m, n, index, size)
        for index, size in ((m, m), (n, n), (-1, n), (m, 0)):
            assert refused(InclusionError, verify_inclusion, leaf, index, size, proof, root)
        assert refused(InclusionError, verify_inclusion, leaf, m, n, [*proof, proof[-1] if proof else root], root)
        if proof:
            assert refused(InclusionError, verify_inclusion, leaf, m, n, proof[:-1], root)
            assert refused(InclusionError, verify_inclusion, leaf, m, n, proof[::-1], root) or len(set(proof)) == 1


@pytest.mark.parametrize("n", FLIP_SIZES)
def test_consistency_fails_after_any_bit_flip(n: int) -> None:
    root2 = REF.mth(0, n)
    for m in flip_sizes(n):
        if m == 0:
            continue
        root1 = REF.mth(0, m)
        proof = plan_proof(consistency_plan(m, n))
        verify_consistency(m, n, proof, root1, root2)
        check = verify_consistency
        assert all(refused(ConsistencyError, check, m, n, bad, root1, root2) for bad in flipped(proof, n <= 16)), m
        assert all(refused(ConsistencyError, check, m, n, proof, bad, root2) for bad in root_flips(root1)), m
        assert all(refused(ConsistencyError, check, m, n, proof, root1, bad) for bad in root_flips(root2)), m
        for size1, size2 in ((m + 1, n), (m - 1, n), (m, n + 1), (m, n - 1), (m ^ 1, n), (m, 2 * n)):
            if (size1, size2) == (m, n) or not 0 < size1 <= size2:
                continue
            if Reference.proof_shape(size1, size2) == Reference.proof_shape(m, n):
                check(size1, size2, proof, root1, root2)  # the same shape: the same computation
            else:
                assert refused(ConsistencyError, check, size1, size2, proof, root1, root2), (m, n, size1, size2)
        for size1, size2 in ((n, m - 1), (0, n), (-1, n)):
            if (size1, size2) != (0, 0):
                assert refused(ConsistencyError, check, size1, size2, proof, root1, root2)
        assert refused(ConsistencyError, check, m, n, [*proof, root1], root1, root2)
        if proof:
            assert refused(ConsistencyError, check, m, n, proof[:-1], root1, root2)
            assert refused(ConsistencyError, check, m, n, [root1, *proof], root1, root2)


def test_errors_share_a_base() -> None:
    assert issubclass(InclusionError, MerkleError)
    assert issubclass(ConsistencyError, MerkleError)
    assert HASH_SIZE == 32


# --- transparency-dev/merkle testdata probes -----------------------------------------------------

# Deliberate difference: we refuse a "root" that is not 32 bytes even when both sides are equal;
# transparency-dev accepts equal 12-byte "roots" for equal sizes (its check only compares them).
STRICTER = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _probes(kind: str) -> list[dict[str, Any]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(PROBES.read_text())
    return data[kind]


@pytest.mark.parametrize("probe", _probes("inclusion"), ids=lambda p: p["file"])
def test_transparency_dev_inclusion_probes(probe: dict[str, Any]) -> None:
    proof = [_b64(p) for p in probe["proof"] or []]

    def run() -> None:
        verify_inclusion(_b64(probe["leafHash"]), probe["leafIdx"], probe["treeSize"], proof, _b64(probe["root"]))

    if probe["wantErr"]:
        with pytest.raises(InclusionError):
            run()
    else:
        run()


@pytest.mark.parametrize("probe", _probes("consistency"), ids=lambda p: p["file"])
def test_transparency_dev_consistency_probes(probe: dict[str, Any]) -> None:
    proof = [_b64(p) for p in probe["proof"] or []]

    def run() -> None:
        verify_consistency(probe["size1"], probe["size2"], proof, _b64(probe["root1"]), _b64(probe["root2"]))

    if probe["wantErr"] or probe["file"] in STRICTER:
        with pytest.raises(ConsistencyError):
            run()
    else:
        run()


def test_probe_happy_paths_are_our_proofs() -> None:
    """The vectors' proofs over the 8 leaves are exactly what our plans assemble."""
    leaves = [leaf_hash(d) for d in LEAF_INPUTS]
    ref = Reference(leaves)
    seen = 0
    for probe in _probes("inclusion"):
        if probe["file"].endswith("happy-path.json"):
            plan = inclusion_plan(probe["leafIdx"], probe["treeSize"])
            assert plan_proof(plan, ref.node) == [_b64(p) for p in probe["proof"] or []]
            seen += 1
    for probe in _probes("consistency"):
        if probe["file"].endswith("happy-path.json"):
            plan = consistency_plan(probe["size1"], probe["size2"])
            assert plan_proof(plan, ref.node) == [_b64(p) for p in probe["proof"] or []]
            seen += 1
    assert seen >= 10
