"""The documents' metadata of the bids, for the collusion rule ``same_document_metadata`` (条例40（一）:
bids of different bidders prepared by one person), collected when each body is decrypted after a real
opening (the worker's ``open_bid_body`` job, ``bidding/submission/document_metadata.py``) and shown:

* two bidders' bodies hold documents with one person (bidder 1's PDF written by 王建国, bidder 2's DOCX
  last edited by him), the third bidder's its own author: the committee (``GET
  /api/evaluations/{id}/signals``) and the supervisor (``GET /api/supervision/lots/{id}/collusion``)
  see one ``same_document_metadata`` signal with ``field: person``, ``value: 王建国`` and each bid's
  document; the generic names and template the bidders share too (Administrator, 微软用户,
  Normal.dotm) signal nothing;
* bodies whose documents share generic names only: no such signal; a body that is no tar is opened
  and stored all the same, with nothing kept of its documents.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import tests.fixtures.evaluation as evaluation_fixtures
from bidding.client.session import login
from bidding.core.clock import ManualClock
from bidding.submission.models import Bid
from tests.fixtures.audit import count_audit_events
from tests.fixtures.bid_documents import body, docx, pdf
from tests.fixtures.evaluation import _open_for_real, _until, evaluation_in
from tests.fixtures.parties import AUDIENCE, Enrolled, logged_in, logged_in_parties
from tests.fixtures.projects import create_published
from tests.fixtures.sealed import BID_FORM, sealed
from tests.fixtures.uploads import upload_all

# The same SQL on both profiles: run on PostgreSQL, as the evaluation's and the supervision's modules
# that open a lot for real (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

#: What each bidder of ``evaluation_in`` seals (it names them 投标人1…3, in upload order).
BODIES = {
    "投标人1": body(
        [
            ("投标文件/投标函.pdf", pdf("王建国", "WPS 文字")),
            ("投标文件/商务标.docx", docx("Administrator", "微软用户")),
            ("投标文件/说明.txt", "技术方案：分三阶段施工。".encode()),
        ]
    ),
    "投标人2": body(
        [
            ("投标文件/技术标.docx", docx("李明", "王建国", application="WPS Office_12.1.0")),
            ("投标文件/投标函.pdf", pdf("Administrator")),
        ]
    ),
    "投标人3": body(
        [
            ("投标文件/投标函.pdf", pdf("赵丽")),
            ("投标文件/商务标.docx", docx("Administrator", "微软用户")),
        ]
    ),
}


async def kept(platform: Any, lot_id: str, count: int) -> dict[str, list[dict[str, Any]] | None] | None:
    """Each bid's ``document_metadata`` once all ``count`` bodies are opened and their job committed."""
    async with platform.sessions() as s:
        bids = (await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot_id)))).all()
    for bid in bids:
        if not await count_audit_events(platform, "bid.body_opened", f"open-body:{bid.id}"):
            return None
    return {str(b.id): b.document_metadata for b in bids} if len(bids) == count else None


async def test_one_person_in_two_bidders_documents_is_shown_to_the_committee_and_the_supervisor(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    clock: ManualClock,
    live: str,
    platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(evaluation_fixtures, "body_tar", BODIES.__getitem__)
    c = await evaluation_in(client, admin_headers, clock, live, platform, state="convening")
    first, second, third = c.bid_ids
    stored = await _until(lambda: kept(platform, c.lot["id"], 3))
    # Kept on each bid: its PDF and DOCX files with short strings only (the .txt is no document).
    assert stored[first] == [
        {
            "name": "投标文件/投标函.pdf",
            "kind": "pdf",
            "author": "王建国",
            "application": "WPS 文字",
            "doc_id": stored[first][0]["doc_id"],
        },
        {
            "name": "投标文件/商务标.docx",
            "kind": "docx",
            "author": "Administrator",
            "last_modified_by": "微软用户",
            "application": "Microsoft Office Word",
            "template": "Normal.dotm",
        },
    ]
    assert len(stored[first][0]["doc_id"]) == 32  # reportlab's /ID, 16 bytes in hex
    assert [(d["name"], d.get("last_modified_by")) for d in stored[second] or []] == [
        ("投标文件/技术标.docx", "王建国"),
        ("投标文件/投标函.pdf", None),
    ]

    expected = {
        "field": "person",
        "value": "王建国",
        "documents": {
            first: [
                {
                    "document": "投标文件/投标函.pdf",
                    "kind": "pdf",
                    "field": "author",
                    "value": "王建国",
                    "application": "WPS 文字",
                }
            ],
            second: [
                {
                    "document": "投标文件/技术标.docx",
                    "kind": "docx",
                    "field": "last_modified_by",
                    "value": "王建国",
                    "application": "WPS Office_12.1.0",
                }
            ],
        },
    }

    def shown(signals: list[dict[str, Any]], bid_ids: list[str]) -> None:
        found = [s for s in signals if s["rule"] == "same_document_metadata"]
        assert len(found) == 1, found  # Administrator, 微软用户, Normal.dotm: generic, no signal
        signal = found[0]
        assert bid_ids == sorted([first, second]) and third not in bid_ids
        assert (signal["article"], signal["blocking"]) == ("条例40（一）", False)
        evidence = signal["evidence"]
        assert (evidence["field"], evidence["value"]) == (expected["field"], expected["value"])
        assert {bid: entry["documents"] for bid, entry in evidence["bids"].items()} == expected["documents"]
        assert all(entry["bidder_name"] for entry in evidence["bids"].values())
        assert "王建国" in signal["summary_zh"] and "王建国" in signal["summary_en"]

    # The committee, and the supervisor reading the evaluation's signals.
    for headers in (c.members[0].headers, c.p["supervisor"]):
        view = await client.get(f"/api/evaluations/{c.evaluation_id}/signals", headers=headers)
        assert view.status_code == 200, view.text
        signal = next(s for s in view.json()["signals"] if s["rule"] == "same_document_metadata")
        shown(view.json()["signals"], sorted(b["bid_id"] for b in signal["bids"]))
    # Supervision's report of the lot: the same signal.
    report = await client.get(f"/api/supervision/lots/{c.lot['id']}/collusion", headers=c.p["supervisor"])
    assert report.status_code == 200, report.text
    signal = next(s for s in report.json()["signals"] if s["rule"] == "same_document_metadata")
    shown(report.json()["signals"], signal["bid_ids"])


async def test_generic_names_signal_nothing_and_a_body_that_is_no_tar_is_opened_all_the_same(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    p = await logged_in_parties(
        client, admin_headers, ("agent", "agent"), ("tenderer", "tenderer"), ("supervisor", "supervisor")
    )
    project = await create_published(client, p, clock.now())
    lot = project["lots"][0]
    bodies = [
        body([("投标函.pdf", pdf("Administrator")), ("技术标.docx", docx("微软用户", "Administrator"))]),
        body(
            [
                ("投标函.pdf", pdf("administrator ")),
                ("技术标.docx", docx("Windows User", "微软用户", template="Normal")),
            ]
        ),
        "投标人3 sealed a text, not a tar".encode() * 50,
    ]
    bidders: list[tuple[Enrolled, dict[str, str]]] = []
    for i, data in enumerate(bodies):
        user, session = await logged_in(client, admin_headers, "bidder")
        package = sealed(user, project, lot, data, form=BID_FORM | {"price_fen": 4_500_000_00 + i * 170_000_00})
        done = await upload_all(client, session.headers, lot["id"], package)
        assert done.status_code == 200, done.text
        bidders.append((user, session.headers))
    async with platform.sessions() as s:
        bid_of = {
            b.organization_id: str(b.id)
            for b in (await s.scalars(select(Bid).where(Bid.lot_id == uuid.UUID(lot["id"]))))
        }
    first, second, third = (bid_of[uuid.UUID(user.org_id)] for user, _ in bidders)
    await _open_for_real(client, platform, clock, live, p, lot, bidders)

    stored = await _until(lambda: kept(platform, lot["id"], 3))
    assert [d["author"] for d in stored[first] or []] == ["Administrator", "微软用户"]
    assert [d["author"] for d in stored[second] or []] == ["administrator", "Windows User"]
    # Not a tar: opened, checked and stored like any body; nothing kept of documents it has none of.
    assert stored[third] is None
    assert await platform.store.exists(f"opened/{lot['id']}/{third}.tar")

    supervisor = (await login(client, p["users"]["supervisor"].identity, audience=AUDIENCE)).headers
    report = await client.get(f"/api/supervision/lots/{lot['id']}/collusion", headers=supervisor)
    assert report.status_code == 200, report.text
    assert "same_document_metadata" not in {s["rule"] for s in report.json()["signals"]}
