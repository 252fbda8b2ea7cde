"""Ten openings at once on the production profile: lots reaching their deadline in the same minute,
their bidders decrypting, a thousand public viewers each, over two app processes (issue 22).

    python bench/openings_bench.py                          # 10 lots × 50 bidders × 1,000 viewers
    python bench/openings_bench.py --quick                  # 3 lots × 10 bidders × 100 viewers
    python bench/openings_bench.py --big-lot                # 1 lot × 1,000 bidders × 200 viewers
    python bench/openings_bench.py --lots 5 --bidders 20 --viewers 500 --spread 5

The full size keeps two cores busy: run one bench at a time.

What it does, all on 127.0.0.1:

1. **the stack** as production runs it: a fresh PostgreSQL database (``bench_openings_<hex>`` on
   ``BENCH_PG_DSN``, default ``postgresql://postgres@127.0.0.1:5432/postgres``, trust auth),
   ``bidding migrate`` and ``bidding ca init``; the machine's Redis (``BENCH_REDIS_URL``, default
   ``redis://127.0.0.1:6379/0``) under a key and queue prefix of its own; two ``bidding worker``
   processes; ``bidding serve`` with ``BIDDING_WEB_WORKERS=2`` (uvicorn's two app processes accept
   on one port: the kernel hands each connection to either, no sticky routing). Objects go to a
   local object store (``file:`` in the run's temp dir) that every process shares — the one
   component not as in production, where it is S3/MinIO; the opening reads only each package's
   first bytes from it;
2. **the parties**, through the public API as real ones would: an agent (the host of every lot),
   a tenderer and ``--bidders`` bidder organisations, each registered, approved, enrolled with an
   EC P-256 key made here and logged in. ``--lots`` projects of one lot each, published, with bid
   deadlines in the same minute (``--spread`` seconds apart; 0: the same second). Every bidder
   seals a ``--body-kib`` KiB bid for every lot with its own certificate and uploads it;
3. **the openings**: client processes (``multiprocessing``, so that the client is not the
   bottleneck) join before the deadline — per lot, the host and the bidders on the platform's
   Python client (``bidding.client.room.RoomClient``; the bidders sign in) and ``--viewers`` public
   viewers on bare WebSocket connections (``hello`` without token, from 0; a viewer that is closed
   resumes from its last number, as the protocol says). At the deadline the server extracts the
   bids and publishes the bidders; each host then starts decryption, every bidder decrypts with its
   own key at once (``get_envelope``, the data key unwrapped in the client, ``decrypt``), the host
   closes decryption as soon as the last bidder's answer is in (唱标: ``announcement``), closes the
   objections, waits for the signed record and closes the session. The bidders do not confirm the
   record (it would serialise 50 PDF signatures per lot; ``test_opening_e2e`` covers that);
4. afterwards every viewer process reads each lot's public events
   (``GET /api/public/openings/{lot}/events``) and checks each viewer's events against them.

Figures, per lot and overall:

* ``completed``: the host saw ``session.closed``; ``decrypted``: bidders whose ``decrypt`` answer
  was ``decrypted``;
* ``delivery p50 / p99``: per (viewer, event received live, i.e. after its ``welcome``), receipt
  time − the event's own ``at`` (same machine, same clock);
* ``lost`` / ``dup`` / ``order``: per viewer, public events it never got, got twice, or got out of
  order, against the lot's public event list; ``resumed``: reconnections after the server closed a
  viewer (4008: too slow);
* ``last key → 唱标``: per viewer, its receipt of ``announcement`` − the moment the lot's last
  bidder got its ``decrypt`` answer (the host's ``close_decryption`` round trip included);
* ``server``: user + system CPU seconds of each server process (the two app processes, the uvicorn
  parent, the two workers) over the join phase and over the openings (deadline → last session
  closed), as % of one core; RSS at the end and its peak (sampled each second); the connections
  each app process held once everyone had joined (from ``/proc``: the kernel's spread);
* the load average (1, 5, 15 min) before, the highest 1-min value while the openings ran, and
  after; each client process's CPU seconds (the busiest one's): a saturated client would mean the
  client, not the server, set the pace.

Targets (issue 22): every opening completes, delivery p99 ≤ 1 s, no event lost; with one lot of
1,000 bidders, the announcement reaches the viewers ≤ 1 s after the last key. Exit code 1 if an
opening did not complete or a viewer lost or duplicated an event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import json
import math
import multiprocessing as mp
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import redis
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bidding.client.identity import Identity
from bidding.client.room import CommandFailed, RoomClient
from bidding.client.session import login
from bidding.identity.credit_code import make_credit_code
from crypto.ca import PrivateKey, make_csr, make_key
from crypto.sealed import seal
from crypto.subject import PlatformSubject

ADMIN_TOKEN = "openings-bench-admin-token-" + "a" * 24
SECRET_KEY = "openings-bench-secret-key-" + "b" * 24
PG_ADMIN_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PDF = b"%PDF-1.7\n" + b"tender documents " * 2000 + b"\n%%EOF\n"
SETUP_CONCURRENCY = 16  # enrolments and uploads in flight at once
JOIN_CONCURRENCY = 64  # connections being opened at once per client process
VIEWERS_PER_PROCESS = 1250
VIEWER_GRACE = 30.0  # seconds viewers may take to see the end once every host is done
LAG_TICK = 0.05  # the viewer processes' event-loop ticker
TERMINAL = frozenset({"session.closed", "session.failed", "session.adjourned"})
JOINS_PER_S = 100.0  # assumed when planning the deadline (two app processes on a loaded 2-core machine)
BID_SECONDS = 0.15  # seal + upload per bid, likewise (16 in flight)


# ----------------------------------------------------------------------------- small helpers


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
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def fmt(value: float, unit: str = " s", digits: int = 3) -> str:
    return "—" if math.isnan(value) else f"{value:.{digits}f}{unit}"


def parse_time(text: str) -> float:
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


# ----------------------------------------------------------------------------- the stack


class Stack:
    """PostgreSQL database, Redis prefix, two workers and ``bidding serve`` with two app processes."""

    def __init__(self, tmp: Path, log_level: str = "warning") -> None:
        self.tmp = tmp
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db_name = f"bench_openings_{secrets.token_hex(4)}"
        self.prefix = f"bench-openings-{secrets.token_hex(4)}"
        self.procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        asyncio.run(self._database("CREATE"))
        dsn = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BIDDING_")}
        self.env = env | {
            "BIDDING_DATA_DIR": str(tmp / "var"),
            "BIDDING_DATABASE_URL": f"{dsn}/{self.db_name}",
            "BIDDING_REDIS_URL": REDIS_URL,
            "BIDDING_QUEUE_PREFIX": self.prefix,
            "BIDDING_STORAGE_URL": f"file:{tmp / 'objects'}",
            "BIDDING_WEB_WORKERS": "2",
            "BIDDING_HOST": "127.0.0.1",
            "BIDDING_PORT": str(self.port),
            "BIDDING_PUBLIC_BASE_URL": self.base,
            "BIDDING_ADMIN_TOKEN": ADMIN_TOKEN,
            "BIDDING_SECRET_KEY": SECRET_KEY,
            "BIDDING_FRONTEND_DIR": str(tmp / "no-frontend"),
            "BIDDING_LOG_LEVEL": log_level,
            "BIDDING_LOG_FORMAT": "json",
            "BIDDING_BID_PERIOD_MIN_DAYS": "works:0,goods:0,services:0",
            "BIDDING_SESSION_MINUTES": "240",
        }
        for args in (["migrate"], ["ca", "init"]):
            done = subprocess.run([sys.executable, "-m", "bidding", *args], env=self.env, capture_output=True)
            if done.returncode != 0:
                raise SystemExit(f"bidding {' '.join(args)} failed:\n{done.stderr.decode()[-3000:]}")
        for name, args in (("worker 1", ["worker"]), ("worker 2", ["worker"]), ("serve", ["serve"])):
            log = tmp / f"{name.replace(' ', '-')}.log"
            with log.open("wb") as out:
                handle = subprocess.Popen(
                    [sys.executable, "-m", "bidding", *args], env=self.env, stdout=out, stderr=subprocess.STDOUT
                )
            self.procs.append((name, handle, log))

    async def _database(self, verb: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            suffix = " WITH (FORCE)" if verb == "DROP" else ""
            await conn.execute(f'{verb} DATABASE {"IF EXISTS " if verb == "DROP" else ""}"{self.db_name}"{suffix}')
        finally:
            await conn.close()

    def wait_ready(self, timeout: float = 120) -> None:
        end = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < end:
            for name, handle, log in self.procs:
                if handle.poll() is not None:
                    raise SystemExit(f"{name} exited early:\n{log.read_text(errors='replace')[-3000:]}")
            try:
                last = httpx.get(f"{self.base}/ready", timeout=2)
                if last.status_code == 200 and last.json()["checks"]["workers"]["ok"] and len(self.app_pids()) == 2:
                    return
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.3)
        raise SystemExit(f"the stack is not ready after {timeout:.0f} s: {last}")

    @property
    def serve_pid(self) -> int:
        return self.procs[-1][1].pid

    def app_pids(self) -> list[int]:
        """uvicorn's app processes: the children of ``bidding serve`` (not multiprocessing's tracker)."""
        pid = self.serve_pid
        try:
            children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []
        return [c for c in children if b"resource_tracker" not in _cmdline(c)]

    def server_processes(self) -> list[tuple[str, int]]:
        apps = [(f"app {i + 1}", pid) for i, pid in enumerate(self.app_pids())]
        workers = [(name, handle.pid) for name, handle, _ in self.procs if name.startswith("worker")]
        return [*apps, ("uvicorn parent", self.serve_pid), *workers]

    def connections(self) -> list[int]:
        """Established connections to the app's port held by each app process."""
        inodes: set[str] = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with contextlib.suppress(OSError):
                for line in Path(table).read_text().splitlines()[1:]:
                    cols = line.split()
                    if int(cols[1].rsplit(":", 1)[1], 16) == self.port and cols[3] == "01":
                        inodes.add(cols[9])
        counts = []
        for pid in self.app_pids():
            held = 0
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd)
                        held += target.startswith("socket:[") and target[8:-1] in inodes
            counts.append(held)
        return counts

    def log_errors(self) -> Counter[str]:
        kinds: Counter[str] = Counter()
        for name, _, log in self.procs:
            for line in log.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    if "Traceback" in line or "ERROR" in line:
                        kinds[f"{name}: {line[:200]}"] += 1
                    continue
                if isinstance(entry, dict) and str(entry.get("level", "")).lower() in ("error", "critical"):
                    exc = str(entry.get("exc", "")).strip().splitlines()
                    kinds[f"{name}: {entry.get('logger')}: {entry.get('msg')} {exc[-1] if exc else ''}"[:300]] += 1
        return kinds

    def stop(self) -> None:
        for _, handle, _ in reversed(self.procs):
            if handle.poll() is None:
                handle.send_signal(signal.SIGTERM)
        for _, handle, _ in self.procs:
            try:
                handle.wait(30)
            except subprocess.TimeoutExpired:
                handle.kill()
                handle.wait()
        with contextlib.suppress(Exception):
            asyncio.run(self._database("DROP"))
        with contextlib.suppress(Exception):
            client = redis.Redis.from_url(REDIS_URL)
            for key in client.scan_iter(match=f"{self.prefix}*", count=1000):
                client.delete(key)
            client.close()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# ----------------------------------------------------------------------------- parties and lots


@dataclass
class Party:
    kind: str
    credit_code: str
    key: PrivateKey
    cert: x509.Certificate
    token: str = ""

    @property
    def identity(self) -> Identity:
        return Identity(self.key, self.cert)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Lot:
    index: int
    id: str
    project_id: str
    deadline: float  # epoch s


def check(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


async def enrol(http: httpx.AsyncClient, base: str, kind: str, index: int) -> Party:
    """Register, approve (admin token), enrol a fresh EC P-256 key's CSR, log in."""
    code = make_credit_code("91320100" + "".join(secrets.choice("0123456789") for _ in range(9)))
    body = {
        "name": f"开标压测{kind}{index:04d}有限公司{code[-6:]}",
        "credit_code": code,
        "kind": kind,
        "contact_name": "李四",
        "contact_phone": "025-80000000",
    }
    org = check(await http.post("/api/enrolment/organisations", json=body), 201, f"register {kind} {index}")
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    approved = check(await http.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin), 200, "approve")
    key = make_key("ec-p256")
    csr = make_csr(key, PlatformSubject(org["name"], org["credit_code"], "王小明", kind))
    enrolled = check(
        await http.post(
            "/api/enrolment/certificates",
            json={
                "enrolment_code": approved["enrolment"]["enrolment_code"],
                "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
            },
        ),
        201,
        f"enrol {kind} {index}",
    )
    party = Party(kind, org["credit_code"], key, x509.load_pem_x509_certificate(enrolled["certificate_pem"].encode()))
    party.token = (await login(http, party.identity, audience=base)).token
    return party


async def gathered(count: int, make: Any) -> list[Any]:
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(i: int) -> Any:
        async with gate:
            return await make(i)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def publish_lot(http: httpx.AsyncClient, agent: Party, tenderer: Party, index: int, deadline: datetime) -> Lot:
    body = {
        "code": f"OPEN-{secrets.token_hex(4)}",
        "name": f"同日开标压测项目{index + 1:02d}",
        "category": "goods",
        "tenderer_credit_code": tenderer.credit_code,
        "region": "江苏省南京市",
        "lots": [
            {
                "code": "01",
                "name": "设备",
                "estimated_price_fen": 10_000_000_00,
                "deposit_fen": 0,
                "bid_deadline": deadline.isoformat(),
                "decrypt_window_minutes": 60,
            }
        ],
    }
    project = check(await http.post("/api/agent/projects/", json=body, headers=agent.headers), 201, "create project")
    check(
        await http.post(
            f"/api/agent/projects/{project['id']}/documents",
            content=PDF,
            headers={**agent.headers, "Content-Type": "application/pdf", "X-Filename": "tender.pdf"},
        ),
        201,
        "tender documents",
    )
    notice = {"title": f"同日开标压测项目{index + 1:02d}招标公告", "body": "现邀请合格投标人参加投标。"}
    check(
        await http.post(f"/api/agent/projects/{project['id']}/publish", json=notice, headers=agent.headers),
        200,
        "publish",
    )
    lot = project["lots"][0]
    return Lot(index, lot["id"], project["id"], parse_time(lot["bid_deadline"]))


def seal_bid(bidder: Party, lot: Lot, body_kib: int, price_fen: int) -> bytes:
    out = io.BytesIO()
    seal(
        json.dumps({"price_fen": price_fen}).encode(),
        io.BytesIO(os.urandom(body_kib * 1024)),
        out,
        project_id=lot.project_id,
        lot_id=lot.id,
        recipients=[bidder.cert],
        signer_key=bidder.key,
        signer_cert=bidder.cert,
        now=datetime.now(UTC),
    )
    return bytes(out.getvalue())


async def upload(http: httpx.AsyncClient, bidder: Party, lot: Lot, package: bytes) -> None:
    started = check(
        await http.post(
            f"/api/bidder/lots/{lot.id}/uploads",
            json={"size": len(package), "mode": "chunked"},
            headers=bidder.headers,
        ),
        201,
        "start upload",
    )
    size = int(started["chunk_size"])
    state: dict[str, Any] = {}
    for index in range((len(package) + size - 1) // size):
        state = check(
            await http.put(
                f"/api/bidder/uploads/{started['id']}/chunks/{index}",
                content=package[index * size : (index + 1) * size],
                headers={**bidder.headers, "Content-Type": "application/octet-stream"},
            ),
            200,
            "chunk",
        )
    if state.get("status") != "completed":
        raise SystemExit(f"upload not completed: {state}")


@dataclass
class Setup:
    agent: Party
    bidders: list[Party]
    lots: list[Lot]


async def set_up(args: argparse.Namespace, stack: Stack) -> Setup:
    limits = httpx.Limits(max_connections=SETUP_CONCURRENCY * 2, max_keepalive_connections=SETUP_CONCURRENCY * 2)
    async with httpx.AsyncClient(base_url=stack.base, timeout=120, limits=limits) as http:
        t = time.perf_counter()
        agent = await enrol(http, stack.base, "agent", 0)
        tenderer = await enrol(http, stack.base, "tenderer", 0)
        bidders = await gathered(args.bidders, lambda i: enrol(http, stack.base, "bidder", i))
        print(f"setup: {args.bidders + 2} organisations enrolled and logged in in {time.perf_counter() - t:.1f} s")

        bids = args.lots * args.bidders
        joins = args.lots * (args.viewers + args.bidders + 1)
        lead = args.lead or math.ceil(30 + bids * BID_SECONDS + joins / JOINS_PER_S + args.spread * (args.lots - 1))
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lead)
        t = time.perf_counter()
        lots = [
            await publish_lot(http, agent, tenderer, i, first + timedelta(seconds=args.spread * i))
            for i in range(args.lots)
        ]
        print(
            f"setup: {args.lots} projects published in {time.perf_counter() - t:.1f} s; deadlines "
            f"{datetime.fromtimestamp(lots[0].deadline, UTC):%H:%M:%S}–"
            f"{datetime.fromtimestamp(lots[-1].deadline, UTC):%H:%M:%S} UTC (lead {lead} s)"
        )

        t = time.perf_counter()
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def bid(lot: Lot, number: int, bidder: Party) -> None:
            package = await asyncio.to_thread(seal_bid, bidder, lot, args.body_kib, 9_000_000_00 - number * 1_000_00)
            async with gate:
                await upload(http, bidder, lot, package)

        await asyncio.gather(*(bid(lot, n, b) for lot in lots for n, b in enumerate(bidders)))
        print(f"setup: {bids} bids of {args.body_kib} KiB sealed and uploaded in {time.perf_counter() - t:.1f} s")
    return Setup(agent, bidders, lots)


# ----------------------------------------------------------------------------- the hosts and bidders


@dataclass
class Shared:
    """What a lot's host and its bidders (in other processes) tell each other: keys in, the last
    key's time, the host done. Made before the fork; ``multiprocessing`` values and events."""

    keys: Any  # Value('i'): bidders whose decrypt was answered
    decrypted: Any  # Value('i'): of which decrypted
    last_key: Any  # Value('d'): epoch s of the latest answer
    retried: Any  # Value('i'): decrypts answered internal_error, then tried again
    host_done: Any  # Event

    @classmethod
    def make(cls, ctx: Any) -> Shared:
        return cls(ctx.Value("i", 0), ctx.Value("i", 0), ctx.Value("d", 0.0), ctx.Value("i", 0), ctx.Event())


STEP = 600.0  # seconds any one step may take


async def _join(base: str, lot: Lot, token: str, gate: asyncio.Semaphore, rooms: list[RoomClient]) -> RoomClient:
    async with gate:
        room = await RoomClient.connect(base, lot.id, token, timeout=300)
        rooms.append(room)
        return room


async def _host(base: str, lot: Lot, agent: Party, n: int, shared: Shared, joined: asyncio.Event) -> dict[str, Any]:
    """One lot's host: start decryption once the bidders are published, close it as soon as all
    ``n`` bidders' answers are in (唱标), close the objections, wait for the record, close."""
    out: dict[str, Any] = {"lot": lot.index, "state": "", "error": "", "reconnects": 0}
    rooms: list[RoomClient] = []
    try:
        host = await _join(base, lot, agent.token, asyncio.Semaphore(1), rooms)
        joined.set()
        first = await host.wait_for(
            {"bidders.published", "decision.required", *TERMINAL}, timeout=lot.deadline - time.time() + STEP
        )
        out["published_at"] = time.time()
        if first.name != "bidders.published":
            out["state"] = first.name
            return out
        await host.command("start_decryption", timeout=STEP)
        end = time.time() + STEP
        while shared.keys.value < n and time.time() < end:
            await asyncio.sleep(0.005)  # the bidders are in other processes
        out["last_key"] = shared.last_key.value
        await host.command("close_decryption", timeout=STEP)
        out["close_answered"] = time.time()
        await host.command("close_objections", timeout=STEP)
        await host.wait_for("record.ready", timeout=STEP)
        out["record_ready"] = time.time()
        await host.command("close", timeout=STEP)
        await host.wait_for("session.closed", timeout=STEP)
        out["closed_at"] = time.time()
        out["state"] = "closed"
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        joined.set()
        shared.host_done.set()
        out["reconnects"] = sum(max(0, room.connections - 1) for room in rooms)
        for room in rooms:
            with contextlib.suppress(Exception):
                await room.close()
    return out


async def _bidders(base: str, lot: Lot, bidders: list[Party], shared: Shared, joined: asyncio.Event) -> dict[str, Any]:
    """Some of a lot's bidders: join, sign in, decrypt once the window opens, stay until the host is done."""
    out: dict[str, Any] = {"lot": lot.index, "reconnects": 0, "errors": []}
    rooms: list[RoomClient] = []
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)

    async def sign_in(room: RoomClient) -> None:
        async with gate:
            await room.command("sign_in", timeout=STEP)

    async def decrypt(room: RoomClient, bidder: Party) -> None:
        status = "error"
        try:
            await room.wait_for("decryption.started", timeout=lot.deadline - time.time() + STEP)
            try:
                answer = await room.decrypt(bidder.identity, timeout=STEP)
            except CommandFailed as exc:
                if exc.code != "internal_error":
                    raise
                # As a bidder's client would: try again (a new command id; a decrypted bid says so).
                with shared.retried.get_lock():
                    shared.retried.value += 1
                out["errors"].append(f"retried after {str(exc)[:200]}")
                answer = await room.decrypt(bidder.identity, timeout=STEP)
            status = str(answer.get("status"))
        except Exception as exc:
            out["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
        finally:
            now = time.time()
            with shared.keys.get_lock():
                shared.keys.value += 1
                shared.decrypted.value += status == "decrypted"
                shared.last_key.value = max(shared.last_key.value, now)

    try:
        clients = list(await asyncio.gather(*(_join(base, lot, b.token, gate, rooms) for b in bidders)))
        await asyncio.gather(*(sign_in(r) for r in clients))
        joined.set()
        await asyncio.gather(*(decrypt(r, b) for r, b in zip(clients, bidders, strict=True)))
        while not shared.host_done.is_set():
            await asyncio.sleep(0.2)
    except Exception as exc:
        out["errors"].append(f"{type(exc).__name__}: {exc}"[:300])
    finally:
        joined.set()
        out["reconnects"] = sum(max(0, room.connections - 1) for room in rooms)
        for room in rooms:
            with contextlib.suppress(Exception):
                await room.close()
    return out


@dataclass
class Roles:
    """What one driver process plays: the host of some lots, some bidders of every lot."""

    hosts: list[Lot]
    bidders: list[tuple[Lot, list[Party]]]


async def _drivers(base: str, roles: Roles, agent: Party, n: int, shared: list[Shared], conn: Connection) -> None:
    cpu0 = time.process_time()
    jobs: list[tuple[asyncio.Event, Any]] = []
    for lot in roles.hosts:
        e = asyncio.Event()
        jobs.append((e, _host(base, lot, agent, n, shared[lot.index], e)))
    for lot, mine in roles.bidders:
        e = asyncio.Event()
        jobs.append((e, _bidders(base, lot, mine, shared[lot.index], e)))
    tasks = [asyncio.create_task(job) for _, job in jobs]
    await asyncio.gather(*(e.wait() for e, _ in jobs))
    conn.send(("joined", time.time()))
    results = await asyncio.gather(*tasks)
    conn.send(("drivers", results, time.process_time() - cpu0))


def _driver_process(base: str, roles: Roles, agent: Party, n: int, shared: list[Shared], conn: Connection) -> None:
    raise_fd_limit()
    asyncio.run(_drivers(base, roles, agent, n, shared, conn))
    conn.close()


def driver_roles(lots: list[Lot], bidders: list[Party], procs: int) -> list[Roles]:
    """Hosts dealt over the processes by lot, each lot's bidders dealt over all of them."""
    roles = [Roles([], []) for _ in range(procs)]
    for lot in lots:
        roles[lot.index % procs].hosts.append(lot)
        for p in range(procs):
            mine = bidders[p::procs]
            if mine:
                roles[p].bidders.append((lot, mine))
    return [r for r in roles if r.hosts or r.bidders]


# ----------------------------------------------------------------------------- the viewers


@dataclass
class Viewer:
    lot: int
    welcomed: float = 0.0
    live_from: int = 0  # the welcome's last_seq: later events count for delivery
    seqs: list[int] = field(default_factory=list)  # in receipt order, duplicates included
    latencies: list[tuple[str, float]] = field(default_factory=list)  # (event name, receipt − at)
    announced: float = 0.0
    resumed: int = 0
    done: bool = False
    error: str = ""


async def _view(url: str, viewer: Viewer, gate: asyncio.Semaphore, parsed: dict[str, float]) -> None:
    last = 0
    first = True
    while not viewer.done:
        try:
            async with gate:
                ws = await websockets.connect(url, open_timeout=300, ping_interval=None, max_queue=None, max_size=None)
                await ws.send(json.dumps({"type": "hello", "token": None, "since": last}))
                welcome = json.loads(await ws.recv())
                if welcome.get("type") != "welcome":
                    viewer.error = f"no welcome: {str(welcome)[:200]}"
                    await ws.close()
                    return
                if first:
                    viewer.welcomed, viewer.live_from, first = time.time(), int(welcome.get("last_seq", 0)), False
            async with ws:
                async for raw in ws:
                    now = time.time()
                    message = json.loads(raw)
                    if message.get("type") != "event":
                        continue
                    seq = int(message["seq"])
                    viewer.seqs.append(seq)
                    last = max(last, seq)
                    if seq > viewer.live_from:
                        at = message["at"]
                        if at not in parsed:
                            parsed[at] = parse_time(at)
                        viewer.latencies.append((message["name"], now - parsed[at]))
                    if message["name"] == "announcement":
                        viewer.announced = now
                    if message["name"] in TERMINAL:
                        viewer.done = True
                        return
            viewer.resumed += 1  # the server closed the socket: resume after the last number
        except (websockets.ConnectionClosed, OSError, TimeoutError) as exc:
            if first:
                viewer.error = f"{type(exc).__name__}: {exc}"[:200]
                return
            viewer.resumed += 1
            await asyncio.sleep(0.5)


def _check(viewer: Viewer, expected: list[int]) -> dict[str, Any]:
    got = viewer.seqs
    seen = Counter(got)
    return {
        "lot": viewer.lot,
        "welcomed": viewer.welcomed,
        "lost": sum(1 for s in expected if s not in seen),
        "dup": sum(n - 1 for n in seen.values() if n > 1),
        "order": sum(1 for a, b in itertools.pairwise(got) if b <= a),
        "foreign": sum(1 for s in seen if s not in set(expected)),
        "announced": viewer.announced,
        "resumed": viewer.resumed,
        "done": viewer.done,
        "error": viewer.error,
    }


async def _viewers(base: str, share: list[tuple[Lot, int]], end_at: float, stop: Any, conn: Connection) -> None:
    """``share``'s viewers until each sees its session end, ``end_at`` passes or ``stop`` is set;
    then each viewer's events checked against its lot's public list."""
    cpu0 = time.process_time()
    ws_base = base.replace("http://", "ws://")
    gate = asyncio.Semaphore(JOIN_CONCURRENCY)
    parsed: dict[str, float] = {}
    viewers = [Viewer(lot.index) for lot, count in share for _ in range(count)]
    urls = {lot.index: f"{ws_base}/ws/openings/{lot.id}" for lot, _ in share}
    tasks = [asyncio.create_task(_view(urls[v.lot], v, gate, parsed)) for v in viewers]
    lags: list[float] = []  # the loop's lag from the first deadline on: is this client keeping up?
    ticker = [asyncio.create_task(_ticker(min(lot.deadline for lot, _ in share), lags))]
    reported = False
    while time.time() < end_at and not stop.is_set() and not all(t.done() for t in tasks):
        if not reported and all(v.welcomed or v.error for v in viewers):
            conn.send(("joined", max((v.welcomed for v in viewers), default=0.0)))
            reported = True
        await asyncio.sleep(0.2)
    if not reported:
        conn.send(("joined", max((v.welcomed for v in viewers), default=0.0)))
    for task in (*tasks, *ticker):
        task.cancel()
    await asyncio.gather(*tasks, *ticker, return_exceptions=True)
    checked: list[dict[str, Any]] = []
    latencies: dict[int, list[float]] = {}
    by_name: dict[str, list[float]] = {}
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        for lot, _ in share:
            response = await http.get(f"/api/public/openings/{lot.id}/events", params={"since": 0})
            expected = [int(e["seq"]) for e in response.json()]
            for v in viewers:
                if v.lot == lot.index:
                    checked.append(_check(v, expected))
                    latencies.setdefault(lot.index, []).extend(x for _, x in v.latencies)
                    for name, x in v.latencies:
                        by_name.setdefault(name, []).append(x)
    conn.send(("viewers", checked, latencies, by_name, lags, time.process_time() - cpu0))


async def _ticker(start: float, lags: list[float]) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start - time.time()))
    while True:
        before = loop.time()
        await asyncio.sleep(LAG_TICK)
        lags.append(loop.time() - before - LAG_TICK)


def _viewer_process(base: str, share: list[tuple[Lot, int]], end_at: float, stop: Any, conn: Connection) -> None:
    raise_fd_limit()
    asyncio.run(_viewers(base, share, end_at, stop, conn))
    conn.close()


def viewer_shares(lots: list[Lot], viewers: int, procs: int) -> list[list[tuple[Lot, int]]]:
    """Every lot's viewers dealt over ``procs`` processes as evenly as they go."""
    shares: list[Counter[int]] = [Counter() for _ in range(procs)]
    n = 0
    for lot in lots:
        for _ in range(viewers):
            shares[n % procs][lot.index] += 1
            n += 1
    return [[(lots[i], c) for i, c in sorted(share.items())] for share in shares if share]


# ----------------------------------------------------------------------------- sampling the servers


@dataclass
class Samples:
    """The server processes' CPU and RSS and the load average, sampled once a second."""

    pids: list[tuple[str, int]]
    marks: dict[str, dict[int, float]] = field(default_factory=dict)  # phase mark → pid → CPU s
    peak_rss: dict[int, float] = field(default_factory=dict)
    peak_load: float = 0.0

    def mark(self, name: str) -> None:
        self.marks[name] = {pid: cpu_seconds(pid) for _, pid in self.pids}
        self.marks[name][0] = time.time()

    def sample(self) -> None:
        for _, pid in self.pids:
            value = rss_mib(pid)
            if not math.isnan(value):
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0.0), value)
        self.peak_load = max(self.peak_load, os.getloadavg()[0])

    def cpu(self, start: str, end: str) -> list[tuple[str, float, float]]:
        """Per process: CPU seconds between two marks and that as % of one core."""
        a, b = self.marks[start], self.marks[end]
        wall = b[0] - a[0]
        return [
            (name, b[pid] - a[pid], (b[pid] - a[pid]) / wall * 100 if wall > 0 else math.nan) for name, pid in self.pids
        ]


# ----------------------------------------------------------------------------- the run


def recv_until(
    conns: list[Connection],
    kind: str,
    deadline: float,
    samples: Samples,
    *,
    stop: tuple[Any, float] | None = None,
) -> list[tuple[Any, ...]]:
    """One message of ``kind`` from each connection, sampling the servers while waiting; ``stop``:
    an event to set at a time, if the messages have not all come by then."""
    got: dict[int, tuple[Any, ...]] = {}
    while len(got) < len(conns) and time.time() < deadline:
        if stop is not None and time.time() > stop[1]:
            stop[0].set()
        for i, conn in enumerate(conns):
            if i not in got and conn.poll(0):
                message = conn.recv()
                if message[0] == kind:
                    got[i] = message
        samples.sample()
        time.sleep(0.25 if len(got) < len(conns) else 0)
    return [got[i] for i in sorted(got)]


def run(args: argparse.Namespace, tmp: Path) -> int:
    load_before = os.getloadavg()
    stack = Stack(tmp, args.server_log_level)
    handles: list[Any] = []
    try:
        stack.wait_ready()
        setup = asyncio.run(set_up(args, stack))
        lots = setup.lots
        samples = Samples(stack.server_processes())
        samples.mark("start")
        ctx = mp.get_context("fork")
        stop = ctx.Event()
        end_at = lots[-1].deadline + args.timeout
        shared = [Shared.make(ctx) for _ in lots]
        roles = driver_roles(lots, setup.bidders, args.driver_procs)
        viewer_procs = args.procs or max(1, math.ceil(len(lots) * args.viewers / VIEWERS_PER_PROCESS))
        driver_conns: list[Connection] = []
        viewer_conns: list[Connection] = []
        started = time.time()
        for role in roles:
            parent, child = ctx.Pipe(duplex=False)
            handle = ctx.Process(
                target=_driver_process, args=(stack.base, role, setup.agent, args.bidders, shared, child)
            )
            handle.start()
            child.close()
            handles.append(handle)
            driver_conns.append(parent)
        for share in viewer_shares(lots, args.viewers, viewer_procs) if args.viewers else []:
            parent, child = ctx.Pipe(duplex=False)
            handle = ctx.Process(target=_viewer_process, args=(stack.base, share, end_at, stop, child))
            handle.start()
            child.close()
            handles.append(handle)
            viewer_conns.append(parent)
        print(
            f"joining: {len(lots)} hosts, {len(lots) * args.bidders} bidder clients in {len(roles)} "
            f"process(es), {len(lots) * args.viewers} viewers in {len(viewer_conns)} process(es) …",
            flush=True,
        )
        joined = recv_until(driver_conns + viewer_conns, "joined", end_at, samples)
        last_join = max((m[1] for m in joined), default=math.nan)
        samples.mark("joined")
        spread = stack.connections()
        before = lots[0].deadline - last_join
        print(
            f"joined in {last_join - started:.1f} s, {before:.1f} s before the first deadline; "
            f"connections per app process: {' / '.join(map(str, spread))}",
            flush=True,
        )
        if before < 0:
            print("WARNING: the joins outlasted the first deadline (use --lead): fewer events are live")
        while time.time() < lots[0].deadline:
            samples.sample()
            time.sleep(0.5)
        samples.mark("deadline")
        drivers = recv_until(driver_conns, "drivers", end_at + 60, samples)
        samples.mark("closed")
        keys = {lot.index: (shared[lot.index].decrypted.value, shared[lot.index].retried.value) for lot in lots}
        # Viewers of a lot whose opening did not finish would wait for its end: stop them after a grace.
        viewers = recv_until(viewer_conns, "viewers", end_at + 300, samples, stop=(stop, time.time() + VIEWER_GRACE))
        for handle in handles:
            handle.join(30)
        load_after = os.getloadavg()
        errors = stack.log_errors()
        rss_end = {pid: rss_mib(pid) for _, pid in samples.pids}
    finally:
        for handle in handles:
            if handle.is_alive():
                handle.kill()
                handle.join(5)
        stack.stop()

    return report(
        args,
        lots,
        drivers,
        keys,
        viewers,
        samples,
        rss_end,
        (load_before, samples.peak_load, load_after),
        spread,
        (last_join - started, len(lots) * (args.viewers + args.bidders + 1)),
        errors,
    )


def report(
    args: argparse.Namespace,
    lots: list[Lot],
    drivers: list[tuple[Any, ...]],
    keys: dict[int, tuple[int, int]],
    viewers: list[tuple[Any, ...]],
    samples: Samples,
    rss_end: dict[int, float],
    loads: tuple[tuple[float, float, float], float, tuple[float, float, float]],
    spread: list[int],
    join: tuple[float, int],
    errors: Counter[str],
) -> int:
    results = [r for _, rs, _ in drivers for r in rs]
    lot_runs = {r["lot"]: r for r in results if "state" in r}  # the hosts'
    for index, (decrypted, retried) in keys.items():
        lot_runs.setdefault(index, {"lot": index, "state": "", "error": "no result from its host"})
        lot_runs[index] |= {"decrypted": decrypted, "retried": retried}
    bidder_errors: dict[int, list[str]] = {}
    for r in results:
        bidder_errors.setdefault(r["lot"], []).extend(r.get("errors", []))
    reconnects = sum(r.get("reconnects", 0) for r in results)
    checked = [c for _, rows, _, _, _, _ in viewers for c in rows]
    lags = [lag for _, _, _, _, samples_, _ in viewers for lag in samples_]
    latencies: dict[int, list[float]] = {}
    by_name: dict[str, list[float]] = {}
    for _, _, per_lot, per_name, _, _ in viewers:
        for index, values in per_lot.items():
            latencies.setdefault(index, []).extend(values)
        for name, values in per_name.items():
            by_name.setdefault(name, []).extend(values)
    slowest = sorted(((pct(v, 99), n, len(v)) for n, v in by_name.items()), reverse=True)[:5]
    client_cpu = [m[-1] for m in drivers] + [m[-1] for m in viewers]

    print(
        f"\n{len(lots)} lots × {args.bidders} bidders × {args.viewers} viewers; deadlines {args.spread} s apart; "
        f"bodies {args.body_kib} KiB; storage: local object store shared by the processes (not S3)"
    )
    header = (
        f"{'lot':>3}  {'state':<10}{'decrypted':>10}{'viewers':>10}{'p50 s':>8}{'p99 s':>8}"
        f"{'lost':>6}{'dup':>5}{'order':>6}{'resumed':>8}{'key→唱标 p50':>13}{'max s':>7}"
    )
    print(header)
    all_latency: list[float] = []
    announce: list[float] = []
    failures: list[str] = []
    for lot in lots:
        run_ = lot_runs[lot.index]
        problems = bidder_errors.get(lot.index, [])
        rows = [c for c in checked if c["lot"] == lot.index]
        values = latencies.get(lot.index, [])
        all_latency += values
        last_key = run_.get("last_key")
        lot_announce = [c["announced"] - last_key for c in rows if last_key and c["announced"]]
        announce += lot_announce
        lost, dup, order = (sum(c[k] for c in rows) for k in ("lost", "dup", "order"))
        done = sum(1 for c in rows if c["done"])
        print(
            f"{lot.index + 1:>3}  {run_['state'] or 'incomplete':<10}{run_['decrypted']:>6}/{args.bidders:<3}"
            f"{done:>6}/{len(rows):<4}{fmt(pct(values, 50), ''):>7}{fmt(pct(values, 99), ''):>8}"
            f"{lost:>6}{dup:>5}{order:>6}{sum(c['resumed'] for c in rows):>8}"
            f"{fmt(pct(lot_announce, 50), ''):>13}{fmt(max(lot_announce, default=math.nan), ''):>7}"
        )
        if run_["state"] != "closed":
            failures.append(
                f"lot {lot.index + 1}: opening not completed ({run_['state'] or '—'}) {run_.get('error', '')}"
            )
        elif run_["decrypted"] != args.bidders:
            failures.append(
                f"lot {lot.index + 1}: {args.bidders - run_['decrypted']} decryption(s) failed: {problems[:2]}"
            )
        if run_.get("retried"):
            failures.append(
                f"lot {lot.index + 1}: {run_['retried']} decrypt(s) answered internal_error, then retried: "
                f"{next((e for e in problems if e.startswith('retried')), '')}"
            )
        if lost or dup or order:
            failures.append(f"lot {lot.index + 1}: {lost} lost, {dup} duplicated, {order} out of order")
        if done < len(rows):
            failures.append(f"lot {lot.index + 1}: {len(rows) - done} viewer(s) did not see the session close")
    errored = Counter(c["error"] for c in checked if c["error"])

    completed = sum(1 for r in lot_runs.values() if r["state"] == "closed")
    closes = [r["closed_at"] - lots[r["lot"]].deadline for r in lot_runs.values() if "closed_at" in r]
    p99 = pct(all_latency, 99)
    announce_max = max(announce, default=math.nan)
    load_before, peak, load_after = loads
    rows_out = [
        ("openings completed", f"{completed} / {len(lots)}"),
        ("deadline → session closed", f"{fmt(min(closes, default=math.nan))} … {fmt(max(closes, default=math.nan))}"),
        (
            "viewers",
            f"{len(checked)} ({sum(1 for c in checked if c['done'])} saw the end; failed: {dict(errored) or 0})",
        ),
        ("joins", f"{join[1]} connections in {join[0]:.1f} s ({join[1] / join[0]:.0f}/s)" if join[0] > 0 else "—"),
        ("connections per app process", " / ".join(map(str, spread))),
        (
            "delivery p50 / p99 / max",
            f"{fmt(pct(all_latency, 50))} / {fmt(p99)} / {fmt(max(all_latency, default=math.nan))}"
            f" over {len(all_latency):,} deliveries",
        ),
        (
            "lost / duplicated / out of order",
            " / ".join(str(sum(c[k] for c in checked)) for k in ("lost", "dup", "order")),
        ),
        ("viewers resumed after a close", str(sum(c["resumed"] for c in checked))),
        (
            "hosts' and bidders' reconnects",
            f"{reconnects} (RoomClient resumed; commands resent)",
        ),
        ("decrypts retried", f"{sum(r.get('retried', 0) for r in lot_runs.values())} (after internal_error)"),
        (
            "last key → 唱标 at viewers",
            f"p50 {fmt(pct(announce, 50))}, p99 {fmt(pct(announce, 99))}, max {fmt(announce_max)}",
        ),
    ]
    for name, cpu_join, share_join in samples.cpu("start", "joined"):
        _, cpu_open, share_open = next(x for x in samples.cpu("deadline", "closed") if x[0] == name)
        pid = next(p for n, p in samples.pids if n == name)
        rows_out.append(
            (
                f"server {name}",
                f"CPU {cpu_join:.1f} s joining ({share_join:.0f}%), {cpu_open:.1f} s opening ({share_open:.0f}%); "
                f"RSS {rss_end.get(pid, math.nan):.0f} MiB, peak {samples.peak_rss.get(pid, math.nan):.0f} MiB",
            )
        )
    rows_out += [
        (
            "client CPU",
            f"{sum(client_cpu):.1f} s in {len(client_cpu)} processes (busiest {max(client_cpu, default=0):.1f} s)"
            " on the same cores",
        ),
        ("viewer loop lag p99 / max", f"{fmt(pct(lags, 99))} / {fmt(max(lags, default=math.nan))} (from the deadline)"),
        (
            "load average",
            f"before {' '.join(f'{x:.2f}' for x in load_before)}; peak 1-min {peak:.2f}; "
            f"after {' '.join(f'{x:.2f}' for x in load_after)}",
        ),
        ("server log errors", str(sum(errors.values()))),
    ]
    width = max(len(k) for k, _ in rows_out)
    print()
    for name, value in rows_out:
        print(f"{name.ljust(width)}  {value}")
    print(
        "slowest events by delivery p99: "
        + ", ".join(f"{name} {p99_:.3f} s (×{count:,})" for p99_, name, count in slowest)
    )
    for message, count in errors.most_common(6):
        print(f"server error ×{count}: {message}")
    print()
    print(f"target every opening completes: {'met' if completed == len(lots) else 'MISSED'} ({completed}/{len(lots)})")
    print(f"target delivery p99 ≤ 1 s: {'met' if p99 <= 1 else 'MISSED'} ({fmt(p99)})")
    lost_total = sum(c["lost"] for c in checked)
    print(f"target no event lost: {'met' if lost_total == 0 else 'MISSED'} ({lost_total} lost)")
    print(
        f"target 唱标 at viewers ≤ 1 s after the last key: {'met' if announce_max <= 1 else 'MISSED'}"
        f" (max {fmt(announce_max)})"
    )
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--lots", type=int, default=10, help="simultaneous openings (default 10)")
    parser.add_argument("--bidders", type=int, default=50, help="bidders per lot, each decrypting (default 50)")
    parser.add_argument("--viewers", type=int, default=1000, help="public viewers per lot (default 1,000)")
    parser.add_argument("--spread", type=int, default=0, help="seconds between consecutive lots' deadlines (default 0)")
    parser.add_argument("--body-kib", type=int, default=4, help="sealed body size in KiB (default 4)")
    parser.add_argument(
        "--lead", type=int, default=0, help="seconds from publication to the first deadline (default: planned)"
    )
    parser.add_argument(
        "--procs", type=int, default=0, help=f"viewer processes (default one per {VIEWERS_PER_PROCESS:,})"
    )
    parser.add_argument(
        "--driver-procs",
        type=int,
        default=4,
        help="processes for the hosts and bidders (default 4; a lot's bidders spread over all)",
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds after the last deadline before giving up")
    parser.add_argument(
        "--server-log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="the servers' BIDDING_LOG_LEVEL (info: the hub's connection counts; default warning)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server logs)")
    parser.add_argument("--quick", action="store_true", help="preset: 3 lots × 10 bidders × 100 viewers")
    parser.add_argument("--big-lot", action="store_true", help="preset: 1 lot × 1,000 bidders × 200 viewers")
    args = parser.parse_args()
    if args.quick:
        args.lots, args.bidders, args.viewers = 3, 10, 100
    if args.big_lot:
        args.lots, args.bidders, args.viewers = 1, 1000, 200
    if args.lots < 1 or args.bidders < 1 or args.viewers < 0 or args.driver_procs < 1:
        parser.error("--lots, --bidders and --driver-procs must be positive, --viewers not negative")
    limit = raise_fd_limit()
    need = args.lots * (args.viewers + args.bidders + 1) + 500
    if limit < need:
        parser.error(f"the file-descriptor limit is {limit}; {need} are needed")
    load = os.getloadavg()
    print(
        f"openings bench: {args.lots} lots × {args.bidders} bidders × {args.viewers} viewers; python "
        f"{sys.version.split()[0]}, {os.cpu_count()} CPUs, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"fd limit {limit}",
        flush=True,
    )
    tmp = Path(tempfile.mkdtemp(prefix="openings-bench-"))
    try:
        return run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
