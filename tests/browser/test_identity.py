"""Identity in a real browser: register → approve → enrol (key made in the browser) → login by
signature; a replayed login and a relayed challenge are refused; a PKCS#12 import; the phone layout."""

from __future__ import annotations

import base64
import json
import re
import secrets
from pathlib import Path

import pytest
from cryptography import x509
from playwright.sync_api import BrowserContext, Page, Route, expect

from crypto.subject import PlatformSubject, credit_code_check_char, parse_subject
from tests.browser.conftest import Server, Shots, assert_no_horizontal_scroll

pytestmark = pytest.mark.slow

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def new_credit_code() -> str:
    first17 = "91" + "".join(secrets.choice(ALPHABET) for _ in range(15))
    return first17 + credit_code_check_char(first17)


def test_register_enrol_and_login_by_signature(page: Page, server: Server, shot: Shots, tmp_path: Path) -> None:
    org_name = f"浏览器测试建设有限公司{secrets.token_hex(2)}"
    credit_code = new_credit_code()

    # 1. Register the organisation on the public form.
    page.goto("/register")
    expect(page.get_by_role("heading", name="单位注册")).to_be_visible()
    page.locator("input[name=name]").fill(org_name)
    page.locator("input[name=credit_code]").fill(credit_code)
    page.locator("select[name=kind]").select_option("bidder")
    page.locator("input[name=contact_name]").fill("李娜")
    page.locator("input[name=contact_phone]").fill("13800000000")
    shot("register-form")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("register-done")).to_contain_text("待审核")
    org_id = page.get_by_test_id("register-org-id").inner_text().strip()
    shot("registered")

    # 2. The administrator approves it and hands out the enrolment code.
    with server.admin() as admin:
        response = admin.post(f"/api/admin/organisations/{org_id}/approve")
        assert response.status_code == 200, response.text
        code = response.json()["enrolment"]["enrolment_code"]

    # 3. Enrol: the browser makes the key and the CSR; the certificate comes back.
    page.get_by_role("link", name="已有办理码？申领证书").click()
    expect(page).to_have_url(re.compile(r"/enrol\?"))
    # Prefilled from the registration.
    expect(page.locator("input[name=organisation]")).to_have_value(org_name)
    expect(page.locator("input[name=credit_code]")).to_have_value(credit_code)
    page.locator("input[name=enrolment_code]").fill(code)
    page.locator("input[name=common_name]").fill("李娜")
    page.locator("select[name=role]").select_option("bidder")
    shot("enrol-form")
    with page.expect_request("**/api/enrolment/certificates") as enrol_request:
        page.get_by_test_id("enrol-submit").click()
    # Only the code and a CSR leave the browser; the CSR names us exactly as the server's profile does.
    sent = json.loads(enrol_request.value.post_data or "{}")
    assert set(sent) == {"enrolment_code", "csr"}
    csr = x509.load_pem_x509_csr(sent["csr"].encode())
    assert csr.is_signature_valid
    assert parse_subject(csr.subject) == PlatformSubject(org_name, credit_code, "李娜", "bidder")
    done = page.get_by_test_id("enrol-done")
    expect(done).to_contain_text("证书已签发")
    expect(done).to_contain_text(org_name)
    shot("enrolled")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-cert").click()
    cert_file = tmp_path / "cert.pem"
    download_info.value.save_as(cert_file)
    issued = x509.load_pem_x509_certificate(cert_file.read_bytes())
    assert issued.public_key() == csr.public_key()

    # The private key in IndexedDB is a CryptoKey that cannot be exported.
    key_facts = page.evaluate(
        """async () => {
          const db = await new Promise((ok, err) => {
            const r = indexedDB.open('bidding-identities'); r.onsuccess = () => ok(r.result); r.onerror = err })
          const all = await new Promise((ok, err) => {
            const r = db.transaction('identities').objectStore('identities').getAll()
            r.onsuccess = () => ok(r.result); r.onerror = err })
          const key = all[0].privateKey
          let exported = true
          try { await crypto.subtle.exportKey('pkcs8', key) } catch { exported = false }
          return { count: all.length, type: key.type, extractable: key.extractable, alg: key.algorithm.name, exported }
        }"""
    )
    assert key_facts == {"count": 1, "type": "private", "extractable": False, "alg": "ECDSA", "exported": False}

    # 4. Log in by signature; the header shows who is logged in.
    page.get_by_test_id("enrol-go-login").click()
    identity = page.get_by_test_id("identity")
    expect(identity).to_have_count(1)
    expect(identity).to_contain_text(org_name)
    shot("login-page")
    with page.expect_request("**/api/auth/login") as login_request:
        page.get_by_test_id("identity-login").click()
    captured: dict[str, str] = json.loads(login_request.value.post_data or "{}")
    expect(page.get_by_test_id("header-user-org")).to_have_text(org_name)
    expect(page.get_by_test_id("header-user-name")).to_have_text("李娜")
    expect(page.get_by_test_id("header-user")).to_contain_text("投标人")
    expect(page.get_by_test_id("login-done")).to_be_visible()
    assert captured["algorithm"] == "ecdsa-p256-sha256"
    shot("logged-in")

    # The token is in sessionStorage and the API client sends it: /api/auth/me answers for us.
    me = page.evaluate(
        """async () => {
          const s = JSON.parse(sessionStorage.getItem('bidding.session'))
          const r = await fetch('/api/auth/me', { headers: { Authorization: 'Bearer ' + s.token } })
          return r.json()
        }"""
    )
    assert me["organization_name"] == org_name
    assert me["credit_code"] == credit_code

    # 5. Log out: the session ends on the server too.
    token = page.evaluate("JSON.parse(sessionStorage.getItem('bidding.session')).token")
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("nav-login")).to_be_visible()
    expect(page.get_by_test_id("header-user")).to_have_count(0)
    assert page.evaluate("sessionStorage.getItem('bidding.session')") is None
    with server.admin() as client:
        assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    shot("logged-out")

    # 6. A replayed login (the used challenge with its valid signature) shows the API's error.
    def replay(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["challenge_id"] = captured["challenge_id"]
        body["signature"] = captured["signature"]
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/auth/login", replay)
    page.get_by_test_id("identity-login").click()
    error = page.get_by_test_id("login-error")
    expect(error).to_contain_text("登录失败")
    expect(error).to_contain_text("challenge_replayed")
    expect(page.get_by_test_id("header-user")).to_have_count(0)
    shot("replayed-login-refused")
    page.unroute("**/api/auth/login")

    # 7. An invalid signature is refused by the server with its own code.
    def corrupt(route: Route) -> None:
        body = json.loads(route.request.post_data or "{}")
        body["signature"] = "A" * 86
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/auth/login", corrupt)
    page.get_by_test_id("identity-login").click()
    expect(error).to_contain_text("signature_invalid")
    shot("invalid-signature-refused")
    page.unroute("**/api/auth/login")

    # 8. A challenge for another platform (a relaying server) is never signed.
    def relay(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        lines = body["message_text"].split("\n")
        lines[1] = "https://other-platform.example"
        text = "\n".join(lines)
        body["message_text"] = text
        body["message"] = base64.b64encode(text.encode()).decode()
        route.fulfill(response=response, json=body)

    logins: list[str] = []
    page.on("request", lambda req: logins.append(req.url) if req.url.endswith("/api/auth/login") else None)
    page.route("**/api/auth/challenge", relay)
    page.get_by_test_id("identity-login").click()
    expect(error).to_contain_text("https://other-platform.example")
    expect(error).to_contain_text("已拒绝签名")
    assert logins == []
    shot("relayed-challenge-refused")
    page.unroute("**/api/auth/challenge")

    # And the real one still works.
    page.get_by_test_id("identity-login").click()
    expect(page.get_by_test_id("header-user-org")).to_have_text(org_name)


def test_enrol_with_an_rsa_key_and_login(page: Page, server: Server, shot: Shots) -> None:
    """RSA-2048 made in the browser: an RSA-PSS-signed CSR is accepted, the login signature is RSA-PSS."""
    org_name = f"RSA 测试招标代理有限公司{secrets.token_hex(2)}"
    credit_code = new_credit_code()
    with server.admin() as admin:
        registered = admin.post(
            "/api/enrolment/organisations",
            json={
                "name": org_name,
                "credit_code": credit_code,
                "kind": "agent",
                "contact_name": "王强",
                "contact_phone": "13900000000",
            },
        )
        assert registered.status_code == 201, registered.text
        approved = admin.post(f"/api/admin/organisations/{registered.json()['id']}/approve")
        assert approved.status_code == 200, approved.text
        code = approved.json()["enrolment"]["enrolment_code"]

    page.goto("/enrol")
    page.locator("input[name=enrolment_code]").fill(code)
    page.locator("input[name=organisation]").fill(org_name)
    page.locator("input[name=credit_code]").fill(credit_code)
    page.locator("input[name=common_name]").fill("王强")
    page.locator("select[name=role]").select_option("agent")
    page.locator("select[name=key_kind]").select_option("rsa-2048")
    page.get_by_test_id("enrol-submit").click()
    expect(page.get_by_test_id("enrol-done")).to_contain_text("招标代理")
    shot("enrolled-rsa")

    # The same code cannot be used twice: the API's message is shown.
    page.goto("/enrol")
    page.locator("input[name=enrolment_code]").fill(code)
    page.locator("input[name=organisation]").fill(org_name)
    page.locator("input[name=credit_code]").fill(credit_code)
    page.locator("input[name=common_name]").fill("王强")
    page.get_by_test_id("enrol-submit").click()
    expect(page.get_by_role("alert")).to_contain_text("办理码已使用")
    shot("code-used-twice")

    page.goto("/login")
    expect(page.get_by_test_id("identity")).to_have_count(1)  # the refused attempt left no key behind
    with page.expect_request("**/api/auth/login") as login_request:
        page.get_by_test_id("identity-login").click()
    assert json.loads(login_request.value.post_data or "{}")["algorithm"] == "rsa-pss-sha256"
    expect(page.get_by_test_id("header-user-org")).to_have_text(org_name)
    shot("logged-in-rsa")


def test_import_demo_pkcs12_and_login(page: Page, server: Server, shot: Shots) -> None:
    demo = next(u for u in server.demo_identities() if u["user"] == "bidder1")
    page.goto("/login")
    expect(page.get_by_role("heading", name="证书登录")).to_be_visible()
    expect(page.get_by_test_id("identity")).to_have_count(0)
    shot("empty")

    # A wrong passphrase says so.
    page.get_by_test_id("p12-file").set_input_files(demo["p12"])
    page.get_by_test_id("p12-passphrase").fill("wrong")
    page.get_by_test_id("p12-import").click()
    expect(page.get_by_text("文件口令不正确")).to_be_visible()
    shot("wrong-passphrase")

    page.get_by_test_id("p12-passphrase").fill(demo["passphrase"])
    page.get_by_test_id("p12-import").click()
    identity = page.get_by_test_id("identity")
    expect(identity).to_have_count(1)
    expect(identity).to_contain_text(demo["organisation"])
    expect(identity).to_contain_text(demo["fingerprint"])
    shot("imported")

    page.get_by_test_id("identity-login").click()
    expect(page.get_by_test_id("header-user-org")).to_have_text(demo["organisation"])
    expect(page.get_by_test_id("header-user-name")).to_have_text(demo["name"])
    shot("logged-in")

    # The session survives a reload (sessionStorage) and the header still shows it.
    page.reload()
    expect(page.get_by_test_id("header-user-org")).to_have_text(demo["organisation"])

    # English UI.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("logout")).to_have_text("Log out")
    expect(page.get_by_role("heading", name="Certificate login")).to_be_visible()
    shot("english")

    # A session the server no longer knows is forgotten on the next load.
    with server.admin() as admin:
        token = page.evaluate("JSON.parse(sessionStorage.getItem('bidding.session')).token")
        assert admin.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    page.reload()
    expect(page.get_by_test_id("nav-login")).to_be_visible()
    expect(page.get_by_test_id("header-user")).to_have_count(0)

    # Delete the identity (after confirming): the key is gone from this browser.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("identity")).to_have_count(0)
    shot("deleted")


def test_phone_layout_has_no_horizontal_scroll(phone_context: BrowserContext, server: Server) -> None:
    page = phone_context.new_page()
    shots = Shots(page, "test_phone_layout_has_no_horizontal_scroll", full_page=False)
    for path, heading in (("/login", "证书登录"), ("/register", "单位注册"), ("/enrol", "申领数字证书")):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots(path.strip("/"))

    # Logged in, the header with organisation, name and logout still fits.
    demo = next(u for u in server.demo_identities() if u["user"] == "bidder1")
    page.goto("/login")
    page.get_by_test_id("p12-file").set_input_files(demo["p12"])
    page.get_by_test_id("p12-passphrase").fill(demo["passphrase"])
    page.get_by_test_id("p12-import").click()
    page.get_by_test_id("identity-login").click()
    expect(page.get_by_test_id("header-user-org")).to_have_text(demo["organisation"])
    expect(page.get_by_test_id("logout")).to_be_in_viewport()
    assert_no_horizontal_scroll(page)
    shots("logged-in")
