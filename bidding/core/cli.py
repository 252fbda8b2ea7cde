"""What every `bidding` subcommand shares: settings from the environment, running a coroutine, failing cleanly."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import click

from bidding.core.settings import Settings, SettingsError

T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        click.echo(str(exc), err=True)
        click.echo("See the settings table in README.md or run `bidding settings --markdown`.", err=True)
        sys.exit(2)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def run_guarded(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``; turn the errors an operator can fix into one line on stderr and exit code 1."""
    from bidding.core.db.migrate import SchemaNotReady
    from bidding.core.embedded_redis import EmbeddedRedisError
    from bidding.core.errors import DomainError
    from bidding.core.pki.keystore import PkiConfigurationError

    try:
        return run(coro)
    except (SchemaNotReady, EmbeddedRedisError, PkiConfigurationError) as exc:
        fail(str(exc))
    except DomainError as exc:
        fail(f"{exc.code}: {exc.text('en')}")
