"""`verify`, `bidding experts verify DRAW.json` and the stand-alone `docs/expert_draw_verify.py` pass on a
real record and fail when one published input byte changes (issue 19, "done when")."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from bidding.experts.draw import CheckStatus, DrawRecord, verify
from bidding.experts.draw_cli import verify_draw
from tests.fixtures.draw_vector import VECTOR_DIR

ROOT = Path(__file__).resolve().parents[3]
STANDALONE = ROOT / "docs" / "expert_draw_verify.py"
STORED = (VECTOR_DIR / "DRAW.json").read_text(encoding="ascii")
RECORD = json.loads(STORED)
#: An eligible expert of one specialty, neither seated nor a backup: their id occurs once in the record.
UNDRAWN = next(e for e in RECORD["eligible"]["A0701"] if STORED.count(e) == 1)


def flip(text: str, old: str, at: int = -1) -> str:
    """``text`` with one character of the unique occurrence of ``old`` changed (to another character
    of the same class: a hex digit for a hex digit), the JSON still well-formed."""
    assert text.count(old) == 1, old
    c = old[at]
    new = ("1" if c != "1" else "2") if c in "0123456789abcdef" else ("x" if c != "x" else "y")
    changed = old[:at] + new + (old[at + 1 :] if at != -1 else "")
    return text.replace(old, changed)


def swap_seated(text: str) -> str:
    data = json.loads(text)
    data["result"]["seated"]["A0101"].reverse()
    return json.dumps(data, sort_keys=True, indent=2) + "\n"


def seated_to_backup(text: str) -> str:
    data = json.loads(text)
    seated, backups = data["result"]["seated"]["A0701"], data["result"]["backups"]["A0701"]
    seated[0], backups[0] = backups[0], seated[0]
    return json.dumps(data, sort_keys=True, indent=2) + "\n"


TAMPERED: dict[str, tuple[Callable[[str], str], set[str]]] = {
    # what is changed: (how, the checks that must fail)
    "server_seed": (lambda t: flip(t, RECORD["server_seed"]), {"server_seed_commitment", "seed"}),
    "public_value": (lambda t: flip(t, RECORD["public_inputs"]["opening_record_sha256"]), {"seed"}),
    "snapshot_expert_id": (lambda t: flip(t, UNDRAWN, at=-2), {"pool_commitment"}),
    "pool_commitment": (lambda t: flip(t, RECORD["pool_commitment"]), {"pool_commitment", "seed"}),
    "server_seed_commitment": (lambda t: flip(t, RECORD["server_seed_commitment"]), {"server_seed_commitment", "seed"}),
    "seed": (lambda t: flip(t, RECORD["seed"]), {"seed"}),
    "seats": (lambda t: t.replace('"seats": 2', '"seats": 3'), {"pool_commitment", "seated"}),
    "result_order": (swap_seated, {"seated"}),
    "seated_and_backup_swapped": (seated_to_backup, {"seated", "backups"}),
}


@pytest.mark.parametrize("what", list(TAMPERED))
def test_verify_fails_when_one_published_input_changes(what: str) -> None:
    how, must_fail = TAMPERED[what]
    text = how(STORED)
    assert text != STORED
    result = verify(DrawRecord.from_json(text))
    assert not result.ok
    failed = {c.name for c in result.checks if c.status is CheckStatus.MISMATCH}
    assert must_fail <= failed, (what, failed)
    # Nothing else is blamed: the format stays right and untouched values still match.
    assert "format" not in failed


def test_an_expert_id_flipped_changes_the_committee_where_it_matters() -> None:
    # A seated expert's id changed in the snapshot: the commitment and the recomputed committee differ.
    seated = RECORD["result"]["seated"]["A0105"][0]
    index = RECORD["eligible"]["A0105"].index(seated)
    text = STORED.replace(f'"{seated}"', f'"{seated[:-1]}{"0" if seated[-1] != "0" else "1"}"', 1)
    data = json.loads(text)
    assert data["eligible"]["A0105"][index] != seated
    failed = {c.name for c in verify(DrawRecord.from_json(text)).failed}
    assert {"pool_commitment", "seated"} <= failed


def test_a_reordered_snapshot_is_not_canonical() -> None:
    data = json.loads(STORED)
    data["eligible"]["A0101"].reverse()
    result = verify(DrawRecord.from_json(json.dumps(data)))
    failed = {c.name: c.detail for c in result.failed}
    assert "not in ascending order" in failed["format"]
    # The commitment is over the sorted snapshot: it still matches.
    assert "pool_commitment" not in failed


def test_an_unknown_algorithm_skips_every_check() -> None:
    result = verify(DrawRecord.from_json(STORED.replace('"bidding-draw-v1"', '"bidding-draw-v2"')))
    assert [c.status for c in result.checks] == [CheckStatus.MISMATCH] + [CheckStatus.SKIPPED] * 5


# --- the command ---


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    return path


def test_cli_exit_0_on_the_real_record() -> None:
    result = CliRunner().invoke(verify_draw, [str(VECTOR_DIR / "DRAW.json")])
    assert result.exit_code == 0, result.output
    assert "all 6 checks match" in result.output
    for name in ("format", "pool_commitment", "server_seed_commitment", "seed", "seated", "backups"):
        assert f"match     {name}" in result.output
    for expert in RECORD["result"]["seated"]["A0101"]:
        assert expert in result.output


@pytest.mark.parametrize(
    "what", ["server_seed", "public_value", "snapshot_expert_id", "pool_commitment", "result_order"]
)
def test_cli_exit_1_when_one_input_changes(tmp_path: Path, what: str) -> None:
    how, must_fail = TAMPERED[what]
    result = CliRunner().invoke(verify_draw, [str(write(tmp_path, "DRAW.json", how(STORED)))])
    assert result.exit_code == 1
    for name in must_fail:
        assert f"mismatch  {name}" in result.output
    assert "NOT VERIFIED" in result.output


def test_cli_exit_1_on_a_file_that_is_not_a_record(tmp_path: Path) -> None:
    result = CliRunner().invoke(verify_draw, [str(write(tmp_path, "DRAW.json", '{"algorithm": "bidding-draw-v1"}'))])
    assert result.exit_code == 1
    assert "draw_record_invalid" in result.output
    assert "record.draw_id is missing" in result.output


def test_cli_exit_1_on_a_sealed_record(tmp_path: Path) -> None:
    sealed = DrawRecord.from_json(STORED).sealed().to_json()
    result = CliRunner().invoke(verify_draw, [str(write(tmp_path, "DRAW.json", sealed))])
    assert result.exit_code == 1
    assert "not revealed yet" in result.output


def test_cli_exit_2_on_a_missing_file(tmp_path: Path) -> None:
    assert CliRunner().invoke(verify_draw, [str(tmp_path / "none.json")]).exit_code == 2


def test_cli_json(tmp_path: Path) -> None:
    good = CliRunner().invoke(verify_draw, ["--json", str(VECTOR_DIR / "DRAW.json")])
    assert good.exit_code == 0
    data = json.loads(good.output)
    assert data["ok"] is True
    assert data["recomputed"] == RECORD["result"]
    bad = CliRunner().invoke(verify_draw, ["--json", str(write(tmp_path, "D.json", swap_seated(STORED)))])
    assert bad.exit_code == 1
    assert {c["name"]: c["status"] for c in json.loads(bad.output)["checks"]}["seated"] == "mismatch"


# --- the stand-alone script (standard library only, no import of bidding) ---


def run_standalone(path: Path) -> subprocess.CompletedProcess[str]:
    # -I: isolated, so the repository is not on the path; the script must need nothing of ours.
    return subprocess.run(
        [sys.executable, "-I", str(STANDALONE), str(path)], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_standalone_script_imports_nothing_of_ours() -> None:
    source = STANDALONE.read_text(encoding="utf-8")
    imports = {line.split()[1] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imports == {"hashlib", "hmac", "json", "sys"}
    assert len(source.splitlines()) <= 70


def test_the_standalone_script_reproduces_the_golden_vector() -> None:
    done = run_standalone(VECTOR_DIR / "DRAW.json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("match: the record is reproduced")
    for code, seated in RECORD["result"]["seated"].items():
        backups = RECORD["result"]["backups"][code]
        assert f"{code}: seated {', '.join(seated)}; backups {', '.join(backups)}" in done.stdout


@pytest.mark.parametrize(
    "what", ["server_seed", "public_value", "snapshot_expert_id", "pool_commitment", "result_order"]
)
def test_the_standalone_script_reports_a_mismatch(tmp_path: Path, what: str) -> None:
    how, _ = TAMPERED[what]
    done = run_standalone(write(tmp_path, "DRAW.json", how(STORED)))
    assert done.returncode == 1
    assert "mismatch: the record is NOT reproduced" in done.stdout
