"""The PDFs the platform issues, judged by outside validators with their default settings: Poppler's
``pdfsig`` over a fresh NSS database that trusts only the platform root, and ``pyhanko sign
validate --trust root.pem --trust-replace``. Both fetch revocation status themselves (pdfsig asks the
OCSP responder named in each certificate, pyHanko the OCSP responder or the CRLs), so the app runs
on a real port and its certificates point there.

The PDFs are made the way the platform makes them: rendered by ``bidding.documents``, signed by the
platform's ``DocumentSigner`` (what receipts and ``opening_room`` use), and confirmed by enrolled
bidders through the two halves of the remote signature (what ``sign_record`` in the opening room
runs), with EC and RSA keys.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp

from bidding.app import create_app
from bidding.core.settings import Settings
from bidding.documents import confirmation_field, render_award, render_opening_record, render_receipt
from tests.conftest import ADMIN_TOKEN, create_pg_database, drop_pg_database
from tests.fixtures.documents import award_data, receipt_data, record_data
from tests.fixtures.outside_validators import CERTUTIL, PDFSIG, PYHANKO, nss_database, pdfsig, pyhanko_validate
from tests.fixtures.parties import Enrolled, enrol
from tests.fixtures.processes import free_port


@pytest.fixture(autouse=True)
def outside_tools() -> None:
    """The validators must be there: a run without them proves nothing (.ci/run installs them)."""
    missing = [
        hint
        for tool, hint in (
            (PDFSIG, "poppler-utils (pdfsig)"),
            (CERTUTIL, "libnss3-tools (certutil)"),
            (PYHANKO, "pyhanko-cli (pyhanko), from requirements-dev.lock"),
        )
        if tool is None
    ]
    if missing:
        pytest.fail(f"outside validators missing: {', '.join(missing)}")


ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass(frozen=True)
class Served:
    base: str
    client: httpx.AsyncClient
    platform: Any
    root: x509.Certificate


@pytest.fixture(scope="module")
async def served(settings: Settings, profile: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    """A fresh app of the profile (its own data directory, CA and, on PostgreSQL, database) listening
    on 127.0.0.1:<free port>, which its CA writes into every certificate as the CRL and OCSP location."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp(f"outside-validators-{profile}")
    changes: dict[str, Any] = {"data_dir": data_dir, "host": "127.0.0.1", "port": port, "public_base_url": base}
    pg_url = None
    if profile == "production":
        pg_url = await create_pg_database()
        changes |= {"database_url": pg_url, "queue_prefix": f"outside-{data_dir.name}"}
    app = create_app(dataclasses.replace(settings, **changes))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise AssertionError("the server stopped before it started")
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            root = x509.load_pem_x509_certificate((await client.get("/pki/ca/root.pem")).content)
            yield Served(base, client, app.state.platform, root)
    finally:
        server.should_exit = True
        await task
        if pg_url:
            await drop_pg_database(pg_url)


def client_sign(user: Enrolled, data: bytes) -> bytes:
    """What the browser or the CLI does with the user's own key."""
    if isinstance(user.key, rsa.RSAPrivateKey):
        return user.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert isinstance(user.key, ec.EllipticCurvePrivateKey)
    return user.key.sign(data, ec.ECDSA(hashes.SHA256()))


async def opening_record(served: Served) -> bytes:
    """The record as the opening room issues it: the platform signs, then each bidder confirms in
    the field reserved for it."""
    documents = served.platform.documents
    pdf: bytes = await documents.sign(
        await asyncio.to_thread(render_opening_record, record_data(2)), reason="开标记录 / opening record"
    )
    for order, key_type in ((1, "ec-p256"), (2, "rsa2048")):
        bidder = await enrol(served.client, ADMIN, key_type=key_type)
        request = await documents.prepare_user_signature(
            pdf, bidder.cert, field_name=confirmation_field(order), reason="确认开标记录 / confirm the record"
        )
        pdf = await documents.finish_user_signature(request.state, client_sign(bidder, request.to_be_signed))
    return pdf


async def receipt(served: Served) -> bytes:
    pdf = await asyncio.to_thread(render_receipt, receipt_data())
    signed: bytes = await served.platform.documents.sign(pdf, reason="投标回执 / tender receipt")
    return signed


async def award_notice(served: Served) -> bytes:
    pdf = await asyncio.to_thread(render_award, award_data())
    signed: bytes = await served.platform.documents.sign(pdf, reason="中标通知书 / award notice")
    return signed


DOCUMENTS: dict[str, tuple[Callable[[Served], Awaitable[bytes]], int]] = {
    "receipt": (receipt, 1),
    "opening record": (opening_record, 3),
    "award notice": (award_notice, 1),
}


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_pdfsig_trusts_every_signature(served: Served, name: str, tmp_path: Path) -> None:
    make, count = DOCUMENTS[name]
    pdf = await make(served)
    nssdir = await nss_database(tmp_path / "nss", served.root)
    verdicts = await pdfsig(pdf, nssdir, tmp_path)
    assert len(verdicts) == count, verdicts
    for verdict in verdicts:
        assert verdict.intact and verdict.trusted, verdict.line


@pytest.mark.parametrize("name", DOCUMENTS)
async def test_pyhanko_trusts_every_signature(served: Served, name: str, tmp_path: Path) -> None:
    make, count = DOCUMENTS[name]
    pdf = await make(served)
    code, verdicts = await pyhanko_validate(pdf, served.root, tmp_path)
    assert len(verdicts) == count, verdicts
    for verdict in verdicts:
        assert verdict.intact and verdict.trusted, verdict.line
    assert code == 0


async def test_ocsp_answers_come_from_the_delegated_responder(served: Served) -> None:
    """The responder pdfsig and pyHanko talk to: good for the platform's own service certificates
    too (they are not in the certificates table), signed by the OCSP responder certificate."""
    keys = served.platform.keys
    issuing = keys.ca.issuing_cert
    for cert in (keys.signer_cert, keys.tsa_cert):
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA1()).build()
        response = await served.client.post(
            "/pki/ocsp",
            content=request.public_bytes(serialization.Encoding.DER),
            headers={"Content-Type": "application/ocsp-request"},
        )
        answer = ocsp.load_der_ocsp_response(response.content)
        assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
        assert answer.certificates == [keys.ocsp_responder.cert]
