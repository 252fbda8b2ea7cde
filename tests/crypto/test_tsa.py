"""RFC 3161 time-stamp authority: real keys, checked by the OpenSSL CLI and by pyHanko."""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from crypto.errors import CryptoError
from crypto.tsa import (
    DEFAULT_POLICY_OID,
    TimeStampAuthority,
    TimeStampRequestError,
    TimeStampResp,
    TsaConfigurationError,
)
from tests.fixtures.openssl import openssl, ts_verify

# openssl ts -verify checks the certificates at the real current time, so the PKI is built around it.
REAL_NOW = datetime.now(UTC).replace(microsecond=0)
POLICY = "1.3.6.1.4.1.99999.1.7"

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass
class TsaPki:
    """A root CA issuing the TSA certificate directly, built with ``cryptography``'s own builder and not
    with ``crypto.ca`` (the test PKI of ``tests.fixtures.pki``): the TSA is checked against
    certificates the platform's CA code did not make; ``test_with_platform_ca`` checks it with those."""

    root: x509.Certificate
    tsa_key: Key
    tsa_cert: x509.Certificate
    root_pem: Path
    tsa_pem: Path


def _new_key(kind: str) -> Key:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _cert(
    subject: str,
    key: Key,
    issuer: x509.Name | None,
    issuer_key: Key,
    *,
    ca: bool,
    eku_critical: bool = True,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject), x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(REAL_NOW - timedelta(days=1))
        .not_valid_after(REAL_NOW + timedelta(days=365))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = (
            builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=eku_critical)
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_test_pki(tmp: Path, kind: str) -> TsaPki:
    """A root CA (same key type) and a TSA certificate with critical EKU timeStamping."""
    root_key = _new_key(kind)
    root = _cert("Test Root CA", root_key, None, root_key, ca=True)
    tsa_key = _new_key(kind)
    tsa_cert = _cert(f"Test TSA {kind}", tsa_key, root.subject, root_key, ca=False)
    root_pem = tmp / "root.pem"
    tsa_pem = tmp / "tsa.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    tsa_pem.write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
    return TsaPki(root, tsa_key, tsa_cert, root_pem, tsa_pem)


@pytest.fixture(scope="module", params=["rsa", "ec"])
def tsa_pki(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> TsaPki:
    return make_test_pki(tmp_path_factory.mktemp(f"tsa-{request.param}"), request.param)


@pytest.fixture
def tsa(tsa_pki: TsaPki) -> TimeStampAuthority:
    return TimeStampAuthority(tsa_pki.tsa_key, tsa_pki.tsa_cert, chain=[tsa_pki.root], policy_oid=POLICY)


def _query(data: Path, out: Path, *extra: str) -> bytes:
    done = openssl("ts", "-query", "-data", data, *extra, "-out", out)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def _raw_request(hash_alg: str, imprint: bytes, nonce: int | None = 42) -> bytes:
    req: dict[str, object] = {
        "version": "v1",
        "message_imprint": {"hash_algorithm": {"algorithm": hash_alg}, "hashed_message": imprint},
        "cert_req": True,
    }
    if nonce is not None:
        req["nonce"] = nonce
    return bytes(tsp.TimeStampReq(req).dump())


def _rejection(reply: bytes) -> tuple[str, set[str]]:
    resp = TimeStampResp.load(reply)
    status = resp["status"]
    assert resp.native["time_stamp_token"] is None
    return status["status"].native, set(status["fail_info"].native)


def _tst_info(reply: bytes) -> tsp.TSTInfo:
    resp = TimeStampResp.load(reply)
    assert resp["status"]["status"].native == "granted"
    return resp["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed


# --- OpenSSL round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512"])
def test_openssl_verifies_token(tsa_pki: TsaPki, tsa: TimeStampAuthority, tmp_path: Path, digest: str) -> None:
    data = tmp_path / "bid.bin"
    data.write_bytes(b"sealed bid ciphertext \x00\x01" * 100)
    query = _query(data, tmp_path / "req.tsq", f"-{digest}", "-cert")
    reply = tsa.respond(query, datetime.now(UTC))
    (tmp_path / "reply.tsr").write_bytes(reply)

    ok = ts_verify(data, tmp_path / "reply.tsr", tsa_pki.root_pem, tsa_pki.tsa_pem)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Verification: OK" in ok.stdout

    # also verifies against the query itself (checks nonce and imprint)
    ok_q = openssl(
        "ts", "-verify", "-queryfile", tmp_path / "req.tsq", "-in", tmp_path / "reply.tsr", "-CAfile", tsa_pki.root_pem
    )
    assert ok_q.returncode == 0, ok_q.stdout + ok_q.stderr

    other = tmp_path / "other.bin"
    other.write_bytes(b"a different bid")
    bad = ts_verify(other, tmp_path / "reply.tsr", tsa_pki.root_pem, tsa_pki.tsa_pem)
    assert bad.returncode != 0
    assert "message imprint mismatch" in (bad.stdout + bad.stderr)


def test_openssl_verify_fails_with_wrong_root(tsa_pki: TsaPki, tsa: TimeStampAuthority, tmp_path: Path) -> None:
    data = tmp_path / "d.bin"
    data.write_bytes(b"x")
    reply = tsa.respond(_query(data, tmp_path / "q.tsq", "-sha256", "-cert"), datetime.now(UTC))
    (tmp_path / "r.tsr").write_bytes(reply)
    stranger = make_test_pki(tmp_path, "ec")
    bad = openssl("ts", "-verify", "-data", data, "-in", tmp_path / "r.tsr", "-CAfile", stranger.root_pem)
    assert bad.returncode != 0


def test_reply_text_shows_policy_serial_nonce(tsa_pki: TsaPki, tmp_path: Path) -> None:
    serials = itertools.count(0x1234ABCD)
    tsa = TimeStampAuthority(tsa_pki.tsa_key, tsa_pki.tsa_cert, policy_oid=POLICY, serial_source=lambda: next(serials))
    data = tmp_path / "d.bin"
    data.write_bytes(b"hello")
    query = _query(data, tmp_path / "q.tsq", "-sha256", "-cert")
    nonce = tsp.TimeStampReq.load(query)["nonce"].native
    assert nonce is not None
    (tmp_path / "r.tsr").write_bytes(tsa.respond(query, datetime(2026, 11, 23, 10, 0, 5, 250000, tzinfo=UTC)))
    text = openssl("ts", "-reply", "-in", tmp_path / "r.tsr", "-text")
    assert text.returncode == 0, text.stderr
    assert f"Policy OID: {POLICY}" in text.stdout
    assert "Serial number: 0x1234ABCD" in text.stdout
    # OpenSSL prints whole bytes (a leading zero for an odd number of hex digits): compare values.
    printed = re.search(r"Nonce: 0x([0-9A-F]+)", text.stdout)
    assert printed is not None and int(printed.group(1), 16) == nonce
    assert "Accuracy: 0x01 seconds" in text.stdout
    assert "Time stamp: Nov 23 10:00:05.25 2026 GMT" in text.stdout
    assert "Status: Granted." in text.stdout

    second = _tst_info(tsa.respond(query, datetime.now(UTC)))
    assert second["serial_number"].native == 0x1234ABCD + 1


def test_nonce_echoed_and_random_serials_unique(tsa: TimeStampAuthority) -> None:
    imprint = hashlib.sha256(b"doc").digest()
    infos = [_tst_info(tsa.respond(_raw_request("sha256", imprint, nonce=n), datetime.now(UTC))) for n in (7, 2**70)]
    assert [i["nonce"].native for i in infos] == [7, 2**70]
    assert infos[0]["serial_number"].native != infos[1]["serial_number"].native
    assert infos[0]["policy"].dotted == POLICY
    no_nonce = _tst_info(tsa.respond(_raw_request("sha256", imprint, nonce=None), datetime.now(UTC)))
    assert no_nonce["nonce"].native is None


def test_token_structure(tsa_pki: TsaPki, tsa: TimeStampAuthority) -> None:
    imprint = hashlib.sha256(b"doc").digest()
    resp = TimeStampResp.load(tsa.respond(_raw_request("sha256", imprint), datetime.now(UTC)))
    sd = resp["time_stamp_token"]["content"]
    assert resp["time_stamp_token"]["content_type"].native == "signed_data"
    assert sd["encap_content_info"]["content_type"].native == "tst_info"
    assert len(sd["certificates"]) == 2  # TSA cert + the chain
    attrs = {a["type"].native: a["values"][0] for a in sd["signer_infos"][0]["signed_attrs"]}
    assert set(attrs) == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    ess = attrs["signing_certificate_v2"]["certs"][0]
    tsa_der = tsa_pki.tsa_cert.public_bytes(serialization.Encoding.DER)
    assert ess["cert_hash"].native == hashlib.sha256(tsa_der).digest()
    assert ess["hash_algorithm"]["algorithm"].native == "sha256"
    assert ess["issuer_serial"]["serial_number"].native == tsa_pki.tsa_cert.serial_number

    # certReq false: no certificates in the token
    req = tsp.TimeStampReq.load(_raw_request("sha256", imprint))
    req["cert_req"] = False
    resp2 = TimeStampResp.load(tsa.respond(req.dump(force=True), datetime.now(UTC)))
    assert not resp2["time_stamp_token"]["content"]["certificates"]


# --- rejections -------------------------------------------------------------------------------


def test_sha1_request_rejected_bad_alg(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    data = tmp_path / "d.bin"
    data.write_bytes(b"x")
    query = _query(data, tmp_path / "q.tsq", "-sha1", "-cert")
    reply = tsa.respond(query, datetime.now(UTC))
    assert _rejection(reply) == ("rejection", {"bad_alg"})
    (tmp_path / "r.tsr").write_bytes(reply)
    text = openssl("ts", "-reply", "-in", tmp_path / "r.tsr", "-text")
    assert "Status: Rejected." in text.stdout
    assert "unrecognized or unsupported algorithm" in text.stdout


@pytest.mark.parametrize("alg", ["md5", "sha1", "sha224", "sha3_256"])
def test_other_algorithms_rejected(tsa: TimeStampAuthority, alg: str) -> None:
    imprint = hashlib.new(alg.replace("_", "-") if alg.startswith("sha3") else alg, b"x").digest()
    assert _rejection(tsa.respond(_raw_request(alg, imprint), datetime.now(UTC))) == ("rejection", {"bad_alg"})


@pytest.mark.parametrize(
    "garbage", [b"", b"\x00", b"not der at all", b"\x30\x03\x02\x01\x01", b"\x30\x82\xff\xff" + b"\x00" * 10]
)
def test_garbage_rejected_bad_request(tsa: TimeStampAuthority, garbage: bytes) -> None:
    assert _rejection(tsa.respond(garbage, datetime.now(UTC))) == ("rejection", {"bad_request"})


def test_trailing_bytes_and_wrong_version_rejected(tsa: TimeStampAuthority) -> None:
    good = _raw_request("sha256", b"\x01" * 32)
    assert _rejection(tsa.respond(good + b"\x00", datetime.now(UTC))) == ("rejection", {"bad_request"})
    req = tsp.TimeStampReq.load(good)
    req["version"] = 2
    assert _rejection(tsa.respond(req.dump(force=True), datetime.now(UTC))) == ("rejection", {"bad_request"})


@pytest.mark.parametrize(("alg", "length"), [("sha256", 20), ("sha256", 33), ("sha384", 32), ("sha512", 0)])
def test_wrong_imprint_length_bad_data_format(tsa: TimeStampAuthority, alg: str, length: int) -> None:
    reply = tsa.respond(_raw_request(alg, b"\x07" * length), datetime.now(UTC))
    assert _rejection(reply) == ("rejection", {"bad_data_format"})


def test_request_extensions_rejected(tsa: TimeStampAuthority) -> None:
    req = tsp.TimeStampReq.load(_raw_request("sha256", b"\x01" * 32))
    req["extensions"] = [{"extn_id": "1.2.3.4", "critical": False, "extn_value": b"\x05\x00"}]
    reply = tsa.respond(req.dump(force=True), datetime.now(UTC))
    assert _rejection(reply) == ("rejection", {"unaccepted_extensions"})


def test_internal_failure_is_a_system_failure_response(tsa_pki: TsaPki) -> None:
    tsa = TimeStampAuthority(tsa_pki.tsa_key, tsa_pki.tsa_cert, serial_source=lambda: 0)
    reply = tsa.respond(_raw_request("sha256", b"\x01" * 32), datetime.now(UTC))
    assert _rejection(reply) == ("rejection", {"system_failure"})


# --- configuration ----------------------------------------------------------------------------


def test_configuration_errors(tsa_pki: TsaPki, tmp_path: Path) -> None:
    other = _new_key("ec")
    with pytest.raises(TsaConfigurationError):
        TimeStampAuthority(other, tsa_pki.tsa_cert)  # key does not match
    with pytest.raises(TsaConfigurationError):
        TimeStampAuthority(tsa_pki.tsa_key, tsa_pki.root)  # no EKU (and wrong key)
    root_key = _new_key("ec")
    root = _cert("R", root_key, None, root_key, ca=True)
    k = _new_key("ec")
    non_critical = _cert("T", k, root.subject, root_key, ca=False, eku_critical=False)
    with pytest.raises(TsaConfigurationError) as caught:
        TimeStampAuthority(k, non_critical)
    assert isinstance(caught.value, CryptoError)
    assert caught.value.code == "tsa_configuration"
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(TsaConfigurationError):
        TimeStampAuthority(p384, _cert("T", p384, root.subject, root_key, ca=False))
    with pytest.raises(TsaConfigurationError):
        TimeStampAuthority(k, _cert("T", k, root.subject, root_key, ca=False), policy_oid="not an oid")
    with pytest.raises(ValueError):
        TimeStampAuthority(k, _cert("T", k, root.subject, root_key, ca=False)).respond(b"", datetime(2026, 1, 1))


def test_default_policy_and_direct_timestamp(tsa_pki: TsaPki) -> None:
    tsa = TimeStampAuthority(tsa_pki.tsa_key, tsa_pki.tsa_cert)
    assert tsa.policy_oid == DEFAULT_POLICY_OID == "1.3.6.1.4.1.99999.1"
    digest = hashlib.sha384(b"receipt").digest()
    token = cms.ContentInfo.load(tsa.timestamp(digest, datetime.now(UTC), hash_algorithm="sha384", nonce=5))
    info = token["content"]["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["policy"].dotted == DEFAULT_POLICY_OID
    with pytest.raises(TimeStampRequestError) as caught:
        tsa.timestamp(digest, datetime.now(UTC), hash_algorithm="sha1")
    assert caught.value.failure == "bad_alg"
    with pytest.raises(TimeStampRequestError) as caught:
        tsa.timestamp(digest, datetime.now(UTC), hash_algorithm="sha256")
    assert caught.value.failure == "bad_data_format"


# --- pyHanko ----------------------------------------------------------------------------------


class InProcessTimeStamper(TimeStamper):
    """pyHanko's TimeStamper (its request builder and response checks) talking to our TSA in-process."""

    def __init__(self, tsa: TimeStampAuthority) -> None:
        super().__init__(include_nonce=True)
        self._tsa = tsa

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self._tsa.respond(req.dump(), datetime.now(UTC)))


async def test_pyhanko_accepts_token(tsa_pki: TsaPki, tsa: TimeStampAuthority) -> None:
    digest = hashlib.sha256(b"opening record").digest()
    token = await InProcessTimeStamper(tsa).async_timestamp(digest, "sha256")
    root = asn1_x509.Certificate.load(tsa_pki.root.public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    kwargs = await validate_tst_signed_data(
        token["content"], vc, lambda alg: hashlib.new(alg, b"opening record").digest()
    )
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted, status
    assert status.timestamp is not None

    wrong = await validate_tst_signed_data(token["content"], vc, lambda alg: hashlib.new(alg, b"other").digest())
    assert not TimestampSignatureStatus(**wrong).intact


async def test_pyhanko_http_timestamper_over_real_http(tsa_pki: TsaPki, tsa: TimeStampAuthority) -> None:
    """pyHanko's stock HTTPTimeStamper against respond() behind a minimal HTTP endpoint (a stand-in for the app's)."""
    from aiohttp import web
    from pyhanko.sign.timestamps import HTTPTimeStamper

    async def handle(request: web.Request) -> web.Response:
        assert request.content_type == "application/timestamp-query"
        body = tsa.respond(await request.read(), datetime.now(UTC))
        return web.Response(body=body, content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        digest = hashlib.sha512(b"award notice").digest()
        token = await HTTPTimeStamper(f"http://127.0.0.1:{port}/tsa").async_timestamp(digest, "sha512")
    finally:
        await runner.cleanup()
    root = asn1_x509.Certificate.load(tsa_pki.root.public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    kwargs = await validate_tst_signed_data(
        token["content"], vc, lambda alg: hashlib.new(alg, b"award notice").digest()
    )
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted, status


@pytest.mark.parametrize(("ca_kind", "tsa_kind"), [("rsa3072", "rsa2048"), ("ec-p256", "ec-p256")])
async def test_with_platform_ca(tmp_path: Path, ca_kind: str, tsa_kind: str) -> None:
    """A TSA certificate from crypto.ca (root -> issuing -> TSA) works with openssl and pyHanko."""
    from crypto.ca import create_ca, make_key

    ca = create_ca("示例交易中心", ca_kind, REAL_NOW - timedelta(hours=1), "https://ebid.example.cn")
    key = make_key(tsa_kind)
    cert = ca.issue_tsa_certificate(key.public_key(), REAL_NOW - timedelta(hours=1))
    tsa = TimeStampAuthority(key, cert, chain=ca.chain)

    data = tmp_path / "d.bin"
    data.write_bytes(b"receipt body")
    (tmp_path / "r.tsr").write_bytes(
        tsa.respond(_query(data, tmp_path / "q.tsq", "-sha256", "-cert"), datetime.now(UTC))
    )
    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(ca.root_cert.public_bytes(serialization.Encoding.PEM))
    ok = openssl("ts", "-verify", "-data", data, "-in", tmp_path / "r.tsr", "-CAfile", root_pem)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    token = await InProcessTimeStamper(tsa).async_timestamp(hashlib.sha256(b"x").digest(), "sha256")
    root = asn1_x509.Certificate.load(ca.root_cert.public_bytes(serialization.Encoding.DER))
    vc = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
    kwargs = await validate_tst_signed_data(token["content"], vc, lambda alg: hashlib.new(alg, b"x").digest())
    status = TimestampSignatureStatus(**kwargs)
    assert status.intact and status.valid and status.trusted, status


def test_request_policy(tsa: TimeStampAuthority, tmp_path: Path) -> None:
    data = tmp_path / "d.bin"
    data.write_bytes(b"x")
    same = _query(data, tmp_path / "a.tsq", "-sha256", "-tspolicy", POLICY)
    assert _tst_info(tsa.respond(same, datetime.now(UTC)))["policy"].dotted == POLICY
    other = _query(data, tmp_path / "b.tsq", "-sha256", "-tspolicy", "1.2.3.4.5")
    assert _rejection(tsa.respond(other, datetime.now(UTC))) == ("rejection", {"unaccepted_policy"})
