"""docs/transparency-log.md shows the stand-alone verifier exactly as it is tested."""

from __future__ import annotations

from pathlib import Path


def test_the_docs_show_the_tested_verifier_verbatim(repo_root: Path) -> None:
    script = (repo_root / "docs" / "examples" / "verify_tlog_proof.py").read_text(encoding="utf-8")
    doc = (repo_root / "docs" / "transparency-log.md").read_text(encoding="utf-8")
    assert f"```python\n{script}```" in doc
    assert len(script.splitlines()) < 100
    imported = {line.split()[1].split(".")[0] for line in script.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= {"base64", "hashlib", "sys", "cryptography"}, imported
