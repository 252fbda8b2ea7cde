"""The lock files are what a fresh machine installs (`make install`, the image): they must pin every
requirement of pyproject.toml, with hashes, at versions its specifiers allow, and agree with each
other. Editing pyproject.toml without `make lock` fails here instead of on a newcomer's machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def read_lock(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of a uv/pip-compile lock file; every pin must carry a hash."""
    pins: dict[str, str] = {}
    entries = re.split(r"\n(?=\S)", path.read_text())
    for entry in entries:
        match = _PIN.match(entry)
        if not match:
            continue
        assert "--hash=sha256:" in entry, f"{path.name}: {match.group(1)} has no hash"
        pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


@pytest.fixture(scope="module")
def project(repo_root: Path) -> dict[str, object]:
    return tomllib.loads((repo_root / "pyproject.toml").read_text())


def requirements(project: dict[str, object], *, dev: bool) -> list[Requirement]:
    meta = project["project"]
    assert isinstance(meta, dict)
    build = project["build-system"]
    assert isinstance(build, dict)
    names = [*meta["dependencies"], *build["requires"]]
    if dev:
        names += meta["optional-dependencies"]["dev"]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "dev"), [("requirements.lock", False), ("requirements-dev.lock", True)])
def test_lock_pins_every_requirement_within_its_specifier(
    repo_root: Path, project: dict[str, object], lock: str, dev: bool
) -> None:
    pins = read_lock(repo_root / lock)
    environment = default_environment()
    for req in requirements(project, dev=dev):
        if req.marker is not None and not req.marker.evaluate(environment):
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{lock} lacks {req.name}: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{lock} pins {req.name}=={pins[name]}, outside {req.specifier}: run `make lock`"
        )


def test_both_lock_files_pin_the_same_versions(repo_root: Path) -> None:
    runtime = read_lock(repo_root / "requirements.lock")
    dev = read_lock(repo_root / "requirements-dev.lock")
    assert runtime, "requirements.lock pins nothing"
    differing = {name: (version, dev.get(name)) for name, version in runtime.items() if dev.get(name) != version}
    assert not differing, f"the dev lock differs from the runtime lock: {differing}"


def test_the_lock_reader_sees_a_missing_hash(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("alpha==1.0 \\\n    --hash=sha256:00\nbeta==2.0\n    # via alpha\n")
    with pytest.raises(AssertionError, match="beta has no hash"):
        read_lock(lock)
