"""Experts for the browser tests: registered in the pool by the administrator through the API, their
certificates enrolled with a code the administrator issued (written as PKCS#12 for /login), and a
committee asked for a demo project and drawn at once by the demo agent."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bidding.client.identity import Identity, pkcs12_bytes
from crypto.ca import make_csr, make_key
from crypto.subject import PlatformSubject
from tests.browser.conftest import Server
from tests.fixtures.parties import new_code

PROJECT = "NJ-2026-FW-0104"  # the demo's opened project: bids extracted, opening record made
SPECIALTY = "C0201"
REGION = "320830"  # none of the demo's experts lives there
PASSPHRASE = "expert-browser-test"
CHINA = timedelta(hours=8)


def register_experts(
    srv: Server, tag: str, n: int, *, region: str = REGION, specialty: str = SPECIALTY
) -> list[dict[str, Any]]:
    out = []
    with srv.admin() as admin:
        for i in range(n):
            body = {
                "registry_no": f"DR-{tag}-{i:03d}",
                "name": f"抽签测试{tag}{i}",
                "mobile": "139" + "".join(secrets.choice("0123456789") for _ in range(8)),
                "email": f"draw-{tag.lower()}-{i}@example.cn",
                "employer_credit_code": new_code(),
                "employer_name": "江苏某监理咨询有限公司",
                "title": "deputy_senior",
                "title_name": "高级工程师",
                "years_experience": 12,
                "region_code": region,
                "specialties": [specialty],
            }
            r = admin.post("/api/experts", json=body)
            assert r.status_code == 201, r.text
            out.append(r.json())
    return out


def demo_project(srv: Server, code: str = PROJECT) -> dict[str, Any]:
    found = httpx.get(f"{srv.base}/api/public/projects", params={"q": code}, timeout=30).json()["items"]
    return next(p for p in found if p["code"] == code)


# Runs with the server's settings: the demo agent (the host) asks for the committee of BODY and draws
# it at once. Prints the draw's progress as JSON.
_DRAW = """
import asyncio, json
import httpx
from bidding.client.session import login
from bidding.core.settings import Settings
from bidding.demo.identities import load_cast

async def main() -> None:
    settings = Settings.from_env()
    cast = load_cast(settings.data_dir / "demo" / "identities")
    base = settings.effective_base_url
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        session = await login(http, cast.host, audience=base)
        r = await http.post("/api/expert-draws", json=json.loads(BODY), headers=session.headers)
        assert r.status_code == 201, r.text
        r = await http.post(f"/api/expert-draws/{r.json()['id']}/draw-now", headers=session.headers)
        assert r.status_code == 200, r.text
        print(json.dumps(r.json()))

asyncio.run(main())
"""


def draw_now(srv: Server, body: dict[str, Any]) -> dict[str, Any]:
    """The demo agent asks for the committee of ``body`` and draws it at once; the draw's progress."""
    drawn: dict[str, Any] = json.loads(srv.python(_DRAW.replace("BODY", repr(json.dumps(body)))))
    return drawn


def enrol_expert(srv: Server, expert: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The expert's platform certificate (role expert, under the demo's trading centre), enrolled
    through the API with a code the administrator issued; written as a PKCS#12 for /login."""
    with httpx.Client(base_url=srv.base, timeout=30) as http, srv.admin() as admin:
        issued = admin.post(f"/api/experts/{expert['id']}/enrolment-codes", json={})
        assert issued.status_code == 201, issued.text
        code = issued.json()
        key = make_key("ec-p256")
        csr = make_csr(key, PlatformSubject(code["organisation"], code["credit_code"], code["common_name"], "expert"))
        cert = http.post(
            "/api/enrolment/certificates",
            json={
                "enrolment_code": code["enrolment_code"],
                "csr": csr.public_bytes(serialization.Encoding.PEM).decode(),
            },
        )
        assert cert.status_code == 201, cert.text
    body = cert.json()
    certificate = x509.load_pem_x509_certificate(body["certificate_pem"].encode())
    chain = tuple(x509.load_pem_x509_certificates(body["chain_pem"].encode()))
    p12 = folder / "expert.p12"
    p12.write_bytes(pkcs12_bytes(Identity(key, certificate, chain), PASSPHRASE.encode(), expert["name"]))
    return {
        "p12": str(p12),
        "passphrase": PASSPHRASE,
        "fingerprint": body["fingerprint"],
        "organisation": code["organisation"],
    }


def evaluation_today() -> datetime:
    """About 20 minutes ahead, but on today's date in China (a run just before Beijing midnight waits
    for the new day rather than place the evaluation tomorrow, when /expert would not show it yet)."""
    china = datetime.now(UTC) + CHINA
    if china.hour == 23 and china.minute >= 55:
        time.sleep((60 - china.minute) * 60 - china.second + 5)
        china = datetime.now(UTC) + CHINA
    end_of_day = china.replace(hour=23, minute=59, second=0, microsecond=0)
    return min(china + timedelta(minutes=20), end_of_day).replace(microsecond=0) - CHINA
