"""CMS profiles of the sealed-bid format, checked against the OpenSSL command line."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms

from crypto.sealed import (
    MalformedEnvelopeError,
    NotARecipientError,
    SignatureInvalidError,
    build_envelope,
    envelope_info,
    inspect,
    recipient_blob,
    sign_detached,
    unwrap_data_key,
    verify_detached,
)
from crypto.sealed.package import _split_form_plaintext
from tests.fixtures.openssl import cms_decrypt
from tests.fixtures.sealed import FORM, SEALED_AT, CounterRandom, Party, data_key_of, party, seal_bytes

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _files(tmp_path: Path, who: Party) -> tuple[Path, Path]:
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    cert.write_bytes(who.cert_pem())
    key.write_bytes(who.key_pem())
    return cert, key


@pytest.mark.parametrize("key_type", ["rsa2048", "rsa3072", "ec-p256"])
def test_openssl_cms_decrypt_outputs_the_data_key(tmp_path: Path, key_type: str) -> None:
    recipient = party(key_type, "centre")
    pkg, _result = seal_bytes(b"body", recipients=[recipient], rng=CounterRandom(b"openssl"))
    blob = recipient_blob(inspect(io.BytesIO(pkg)).header, recipient.cert)
    (tmp_path / "recipient.der").write_bytes(blob)
    cert, key = _files(tmp_path, recipient)
    out = cms_decrypt(tmp_path / "recipient.der", cert, key)
    assert out == data_key_of(b"openssl")
    # and with the system CSPRNG (cryptography's own OAEP) as well
    data_key = os.urandom(32)
    (tmp_path / "r2.der").write_bytes(build_envelope(data_key, recipient.cert))
    out = cms_decrypt(tmp_path / "r2.der", cert, key)
    assert out == data_key


@pytest.mark.parametrize("key_type", ["rsa2048", "ec-p256"])
def test_unwrap_accepts_openssl_envelopes(tmp_path: Path, key_type: str) -> None:
    recipient = party(key_type, "centre")
    cert, _ = _files(tmp_path, recipient)
    data_key = os.urandom(32)
    (tmp_path / "key.bin").write_bytes(data_key)
    args = [
        "openssl",
        "cms",
        "-encrypt",
        "-binary",
        "-aes-256-cbc",
        "-outform",
        "DER",
        "-in",
        str(tmp_path / "key.bin"),
        "-recip",
        str(cert),
    ]
    if key_type.startswith("rsa"):
        args += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"]
    else:
        args += ["-keyopt", "ecdh_kdf_md:sha256"]
    blob = subprocess.run(args, capture_output=True, check=True).stdout
    assert unwrap_data_key(blob, recipient.key, recipient.cert) == data_key


def test_envelope_profile() -> None:
    rsa_r, ec_r = party("rsa2048", "centre"), party("ec-p256", "centre")
    rsa_env = cms.ContentInfo.load(build_envelope(os.urandom(32), rsa_r.cert))["content"]
    assert rsa_env["version"].native == "v0"
    ktri = rsa_env["recipient_infos"][0].chosen
    params = ktri["key_encryption_algorithm"]["parameters"].native
    assert ktri["key_encryption_algorithm"]["algorithm"].native == "rsaes_oaep"
    assert params["hash_algorithm"]["algorithm"] == "sha256"
    assert params["mask_gen_algorithm"]["parameters"]["algorithm"] == "sha256"
    assert rsa_env["encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].native == "aes256_cbc"
    ec_env = cms.ContentInfo.load(build_envelope(os.urandom(32), ec_r.cert))["content"]
    assert ec_env["version"].native == "v2"
    kari = ec_env["recipient_infos"][0].chosen
    assert kari["version"].native == "v3"
    assert kari["key_encryption_algorithm"]["algorithm"].dotted == "1.3.132.1.11.1"
    assert kari["originator"].name == "originator_key"
    info = envelope_info(build_envelope(os.urandom(32), ec_r.cert))
    assert info.kind == "ecdh-p256" and info.serial_number == ec_r.cert.serial_number


@pytest.mark.parametrize(
    ("owner", "intruder"), [("rsa2048", "rsa3072"), ("ec-p256", "ec-p256"), ("rsa2048", "ec-p256")]
)
def test_wrong_private_key_is_not_a_recipient(owner: str, intruder: str) -> None:
    recipient = party(owner, "centre")
    other = party(intruder, "bidder") if intruder != owner else party(intruder, "bidder", 1)
    blob = build_envelope(os.urandom(32), recipient.cert)
    with pytest.raises(NotARecipientError) as err:
        unwrap_data_key(blob, other.key)
    assert err.value.code == "not_a_recipient"
    with pytest.raises(NotARecipientError):
        unwrap_data_key(blob, recipient.key, other.cert)  # addressed to another certificate


def test_certificate_not_among_recipients() -> None:
    _pkg, result = seal_bytes(b"", recipients=[party("rsa2048", "centre")])
    with pytest.raises(NotARecipientError):
        recipient_blob(result.header, party("ec-p256", "centre").cert)


def test_malformed_envelope() -> None:
    with pytest.raises(MalformedEnvelopeError) as err:
        unwrap_data_key(b"\x30\x03\x02\x01\x01", party("rsa2048", "centre").key)
    assert err.value.code == "malformed_envelope"


@pytest.mark.parametrize("key_type", ["rsa2048", "ec-p256"])
def test_openssl_verifies_the_package_and_form_signatures(tmp_path: Path, key_type: str) -> None:
    signer = party(key_type)
    pkg, _result = seal_bytes(os.urandom(3000), signer=signer, rng=CounterRandom(b"verify"))
    info = inspect(io.BytesIO(pkg))
    (tmp_path / "signed.bin").write_bytes(pkg[: info.trailer_offset])
    (tmp_path / "trailer.der").write_bytes(pkg[info.trailer_offset + 8 :])
    _cert, _ = _files(tmp_path, signer)
    verify = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-noverify", "-out", os.devnull]
    subprocess.run(
        [*verify, "-in", str(tmp_path / "trailer.der"), "-content", str(tmp_path / "signed.bin")],
        check=True,
        capture_output=True,
    )
    # the opening form's signature, after decryption
    from crypto.sealed.keys import part_keys
    from crypto.sealed.stream import SegmentReader, Source

    source = Source(io.BytesIO(pkg[info.form_offset :]))
    keys = part_keys(data_key_of(b"verify"), info.header.kdf_salt, info.header.sha256, "form")
    plaintext = b"".join(bytes(s) for s in SegmentReader(source, "form", info.header.segment_size, keys).segments())
    form, signature = _split_form_plaintext(plaintext)
    assert form == FORM
    (tmp_path / "form.json").write_bytes(form)
    (tmp_path / "form.p7s").write_bytes(signature)
    subprocess.run(
        [*verify, "-in", str(tmp_path / "form.p7s"), "-content", str(tmp_path / "form.json")],
        check=True,
        capture_output=True,
    )
    (tmp_path / "form.json").write_bytes(form.replace(b"123456789", b"123456780"))
    bad = subprocess.run(
        [*verify, "-in", str(tmp_path / "form.p7s"), "-content", str(tmp_path / "form.json")], capture_output=True
    )
    assert bad.returncode != 0


def test_we_verify_openssl_signatures(tmp_path: Path) -> None:
    import hashlib

    signer = party("rsa2048")
    cert, key = _files(tmp_path, signer)
    (tmp_path / "data.bin").write_bytes(b"content")
    for md in (["-md", "sha256"], ["-md", "sha256", "-keyopt", "rsa_padding_mode:pss"]):
        der = subprocess.run(
            [
                "openssl",
                "cms",
                "-sign",
                "-binary",
                "-outform",
                "DER",
                "-in",
                str(tmp_path / "data.bin"),
                "-signer",
                str(cert),
                "-inkey",
                str(key),
                "-nosmimecap",
                *md,
            ],
            capture_output=True,
            check=True,
        ).stdout
        verified = verify_detached(der, hashlib.sha256(b"content").digest())
        assert verified.signer_cert == signer.cert
        with pytest.raises(SignatureInvalidError):
            verify_detached(der, hashlib.sha256(b"other").digest())


def test_signature_with_pinned_time_is_deterministic_for_rsa() -> None:
    signer = party("rsa2048")
    digest = bytes(32)
    first = sign_detached(digest, signer.key, signer.cert, SEALED_AT)  # type: ignore[arg-type]
    assert first == sign_detached(digest, signer.key, signer.cert, SEALED_AT)  # type: ignore[arg-type]
