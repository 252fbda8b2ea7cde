"""The specialty code tree (``bidding/experts/specialties.json``): its shape (three categories, two
levels below, 60–120 codes, Chinese and English names), what a draw code covers, and which codes an
expert may hold."""

from __future__ import annotations

import pytest

from bidding.experts.specialties import (
    MAX_PER_EXPERT,
    Specialty,
    SpecialtyError,
    SpecialtyTree,
    check_specialties,
    covers,
    tree,
)


def test_the_tree_has_three_categories_and_two_levels_below() -> None:
    known = tree()
    assert 60 <= len(known) <= 120
    categories = [n for n in known.nodes() if n.level == 1]
    assert [(n.code, n.name_zh, n.name_en) for n in categories] == [
        ("A", "工程", "Works"),
        ("B", "货物", "Goods"),
        ("C", "服务", "Services"),
    ]
    for node in known.nodes():
        assert node.name_zh.strip() and node.name_en.strip()
        assert node.level in (1, 2, 3)
        if node.level < 3:
            assert known.children(node.code), f"{node.code} has no sub-specialties"
    assert all(leaf.level == 3 for leaf in known.leaves())
    assert [n.code for n in known.path("A0101")] == ["A", "A01", "A0101"]
    assert known.get("A0101") == Specialty("A0101", "房屋建筑工程", "Building construction")
    # Codes and names unique within each level's parent: no two siblings mean the same.
    for node in known.nodes():
        names = [c.name_zh for c in known.children(node.code)]
        assert len(names) == len(set(names)), node.code


def test_a_draw_code_covers_its_descendants_only() -> None:
    assert covers("A01", "A0102") and covers("A", "A0102") and covers("A0102", "A0102")
    assert not covers("A0101", "A01") and not covers("A02", "A0102") and not covers("B", "A0102")


def test_what_an_expert_may_hold() -> None:
    assert check_specialties([" a0101 ", "C0103"]) == ("A0101", "C0103")
    cases = [
        ([], "at least one"),
        (["A01"], "is a group"),
        (["A"], "is a group"),
        (["A9999"], "unknown specialty"),
        (["A0101", "a0101"], "twice"),
        ([c.code for c in tree().leaves()[: MAX_PER_EXPERT + 1]], "at most"),
    ]
    for codes, message in cases:
        with pytest.raises(SpecialtyError, match=message):
            check_specialties(codes)


def test_a_malformed_tree_is_refused() -> None:
    with pytest.raises(ValueError, match="parent"):
        SpecialtyTree("x", [Specialty("A01", "建筑", "Building")])
    with pytest.raises(ValueError, match="twice"):
        SpecialtyTree("x", [Specialty("A", "工程", "Works"), Specialty("A", "工程", "Works")])
    with pytest.raises(ValueError, match="A–C"):
        SpecialtyTree("x", [Specialty("D", "其他", "Other")])
    with pytest.raises(ValueError, match="English"):
        SpecialtyTree("x", [Specialty("A", "工程", " ")])
