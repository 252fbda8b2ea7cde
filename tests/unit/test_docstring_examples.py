"""The examples in the packages' docstrings (``>>>``) are true: each module that has one is run
through :mod:`doctest`, so a rule's documented example cannot drift from what the rule does."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import bidding.app  # noqa: F401  (every model mapped, as in the running platform)

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bidding", "opening_room", "crypto", "storage")


def _modules_with_examples() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if ">>> " in path.read_text(encoding="utf-8"):
                found.append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


MODULES = _modules_with_examples()


def test_the_packages_have_examples() -> None:
    assert len(MODULES) >= 10, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no example doctest can run"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} fail"
