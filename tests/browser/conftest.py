"""Fixtures for the browser tests: a built web app, a real `bidding serve --demo`, Debian's Chromium.

Chromium is Debian's (`apt-get install chromium`), launched by Playwright with ``executable_path``;
Playwright's own browser download does not work on these machines. A missing browser fails the
run with the command that installs it: browser tests are never skipped silently.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.fixtures.processes import clean_env, free_port, stop
from tests.fixtures.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
# Parallel work (several checkouts or sessions sharing one tree) can build into its own folder.
DIST = Path(os.environ.get("TEST_FRONTEND_DIST", str(FRONTEND / "dist")))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ADMIN_TOKEN = "browser-test-admin-token-" + "a" * 32
SECRET_KEY = "browser-test-secret-key-" + "s" * 32
CHROMIUM = Path(os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}


def _newest_source_mtime() -> float:
    sources = [FRONTEND / name for name in ("index.html", "package.json", "package-lock.json", "vite.config.ts")]
    sources += [p for p in (FRONTEND / "src").rglob("*") if p.is_file()]
    sources += [p for p in (FRONTEND / "public").rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in sources if p.exists())


def _run(args: list[str]) -> None:
    result = subprocess.run(args, cwd=FRONTEND, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed in frontend/:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """frontend/dist, built now if missing or older than the sources (`npm ci` first if needed)."""
    index = DIST / "index.html"
    if index.exists() and index.stat().st_mtime >= _newest_source_mtime():
        return DIST
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("frontend/dist is missing or stale and npm is not installed (Node.js ≥ 20 with npm is needed)")
    if not (FRONTEND / "node_modules").is_dir():
        _run([npm, "ci"])
    _run([npm, "run", "typecheck"])
    _run([npm, "exec", "--", "vite", "build", "--outDir", str(DIST), "--emptyOutDir"])
    return DIST


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: the browser tests need Debian's Chromium.\n"
            "Install it with:  apt-get update && apt-get install -y chromium\n"
            "(or point TEST_CHROMIUM at another Chromium binary)"
        )
    return CHROMIUM


@dataclass(frozen=True)
class Server:
    base: str
    data_dir: Path
    env: dict[str, str]
    log: Path

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)

    def demo_identities(self) -> list[dict[str, Any]]:
        return list(json.loads((self.data_dir / "demo" / "identities" / "identities.json").read_text()))

    def python(self, code: str) -> str:
        """Run ``code`` in a fresh interpreter with the server's settings (same data dir); return stdout."""
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"snippet failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
        return result.stdout


@contextlib.contextmanager
def running_server(
    tmp: Path, dist: Path, extra_env: dict[str, str] | None = None, serve_args: tuple[str, ...] = ()
) -> Iterator[Server]:
    """`python -m bidding serve --demo` on a free port with the built web app and its own data dir."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = (
        clean_env()
        | {
            "BIDDING_DATA_DIR": str(tmp / "var"),
            "BIDDING_HOST": "127.0.0.1",
            "BIDDING_PORT": str(port),
            "BIDDING_PUBLIC_BASE_URL": base,
            "BIDDING_FRONTEND_DIR": str(dist),
            "BIDDING_ADMIN_TOKEN": ADMIN_TOKEN,
            "BIDDING_SECRET_KEY": SECRET_KEY,
            # Small chunks so a browser test can interrupt an upload of a few MiB half-way.
            "BIDDING_UPLOAD_CHUNK_MIB": "1",
        }
        | (extra_env or {})
    )
    log = tmp / "serve.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bidding", "serve", "--demo", *serve_args],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    srv = Server(base, tmp / "var", env, log)
    try:
        _wait_ready(srv, proc)
        yield srv
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The shared demo server of the browser tests (real clock)."""
    with running_server(tmp_path_factory.mktemp("browser"), frontend_dist) as srv:
        yield srv


@dataclass(frozen=True)
class ClockedServer(Server):
    """A demo server whose clock the test moves (`BIDDING_CLOCK_OFFSET_FILE`)."""

    offset_file: Path = Path()

    def advance(self, seconds: float) -> None:
        """Move the server's clock forward by ``seconds`` (cumulative)."""
        current = float(self.offset_file.read_text() or 0) if self.offset_file.exists() else 0.0
        self.offset_file.write_text(str(current + seconds))

    def now(self) -> datetime:
        current = float(self.offset_file.read_text() or 0) if self.offset_file.exists() else 0.0
        return datetime.now(UTC) + timedelta(seconds=current)


@pytest.fixture(scope="module")
def clocked_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockedServer]:
    """A demo server of its own for one test module, with an injectable clock (no demo opening)."""
    tmp = tmp_path_factory.mktemp("clocked")
    offset = tmp / "clock-offset"
    offset.write_text("0")
    extra = {"BIDDING_CLOCK_OFFSET_FILE": str(offset)}
    with running_server(tmp, frontend_dist, extra, ("--demo-opening-minutes", "0")) as srv:
        yield ClockedServer(srv.base, srv.data_dir, srv.env, srv.log, offset_file=offset)


def _wait_ready(srv: Server, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    last: object = None
    index = srv.data_dir / "demo" / "identities" / "identities.json"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"bidding serve exited early:\n{srv.log.read_text()[-4000:]}")
        try:
            last = httpx.get(f"{srv.base}/ready", timeout=2)
            if last.status_code == 200 and index.exists():
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.25)
    raise AssertionError(f"server not ready: {last}\n{srv.log.read_text()[-4000:]}")


# Module scope, not session: while the sync API is open, its event loop counts as running in this
# thread, and pytest-asyncio could not run the async tests collected after this folder.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright, chromium_path: Path) -> Iterator[Browser]:
    b = playwright_instance.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    yield b
    b.close()


def new_context(browser: Browser, server: Server, **options: Any) -> BrowserContext:
    """A fresh browser profile (empty IndexedDB and storage), zh-CN, desktop size unless told."""
    settings: dict[str, Any] = {"locale": "zh-CN", "viewport": DESKTOP, "accept_downloads": True} | options
    ctx = browser.new_context(base_url=server.base, **settings)
    ctx.set_default_timeout(30_000)
    return ctx


def open_page(browser: Browser, srv: Server, made: list[BrowserContext], errors: list[str], **options: Any) -> Page:
    """A page in a new browser profile (kept in ``made`` to be closed), its script errors in ``errors``."""
    ctx = new_context(browser, srv, **options)
    made.append(ctx)
    page = ctx.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """The browser profiles a test opens (:func:`open_page`), closed after it."""
    made: list[BrowserContext] = []
    yield made
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="module")
def mailbox() -> Iterator[SmtpServer]:
    """An SMTP server of the module's own (aiosmtpd) that a server started with :func:`mail_env` sends to."""
    smtp = SmtpServer().start()
    yield smtp
    smtp.stop()


def mail_env(mailbox: SmtpServer) -> dict[str, str]:
    """The settings that send a server's e-mail to ``mailbox``."""
    return {
        "BIDDING_SMTP_URL": mailbox.url,
        "BIDDING_SMTP_FROM": "电子招投标平台 <noreply@ggzy.example.cn>",
        "BIDDING_SMTP_STARTTLS": "off",
    }


class People:
    """Several people at once, each in a browser profile of their own (storage, IndexedDB keys,
    session), on one server. Uncaught errors of their pages are collected; every profile is closed
    when the ``with`` block ends."""

    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.errors: list[str] = []
        self._contexts: list[BrowserContext] = []

    def page(self) -> Page:
        ctx = new_context(self.browser, self.server)
        self._contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        return page

    def assert_no_page_errors(self) -> None:
        assert not self.errors, f"uncaught errors in the pages: {self.errors}"

    def __enter__(self) -> People:
        return self

    def __exit__(self, *_: object) -> None:
        for ctx in self._contexts:
            ctx.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    ctx = new_context(browser, server)
    yield ctx
    ctx.close()


@pytest.fixture
def phone_context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    ctx = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    assert not errors, f"uncaught errors in the page: {errors}"


class StepShots:
    """Numbered screenshots of the steps of one test, of any of its pages, in the order they happen:
    tests/browser/artifacts/<test>/<nn>-<step>.png."""

    def __init__(self, name: str, *, full_page: bool = True) -> None:
        self.full_page = full_page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        if self.full_page:
            # A full-page capture of a scrolled page draws the sticky header half-way down.
            page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=self.full_page)
        return path


class Shots(StepShots):
    """Screenshots of one page's steps (see StepShots)."""

    def __init__(self, page: Page, name: str, *, full_page: bool = True) -> None:
        super().__init__(name, full_page=full_page)
        self.page = page

    def __call__(self, step: str) -> Path:
        return self.take(self.page, step)


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page fits its viewport's width (phone-sized screens): nothing scrolls sideways."""
    widths = page.evaluate(
        "() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })"
    )
    assert widths["scroll"] <= widths["client"], widths


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)
