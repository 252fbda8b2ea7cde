"""The last minute before a bid deadline: N bidders upload sealed packages at once, on the embedded default.

    python bench/upload_bench.py [--bidders 200] [--size 20] [--window 60] [--late 5] [--keep]
    python bench/upload_bench.py --quick        # 20 bidders, 2 MiB, 20 s window
    python bench/upload_bench.py --profile production   # PostgreSQL, Redis, 2 app processes, a worker

What it does, all against 127.0.0.1 only:

1. starts a real server (``python -m bidding serve``) on the embedded default (SQLite file, local
   object store, embedded Redis, in-process worker) with its data dir in a temp dir; or, with
   ``--profile production``, on a fresh PostgreSQL database (``--database``, created and dropped),
   the local Redis with queues of its own, two app processes (``BIDDING_WEB_WORKERS=2``) and one
   ``bidding worker`` — with the local object store (a real S3 would be the deployment's; the tests'
   moto is a Python mock that caps near 60 MiB/s);
2. through the public API, as real parties would: registers and approves an agent, a tenderer and
   ``--bidders`` + ``--late`` bidder organisations, enrols a certificate for each (EC P-256 key
   and CSR made here) and logs each in; creates and publishes a project whose lot's bid deadline
   leaves time to seal every package and then ``--window`` seconds of upload;
3. seals one package per bidder (``crypto.sealed.seal``, a ``--size`` MiB body, the bidder's own
   certificate as recipient and signer) into a file in the temp dir;
4. at deadline − window every bidder starts at once (asyncio + one ``httpx.AsyncClient`` with a
   connection per bidder): ``POST /api/bidder/lots/{lot}/uploads`` then every chunk in order,
   streamed from its file; the last chunk's answer is the bid and its receipt. Each upload is timed
   from its start request to that answer;
5. the ``--late`` held-back bidders try too: half start an upload a few seconds before the deadline
   and send their chunks after it, the others start after it. Every one must be refused with
   ``deadline_passed``; so must any main upload whose last chunk reaches the server at or after the
   deadline;
6. afterwards every bidder reads its bids (``GET /api/bidder/lots/{lot}/bids``): every
   ``submitted_at`` must be before the deadline and the bids must be exactly the accepted uploads.

Reading the table:

* ``accepted before deadline``: uploads whose last chunk was answered with a bid;
  ``refused (deadline)``: uploads refused with ``deadline_passed`` (the server read their last
  byte at or after the deadline); ``errors by code``: every other outcome (API error code, HTTP
  status, or the client exception, e.g. a timeout);
* ``wall time``: from the common start to the last answer of a main bidder; ``throughput``:
  accepted package bytes / wall time; ``upload time``: per accepted upload, start → final answer;
  ``answer − last byte``: per accepted upload, its final answer − the time this client handed the
  package's last byte over — on loopback a connection's socket buffers hold megabytes, so this
  includes the time the last chunk waited unread; ``answer − last byte read``: its answer − the
  bid's ``submitted_at`` (the server's clock when it read the last byte; same machine): completion
  alone (recording the chunk, verification, storing, the signed receipt);
* ``server peak RSS``: VmHWM of the ``bidding serve`` process (the embedded redis-server child
  is given separately; on the production profile, of the largest app process, and their sum);
  ``server CPU``: user + system seconds the app processes used during the upload phase (they share
  the machine's cores with this client);
* ``baseline``: reading the same package files (page cache) and SHA-256 over every byte, in this
  process: the least work any upload path must do once. ``platform / baseline`` is the ratio of
  the platform's throughput to it;
* ``accepted after the deadline``: bids whose ``submitted_at`` (the time the server read the last
  byte) is at or after the deadline, as read back through the API. It must be 0: otherwise the
  bench exits 1. It also exits 1 if a held-back bidder was not refused with ``deadline_passed``, or
  if the bids read back differ from the accepted uploads.

A refused upload is the expected outcome when the server cannot take every package in the
window: the table says how many made it. ``refused although sent in time`` counts refused uploads
whose last byte this client had handed to the kernel before the deadline: the server judges by the
time it read the byte (after it got a database connection), so a backlog on the server turns those
into refusals. On loopback the socket buffers can hold a whole chunk (``tcp_rmem`` max is 32 MiB
here), so such bytes were on the server's host in time but not yet read by the app.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import json
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bidding.client.identity import Identity
from bidding.client.session import login
from bidding.identity.credit_code import make_credit_code
from crypto.ca import PrivateKey, make_csr, make_key
from crypto.sealed import seal
from crypto.subject import PlatformSubject

MIB = 1 << 20
ADMIN_TOKEN = "upload-bench-admin-token-" + "a" * 24
SECRET_KEY = "upload-bench-secret-key-" + "b" * 24
FORM = {"price_fen": 4_650_000_00, "duration_days": 365}
PDF = b"%PDF-1.7\n" + b"tender documents " * 2000 + b"\n%%EOF\n"
PIECE = MIB  # chunks are streamed to the server in pieces of this size
SETUP_CONCURRENCY = 8
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
SEAL_RATE_FLOOR = 50 * MIB  # bytes/s assumed at worst when planning the deadline
REDIS_URL = os.environ.get("UPLOAD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ANSWER_WITHIN = 5.0  # seconds between the last byte handed over and the answer (issue 22's target)


# ----------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``python -m bidding serve`` on the embedded default, data under ``tmp/var``; or the production
    profile: PostgreSQL ``database_url``, the local Redis, two app processes and a worker."""

    def __init__(self, tmp: Path, session_minutes: int, *, database_url: str | None = None) -> None:
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
            "BIDDING_BID_PERIOD_MIN_DAYS": "works:0,goods:0,services:0",
            "BIDDING_SESSION_MINUTES": str(session_minutes),
        }
        self.worker: subprocess.Popen[bytes] | None = None
        if database_url is not None:
            env |= {
                "BIDDING_DATABASE_URL": database_url,
                "BIDDING_REDIS_URL": REDIS_URL,
                "BIDDING_QUEUE_PREFIX": f"upload-bench-{secrets.token_hex(4)}",
                "BIDDING_WEB_WORKERS": "2",
                "BIDDING_JOB_POLL_DELAY": "0.2",
            }
            for step in (["migrate"], ["ca", "init"]):
                done = subprocess.run([sys.executable, "-m", "bidding", *step], env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    raise SystemExit(f"bidding {' '.join(step)} failed:\n{done.stdout}{done.stderr}")
            with (tmp / "worker.log").open("wb") as out:
                self.worker = subprocess.Popen(
                    [sys.executable, "-m", "bidding", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
        with self.log.open("wb") as out:
            self.handle = subprocess.Popen(
                [sys.executable, "-m", "bidding", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.handle.poll() is not None:
                raise SystemExit(f"the server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                last = httpx.get(f"{self.base}/ready", timeout=2)
                if last.status_code == 200:
                    return
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the server is not ready after {timeout:.0f} s: {last}\n{self.log.read_text()[-3000:]}")

    def stop(self) -> int | None:
        for handle in (self.handle, self.worker):
            if handle is not None and handle.poll() is None:
                handle.send_signal(signal.SIGTERM)
                try:
                    handle.wait(30)
                except subprocess.TimeoutExpired:
                    handle.kill()
                    handle.wait()
        return self.handle.returncode

    def children(self, pid: int | None = None) -> list[int]:
        pid = self.handle.pid if pid is None else pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def app_pids(self) -> list[int]:
        """The processes serving requests: ``bidding serve`` itself, or uvicorn's app processes."""
        apps = [p for p in self.children() if b"spawn_main" in command_line(p)]
        return apps or [self.handle.pid]

    def helpers(self) -> list[int]:
        """Other children of the server (the embedded redis-server)."""
        return [p for p in self.children() if not process_name(p).startswith("python")]

    def cpu_seconds(self) -> float:
        """User + system seconds of ``bidding serve`` and every app process under it."""
        total = 0.0
        for pid in {self.handle.pid, *self.app_pids()}:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def log_summary(self) -> tuple[int, int, Counter[str]]:
        """Error lines, warning lines, and the error messages in the server's log (by kind, with counts)."""
        errors, warnings, kinds = 0, 0, Counter[str]()
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
                level = str(entry.get("level", "")).lower()
                exc = str(entry.get("exc", "")).strip().splitlines()
                path = UUID_RE.sub("{id}", str(entry.get("path", "")))
                message = f"{entry.get('logger')}: {entry.get('msg')} {path} {exc[-1] if exc else ''}"
            except (ValueError, AttributeError):
                level = "error" if ("Traceback" in line or "ERROR" in line) else ""
                message = line
            if level in ("error", "critical"):
                errors += 1
                kinds[message[:400]] += 1
            elif level == "warning":
                warnings += 1
        return errors, warnings, kinds


def vm_hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def process_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


# ----------------------------------------------------------------------------- parties


@dataclass
class Party:
    kind: str
    org_id: str
    credit_code: str
    name: str
    key: PrivateKey
    cert: x509.Certificate
    headers: dict[str, str] = field(default_factory=dict)


def new_code() -> str:
    return make_credit_code("91320100" + "".join(secrets.choice("0123456789") for _ in range(9)))


def check(response: httpx.Response, status: int, what: str) -> dict[str, Any]:
    if response.status_code != status:
        raise SystemExit(f"{what}: HTTP {response.status_code} {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


async def enrol_party(http: httpx.AsyncClient, base: str, kind: str, index: int) -> Party:
    """Register, approve (admin token), enrol a fresh EC P-256 key's CSR, log in."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    code = new_code()
    org = check(
        await http.post(
            "/api/enrolment/organisations",
            json={
                "name": f"压测{kind}{index:04d}有限公司{code[-6:]}",
                "credit_code": code,
                "kind": kind,
                "contact_name": "李四",
                "contact_phone": "025-80000000",
            },
        ),
        201,
        f"register {kind} {index}",
    )
    approved = check(await http.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin), 200, "approve")
    key = make_key("ec-p256")
    csr = make_csr(key, PlatformSubject(org["name"], org["credit_code"], "王小明", kind))
    body = check(
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
    cert = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    party = Party(kind, org["id"], org["credit_code"], org["name"], key, cert)
    party.headers = (await login(http, Identity(key, cert), audience=base)).headers
    return party


async def enrol_all(http: httpx.AsyncClient, base: str, kind: str, count: int) -> list[Party]:
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(i: int) -> Party:
        async with gate:
            return await enrol_party(http, base, kind, i)

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def create_published(
    http: httpx.AsyncClient, agent: Party, tenderer: Party, deadline: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {
        "code": f"BENCH-{secrets.token_hex(4)}",
        "name": "上传压测项目",
        "category": "works",
        "tenderer_credit_code": tenderer.credit_code,
        "region": "江苏省南京市",
        "lots": [
            {
                "code": "01",
                "name": "土建",
                "estimated_price_fen": 50_000_000_00,
                "deposit_fen": 80_000_00,
                "bid_deadline": deadline.isoformat(),
                "form_fields": [
                    {"key": "duration_days", "label_zh": "工期（日历天）", "label_en": "Duration", "type": "integer"}
                ],
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
        "upload tender documents",
    )
    check(
        await http.post(
            f"/api/agent/projects/{project['id']}/publish",
            json={"title": "上传压测项目招标公告", "body": "现邀请合格投标人参加投标。"},
            headers=agent.headers,
        ),
        200,
        "publish",
    )
    return project, project["lots"][0]


# ----------------------------------------------------------------------------- sealing


class Generated(io.RawIOBase):
    """``size`` bytes: one random block repeated (the body is encrypted anyway)."""

    def __init__(self, size: int, block: bytes) -> None:
        self.left = size
        self.block = block

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left, len(self.block))
        buffer[:n] = self.block[:n]
        self.left -= n
        return n


def seal_to_file(party: Party, project_id: str, lot_id: str, size: int, path: Path) -> int:
    with path.open("wb") as out:
        seal(
            json.dumps(FORM).encode(),
            io.BufferedReader(Generated(size, os.urandom(MIB)), MIB),
            out,
            project_id=project_id,
            lot_id=lot_id,
            recipients=[party.cert],
            signer_key=party.key,
            signer_cert=party.cert,
            now=datetime.now(UTC),
        )
    return path.stat().st_size


def baseline_hash(paths: list[Path]) -> tuple[int, float]:
    """Read every package file and SHA-256 it: bytes and seconds."""
    total, started = 0, time.perf_counter()
    buffer = bytearray(MIB)
    view = memoryview(buffer)
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb", buffering=0) as f:
            while n := f.readinto(view):
                digest.update(view[:n])
                total += n
    return total, time.perf_counter() - started


# ----------------------------------------------------------------------------- uploading


@dataclass
class Outcome:
    bidder: int
    late: str | None = None  # None for a main bidder; "start-after" or "send-after" for a held-back one
    started: float = 0.0  # time.time()
    finished: float = 0.0
    status: str = "not started"  # "accepted", an API error code, "http_<status>" or an exception name
    http_status: int | None = None
    chunk: int | None = None  # the request that failed: None = start, else the chunk index
    last_byte_sent: float | None = None  # time.time() the last piece of the failing/last chunk was handed over
    bytes_sent: int = 0
    bid: dict[str, Any] | None = None

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def step(o: Outcome) -> str:
    return "start" if o.chunk is None else f"chunk {o.chunk}"


def error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return f"http_{response.status_code}"


async def file_pieces(path: Path, offset: int, length: int, outcome: Outcome) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        f.seek(offset)
        left = length
        while left:
            data = await asyncio.to_thread(f.read, min(PIECE, left))
            if not data:
                raise OSError(f"{path} ended early")
            left -= len(data)
            if not left:
                outcome.last_byte_sent = time.time()
            yield data
            outcome.bytes_sent += len(data)


async def upload(
    http: httpx.AsyncClient,
    party: Party,
    lot_id: str,
    path: Path,
    outcome: Outcome,
    *,
    send_at: float | None = None,
) -> None:
    """Start an upload and send every chunk in order; ``send_at``: hold the chunks until then (wall clock)."""
    size = path.stat().st_size
    outcome.started = time.time()
    try:
        response = await http.post(
            f"/api/bidder/lots/{lot_id}/uploads", json={"size": size, "mode": "chunked"}, headers=party.headers
        )
        if response.status_code != 201:
            outcome.status, outcome.http_status = error_code(response), response.status_code
            return
        started = response.json()
        if send_at is not None:
            await asyncio.sleep(max(0.0, send_at - time.time()))
        chunk_size = int(started["chunk_size"])
        for index, offset in enumerate(range(0, size, chunk_size)):
            outcome.chunk = index
            length = min(chunk_size, size - offset)
            response = await http.put(
                f"/api/bidder/uploads/{started['id']}/chunks/{index}",
                content=file_pieces(path, offset, length, outcome),
                headers={
                    **party.headers,
                    "Content-Type": "application/octet-stream",
                    "Content-Length": str(length),
                },
            )
            if response.status_code != 200:
                outcome.status, outcome.http_status = error_code(response), response.status_code
                return
        body = response.json()
        if body.get("status") == "completed" and body.get("bid"):
            outcome.status, outcome.bid, outcome.chunk = "accepted", body["bid"], None
        else:
            outcome.status = f"incomplete_{body.get('status')}"
    except (httpx.HTTPError, OSError) as exc:
        outcome.status = type(exc).__name__
    except asyncio.CancelledError:
        outcome.status = "cancelled (overall timeout)"
        raise
    finally:
        outcome.finished = time.time()


# ----------------------------------------------------------------------------- report


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def fmt_s(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f} s"


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ----------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace, tmp: Path, server: Server) -> int:
    size = args.size * MIB
    n, late_n = args.bidders, args.late
    limits = httpx.Limits(max_connections=n + late_n + 16, max_keepalive_connections=n + late_n + 16)
    long = args.window + 120.0
    timeout = httpx.Timeout(connect=30.0, read=long, write=long, pool=long)
    async with httpx.AsyncClient(base_url=server.base, limits=limits, timeout=timeout) as http:
        t = time.perf_counter()
        agent = await enrol_party(http, server.base, "agent", 0)
        tenderer = await enrol_party(http, server.base, "tenderer", 0)
        bidders = await enrol_all(http, server.base, "bidder", n + late_n)
        print(
            f"setup: {n + late_n + 2} organisations registered, enrolled, logged in in {time.perf_counter() - t:.1f} s"
        )

        # Plan the deadline: time a first seal, extrapolate, then leave a margin.
        packages = tmp / "packages"
        packages.mkdir()
        t = time.perf_counter()
        seal_to_file(bidders[0], "calibration", "calibration", size, packages / "calibration.bid")
        per_package = max(time.perf_counter() - t, size / SEAL_RATE_FLOOR * 0.2)
        (packages / "calibration.bid").unlink()
        seal_estimate = per_package * (n + late_n) * 1.5 + 15
        deadline_wanted = datetime.now(UTC) + timedelta(seconds=seal_estimate + args.window + 10)
        deadline_wanted = deadline_wanted.replace(microsecond=0) + timedelta(seconds=1)
        project, lot = await create_published(http, agent, tenderer, deadline_wanted)
        deadline = parse_time(lot["bid_deadline"])
        print(f"project {project['code']} lot {lot['id']}: bid deadline {deadline.isoformat()}")

        t = time.perf_counter()
        paths = [packages / f"{i:04d}.bid" for i in range(n + late_n)]
        for party, path in zip(bidders, paths, strict=True):
            await asyncio.to_thread(seal_to_file, party, project["id"], lot["id"], size, path)
        sealed_seconds = time.perf_counter() - t
        package_size = paths[0].stat().st_size
        print(f"sealed {len(paths)} packages of {package_size / MIB:.2f} MiB in {sealed_seconds:.1f} s")

        start_at = deadline.timestamp() - args.window
        if time.time() > start_at:
            print(
                f"WARNING: sealing ran late; the window is {deadline.timestamp() - time.time():.1f} s, "
                f"not {args.window}"
            )
        else:
            print(f"waiting {start_at - time.time():.1f} s for deadline − {args.window} s …")
            await asyncio.sleep(start_at - time.time())

        main = [Outcome(i) for i in range(n)]
        late = [Outcome(n + j, late="send-after" if j % 2 == 0 else "start-after") for j in range(late_n)]
        cpu_before = server.cpu_seconds()
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.time()
        after = deadline.timestamp() + 0.5

        async def held_back(o: Outcome) -> None:
            party, path = bidders[o.bidder], paths[o.bidder]
            if o.late == "send-after":
                await asyncio.sleep(max(0.0, deadline.timestamp() - 5 - time.time()))
                await upload(http, party, lot["id"], path, o, send_at=after)
            else:
                await asyncio.sleep(max(0.0, after - time.time()))
                await upload(http, party, lot["id"], path, o)

        tasks = [asyncio.create_task(upload(http, bidders[o.bidder], lot["id"], paths[o.bidder], o)) for o in main]
        tasks += [asyncio.create_task(held_back(o)) for o in late]
        # Bounded: everything is over window + 120 s after the common start.
        done, pending = await asyncio.wait(tasks, timeout=max(1.0, deadline.timestamp() + 120 - time.time()))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                print(f"an upload task failed: {task.exception()!r}")
        wall = max((o.finished for o in main), default=t0) - t0
        cpu_used = server.cpu_seconds() - cpu_before
        usage = resource.getrusage(resource.RUSAGE_SELF)
        client_cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)

        # Read every bid back through the API, as each bidder (retrying while the server is busy).
        gate = asyncio.Semaphore(SETUP_CONCURRENCY)

        async def bids_of(party: Party) -> list[dict[str, Any]] | None:
            async with gate:
                for _ in range(5):
                    try:
                        response = await http.get(f"/api/bidder/lots/{lot['id']}/bids", headers=party.headers)
                    except httpx.HTTPError:
                        await asyncio.sleep(2)
                        continue
                    if response.status_code == 200:
                        got: list[dict[str, Any]] = response.json()
                        return got
                    await asyncio.sleep(2)
                return None

        read_back = await asyncio.gather(*(bids_of(p) for p in bidders))

    # ------------------------------------------------------------------ figures
    base_bytes, base_seconds = baseline_hash(paths[:n])
    base_rate = base_bytes / MIB / base_seconds

    deadline_ts = deadline.timestamp()
    accepted = [o for o in main if o.status == "accepted"]
    refused = [o for o in main if o.status == "deadline_passed"]
    others = Counter(
        f"{o.status}" + (f" (HTTP {o.http_status})" if o.http_status else "") + f" at {step(o)}"
        for o in main
        if o.status not in ("accepted", "deadline_passed")
    )
    sent_in_time = [o for o in refused if o.last_byte_sent is not None and o.last_byte_sent < deadline_ts]
    times = [o.seconds for o in accepted]
    accepted_bytes = sum(package_size for _ in accepted)
    throughput = accepted_bytes / MIB / wall if wall > 0 else float("nan")
    answered_after = [o for o in accepted if o.finished >= deadline_ts]
    lags = [o.finished - o.last_byte_sent for o in accepted if o.last_byte_sent is not None]
    within = [lag for lag in lags if lag <= ANSWER_WITHIN]

    unreadable = sum(1 for got in read_back if got is None)
    # The server's own side of the lag: answer − the time it read the last byte (the bid's submitted_at).
    read_at = {b["id"]: parse_time(b["submitted_at"]).timestamp() for got in read_back if got for b in got}
    server_lags = [o.finished - read_at[o.bid["id"]] for o in accepted if o.bid and o.bid["id"] in read_at]
    bids = [b for got in read_back if got for b in got]
    after_deadline = [b for b in bids if parse_time(b["submitted_at"]) >= deadline]
    # Each bidder's bids must be what it was told: one for an accepted upload, none for a refused one.
    # An upload the client gave up on (timeout, cancelled) may or may not have become a bid.
    mismatched, unseen = [], []
    for o, got in zip((*main, *late), read_back, strict=True):
        if got is None:
            continue
        ids = [b["id"] for b in got]
        if o.status == "accepted":
            if not o.bid or ids != [o.bid["id"]]:
                mismatched.append(o)
        elif o.http_status is not None:
            if ids:
                mismatched.append(o)
        elif ids:
            unseen.append(o)
    late_ok = [o for o in late if o.status == "deadline_passed"]
    late_bad = [o for o in late if o.status != "deadline_passed"]
    apps = server.app_pids()
    app_hwm = [vm_hwm_mib(pid) for pid in apps]
    server_hwm = max(app_hwm)
    child_hwm = [(process_name(pid), vm_hwm_mib(pid)) for pid in server.helpers()]
    log_errors, log_warnings, error_kinds = server.log_summary()
    status_5xx = sum(1 for o in (*main, *late) if o.http_status is not None and o.http_status >= 500)

    rows = [
        ("bidders", f"{n} (+{late_n} held back until the deadline)"),
        ("package size", f"{package_size / MIB:.2f} MiB ({args.size} MiB body)"),
        ("window", f"{args.window} s (common start {datetime.fromtimestamp(t0, UTC):%H:%M:%S} UTC)"),
        ("bid deadline", f"{deadline:%H:%M:%S} UTC"),
        ("accepted before deadline", f"{len(accepted)} / {n}"),
        ("  of which answered after it", f"{len(answered_after)} (last byte read in time, then verified and stored)"),
        ("refused (deadline_passed)", f"{len(refused)} / {n}"),
        (
            "  refused although sent in time",
            f"{len(sent_in_time)} (last byte handed to the kernel before the deadline)",
        ),
        ("errors by code", ", ".join(f"{k}: {v}" for k, v in sorted(others.items())) or "none"),
        ("held back, refused", f"{len(late_ok)} / {late_n} with deadline_passed"),
        ("total bytes accepted", f"{accepted_bytes / MIB:.0f} MiB"),
        ("total bytes sent", f"{sum(o.bytes_sent for o in main) / MIB:.0f} MiB (main bidders)"),
        ("wall time", f"{wall:.2f} s (common start → last answer)"),
        ("throughput", f"{throughput:.1f} MiB/s accepted"),
        ("upload time p50", fmt_s(statistics.median(times) if times else float("nan"))),
        ("upload time p90", fmt_s(percentile(times, 90))),
        ("upload time p99", fmt_s(percentile(times, 99))),
        ("upload time max", fmt_s(max(times) if times else float("nan"))),
        ("answer − last byte p50", fmt_s(statistics.median(lags) if lags else float("nan"))),
        ("answer − last byte p99", fmt_s(percentile(lags, 99))),
        ("answer − last byte max", fmt_s(max(lags) if lags else float("nan"))),
        (f"answers within {ANSWER_WITHIN:.0f} s of last byte", f"{len(within)} / {len(accepted)}"),
        (
            "answer − last byte read p50/p99",
            f"{fmt_s(statistics.median(server_lags) if server_lags else float('nan'))} / "
            f"{fmt_s(percentile(server_lags, 99))} (the server's submitted_at: completion alone)",
        ),
        (
            "server peak RSS",
            f"{server_hwm:.0f} MiB (VmHWM of bidding serve)"
            if len(apps) == 1
            else f"{server_hwm:.0f} MiB (VmHWM, largest of {len(apps)} app processes; sum {sum(app_hwm):.0f} MiB)",
        ),
        *((f"  child {name}", f"{hwm:.0f} MiB (VmHWM)") for name, hwm in child_hwm),
        (
            "server CPU",
            f"{cpu_used:.1f} s over the upload phase ({cpu_used / wall * 100 if wall else 0:.0f}% of a core)",
        ),
        ("client CPU", f"{client_cpu:.1f} s (this process, same machine)"),
        ("HTTP 5xx answers", str(status_5xx)),
        ("server log", f"{log_errors} error lines, {log_warnings} warnings"),
        ("baseline read+SHA-256", f"{base_bytes / MIB:.0f} MiB in {base_seconds:.2f} s = {base_rate:.0f} MiB/s"),
        ("platform / baseline", f"{throughput / base_rate:.3f}"),
        ("bids read back", f"{len(bids)}; {len(mismatched)} differ from what the bidder was told"),
        ("  accepted, client gave up", f"{len(unseen)} (a bid exists for an upload the client saw time out)"),
        ("  bidders unreadable", str(unreadable)),
        ("accepted after the deadline", str(len(after_deadline))),
    ]
    print()
    print(table(rows))
    for message, count in error_kinds.most_common(8):
        print(f"server error ×{count}: {message}")
    failures = []
    if after_deadline:
        failures.append(f"{len(after_deadline)} package(s) accepted after the deadline")
    for o in late_bad:
        failures.append(f"held-back bidder {o.bidder} ({o.late}): {o.status} at {step(o)}, expected deadline_passed")
    for o in mismatched:
        failures.append(f"bidder {o.bidder}: told {o.status} at {step(o)}, but its bids read back differ")
    if unreadable:
        failures.append(f"{unreadable} bidder(s) could not read their bids back")
    for failure in failures:
        print(f"FAIL: {failure}")
    failed = bool(failures)
    return 1 if failed else 0


async def create_database(server_url: str) -> str:
    """A fresh database on ``server_url``'s PostgreSQL server: its SQLAlchemy URL."""
    import asyncpg  # type: ignore[import-untyped]

    name = f"upload_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


async def drop_database(server_url: str, database_url: str) -> None:
    import asyncpg

    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--bidders", type=int, default=200, help="bidders uploading in the window (default 200)")
    parser.add_argument("--size", type=int, default=20, help="package body in MiB (default 20)")
    parser.add_argument("--window", type=int, default=60, help="seconds between the common start and the deadline")
    parser.add_argument("--late", type=int, default=5, help="bidders held back until the deadline (default 5)")
    parser.add_argument("--dir", type=Path, default=None, help="where the temp dir goes (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (packages, server data and log)")
    parser.add_argument("--quick", action="store_true", help="preset: 20 bidders, 2 MiB, 20 s window")
    parser.add_argument(
        "--profile",
        choices=("embedded", "production"),
        default="embedded",
        help="embedded default, or PostgreSQL + Redis + 2 app processes + a worker (local object store)",
    )
    parser.add_argument(
        "--database", default=POSTGRES, help="PostgreSQL server for --profile production (a fresh database is made)"
    )
    args = parser.parse_args()
    if args.quick:
        args.bidders, args.size, args.window = 20, 2, 20
    if args.bidders < 1 or args.size < 1 or args.window < 1 or args.late < 0:
        parser.error("--bidders, --size and --window must be positive, --late not negative")

    tmp = Path(tempfile.mkdtemp(prefix="upload-bench-", dir=args.dir))
    # Packages on disk + the server's copies (staged chunks, then the retained package).
    total = (args.bidders + args.late) * (args.size * MIB + MIB)
    free = shutil.disk_usage(tmp).free
    if free < 2 * total:
        shutil.rmtree(tmp)
        print(
            f"refusing: {tmp.parent} has {free / MIB:.0f} MiB free, the run needs at least "
            f"2 × {total / MIB:.0f} MiB (packages + the server's copies); use --dir or smaller --bidders/--size",
            file=sys.stderr,
        )
        return 2
    print(
        f"upload bench: {args.bidders} bidders × {args.size} MiB, window {args.window} s, "
        f"{args.late} held back, {args.profile} profile; temp dir {tmp}; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    database_url = asyncio.run(create_database(args.database)) if args.profile == "production" else None
    server: Server | None = None
    code = 1
    try:
        server = Server(tmp, session_minutes=120, database_url=database_url)
        server.wait_ready()
        code = asyncio.run(run(args, tmp, server))
    finally:
        returncode = server.stop() if server is not None else 0
        if database_url is not None:
            asyncio.run(drop_database(args.database, database_url))
        if returncode not in (0, -signal.SIGTERM) and server is not None:
            print(f"server exit code {returncode}; log: {server.log}")
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
