"""The PKI endpoints of the running app: CA certificates, CRLs and the RFC 3161 TSA (verified with
the OpenSSL command line, as a relying party would)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cryptography import x509

from tests.fixtures.openssl import openssl, ts_verify


async def test_ca_certificates_and_trust_list(client: httpx.AsyncClient, platform: object) -> None:
    chain = x509.load_pem_x509_certificates((await client.get("/pki/ca/chain.pem")).content)
    root = x509.load_pem_x509_certificate((await client.get("/pki/ca/root.pem")).content)
    assert chain[1] == root
    chain[0].verify_directly_issued_by(root)
    tsa = x509.load_pem_x509_certificate((await client.get("/pki/ca/tsa.pem")).content)
    eku = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert (await client.get("/pki/ca/secret-key.pem")).status_code == 400
    trust = (await client.get("/pki/trust")).json()
    assert [t["platform_ca"] for t in trust] == [True, False]  # the platform root and the configured outside root


async def test_crls_are_signed_by_their_issuers(client: httpx.AsyncClient) -> None:
    root = x509.load_pem_x509_certificate((await client.get("/pki/ca/root.pem")).content)
    issuing = x509.load_pem_x509_certificates((await client.get("/pki/ca/chain.pem")).content)[0]
    response = await client.get("/pki/crl/issuing.crl")
    assert response.headers["content-type"] == "application/pkix-crl"
    assert x509.load_der_x509_crl(response.content).is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    root_crl = x509.load_der_x509_crl((await client.get("/pki/crl/root.crl")).content)
    assert root_crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert root_crl.issuer == root.subject


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
async def test_tsa_token_verifies_with_openssl_and_wrong_data_fails(
    client: httpx.AsyncClient, tmp_path: Path, digest: str
) -> None:
    data = tmp_path / "bid.bin"
    data.write_bytes(b"sealed bid ciphertext" * 1000)
    made = openssl("ts", "-query", "-data", data, f"-{digest}", "-cert", "-out", tmp_path / "q.tsq")
    assert made.returncode == 0, made.stderr
    response = await client.post(
        "/pki/tsa", content=(tmp_path / "q.tsq").read_bytes(), headers={"Content-Type": "application/timestamp-query"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/timestamp-reply"
    (tmp_path / "r.tsr").write_bytes(response.content)
    (tmp_path / "chain.pem").write_bytes((await client.get("/pki/ca/chain.pem")).content)
    (tmp_path / "root.pem").write_bytes((await client.get("/pki/ca/root.pem")).content)

    ok = ts_verify(data, tmp_path / "r.tsr", tmp_path / "root.pem", tmp_path / "chain.pem")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Verification: OK" in ok.stdout

    other = tmp_path / "other.bin"
    other.write_bytes(b"a different bid")
    bad = ts_verify(other, tmp_path / "r.tsr", tmp_path / "root.pem", tmp_path / "chain.pem")
    assert bad.returncode != 0
    assert "message imprint mismatch" in bad.stdout + bad.stderr


async def test_tsa_refuses_wrong_media_type_and_answers_garbage_with_a_rejection(client: httpx.AsyncClient) -> None:
    wrong = await client.post("/pki/tsa", content=b"x", headers={"Content-Type": "application/json"})
    assert wrong.status_code == 415
    assert wrong.json()["error"]["code"] == "unsupported_media_type"
    empty = await client.post("/pki/tsa", content=b"", headers={"Content-Type": "application/timestamp-query"})
    assert empty.status_code == 400
    garbage = await client.post(
        "/pki/tsa", content=b"not DER at all", headers={"Content-Type": "application/timestamp-query"}
    )
    assert garbage.status_code == 200  # RFC 3161: a TimeStampResp with status rejection
    from crypto.tsa import TimeStampResp

    assert TimeStampResp.load(garbage.content)["status"]["status"].native == "rejection"
    huge = await client.post(
        "/pki/tsa", content=b"\x30" * 70_000, headers={"Content-Type": "application/timestamp-query"}
    )
    assert huge.status_code == 400
