"""How the tests share code (issue 17): through ``tests/fixtures/`` and ``conftest.py``, never by one
test module importing another. A test module imported elsewhere brings its tests and module-scoped
fixtures along and hides what is shared; this reads every import of every file under ``tests/``."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)


def is_test_module(name: str) -> bool:
    return name.split(".")[0] == "tests" and name.rsplit(".", 1)[-1].startswith("test_")


def imported_modules(source: str, package: str) -> list[tuple[int, str]]:
    """Every module that ``source`` (a module of ``package``) imports, anywhere in it, as an absolute
    name with its line; relative imports are resolved, and ``from p import n`` gives ``p`` and ``p.n``
    (``n`` may be a module)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *([base] if base else [])])
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def test_every_form_of_import_is_read() -> None:
    tests = "tests"  # spelled apart, so that grepping the tree for such imports finds none here
    source = (
        f"import {tests}.crypto.test_ca\n"
        f"from {tests}.crypto import test_login as login\n"
        "from .test_clock import x\n"
        "from ..integration.test_tendering import y\n"
        "from . import test_domain\n"
        "def f():\n"
        f"    from {tests}.fixtures.pki import make_pki\n"
        f"    import {tests}.fixtures.sealed\n"
    )
    names = [name for _, name in imported_modules(source, "tests.unit")]
    assert {name for name in names if is_test_module(name)} == {
        "tests.crypto.test_ca",
        "tests.crypto.test_login",
        "tests.unit.test_clock",
        "tests.integration.test_tendering",
        "tests.unit.test_domain",
    }
    assert {"tests.fixtures.pki", "tests.fixtures.sealed"} <= set(names)
    assert module_name(TESTS / "fixtures" / "pki.py") == "tests.fixtures.pki"


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in ``tests/fixtures/`` (fixtures registered in ``tests/conftest.py``)."""
    wrong = []
    for path in sorted(TESTS.rglob("*.py")):
        package = module_name(path).rsplit(".", 1)[0]
        for line, name in imported_modules(path.read_text(encoding="utf-8"), package):
            if is_test_module(name):
                wrong.append(f"{path.relative_to(TESTS.parent)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_shared_modules_are_not_test_modules() -> None:
    assert not [p.name for p in (TESTS / "fixtures").glob("test_*.py")]
