"""Enrolment, certificate login and revocation against the running app (both profiles).

Every refusal case of issue 3 has its own error code: expired, revoked (CRL and OCSP), unknown
issuer, wrong key usage, tampered signature, replayed / expired / foreign challenge; and a
certificate from a second configured CA is accepted.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp

from bidding.client.identity import Identity
from bidding.client.session import ApiError, login
from bidding.core.clock import ManualClock
from crypto.ca import PrivateKey, make_csr, make_key
from crypto.login import certificate_fingerprint, default_algorithm, sign_message
from crypto.subject import PlatformSubject
from tests.fixtures.errors import assert_error, error_code
from tests.fixtures.outside_ca import OutsideCa, build_certificate, encipherment_only_usage, user_key
from tests.fixtures.parties import AUDIENCE, approve, enrol, new_code, pem, register
from tests.fixtures.pki import make_pki


async def challenge(client: httpx.AsyncClient, cert: x509.Certificate) -> dict[str, Any]:
    response = await client.post("/api/auth/challenge", json={"certificate": pem(cert)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def raw_login(
    client: httpx.AsyncClient, key: PrivateKey, cert: x509.Certificate, challenge_body: dict[str, Any], **change: Any
) -> httpx.Response:
    signature = sign_message(key, base64.b64decode(challenge_body["message"]))
    payload = {
        "challenge_id": challenge_body["challenge_id"],
        "certificate": pem(cert),
        "signature": base64.b64encode(signature).decode(),
        "algorithm": default_algorithm(key),
    }
    payload.update(change)
    return await client.post("/api/auth/login", json=payload)


async def refused(client: httpx.AsyncClient, key: PrivateKey, cert: x509.Certificate) -> httpx.Response:
    response = await raw_login(client, key, cert, await challenge(client, cert))
    assert response.status_code == 401, response.text
    return response


# ---------------------------------------------------------------------------- the happy path


@pytest.mark.parametrize("key_type", ["ec-p256", "rsa2048", "rsa3072"])
async def test_enrol_login_and_role_protected_endpoints(
    client: httpx.AsyncClient, admin_headers: dict[str, str], key_type: str
) -> None:
    bidder = await enrol(client, admin_headers, "bidder", key_type=key_type)
    assert bidder.body["role"] == "bidder"
    assert bidder.body["fingerprint"] == certificate_fingerprint(bidder.cert)
    session = await login(client, bidder.identity, audience=AUDIENCE)

    me = await client.get("/api/auth/me", headers=session.headers)
    assert me.status_code == 200
    assert me.json()["credit_code"] == bidder.credit_code
    assert me.json()["role"] == "bidder"
    assert me.json()["organization_name"] == bidder.org_name
    # A bidder may not read the audit trail; an auditor of the trading centre may.
    assert (await client.get("/api/admin/audit-events", headers=session.headers)).status_code == 403

    auditor = await enrol(client, admin_headers, "trading_centre", role="auditor")
    auditor_session = await login(client, auditor.identity, audience=AUDIENCE)
    trail = await client.get(
        "/api/admin/audit-events",
        params={"object_type": "certificate", "object_id": bidder.body["fingerprint"]},
        headers=auditor_session.headers,
    )
    assert trail.status_code == 200
    logins = [e for e in trail.json() if e["action"] == "login.succeeded"]
    assert logins and logins[0]["client_address"] == "127.0.0.1"
    assert logins[0]["content_sha256"] == bidder.body["fingerprint"]
    # The auditor may not approve organisations: that is the administrator's.
    org = await register(client, "bidder")
    response = await client.post(f"/api/admin/organisations/{org['id']}/approve", headers=auditor_session.headers)
    assert response.status_code == 403


@pytest.mark.parametrize("algorithm", ["rsa-pkcs1-sha256", "rsa-pss-sha256"])
async def test_rsa_signature_schemes(client: httpx.AsyncClient, admin_headers: dict[str, str], algorithm: str) -> None:
    user = await enrol(client, admin_headers, key_type="rsa2048")
    body = await challenge(client, user.cert)
    signature = sign_message(user.key, base64.b64decode(body["message"]), algorithm)  # type: ignore[arg-type]
    response = await raw_login(
        client, user.key, user.cert, body, signature=base64.b64encode(signature).decode(), algorithm=algorithm
    )
    assert response.status_code == 200, response.text


async def test_webcrypto_style_raw_ecdsa_signature_is_accepted(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    user = await enrol(client, admin_headers)
    body = await challenge(client, user.cert)
    r, s = decode_dss_signature(sign_message(user.key, base64.b64decode(body["message"])))
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")  # IEEE P1363, as WebCrypto returns it
    response = await raw_login(client, user.key, user.cert, body, signature=base64.b64encode(raw).decode())
    assert response.status_code == 200, response.text


async def test_sessions_can_be_ended_by_logout(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    user = await enrol(client, admin_headers)
    first = await login(client, user.identity, audience=AUDIENCE)
    second = await login(client, user.identity, audience=AUDIENCE)
    assert (await client.post("/api/auth/logout", headers=first.headers)).json() == {"closed": True}
    assert (await client.get("/api/auth/me", headers=first.headers)).status_code == 401
    assert (await client.get("/api/auth/me", headers=second.headers)).status_code == 200


async def test_session_expires_with_the_clock(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    user = await enrol(client, admin_headers)
    session = await login(client, user.identity, audience=AUDIENCE)
    clock.advance(timedelta(minutes=platform.settings.session_minutes, seconds=1))
    response = await client.get("/api/auth/me", headers=session.headers)
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


# ---------------------------------------------------------------------------- challenges


async def test_replayed_challenge_is_refused(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    user = await enrol(client, admin_headers)
    body = await challenge(client, user.cert)
    assert (await raw_login(client, user.key, user.cert, body)).status_code == 200
    replay = await raw_login(client, user.key, user.cert, body)
    assert replay.status_code == 401
    assert error_code(replay) == "challenge_replayed"


async def test_expired_challenge_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, platform: Any
) -> None:
    user = await enrol(client, admin_headers)
    body = await challenge(client, user.cert)
    clock.advance(timedelta(seconds=platform.settings.challenge_seconds + 1))
    response = await raw_login(client, user.key, user.cert, body)
    assert response.status_code == 401
    assert error_code(response) == "challenge_expired"


async def test_foreign_and_unknown_challenges_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    alice = await enrol(client, admin_headers)
    bob = await enrol(client, admin_headers)
    alices = await challenge(client, alice.cert)
    # Bob answers a challenge issued for Alice's certificate, with his own key and certificate.
    response = await raw_login(client, bob.key, bob.cert, alices)
    assert error_code(response) == "challenge_foreign"
    unknown = await raw_login(client, bob.key, bob.cert, await challenge(client, bob.cert), challenge_id="no-such-id")
    assert error_code(unknown) == "challenge_unknown"


async def test_tampered_signature_is_refused(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    user = await enrol(client, admin_headers)
    body = await challenge(client, user.cert)
    signature = bytearray(sign_message(user.key, base64.b64decode(body["message"])))
    signature[-3] ^= 0x01
    response = await raw_login(client, user.key, user.cert, body, signature=base64.b64encode(signature).decode())
    assert response.status_code == 401
    assert error_code(response) == "signature_invalid"
    # Signing another message (another platform's challenge, say) does not verify either.
    other = sign_message(user.key, base64.b64decode(body["message"]).replace(AUDIENCE.encode(), b"https://evil"))
    again = await raw_login(
        client, user.key, user.cert, await challenge(client, user.cert), signature=base64.b64encode(other).decode()
    )
    assert error_code(again) == "signature_invalid"


# ---------------------------------------------------------------------------- certificates


async def test_expired_certificate_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock
) -> None:
    user = await enrol(client, admin_headers)
    clock.advance(timedelta(days=366))
    response = await refused(client, user.key, user.cert)
    assert error_code(response) == "certificate_expired"


async def test_revoked_certificate_is_refused_and_its_sessions_end(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    user = await enrol(client, admin_headers)
    session = await login(client, user.identity, audience=AUDIENCE)
    response = await client.post(
        f"/api/admin/certificates/{user.body['serial']}/revoke",
        json={"reason": "key_compromise"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["sessions_closed"] == 1
    assert (await client.get("/api/auth/me", headers=session.headers)).status_code == 401
    # The published CRL lists it, with the reason.
    crl = x509.load_der_x509_crl((await client.get("/pki/crl/issuing.crl")).content)
    entry = crl.get_revoked_certificate_by_serial_number(user.cert.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    # And the login is refused: the platform checks its own CRL.
    assert error_code(await refused(client, user.key, user.cert)) == "certificate_revoked"
    again = await client.post(
        f"/api/admin/certificates/{user.body['serial']}/revoke", json={"reason": "superseded"}, headers=admin_headers
    )
    assert again.status_code == 409


async def test_ocsp_responder_answers_good_revoked_and_unknown(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    good = await enrol(client, admin_headers)
    bad = await enrol(client, admin_headers)
    await client.post(
        f"/api/admin/certificates/{bad.body['serial']}/revoke", json={"reason": "superseded"}, headers=admin_headers
    )
    issuing = platform.keys.ca.issuing_cert

    async def status(cert: x509.Certificate) -> ocsp.OCSPResponse:
        request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing, hashes.SHA256()).build()
        der = request.public_bytes(serialization.Encoding.DER)
        response = await client.post("/pki/ocsp", content=der, headers={"Content-Type": "application/ocsp-request"})
        assert response.headers["content-type"] == "application/ocsp-response"
        return ocsp.load_der_ocsp_response(response.content)

    assert (await status(good.cert)).certificate_status == ocsp.OCSPCertStatus.GOOD
    revoked = await status(bad.cert)
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_reason == x509.ReasonFlags.superseded
    # Signed by the delegated responder (RFC 6960 §4.2.2.2), whose certificate the issuing CA issued
    # for OCSPSigning and which travels in the response.
    (responder,) = revoked.certificates
    assert responder == platform.keys.ocsp_responder.cert
    responder.verify_directly_issued_by(issuing)
    eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING]
    responder_key = responder.public_key()
    assert isinstance(responder_key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey)
    responder_key.verify(revoked.signature, revoked.tbs_response_bytes, *_verify_args(responder))
    never_issued = build_certificate(
        platform.keys.ca, good.cert.subject, user_key().public_key(), crl_url=None, ocsp_url=None
    )
    assert (await status(never_issued)).certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    garbage = await client.post("/pki/ocsp", content=b"junk", headers={"Content-Type": "application/ocsp-request"})
    assert ocsp.load_der_ocsp_response(garbage.content).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    wrong_type = await client.post("/pki/ocsp", content=b"junk", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415


def _verify_args(issuer: x509.Certificate) -> tuple[Any, ...]:
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    key = issuer.public_key()
    return (
        (ec.ECDSA(hashes.SHA256()),)
        if isinstance(key, ec.EllipticCurvePublicKey)
        else (padding.PKCS1v15(), hashes.SHA256())
    )


async def test_wrong_key_usage_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], platform: Any
) -> None:
    user = await enrol(client, admin_headers)
    ca = platform.keys.ca
    # keyEncipherment only: may not sign a login.
    no_signing = build_certificate(
        ca,
        user.cert.subject,
        user.key.public_key(),
        crl_url=ca.issuing_crl_url,
        ocsp_url=None,
        key_usage=encipherment_only_usage(),
    )
    assert error_code(await refused(client, user.key, no_signing)) == "certificate_wrong_key_usage"
    # The TSA's certificate (EKU timeStamping only) may not log in either.
    tsa_only = build_certificate(
        ca,
        user.cert.subject,
        user.key.public_key(),
        crl_url=ca.issuing_crl_url,
        ocsp_url=None,
        eku=[x509.oid.ExtendedKeyUsageOID.TIME_STAMPING],
    )
    assert error_code(await refused(client, user.key, tsa_only)) == "certificate_wrong_key_usage"


async def test_certificate_from_an_unknown_ca_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    rogue = make_pki(name="未知认证机构", now=datetime.now(UTC), base_url="http://127.0.0.1:9").ca
    org = await register(client, "bidder")
    await approve(client, admin_headers, org["id"])
    key = user_key()
    cert = build_certificate(
        rogue,
        PlatformSubject(org["name"], org["credit_code"], "赵六", "bidder").to_name(),
        key.public_key(),
        crl_url=rogue.issuing_crl_url,
        ocsp_url=None,
    )
    assert error_code(await refused(client, key, cert)) == "certificate_unknown_issuer"


async def test_certificate_from_second_configured_ca_is_accepted(
    client: httpx.AsyncClient, admin_headers: dict[str, str], outside_ca: OutsideCa
) -> None:
    org = await register(client, "agent")
    await approve(client, admin_headers, org["id"])
    key = user_key()
    subject = PlatformSubject(org["name"], org["credit_code"], "钱七", "agent")
    cert = outside_ca.issue(subject, key.public_key(), crl=True, ocsp=False)
    chain = [pem(outside_ca.ca.issuing_cert)]
    response = await raw_login(client, key, cert, await challenge(client, cert), chain=chain)
    assert response.status_code == 200, response.text
    assert response.json()["session"]["role"] == "agent"
    # Without the intermediate the path cannot be built: unknown issuer, not a crash.
    assert error_code(await refused(client, key, cert)) == "certificate_unknown_issuer"


async def test_outside_certificate_revoked_in_ocsp_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], outside_ca: OutsideCa
) -> None:
    org = await register(client, "bidder")
    await approve(client, admin_headers, org["id"])
    key = user_key()
    cert = outside_ca.issue(
        PlatformSubject(org["name"], org["credit_code"], "孙八", "bidder"), key.public_key(), crl=False, ocsp=True
    )
    chain = [pem(outside_ca.ca.issuing_cert)]
    ok = await raw_login(client, key, cert, await challenge(client, cert), chain=chain)
    assert ok.status_code == 200, ok.text
    outside_ca.revoke(cert)
    response = await raw_login(client, key, cert, await challenge(client, cert), chain=chain)
    assert response.status_code == 401
    assert error_code(response) == "certificate_revoked"


async def test_unregistered_organisation_and_wrong_role_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], outside_ca: OutsideCa
) -> None:
    chain = [pem(outside_ca.ca.issuing_cert)]
    key = user_key()
    stranger = outside_ca.issue(PlatformSubject("未登记公司", new_code(), "周九", "bidder"), key.public_key())
    response = await raw_login(client, key, stranger, await challenge(client, stranger), chain=chain)
    assert error_code(response) == "organisation_not_enrolled"
    org = await register(client, "bidder")
    await approve(client, admin_headers, org["id"])
    admin_claim = outside_ca.issue(PlatformSubject(org["name"], org["credit_code"], "吴十", "admin"), key.public_key())
    response = await raw_login(client, key, admin_claim, await challenge(client, admin_claim), chain=chain)
    assert error_code(response) == "role_not_allowed"


async def test_failed_logins_are_audited_with_reason_and_fingerprint(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    user = await enrol(client, admin_headers)
    body = await challenge(client, user.cert)
    await raw_login(client, user.key, user.cert, body, signature=base64.b64encode(b"\x30\x00").decode())
    trail = await client.get(
        "/api/admin/audit-events",
        params={"object_type": "certificate", "object_id": user.body["fingerprint"]},
        headers=admin_headers,
    )
    failed = [e for e in trail.json() if e["action"] == "login.failed"]
    assert [e["details"]["reason"] for e in failed] == ["signature_invalid"]
    assert failed[0]["client_address"] == "127.0.0.1"
    assert failed[0]["actor"] == f"cert:{user.body['fingerprint']}"
    actions = {e["action"] for e in trail.json()}
    assert "certificate.issued" in actions


# ---------------------------------------------------------------------------- enrolment inputs


async def test_enrolment_refusals(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    org = await register(client, "bidder")
    # Not approved yet: no code can be made.
    early = await client.post(
        f"/api/admin/organisations/{org['id']}/enrolment-codes", json={"role": "bidder"}, headers=admin_headers
    )
    assert early.status_code == 409
    code = await approve(client, admin_headers, org["id"])
    assert (
        await client.post(f"/api/admin/organisations/{org['id']}/approve", headers=admin_headers)
    ).status_code == 409
    key = make_key("ec-p256")

    def csr(name: str, credit_code: str) -> str:
        request = make_csr(key, PlatformSubject(name, credit_code, "郑一", "bidder"))
        return request.public_bytes(serialization.Encoding.PEM).decode()

    async def submit(enrolment_code: str, csr_pem: str) -> httpx.Response:
        return await client.post("/api/enrolment/certificates", json={"enrolment_code": enrolment_code, "csr": csr_pem})

    wrong_code = await submit(code, csr(org["name"], new_code()))
    assert (wrong_code.status_code, error_code(wrong_code)) == (400, "invalid_csr")
    wrong_name = await submit(code, csr("另一家公司", org["credit_code"]))
    assert error_code(wrong_name) == "invalid_csr"
    garbage = await submit(code, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n")
    assert (garbage.status_code, error_code(garbage)) == (400, "invalid_csr")
    # None of the refusals used up the code.
    assert (await submit(code, csr(org["name"], org["credit_code"]))).status_code == 201
    reused = await submit(code, csr(org["name"], org["credit_code"]))
    assert (reused.status_code, error_code(reused)) == (403, "enrolment_refused")
    assert error_code(await submit("NOPE-NOPE", csr(org["name"], org["credit_code"]))) == "enrolment_refused"
    # Roles are bound to the kind of organisation.
    bad_role = await client.post(
        f"/api/admin/organisations/{org['id']}/enrolment-codes", json={"role": "admin"}, headers=admin_headers
    )
    assert bad_role.status_code == 400
    assert "admin" in bad_role.json()["error"]["message_en"]


async def test_registration_inputs(client: httpx.AsyncClient) -> None:
    base = {"name": "某公司", "kind": "bidder", "contact_name": "李四", "contact_phone": "1"}
    good = new_code()
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = await client.post("/api/enrolment/organisations", json=base | {"credit_code": bad_check})
    assert response.status_code == 400
    response = await client.post(
        "/api/enrolment/organisations", json=base | {"credit_code": new_code(), "kind": "pirate"}
    )
    assert response.status_code == 400
    code = new_code()
    assert (await client.post("/api/enrolment/organisations", json=base | {"credit_code": code})).status_code == 201
    assert (await client.post("/api/enrolment/organisations", json=base | {"credit_code": code})).status_code == 409
    response = await client.post(
        "/api/enrolment/organisations", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400


async def test_admin_endpoints_refuse_anonymous_and_users(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    user = await enrol(client, admin_headers)
    session = await login(client, user.identity, audience=AUDIENCE)
    for method, path in [
        ("GET", "/api/admin/organisations"),
        ("GET", "/api/admin/certificates"),
        ("POST", f"/api/admin/certificates/{user.body['serial']}/revoke"),
        ("POST", f"/api/admin/organisations/{user.org_id}/approve"),
    ]:
        anonymous = await client.request(method, path, json={"reason": "unspecified"})
        assert anonymous.status_code == 401, path
        as_bidder = await client.request(method, path, json={"reason": "unspecified"}, headers=session.headers)
        assert as_bidder.status_code == 403, path
    listed = await client.get("/api/admin/certificates", params={"organization_id": user.org_id}, headers=admin_headers)
    assert [c["serial"] for c in listed.json()] == [user.body["serial"]]


async def test_login_inputs_are_checked(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    user = await enrol(client, admin_headers)
    assert (await client.post("/api/auth/challenge", json={"certificate": "not a certificate"})).status_code == 400
    body = await challenge(client, user.cert)
    bad_alg = await raw_login(client, user.key, user.cert, body, algorithm="md5-rsa")
    assert bad_alg.status_code == 401 and error_code(bad_alg) == "signature_invalid"
    body = await challenge(client, user.cert)
    wrong_alg = await raw_login(client, user.key, user.cert, body, algorithm="rsa-pss-sha256")
    assert error_code(wrong_alg) == "signature_invalid"
    not_b64 = await raw_login(client, user.key, user.cert, await challenge(client, user.cert), signature="%%%")
    assert not_b64.status_code == 400
    bad_token = await client.get("/api/auth/me", headers={"Authorization": "Bearer nonsense"})
    assert bad_token.status_code == 401


async def test_the_operator_token_is_no_organisation(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    # Valid, yet standing for no organisation: one error and one status (403) wherever one is needed.
    for method, path in (
        ("GET", "/api/auth/me"),
        ("POST", "/api/auth/logout"),
        ("GET", "/api/me/notifications"),
        ("POST", "/api/me/notifications/1/read"),
        ("GET", "/api/me/downloads"),
    ):
        answer = await client.request(method, path, headers=admin_headers)
        assert_error(answer, 403, "organisation_required")
    # The operator's own endpoints take it as before.
    assert (await client.get("/api/admin/organisations", headers=admin_headers)).status_code == 200


async def test_client_refuses_to_sign_for_another_audience(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    from bidding.client.session import ChallengeMismatch

    user = await enrol(client, admin_headers)
    with pytest.raises(ChallengeMismatch):
        await login(client, user.identity, audience="https://some-other-platform.example")
    with pytest.raises(ApiError):
        await login(client, Identity(user_key(), user.cert), audience=AUDIENCE)
