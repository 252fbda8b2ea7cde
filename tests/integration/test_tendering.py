"""Projects, documents, announcements and clarifications through the API, on both profiles.

The statutory periods (招标投标法 第23条, 第24条) are checked with the injectable clock; secrecy
(办法 21) is checked from every side: agent, other bidders, the public and the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import httpx

from bidding.core.clock import ManualClock
from tests.fixtures.parties import logged_in
from tests.fixtures.projects import DAY, PDF, create_published, iso, project_body, relogin


async def test_agent_creates_publishes_and_the_public_sees_it(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    project = await create_published(client, parties, clock.now())
    lot1 = project["lots"][0]
    assert [f["key"] for f in lot1["form_fields"]] == ["price_fen", "duration_days"]  # the price is always asked

    detail = (await client.get(f"/api/public/projects/{project['id']}")).json()
    assert detail["phase"] == "tendering"
    found = (await client.get("/api/public/announcements", params={"q": project["code"]})).json()
    assert found["total"] == 1 and found["items"][0]["kind"] == "tender"
    assert found["items"][0]["details"]["documents"] == [1]

    docs = (await client.get(f"/api/public/projects/{project['id']}/documents")).json()
    assert [(d["version"], d["filename"]) for d in docs] == [(1, "招标文件.pdf")]
    anonymous = await client.get(f"/api/public/documents/{docs[0]['id']}")
    assert anonymous.status_code == 200
    assert hashlib.sha256(anonymous.content).hexdigest() == docs[0]["sha256"] == anonymous.headers["x-content-sha256"]
    assert "filename*=UTF-8''" in anonymous.headers["content-disposition"]


async def test_statutory_periods(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    now = clock.now()
    # 第24条: a deadline 19 days after the documents are available is refused at publication.
    short = await client.post(
        "/api/agent/projects/", json=project_body(parties["tenderer_code"], now + 19 * DAY), headers=parties["agent"]
    )
    project_id = short.json()["id"]
    await client.post(
        f"/api/agent/projects/{project_id}/documents",
        content=PDF,
        headers={**parties["agent"], "Content-Type": "application/pdf", "X-Filename": "a.pdf"},
    )
    refused = await client.post(
        f"/api/agent/projects/{project_id}/publish", json={"title": "公告", "body": "正文"}, headers=parties["agent"]
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "schedule_refused")
    assert "第二十四条" in refused.json()["error"]["message_zh"]

    project = await create_published(client, parties, now)
    url = f"/api/agent/projects/{project['id']}/clarifications"
    ok = await client.post(
        url, json={"kind": "clarification", "title": "澄清一", "body": "答疑"}, headers=parties["agent"]
    )
    assert ok.status_code == 201, ok.text
    # 第23条: 11 days before the deadline a clarification must move the deadline.
    clock.advance(14 * DAY)
    await relogin(client, parties)
    late = await client.post(url, json={"kind": "amendment", "title": "变更", "body": "修改"}, headers=parties["agent"])
    assert late.json()["error"]["code"] == "schedule_refused" and "第二十三条" in late.json()["error"]["message_zh"]
    not_enough = {"01": iso(clock.now() + 14 * DAY), "02": iso(clock.now() + 16 * DAY)}
    still = await client.post(
        url,
        json={"kind": "amendment", "title": "变更", "body": "修改", "new_deadlines": not_enough},
        headers=parties["agent"],
    )
    assert still.json()["error"]["code"] == "schedule_refused"
    moved = {"01": iso(clock.now() + 15 * DAY), "02": iso(clock.now() + 15 * DAY)}
    amended = await client.post(
        url,
        json={"kind": "amendment", "title": "变更", "body": "修改", "new_deadlines": moved},
        headers=parties["agent"],
    )
    assert amended.status_code == 201, amended.text
    assert set(amended.json()["details"]["moved_deadlines"]) == {"01", "02"}
    earlier = await client.post(
        url,
        json={"kind": "clarification", "title": "x", "body": "y", "new_deadlines": {"01": iso(clock.now() + 14 * DAY)}},
        headers=parties["agent"],
    )
    assert earlier.status_code == 400
    # After the deadline nothing about the tender can be changed.
    clock.advance(16 * DAY)
    await relogin(client, parties)
    after = await client.post(url, json={"kind": "clarification", "title": "x", "body": "y"}, headers=parties["agent"])
    assert (after.status_code, after.json()["error"]["code"]) == (409, "wrong_phase")
    upload = await client.post(
        f"/api/agent/projects/{project['id']}/documents",
        content=PDF,
        headers={**parties["agent"], "Content-Type": "application/pdf", "X-Filename": "late.pdf"},
    )
    assert upload.status_code == 409


async def test_clarification_reaches_those_who_downloaded_and_downloads_stay_secret(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, admin_headers: dict[str, str]
) -> None:
    project = await create_published(client, parties, clock.now())
    docs = (await client.get(f"/api/public/projects/{project['id']}/documents")).json()
    assert (await client.get(f"/api/public/documents/{docs[0]['id']}", headers=parties["bidder"])).status_code == 200

    # New documents go out with an amendment; the bidder who downloaded is told, the other is not.
    await client.post(
        f"/api/agent/projects/{project['id']}/documents",
        content=PDF + b"v2",
        headers={**parties["agent"], "Content-Type": "application/pdf", "X-Filename": "v2.pdf"},
    )
    amended = await client.post(
        f"/api/agent/projects/{project['id']}/clarifications",
        json={"kind": "amendment", "title": "招标文件修改", "body": "第二版"},
        headers=parties["agent"],
    )
    assert amended.json()["details"]["documents"] == [2]
    mine = (await client.get("/api/me/notifications", headers=parties["bidder"])).json()
    assert [n["title"] for n in mine if n["project_id"] == project["id"]] == ["招标文件修改"]
    theirs = (await client.get("/api/me/notifications", headers=parties["other"])).json()
    assert not [n for n in theirs if n["project_id"] == project["id"]]
    downloads = (await client.get("/api/me/downloads", headers=parties["bidder"])).json()
    assert [d["project_id"] for d in downloads] == [project["id"]]
    assert (await client.get("/api/me/downloads", headers=parties["other"])).json() == []

    # Nobody else learns who or how many downloaded: not the agent, the tenderer, the public or the trail.
    agent_view = await client.get(f"/api/agent/projects/{project['id']}", headers=parties["agent"])
    for text in (agent_view.text, (await client.get(f"/api/public/projects/{project['id']}")).text):
        assert "download" not in text.lower() and "notified" not in text
    trail = await client.get(
        "/api/admin/audit-events", params={"object_id": project["id"], "limit": 500}, headers=admin_headers
    )
    actions = [e["action"] for e in trail.json()]
    assert "announcement.amendment" in actions
    assert "tender_document.downloaded" not in actions and "announcement.notified" not in actions
    assert [e for e in trail.json() if "notified" in json.dumps(e["details"])] == []
    # After every deadline of the project, the trail shows the downloads and how many were told.
    clock.advance(26 * DAY)
    trail = await client.get(
        "/api/admin/audit-events", params={"object_id": project["id"], "limit": 500}, headers=admin_headers
    )
    after = {e["action"]: e for e in trail.json()}
    assert "tender_document.downloaded" in after
    assert after["announcement.notified"]["details"]["notified"] == 1


async def test_only_the_projects_agent_may_act(
    client: httpx.AsyncClient, parties: dict[str, Any], admin_headers: dict[str, str], clock: ManualClock
) -> None:
    project = await create_published(client, parties, clock.now())
    _, stranger = await logged_in(client, admin_headers, "agent")
    assert (await client.get(f"/api/agent/projects/{project['id']}", headers=stranger.headers)).status_code == 404
    assert (await client.get(f"/api/agent/projects/{project['id']}", headers=parties["bidder"])).status_code == 403
    assert (await client.get(f"/api/agent/projects/{project['id']}")).status_code == 401
    body = {"kind": "clarification", "title": "x", "body": "y"}
    for headers in (stranger.headers, parties["tenderer"]):
        response = await client.post(f"/api/agent/projects/{project['id']}/clarifications", json=body, headers=headers)
        assert response.status_code in (403, 404)
    mine = (await client.get("/api/agent/projects/", headers=stranger.headers)).json()
    assert mine == []


async def test_bad_project_inputs(client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock) -> None:
    deadline = clock.now() + 30 * DAY
    base = project_body(parties["tenderer_code"], deadline)

    async def create(body: dict[str, Any]) -> httpx.Response:
        return await client.post("/api/agent/projects/", json=body, headers=parties["agent"])

    too_much = json.loads(json.dumps(base))
    too_much["lots"][0]["deposit_fen"] = too_much["lots"][0]["estimated_price_fen"] // 50 + 1
    assert "2%" in (await create(too_much)).json()["error"]["message_en"]
    bad_field = json.loads(json.dumps(base))
    bad_field["lots"][0]["form_fields"] = [{"key": "Price!", "label_zh": "a", "label_en": "b", "type": "money"}]
    assert (await create(bad_field)).status_code == 400
    wrong_type = json.loads(json.dumps(base))
    wrong_type["lots"][0]["form_fields"] = [{"key": "price_fen", "label_zh": "a", "label_en": "b", "type": "text"}]
    assert (await create(wrong_type)).status_code == 400
    naive = json.loads(json.dumps(base))
    naive["lots"][0]["bid_deadline"] = "2027-01-01T09:00:00"
    assert (await create(naive)).status_code == 400
    dup = json.loads(json.dumps(base))
    dup["lots"][1]["code"] = "01"
    assert (await create(dup)).status_code == 400
    not_tenderer = project_body("91320100MA1AGENT1X", deadline)
    assert (await create(not_tenderer)).status_code == 400
    ok = await create(base)
    assert ok.status_code == 201
    assert (await create(base)).status_code == 409  # the code is taken
    pid = ok.json()["id"]
    wrong_type_doc = await client.post(
        f"/api/agent/projects/{pid}/documents",
        content=b"hello",
        headers={**parties["agent"], "Content-Type": "text/html", "X-Filename": "a.html"},
    )
    assert wrong_type_doc.status_code == 400
    empty = await client.post(
        f"/api/agent/projects/{pid}/documents",
        content=b"",
        headers={**parties["agent"], "Content-Type": "application/pdf", "X-Filename": "a.pdf"},
    )
    assert empty.status_code == 400
    no_docs = await client.post(
        f"/api/agent/projects/{pid}/publish", json={"title": "t", "body": "b"}, headers=parties["agent"]
    )
    assert no_docs.status_code == 400
    # Drafts are not public, nor are their documents.
    assert (await client.get(f"/api/public/projects/{pid}")).status_code == 404
    assert (await client.get(f"/api/public/projects/{pid}/documents")).json() == []


async def test_termination_and_post_evaluation_notices(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock
) -> None:
    project = await create_published(client, parties, clock.now())
    early = await client.post(
        f"/api/agent/projects/{project['id']}/notices",
        json={"kind": "award", "title": "中标结果", "body": "x"},
        headers=parties["agent"],
    )
    assert (early.status_code, early.json()["error"]["code"]) == (409, "wrong_phase")
    opening = await client.post(
        f"/api/agent/projects/{project['id']}/notices",
        json={"kind": "opening_record", "title": "开标记录", "body": "x"},
        headers=parties["agent"],
    )
    assert opening.status_code == 400
    clock.advance(timedelta(seconds=1))  # announcements list newest first, by publication time
    ended = await client.post(
        f"/api/agent/projects/{project['id']}/terminate",
        json={"kind": "termination", "title": "终止公告", "body": "因故终止"},
        headers=parties["agent"],
    )
    assert ended.status_code == 200, ended.text
    assert (await client.get(f"/api/public/projects/{project['id']}")).json()["phase"] == "cancelled"
    kinds = [
        a["kind"]
        for a in (await client.get("/api/public/announcements", params={"project_id": project["id"]})).json()["items"]
    ]
    assert kinds == ["termination", "tender"]
    again = await client.post(
        f"/api/agent/projects/{project['id']}/terminate",
        json={"kind": "termination", "title": "终止公告", "body": "再次"},
        headers=parties["agent"],
    )
    assert again.status_code == 409


async def test_agent_edits_a_draft_until_it_is_published(
    client: httpx.AsyncClient, parties: dict[str, Any], clock: ManualClock, admin_headers: dict[str, str]
) -> None:
    now = clock.now()
    p = parties
    # A draft whose deadline is too early: publication is refused, the agent fixes the draft itself.
    body = project_body(p["tenderer_code"], now + 3 * DAY)
    created = await client.post("/api/agent/projects/", json=body, headers=p["agent"])
    assert created.status_code == 201, created.text
    project = created.json()
    lot1_id = next(lot["id"] for lot in project["lots"] if lot["code"] == "01")
    url = f"/api/agent/projects/{project['id']}"

    edited = {**body, "name": "城南污水处理厂提标改造工程（重编）"}
    edited["lots"] = [
        {**body["lots"][0], "bid_deadline": iso(now + 25 * DAY), "deposit_fen": 90_000_00},
        {
            "code": "03",
            "name": "绿化",
            "estimated_price_fen": 1_000_000_00,
            "deposit_fen": 10_000_00,
            "bid_deadline": iso(now + 26 * DAY),
        },
    ]
    answer = await client.put(url, json=edited, headers=p["agent"])
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["name"] == edited["name"]
    lots = {lot["code"]: lot for lot in view["lots"]}
    assert sorted(lots) == ["01", "03"]  # lot 02 removed, 03 added
    assert lots["01"]["id"] == lot1_id  # a kept lot keeps its id
    assert lots["01"]["deposit_fen"] == 90_000_00
    assert [f["key"] for f in lots["03"]["form_fields"]] == ["price_fen"]

    # Bad edits are refused and change nothing.
    too_much = {**edited, "lots": [{**edited["lots"][0], "deposit_fen": 50_000_000_00}]}
    refused = await client.put(url, json=too_much, headers=p["agent"])
    assert refused.status_code == 400 and "2%" in refused.json()["error"]["message_en"]
    twice = {**edited, "lots": [edited["lots"][0], edited["lots"][0]]}
    assert (await client.put(url, json=twice, headers=p["agent"])).status_code == 400
    other = await client.post("/api/agent/projects/", json=project_body(p["tenderer_code"], now), headers=p["agent"])
    taken = await client.put(url, json={**edited, "code": other.json()["code"]}, headers=p["agent"])
    assert taken.status_code == 409
    not_tenderer = {**edited, "tenderer_credit_code": p["users"]["bidder"].credit_code}
    assert (await client.put(url, json=not_tenderer, headers=p["agent"])).status_code == 400
    assert (await client.put(url, json={"code": "x"}, headers=p["agent"])).status_code == 400
    again = (await client.get(url, headers=p["agent"])).json()
    assert again["name"] == edited["name"] and sorted(lot["code"] for lot in again["lots"]) == ["01", "03"]

    # Wrong callers: a bidder is forbidden, and to another agent the draft does not exist.
    assert (await client.put(url, json=edited, headers=p["bidder"])).status_code == 403
    assert (await client.put(url, json=edited)).status_code == 401
    _, stranger = await logged_in(client, admin_headers, "agent")
    assert (await client.put(url, json=edited, headers=stranger.headers)).status_code == 404

    # Published: the tender changes only by clarification or amendment.
    upload = await client.post(
        f"{url}/documents",
        content=PDF,
        headers={**p["agent"], "Content-Type": "application/pdf", "X-Filename": "tender.pdf"},
    )
    assert upload.status_code == 201, upload.text
    published = await client.post(
        f"{url}/publish", json={"title": "招标公告", "body": "欢迎投标。"}, headers=p["agent"]
    )
    assert published.status_code == 200, published.text
    late = await client.put(url, json=edited, headers=p["agent"])
    assert late.status_code == 409, late.text
    assert "clarification" in late.json()["error"]["message_en"]

    trail = await client.get("/api/admin/audit-events", params={"object_id": project["id"]}, headers=admin_headers)
    events = trail.json()
    assert "project.updated" in [e["action"] for e in events]
