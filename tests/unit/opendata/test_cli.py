"""`bidding opendata validate FILE`: a valid package passes, a broken or leaking one is refused with
each problem named, an unreadable file exits 2."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bidding.opendata.cli import opendata
from bidding.opendata.schemas import EXTENSIONS
from tests.unit.opendata.stages import all_releases


def _write(tmp_path: Path, releases: list[dict[str, object]]) -> Path:
    package = {
        "uri": "https://bid.example.cn/api/opendata/releases",
        "version": "1.1",
        "extensions": list(EXTENSIONS.values()),
        "publishedDate": "2026-04-12T00:00:00Z",
        "publisher": {"name": "平台"},
        "releases": releases,
    }
    path = tmp_path / "package.json"
    path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_valid_package_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(opendata, ["validate", str(_write(tmp_path, all_releases()))])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "7 releases" in result.output


def test_a_broken_or_leaking_package_is_refused(tmp_path: Path) -> None:
    releases = all_releases()
    releases[0]["tag"] = ["opening"]  # not in the tag codelist
    releases[1]["parties"][0]["details"] = {"bankAccount": "x"}
    result = CliRunner().invoke(opendata, ["validate", str(_write(tmp_path, releases))])
    assert result.exit_code == 1, result.output
    assert "schema /releases/0/tag/0" in result.output
    assert "bankAccount: bank data field" in result.output
    assert "NOT VALID" in result.output


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    assert CliRunner().invoke(opendata, ["validate", str(path)]).exit_code == 2
    path.write_text("[]", encoding="utf-8")
    assert CliRunner().invoke(opendata, ["validate", str(path)]).exit_code == 2
