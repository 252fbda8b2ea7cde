# mypy: disable-error-code="no-untyped-call"
"""Reading the bids (issue 20 "the committee, and only the committee, reads the decrypted bodies"): after
a real opening the members list a bid's files from its decrypted tar, see its PDF stamped with their
name, download any file, and every access is in the audit trail; everyone else — agent, tenderer, every
bidder (its own bid too), supervisor, auditor, administrator, the public, an expert of the pool not on
the committee, a member before sign-in or before the declaration, a recused member — is refused by
every body endpoint, and so is everyone once the evaluation is final."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import uuid
from typing import Any

import httpx
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select, update

from bidding.audit.models import AuditEvent
from bidding.client.session import login
from bidding.core.clock import CHINA_TIME, ManualClock
from bidding.evaluation import bodies
from bidding.evaluation.models import Evaluation, EvaluationBid, EvaluationMember
from bidding.evaluation.states import EvaluationState, MemberStatus
from tests.fixtures.errors import error_code
from tests.fixtures.evaluation import Committee, declare, evaluation_in
from tests.fixtures.parties import AUDIENCE, logged_in_parties

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

PDF_NAME = "投标文件/投标函.pdf"
TXT_NAME = "投标文件/技术方案说明.txt"


def _urls(c: Committee, bid_id: str) -> list[str]:
    """Every body endpoint for a bid: the list, the PDF inline and downloaded, the text file."""
    base = f"/api/evaluations/{c.evaluation_id}/bids/{bid_id}/files"
    return [base, f"{base}/0", f"{base}/0?download=true", f"{base}/1"]


async def _fresh(client: httpx.AsyncClient, c: Committee) -> None:
    """The parties and bidders log in again on the evaluation day (their sessions have expired)."""
    for name, user in c.p["users"].items():
        c.p[name] = (await login(client, user.identity, audience=AUDIENCE)).headers
    c.bidders = [(u, (await login(client, u.identity, audience=AUDIENCE)).headers) for u, _ in c.bidders]


async def _events(platform: Any, c: Committee, action: str) -> list[dict[str, Any]]:
    async with platform.sessions() as s:
        rows = await s.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_id == c.evaluation_id, AuditEvent.action == f"evaluation.{action}")
            .order_by(AuditEvent.id)
        )
        return [row.details | {"actor": row.actor} for row in rows]


async def _member(platform: Any, member_id: str) -> EvaluationMember:
    async with platform.sessions() as s:
        found: EvaluationMember | None = await s.get(EvaluationMember, uuid.UUID(member_id))
        assert found is not None
        return found


def _stamped_text(pdf: bytes) -> str:
    """The text poppler reads from a PDF in content order, without white space (the stamp is rotated)."""
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return "".join(out.decode().split())


async def test_a_member_reads_the_files_of_every_bid_and_each_access_is_audited(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform)
    reader = c.members[1]
    me = await _member(platform, str(reader.member_id))
    for i, bid_id in enumerate(c.bid_ids):
        listed = await client.get(_urls(c, bid_id)[0], headers=reader.headers)
        assert listed.status_code == 200, listed.text
        files = listed.json()
        assert [(f["index"], f["name"], f["media_type"]) for f in files] == [
            (0, PDF_NAME, "application/pdf"),
            (1, TXT_NAME, "text/plain"),
        ]
        text = f"投标人{i + 1} 技术方案：分三阶段施工。\n".encode()
        assert files[1]["size"] == len(text)

        # The text file: as it is, a download, exactly its bytes (a ranged read of the tar).
        got = await client.get(_urls(c, bid_id)[3], headers=reader.headers)
        assert got.status_code == 200, got.text
        assert got.content == text
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert (
            "filename*=UTF-8''%E6%8A%80%E6%9C%AF%E6%96%B9%E6%A1%88%E8%AF%B4%E6%98%8E.txt"
            in got.headers["content-disposition"]
        )  # 技术方案说明.txt, the folder left out
        assert got.headers["cache-control"] == "no-store"
        assert got.headers["x-content-type-options"] == "nosniff"

    # The PDF inline: two pages, each stamped with the reader's name, 评标专用 and the time in China.
    bid_id = c.bid_ids[0]
    inline = await client.get(_urls(c, bid_id)[1], headers=reader.headers)
    assert inline.status_code == 200, inline.text
    assert inline.headers["content-type"].startswith("application/pdf")
    assert inline.headers["content-disposition"] == (
        "inline; filename=\"___.pdf\"; filename*=UTF-8''%E6%8A%95%E6%A0%87%E5%87%BD.pdf"  # 投标函.pdf
    )
    pdf = PdfFileReader(io.BytesIO(inline.content))
    assert int(pdf.root["/Pages"]["/Count"]) == 2
    for ix in range(2):
        page = pdf.find_page_for_modification(ix)[0].get_object()
        assert "/EvalWatermark" in page["/Resources"]["/XObject"]
    if shutil.which("pdftotext"):
        words = _stamped_text(inline.content)
        # once per page: the name, 评标专用, the reading time in China (the test's clock stands still)
        assert words.count(f"{me.name}评标专用{clock.now().astimezone(CHINA_TIME):%Y-%m-%d%H:%M}北京时间") == 2
    # Downloaded, the PDF is stamped all the same.
    downloaded = await client.get(_urls(c, bid_id)[2], headers=reader.headers)
    assert downloaded.status_code == 200
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.content.startswith(b"%PDF-") and b"/EvalWatermark" in downloaded.content

    # The file list was read once from the tar's headers and kept with the bid.
    async with platform.sessions() as s:
        kept = await s.get(EvaluationBid, (uuid.UUID(c.evaluation_id), uuid.UUID(bid_id)))
        assert kept is not None and kept.files is not None
        assert [(f["name"], f["offset"] % 512) for f in kept.files] == [(PDF_NAME, 0), (TXT_NAME, 0)]

    # Every access is an audit event naming the member and what was served.
    listed_events = await _events(platform, c, "body_listed")
    assert [(e["bid"], e["member"], e["files"]) for e in listed_events] == [(b, reader.member_id, 2) for b in c.bid_ids]
    reads = await _events(platform, c, "body_read")
    assert len(reads) == 5
    pdf_reads = [e for e in reads if e["file"] == PDF_NAME]
    assert [(e["disposition"], e["watermarked"]) for e in pdf_reads] == [("inline", True), ("attachment", True)]
    assert pdf_reads[0]["served_sha256"] == hashlib.sha256(inline.content).hexdigest()
    assert {e["member_name"] for e in reads} == {me.name}
    txt_reads = [e for e in reads if e["file"] == TXT_NAME]
    assert {(e["watermarked"], e["served_sha256"], e["disposition"]) for e in txt_reads} == {
        (False, None, "attachment")
    }

    # A PDF above the stamping limit is not shown inline; downloaded, it comes as it is, and the trail says so.
    monkeypatch.setattr(bodies, "MAX_WATERMARK_BYTES", 100)
    too_large = await client.get(_urls(c, bid_id)[1], headers=reader.headers)
    assert too_large.status_code == 413 and error_code(too_large) == "pdf_too_large_to_watermark"
    as_is = await client.get(_urls(c, bid_id)[2], headers=reader.headers)
    assert as_is.status_code == 200 and as_is.headers["content-disposition"].startswith("attachment;")
    assert as_is.content.startswith(b"%PDF-") and b"/EvalWatermark" not in as_is.content
    assert len(as_is.content) == kept.files[0]["size"]
    last = (await _events(platform, c, "body_read"))[-1]
    assert (last["file"], last["watermarked"], last["not_watermarked_because"]) == (PDF_NAME, False, "too_large")
    monkeypatch.undo()

    # Not a bid of this evaluation, not a file of the bid, a bad index: 404 / 400, never 500.
    base = f"/api/evaluations/{c.evaluation_id}/bids"
    missing = await client.get(f"{base}/{uuid.uuid4()}/files", headers=reader.headers)
    assert missing.status_code == 404 and error_code(missing) == "evaluation_bid_not_found"
    no_file = await client.get(f"{base}/{bid_id}/files/2", headers=reader.headers)
    assert no_file.status_code == 404 and error_code(no_file) == "body_file_not_found"
    for bad in ("-1", "x", "99999999999"):
        assert (await client.get(f"{base}/{bid_id}/files/{bad}", headers=reader.headers)).status_code in (400, 404)
    no_ev = await client.get(f"/api/evaluations/{uuid.uuid4()}/bids/{bid_id}/files", headers=reader.headers)
    assert no_ev.status_code == 404

    # A body not (or no longer) in the store: 409 before any byte, listed before or not.
    await platform.store.delete(f"opened/{c.lot['id']}/{bid_id}.tar")
    for url in _urls(c, bid_id):
        gone = await client.get(url, headers=reader.headers)
        assert gone.status_code == 409 and error_code(gone) == "body_not_available", url

    # A member who declares a conflict later is recused: the bodies close to them; the others read on.
    leaving = c.members[4]
    await declare(client, c, leaving, conflict="本人曾在第二投标人处任职")
    for url in _urls(c, c.bid_ids[1]):
        refused = await client.get(url, headers=leaving.headers)
        assert refused.status_code == 403 and error_code(refused) == "not_on_committee", url
    assert (await client.get(_urls(c, c.bid_ids[1])[1], headers=c.members[2].headers)).status_code == 200

    # Final: nobody reads a body any more, the chair neither.
    async with platform.sessions() as s, s.begin():
        await s.execute(
            update(Evaluation).where(Evaluation.id == uuid.UUID(c.evaluation_id)).values(state=EvaluationState.FINAL)
        )
    assert c.chair is not None
    for member in (c.chair, reader):
        for url in _urls(c, c.bid_ids[1]):
            refused = await client.get(url, headers=member.headers)
            assert refused.status_code == 409 and error_code(refused) == "evaluation_state", url


async def test_nobody_but_a_sitting_member_reads_a_body(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="entered")
    await _fresh(client, c)
    staff = await logged_in_parties(
        client, admin_headers, ("auditor", "trading_centre", "auditor"), ("admin", "trading_centre", "admin")
    )
    bid_id = c.bid_ids[0]
    urls = _urls(c, bid_id)

    # No login, and every role but the expert's: the role guard.
    for url in urls:
        assert (await client.get(url)).status_code == 401, url
        others = [c.p["agent"], c.p["tenderer"], c.p["supervisor"], staff["auditor"], staff["admin"], admin_headers]
        for headers in others + [h for _, h in c.bidders]:  # the bid's own bidder among them
            refused = await client.get(url, headers=headers)
            assert refused.status_code == 403, (url, refused.text)

    # An expert of the pool not on this committee.
    for url in urls:
        refused = await client.get(url, headers=c.others[0].headers)
        assert refused.status_code == 403 and error_code(refused) == "not_on_committee"

    # Signed in, not declared yet: the declaration comes first.
    m0, m1 = c.members[0], c.members[1]
    for url in urls:
        refused = await client.get(url, headers=m0.headers)
        assert refused.status_code == 403 and error_code(refused) == "evaluation_forbidden", url

    # A seat whose expert has not signed in (the member row as it is before sign-in).
    async with platform.sessions() as s, s.begin():
        await s.execute(
            update(EvaluationMember)
            .where(EvaluationMember.id == uuid.UUID(str(m1.member_id)))
            .values(status=MemberStatus.SEATED)
        )
    for url in urls:
        refused = await client.get(url, headers=m1.headers)
        assert refused.status_code == 403 and error_code(refused) == "not_on_committee", url

    # Declared: m0 reads; a member declaring a conflict at once is recused and reads nothing.
    await declare(client, c, m0, conflict=None)
    for url in urls:
        assert (await client.get(url, headers=m0.headers)).status_code == 200, url
    m2 = c.members[2]
    await declare(client, c, m2, conflict="本人近亲属为投标人股东")
    for url in urls:
        refused = await client.get(url, headers=m2.headers)
        assert refused.status_code == 403 and error_code(refused) == "not_on_committee", url

    # The stored body itself is no way round: the store's route serves signed links only (none is made
    # for a body), and on S3 it does not exist.
    raw = f"/api/storage/opened/{c.lot['id']}/{bid_id}.tar"
    for headers in ({}, m0.headers, c.bidders[0][1], admin_headers):
        assert (await client.get(raw, headers=headers)).status_code in (403, 404)

    # Nothing was read by those refused: the trail has m0's accesses only.
    reads = await _events(platform, c, "body_read") + await _events(platform, c, "body_listed")
    assert {e["member"] for e in reads} == {m0.member_id}
