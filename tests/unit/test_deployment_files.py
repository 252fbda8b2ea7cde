"""The production stack file is parsed and checked here, since no Docker engine runs on CI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bidding.core.settings import Settings


def compose(repo_root: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((repo_root / "docker-compose.yml").read_text()))


def test_compose_has_the_whole_stack_with_health_checks(repo_root: Path) -> None:
    services = compose(repo_root)["services"]
    assert {"postgres", "redis", "minio", "minio-init", "migrate", "app", "worker"} <= set(services)
    for name in ("postgres", "redis", "minio", "app", "worker"):
        assert "healthcheck" in services[name], name
    assert services["app"]["command"] == ["bidding", "serve"]
    assert services["worker"]["command"] == ["bidding", "worker"]
    assert services["migrate"]["command"] == ["bidding", "migrate"]
    # One CA for every process: created once on a shared volume before the app and workers start.
    assert services["ca-init"]["command"] == ["bidding", "ca", "init"]
    for name in ("app", "worker", "ca-init"):
        assert "pki:/pki" in services[name]["volumes"]
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["ca-init"]["condition"] == "service_completed_successfully"
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "--with-lock" in " ".join(services["minio-init"]["command"])


def test_compose_environment_is_valid_production_settings(repo_root: Path) -> None:
    services = compose(repo_root)["services"]
    for name in ("app", "worker", "migrate"):
        env = {k: str(v) for k, v in services[name]["environment"].items()}
        settings = Settings.from_env(env)  # raises on any bad or unknown variable
        assert settings.is_production and not settings.embedded_redis
        assert settings.storage_url is not None and settings.storage_url.startswith("s3://")
        assert not settings.run_worker_in_process
    app_env = services["app"]["environment"]
    assert int(app_env["BIDDING_WEB_WORKERS"]) >= 2


def test_ci_runs_the_readme_test_command(repo_root: Path) -> None:
    ci = (repo_root / ".ci" / "run").read_text()
    readme = (repo_root / "README.md").read_text()
    assert "exec make test" in ci and "make test" in readme and "make run" in readme
