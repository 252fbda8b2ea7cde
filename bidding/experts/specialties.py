"""The specialty code tree experts are registered and drawn by (评标专业分类; RULES b3, b9: a draw is
"at random within the specialty", and 26号令 asks for a uniform classification).

Shaped like the national 《综合评标专家专业分类标准》: three categories — ``A`` works (工程), ``B``
goods (货物), ``C`` services (服务) — then specialties (``A01`` 建筑工程) and sub-specialties
(``A0101`` 房屋建筑工程), each with a Chinese and an English name. The tree is data
(``specialties.json`` beside this module, with its version); the codes are the platform's own and
are not claimed to be the standard's. An expert is registered for sub-specialties (leaves); a draw
for ``A01`` covers every ``A01xx`` (:func:`covers`).

Pure: no database. Examples are in ``tests/unit/experts/test_pool_specialties.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Final

__all__ = [
    "MAX_PER_EXPERT",
    "Specialty",
    "SpecialtyTree",
    "check_specialties",
    "covers",
    "tree",
]

#: How many sub-specialties one expert may hold: a pool of generalists would defeat "within the specialty".
MAX_PER_EXPERT: Final = 5
_CODE: Final = re.compile(r"[A-C](?:[0-9]{2}){0,2}")


@dataclass(frozen=True)
class Specialty:
    """One node of the tree."""

    code: str
    name_zh: str
    name_en: str

    @property
    def level(self) -> int:
        """1 for a category (``A``), 2 for a specialty (``A01``), 3 for a sub-specialty (``A0101``)."""
        return 1 + (len(self.code) - 1) // 2

    @property
    def parent(self) -> str | None:
        return self.code[:-2] if len(self.code) > 1 else None


def covers(ancestor: str, code: str) -> bool:
    """Whether a draw for ``ancestor`` takes an expert of ``code``: the same code or one beneath it
    (``covers("A01", "A0102")``, ``covers("A", "A0102")``; not ``covers("A0101", "A01")``)."""
    return code.startswith(ancestor)


class SpecialtyTree:
    """The whole classification, checked when built: codes well formed and unique, every parent present."""

    def __init__(self, version: str, nodes: Iterable[Specialty]) -> None:
        self.version = version
        self._nodes: dict[str, Specialty] = {}
        for node in nodes:
            if not _CODE.fullmatch(node.code):
                raise ValueError(f"specialty code {node.code!r} is not A–C followed by up to two pairs of digits")
            if node.code in self._nodes:
                raise ValueError(f"specialty code {node.code} appears twice")
            if not node.name_zh.strip() or not node.name_en.strip():
                raise ValueError(f"specialty {node.code} needs a Chinese and an English name")
            if node.parent is not None and node.parent not in self._nodes:
                raise ValueError(f"specialty {node.code} comes before (or without) its parent {node.parent}")
            self._nodes[node.code] = node

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, code: object) -> bool:
        return code in self._nodes

    def get(self, code: str) -> Specialty | None:
        return self._nodes.get(code)

    def nodes(self) -> list[Specialty]:
        """Every node, in code order (parents before children)."""
        return [self._nodes[c] for c in sorted(self._nodes)]

    def children(self, code: str) -> list[Specialty]:
        return [n for n in self.nodes() if n.parent == code]

    def is_leaf(self, code: str) -> bool:
        return code in self._nodes and not any(n.parent == code for n in self._nodes.values())

    def leaves(self) -> list[Specialty]:
        return [n for n in self.nodes() if self.is_leaf(n.code)]

    def path(self, code: str) -> list[Specialty]:
        """The node and its ancestors, from the category down (``A`` → ``A01`` → ``A0101``)."""
        out: list[Specialty] = []
        current: str | None = code
        while current is not None:
            out.append(self._nodes[current])
            current = self._nodes[current].parent
        return out[::-1]


@cache
def tree() -> SpecialtyTree:
    """The platform's tree, read once from ``specialties.json``."""
    doc = json.loads(files(__package__).joinpath("specialties.json").read_text(encoding="utf-8"))
    return SpecialtyTree(
        str(doc["version"]), (Specialty(row["code"], row["zh"], row["en"]) for row in doc["specialties"])
    )


class SpecialtyError(ValueError):
    """Specialties refused, with the reason in both languages (``pool_rules.PoolRuleError`` wraps it)."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh


def check_specialties(codes: Sequence[str], specialties: SpecialtyTree | None = None) -> tuple[str, ...]:
    """An expert's sub-specialties, the primary one first: 1 to :data:`MAX_PER_EXPERT` distinct leaf
    codes of the tree (upper-cased, spaces dropped). ``("a0101", "C0103")`` → ``("A0101", "C0103")``;
    ``A01`` (not a leaf) and ``A9999`` (unknown) are refused."""
    known = specialties or tree()
    cleaned = [c.strip().upper() for c in codes if c.strip()]
    if not cleaned:
        raise SpecialtyError("at least one specialty code is required", "至少填写一个评标专业代码")
    if len(cleaned) > MAX_PER_EXPERT:
        raise SpecialtyError(
            f"{len(cleaned)} specialties; an expert holds at most {MAX_PER_EXPERT}",
            f"评标专业 {len(cleaned)} 个，每位专家至多 {MAX_PER_EXPERT} 个",
        )
    seen: set[str] = set()
    for code in cleaned:
        if code in seen:
            raise SpecialtyError(f"specialty {code} is listed twice", f"评标专业 {code} 重复")
        seen.add(code)
        node = known.get(code)
        if node is None:
            raise SpecialtyError(
                f"unknown specialty code {code!r} (classification {known.version})",
                f"未知评标专业代码“{code}”（分类版本 {known.version}）",
            )
        if not known.is_leaf(code):
            below = [c.code for c in known.children(code)]
            raise SpecialtyError(
                f"{code} {node.name_en} is a group; register the expert under one of its sub-specialties "
                f"({', '.join(below)})",
                f"{code} {node.name_zh} 为专业大类，请选择其下的具体专业（{'、'.join(below)}）",
            )
    return tuple(cleaned)
