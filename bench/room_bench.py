"""The opening room's viewers: N public viewers follow a real opening, against a bare ``broadcast()`` baseline.

    python bench/room_bench.py                    # 1,000, 5,000 and 10,000 viewers
    python bench/room_bench.py --quick            # 500 viewers
    python bench/room_bench.py --sizes 1000,5000  # choose

What it does per size N, all on 127.0.0.1 (issue 22, docs/opening-room-protocol.md):

1. **the platform**: starts ``python -m bidding serve --demo`` on the embedded default (SQLite, local
   object store, embedded Redis) with a fresh data dir in a temp dir, its live demo lot's bid
   deadline a few minutes ahead (``--demo-opening-minutes``, enough for N joins). The demo's
   simulated participants (a background thread of that process) upload five bids, then at the
   deadline the server extracts them and the host, supervisor and bidders play the opening through
   the real WebSocket: bidders unwrap their data keys locally and decrypt (one wrong key first, one
   bidder never decrypts), 唱标, an objection and its answer, the record signed by four bidders,
   closed. Once the server is idle (the uploads done), N public viewers join the lot's room
   (``hello`` without a token, ``since`` 0) and follow it to ``session.closed``;
2. **the baseline**: a bare ``websockets`` server in its own subprocess (this file with
   ``--baseline-server``), which answers ``hello`` with a ``welcome`` and the history, then replays
   the events the app's viewers received live — same names and data, same gaps between them
   (events committed together go back to back), each stamped ``at`` = now — with
   ``websockets.broadcast()`` to the same N clients.

The clients are the same code in both runs: ``--procs`` processes (default one per 1,250 viewers),
each an asyncio loop with the ``websockets`` client, joining at most 64 connections at a time.

Figures per N (app, baseline, app / baseline):

* ``joins/s``: N / (first connect → last ``welcome``); ``server CPU per join``: the server
  process's user + system time (``/proc/<pid>/stat``) over that phase / N;
* ``delivery p50 / p99``: per (viewer, live event), receipt time − the event's own ``at``
  (same machine, same clock); ``spread p50 / max``: per event, last viewer's receipt − first's;
* ``lost`` / ``duplicated``: by sequence number, against the lot's public events
  (``GET /api/public/openings/{lot}/events``) or the replayed list; viewers closed early;
* ``RSS per connection``: (server VmRSS with N joined − before the joins) / N.

Checking the client: each client process reports its CPU time and the worst lag of its event loop
(a 50 ms ticker) while events were live; the bench prints them, so one can tell when the clients,
not the server, set the pace. Both runs share the machine's cores with the clients.

The last line is the p99 delivery ratio at 5,000 viewers (or the largest size run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets

ADMIN_TOKEN = "room-bench-admin-token-" + "a" * 24
SECRET_KEY = "room-bench-secret-key-" + "b" * 24
TERMINAL = frozenset({"session.closed", "session.failed", "session.adjourned"})
LOT_RE = re.compile(r"demo opening: project \S+, lot ([0-9a-f-]{36})")
JOIN_CONCURRENCY = 64  # connections being opened at once per client process
LAG_TICK = 0.05


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_idle(pid: int, *, below: float = 0.05, timeout: float = 60) -> None:
    """Until the process uses less than ``below`` of a core over a second (the demo's uploads done)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        before = cpu_seconds(pid)
        time.sleep(1)
        if cpu_seconds(pid) - before < below:
            return


# ----------------------------------------------------------------------------- the clients


@dataclass
class Viewer:
    welcomed: float = 0.0
    welcome_seq: int = 0
    received: dict[int, float] = field(default_factory=dict)  # seq → receipt (epoch s)
    at: dict[int, str] = field(default_factory=dict)
    duplicates: int = 0
    closed: int | None = None  # close code when the server closed before the end
    error: str = ""
    done: bool = False


async def _view(url: str, viewer: Viewer, gate: asyncio.Semaphore) -> None:
    try:
        async with gate:
            ws = await websockets.connect(url, open_timeout=120, ping_interval=None, max_queue=None)
            await ws.send(json.dumps({"type": "hello", "token": None, "since": 0}))
            raw = await ws.recv()
            message = json.loads(raw)
            if message.get("type") != "welcome":
                viewer.error = f"no welcome: {str(message)[:200]}"
                await ws.close()
                return
            viewer.welcomed = time.time()
            viewer.welcome_seq = int(message.get("last_seq", 0))
        async with ws:
            async for raw in ws:
                now = time.time()
                message = json.loads(raw)
                if message.get("type") != "event":
                    continue
                seq = message["seq"]
                if seq in viewer.received:
                    viewer.duplicates += 1
                    continue
                viewer.received[seq] = now
                viewer.at[seq] = message["at"]
                if message["name"] in TERMINAL:
                    viewer.done = True
                    return
    except websockets.ConnectionClosed as exc:
        viewer.closed = exc.rcvd.code if exc.rcvd else -1
    except Exception as exc:
        viewer.error = f"{type(exc).__name__}: {exc}"[:200]


async def _clients(url: str, count: int, start_at: float, end_at: float, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    viewers = [Viewer() for _ in range(count)]
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    stop = asyncio.Event()
    lags: list[tuple[float, float]] = []  # (epoch s, lag s)

    async def ticker() -> None:
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(LAG_TICK)
            lags.append((time.time(), loop.time() - before - LAG_TICK))

    await asyncio.sleep(max(0.0, start_at - time.time()))
    tick = asyncio.create_task(ticker())
    cpu0 = time.process_time()
    tasks = [asyncio.create_task(_view(url, v, gate)) for v in viewers]
    joined_reported = False
    while time.time() < end_at:
        if not joined_reported and all(v.welcomed or v.error or v.closed is not None for v in viewers):
            conn.send(("joined", max((v.welcomed for v in viewers), default=0.0)))
            joined_reported = True
        if all(t.done() for t in tasks):
            break
        await asyncio.sleep(0.2)
    if not joined_reported:
        conn.send(("joined", max((v.welcomed for v in viewers), default=0.0)))
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.gather(tick, return_exceptions=True)
    conn.send(("result", [_summary(v) for v in viewers], time.process_time() - cpu0, lags))


def _summary(v: Viewer) -> dict[str, Any]:
    return {
        "welcomed": v.welcomed,
        "welcome_seq": v.welcome_seq,
        "received": v.received,
        "at": v.at,
        "duplicates": v.duplicates,
        "closed": v.closed,
        "error": v.error,
        "done": v.done,
    }


def _client_process(url: str, count: int, start_at: float, end_at: float, conn: Connection) -> None:
    raise_fd_limit()
    asyncio.run(_clients(url, count, start_at, end_at, conn))
    conn.close()


@dataclass
class Crowd:
    """N viewers spread over a few processes."""

    url: str
    n: int
    procs: int
    timeout: float
    start_at: float = 0.0
    handles: list[tuple[mp.process.BaseProcess, Connection]] = field(default_factory=list)

    def start(self) -> None:
        ctx = mp.get_context("fork")
        self.start_at = time.time() + 1.0
        end_at = self.start_at + self.timeout
        share = [self.n // self.procs + (1 if i < self.n % self.procs else 0) for i in range(self.procs)]
        for count in share:
            parent, child = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_client_process, args=(self.url, count, self.start_at, end_at, child))
            process.start()
            child.close()
            self.handles.append((process, parent))

    def wait_joined(self) -> float:
        """The last welcome (epoch s) once every process has all its viewers in."""
        last = 0.0
        for _, conn in self.handles:
            kind, when = conn.recv()
            assert kind == "joined"
            last = max(last, when)
        return last

    def results(self) -> tuple[list[dict[str, Any]], list[float], list[list[tuple[float, float]]]]:
        viewers: list[dict[str, Any]] = []
        cpus: list[float] = []
        lags: list[list[tuple[float, float]]] = []
        for process, conn in self.handles:
            _, summaries, cpu, lag = conn.recv()
            viewers += summaries
            cpus.append(cpu)
            lags.append(lag)
            process.join(30)
        return viewers, cpus, lags

    def kill(self) -> None:
        for process, _ in self.handles:
            if process.is_alive():
                process.kill()
                process.join(5)


# ----------------------------------------------------------------------------- the servers


class AppServer:
    """``python -m bidding serve --demo`` on the embedded default, data in ``tmp``."""

    def __init__(self, tmp: Path, minutes: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BIDDING_")}
        env |= {
            "BIDDING_DATA_DIR": str(tmp / "var"),
            "BIDDING_HOST": "127.0.0.1",
            "BIDDING_PORT": str(self.port),
            "BIDDING_PUBLIC_BASE_URL": self.base,
            "BIDDING_ADMIN_TOKEN": ADMIN_TOKEN,
            "BIDDING_SECRET_KEY": SECRET_KEY,
            "BIDDING_FRONTEND_DIR": str(tmp / "no-frontend"),
            "BIDDING_LOG_LEVEL": "warning",
        }
        with self.log.open("wb") as out:
            self.handle = subprocess.Popen(
                [sys.executable, "-m", "bidding", "serve", "--demo", "--demo-opening-minutes", str(minutes)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 300) -> str:
        """The live lot's id, once ``/ready`` answers."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.handle.poll() is not None:
                raise SystemExit(f"the server exited early:\n{self.log.read_text()[-3000:]}")
            match = LOT_RE.search(self.log.read_text(errors="replace"))
            if match:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{self.base}/ready", timeout=2).status_code == 200:
                        return match.group(1)
            time.sleep(0.5)
        raise SystemExit(f"the server is not ready after {timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.handle.poll() is None:
            self.handle.send_signal(signal.SIGTERM)
            try:
                self.handle.wait(30)
            except subprocess.TimeoutExpired:
                self.handle.kill()
                self.handle.wait()


async def _baseline_server(port: int, history_file: str) -> None:
    """The baseline: ``welcome`` + history on ``hello``, then on ``go`` (stdin) the live events with ``broadcast()``."""
    script = json.loads(Path(history_file).read_text())
    history: list[dict[str, Any]] = script["history"]
    live: list[dict[str, Any]] = script["live"]  # each with "offset": seconds after the first
    welcome = json.dumps({"type": "welcome", "role": "public", "last_seq": history[-1]["seq"] if history else 0})
    clients: set[Any] = set()

    async def handler(ws: Any) -> None:
        hello = json.loads(await ws.recv())
        if hello.get("type") != "hello":
            return
        await ws.send(welcome)
        for event in history:
            await ws.send(json.dumps(event))
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    loop = asyncio.get_running_loop()
    # No per-message deflate, like the app (`bidding serve` does not negotiate it): the same frames on the wire.
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=None, backlog=4096, compression=None):
        print("listening", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        t0 = loop.time()
        for event in live:
            await asyncio.sleep(max(0.0, t0 + event["offset"] - loop.time()))
            message = {k: v for k, v in event.items() if k != "offset"}
            message["at"] = datetime.now().astimezone().isoformat()
            websockets.broadcast(clients, json.dumps(message))
        await loop.run_in_executor(None, sys.stdin.readline)  # until the bench is done


class BaselineServer:
    def __init__(self, tmp: Path, history: list[dict[str, Any]], live: list[dict[str, Any]]) -> None:
        self.port = free_port()
        script = tmp / "baseline.json"
        script.write_text(json.dumps({"history": history, "live": live}))
        self.handle = subprocess.Popen(
            [sys.executable, __file__, "--baseline-server", str(self.port), str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.handle.stdout is not None
        if self.handle.stdout.readline().strip() != "listening":
            raise SystemExit("the baseline server did not start")

    def go(self) -> None:
        assert self.handle.stdin is not None
        self.handle.stdin.write("go\n")
        self.handle.stdin.flush()

    def stop(self) -> None:
        if self.handle.poll() is None:
            self.handle.kill()
            self.handle.wait()


# ----------------------------------------------------------------------------- one run


@dataclass
class Figures:
    n: int
    join_s: float
    cpu_per_join: float
    rss_per_conn_kib: float
    p50: float
    p99: float
    spread_p50: float
    spread_max: float
    live_events: int
    lost: int
    duplicated: int
    closed_early: int
    errors: int
    client_cpu: list[float]
    client_lag_max: float
    client_lag_p99: float
    slowest: list[tuple[str, float]] = field(default_factory=list)  # (event name, p99 s), worst first
    notes: list[str] = field(default_factory=list)

    @property
    def joins_per_s(self) -> float:
        return self.n / self.join_s if self.join_s else 0.0


def _ts(at: str) -> float:
    return datetime.fromisoformat(at).timestamp()


def analyse(
    n: int,
    viewers: list[dict[str, Any]],
    expected: set[int],
    live_from: int,
    join: tuple[float, float, float],
    rss: tuple[int, int],
    cpus: list[float],
    lags: list[list[tuple[float, float]]],
    names: dict[int, str],
) -> Figures:
    """``live_from``: events with a higher seq count for delivery; ``join``: (start, last welcome, server CPU)."""
    start, last_welcome, server_cpu = join
    parsed: dict[str, float] = {}
    latencies: list[float] = []
    per_event: dict[int, list[float]] = {}
    receipts: dict[int, list[float]] = {}
    lost = duplicated = closed = errors = 0
    for v in viewers:
        duplicated += v["duplicates"]
        lost += len(expected - set(v["received"]))
        if v["closed"] is not None:
            closed += 1
        if v["error"]:
            errors += 1
        for seq, received in v["received"].items():
            if seq <= live_from:
                continue
            at = v["at"][seq]
            if at not in parsed:
                parsed[at] = _ts(at)
            latencies.append(received - parsed[at])
            per_event.setdefault(seq, []).append(received - parsed[at])
            receipts.setdefault(seq, []).append(received)
    latencies.sort()
    spreads = sorted(max(r) - min(r) for r in receipts.values()) or [0.0]
    first_live = min((t for r in receipts.values() for t in r), default=math.inf)
    live_lags = sorted(lag for proc in lags for when, lag in proc if when >= first_live)
    slowest = sorted(
        ((f"#{seq} {names.get(seq, '?')}", _pct(sorted(values), 99)) for seq, values in per_event.items()),
        key=lambda item: -item[1],
    )[:3]
    return Figures(
        slowest=slowest,
        n=n,
        join_s=last_welcome - start,
        cpu_per_join=server_cpu / n,
        rss_per_conn_kib=(rss[1] - rss[0]) / n,
        p50=_pct(latencies, 50),
        p99=_pct(latencies, 99),
        spread_p50=statistics.median(spreads),
        spread_max=spreads[-1],
        live_events=len(receipts),
        lost=lost,
        duplicated=duplicated,
        closed_early=closed,
        errors=errors,
        client_cpu=cpus,
        client_lag_max=live_lags[-1] if live_lags else 0.0,
        client_lag_p99=_pct(live_lags, 99),
    )


def _pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    return values[min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1)]


def run_app(n: int, procs: int, tmp: Path) -> tuple[Figures, list[dict[str, Any]], list[dict[str, Any]]]:
    """The platform's run; returns its figures, the history before the joins and the live events."""
    # Time for N viewers to join before the deadline (a join took 8-14 ms of server CPU before issue 22).
    minutes = max(1, math.ceil((30 + n * 0.02) / 60))
    server = AppServer(tmp, minutes)
    crowd: Crowd | None = None
    try:
        lot = server.wait_ready()
        pid = server.handle.pid
        wait_idle(pid)
        snapshot = httpx.get(f"{server.base}/api/public/openings/{lot}", timeout=30).json()
        deadline = snapshot.get("deadline") or snapshot.get("lot", {}).get("bid_deadline")
        print(f"  app: lot {lot}, bid deadline {deadline}, {n} viewers in {procs} process(es)", flush=True)
        rss0 = rss_kib(pid)
        url = f"ws://127.0.0.1:{server.port}/ws/openings/{lot}"
        crowd = Crowd(url, n, procs, timeout=minutes * 60 + 600)
        cpu0 = cpu_seconds(pid)
        crowd.start()
        last_welcome = crowd.wait_joined()
        cpu_join = cpu_seconds(pid) - cpu0
        rss1 = rss_kib(pid)
        print(f"  app: {n} joined in {last_welcome - crowd.start_at:.1f} s; waiting for the opening …", flush=True)
        viewers, cpus, lags = crowd.results()
        events = httpx.get(f"{server.base}/api/public/openings/{lot}/events", params={"since": 0}, timeout=30).json()
    finally:
        if crowd is not None:
            crowd.kill()
        server.stop()
    public = events["events"] if isinstance(events, dict) else events
    expected = {int(e["seq"]) for e in public}
    live_from = max((v["welcome_seq"] for v in viewers if v["welcomed"]), default=0)
    figures = analyse(
        n,
        viewers,
        expected,
        live_from,
        (crowd.start_at, last_welcome, cpu_join),
        (rss0, rss1),
        cpus,
        lags,
        {int(e["seq"]): e["name"] for e in public},
    )
    if not any(e["name"] in TERMINAL for e in public):
        figures.notes.append("the opening did not end within the time allowed")
    history = [_message(e) for e in public if e["seq"] <= live_from]
    live = [_message(e) for e in public if e["seq"] > live_from]
    if live:
        t0 = _ts(live[0]["at"])
        for e in live:
            e["offset"] = _ts(e["at"]) - t0
    return figures, history, live


def _message(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event", "seq": event["seq"], "name": event["name"], "at": event["at"], "data": event.get("data")}


def run_baseline(n: int, procs: int, tmp: Path, history: list[dict[str, Any]], live: list[dict[str, Any]]) -> Figures:
    server = BaselineServer(tmp, history, live)
    crowd: Crowd | None = None
    try:
        pid = server.handle.pid
        rss0 = rss_kib(pid)
        crowd = Crowd(f"ws://127.0.0.1:{server.port}/", n, procs, timeout=(live[-1]["offset"] if live else 0) + 300)
        cpu0 = cpu_seconds(pid)
        crowd.start()
        last_welcome = crowd.wait_joined()
        cpu_join = cpu_seconds(pid) - cpu0
        rss1 = rss_kib(pid)
        server.go()
        viewers, cpus, lags = crowd.results()
    finally:
        if crowd is not None:
            crowd.kill()
        server.stop()
    expected = {e["seq"] for e in history + live}
    live_from = history[-1]["seq"] if history else 0
    names = {e["seq"]: e["name"] for e in history + live}
    return analyse(
        n, viewers, expected, live_from, (crowd.start_at, last_welcome, cpu_join), (rss0, rss1), cpus, lags, names
    )


# ----------------------------------------------------------------------------- report


def _ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "—"
    return f"{a / b:.2f}x"


def report(app: Figures, base: Figures) -> None:
    print(f"\n{app.n:,} viewers ({app.live_events} live events; baseline replayed {base.live_events})")
    rows = [
        ("joins/s", f"{app.joins_per_s:,.0f}", f"{base.joins_per_s:,.0f}", _ratio(app.joins_per_s, base.joins_per_s)),
        ("join phase s", f"{app.join_s:.1f}", f"{base.join_s:.1f}", _ratio(app.join_s, base.join_s)),
        (
            "server CPU per join ms",
            f"{app.cpu_per_join * 1000:.2f}",
            f"{base.cpu_per_join * 1000:.2f}",
            _ratio(app.cpu_per_join, base.cpu_per_join),
        ),
        ("delivery p50 s", f"{app.p50:.3f}", f"{base.p50:.3f}", _ratio(app.p50, base.p50)),
        ("delivery p99 s", f"{app.p99:.3f}", f"{base.p99:.3f}", _ratio(app.p99, base.p99)),
        ("spread p50 s", f"{app.spread_p50:.3f}", f"{base.spread_p50:.3f}", _ratio(app.spread_p50, base.spread_p50)),
        ("spread max s", f"{app.spread_max:.3f}", f"{base.spread_max:.3f}", _ratio(app.spread_max, base.spread_max)),
        (
            "RSS per connection KiB",
            f"{app.rss_per_conn_kib:.0f}",
            f"{base.rss_per_conn_kib:.0f}",
            _ratio(app.rss_per_conn_kib, base.rss_per_conn_kib),
        ),
        ("lost events", str(app.lost), str(base.lost), ""),
        ("duplicated events", str(app.duplicated), str(base.duplicated), ""),
        ("viewers closed early", str(app.closed_early), str(base.closed_early), ""),
        ("viewers failed", str(app.errors), str(base.errors), ""),
        (
            "client CPU s (max process)",
            f"{max(app.client_cpu, default=0):.1f}/{len(app.client_cpu)}p",
            f"{max(base.client_cpu, default=0):.1f}/{len(base.client_cpu)}p",
            "",
        ),
        ("client loop lag p99 s", f"{app.client_lag_p99:.3f}", f"{base.client_lag_p99:.3f}", ""),
        ("client loop lag max s", f"{app.client_lag_max:.3f}", f"{base.client_lag_max:.3f}", ""),
    ]
    print(f"{'':28}{'app':>12}{'baseline':>12}{'app/base':>10}")
    for name, a, b, r in rows:
        print(f"{name:28}{a:>12}{b:>12}{r:>10}")
    for label, figures in (("app", app), ("baseline", base)):
        worst = ", ".join(f"{name} {p99:.3f} s" for name, p99 in figures.slowest)
        print(f"slowest events by p99, {label}: {worst}")
    for note in app.notes + base.notes:
        print(f"note: {note}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--baseline-server":
        raise_fd_limit()
        asyncio.run(_baseline_server(int(sys.argv[2]), sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="viewer counts, comma-separated")
    parser.add_argument("--quick", action="store_true", help="500 viewers")
    parser.add_argument("--procs", type=int, default=0, help="client processes (default: one per 1,250 viewers)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server log)")
    args = parser.parse_args()
    sizes = [500] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if any(n < 1 or n > 20_000 for n in sizes):
        parser.error("sizes from 1 to 20,000")
    limit = raise_fd_limit()
    need = max(sizes) + 200
    if limit < need:
        parser.error(f"the file-descriptor limit is {limit}; {need} are needed")
    load = os.getloadavg()
    print(
        f"room bench: sizes {', '.join(f'{n:,}' for n in sizes)}; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; fd limit {limit}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="room-bench-"))
    results: list[tuple[Figures, Figures]] = []
    try:
        for n in sizes:
            procs = args.procs or max(1, math.ceil(n / 1250))
            sub = tmp / f"n{n}"
            sub.mkdir()
            app, history, live = run_app(n, procs, sub)
            if not live:
                raise SystemExit(f"no live events at {n} viewers (did the joins outlast the deadline?)")
            base = run_baseline(n, procs, sub, history, live)
            report(app, base)
            results.append((app, base))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    pick = next(((a, b) for a, b in results if a.n == 5000), results[-1])
    print(f"\ndelivery p99 at {pick[0].n:,} viewers: app / baseline = {_ratio(pick[0].p99, pick[1].p99)}")


if __name__ == "__main__":
    main()
