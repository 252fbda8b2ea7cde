"""The platform's service certificates in ``BIDDING_CA_DIR``: a document-signing certificate of the
profile outside validators refused is re-issued for the same key on start (the old one kept, and
still answered for by OCSP); the delegated OCSP responder certificate is issued and renewed before
it runs out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from bidding.core.pki.keystore import OCSP_CERT_FILE, SIGNER_CERT_FILE, load_platform_keys
from bidding.core.settings import Settings
from crypto.ca import ID_KP_DOCUMENT_SIGNING, signer_profile_is_current
from crypto.keyfiles import read_cert, same_public_key, write_cert

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def settings(directory: Path) -> Settings:
    return Settings.from_env({}, data_dir=directory, ca_dir=directory / "pki", ca_key_type="ec-p256")


def test_first_start_issues_current_service_certificates(tmp_path: Path) -> None:
    keys = load_platform_keys(settings(tmp_path), NOW)
    assert signer_profile_is_current(keys.signer_cert)
    responder = keys.ocsp_responder
    assert same_public_key(responder.cert, responder.key) and responder.valid_at(NOW)
    assert read_cert(tmp_path / "pki" / OCSP_CERT_FILE) == responder.cert
    assert {c.serial_number for c in keys.service_certificates} == {
        keys.tsa_cert.serial_number,
        keys.signer_cert.serial_number,
        responder.cert.serial_number,
    }
    again = load_platform_keys(settings(tmp_path), NOW + timedelta(days=1))
    assert again.signer_cert == keys.signer_cert and again.ocsp_responder.cert == responder.cert


def test_an_old_profile_signer_certificate_is_reissued_for_the_same_key(tmp_path: Path) -> None:
    keys = load_platform_keys(settings(tmp_path), NOW)
    # signer.pem as the platform wrote it before issue 14: EKU id-kp-documentSigning only.
    usage = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
    old = (
        keys.ca._ee_builder(keys.signer_cert.subject, keys.signer_cert.public_key(), NOW, timedelta(days=5 * 365))  # type: ignore[arg-type]
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ID_KP_DOCUMENT_SIGNING]), critical=False)
        .sign(keys.ca.issuing_key, hashes.SHA256())
    )
    directory = tmp_path / "pki"
    write_cert(directory / SIGNER_CERT_FILE, old)
    assert not signer_profile_is_current(old)

    renewed = load_platform_keys(settings(tmp_path), NOW + timedelta(days=1))
    assert signer_profile_is_current(renewed.signer_cert)
    assert renewed.signer_cert.public_key() == old.public_key()  # the key is kept
    assert same_public_key(renewed.signer_cert, renewed.signer_key)
    assert read_cert(directory / f"signer.{old.serial_number:x}.pem") == old
    assert old in renewed.retired_certificates  # documents it signed still get "good" from OCSP
    assert old.serial_number in {c.serial_number for c in renewed.service_certificates}
    assert load_platform_keys(settings(tmp_path), NOW + timedelta(days=2)).signer_cert == renewed.signer_cert


def test_the_ocsp_responder_certificate_is_renewed_before_it_ends(tmp_path: Path) -> None:
    first = load_platform_keys(settings(tmp_path), NOW).ocsp_responder
    ends = first.cert.not_valid_after_utc
    assert load_platform_keys(settings(tmp_path), ends - timedelta(days=31)).ocsp_responder.cert == first.cert
    later = ends - timedelta(days=29)
    renewed = load_platform_keys(settings(tmp_path), later).ocsp_responder
    assert renewed.cert != first.cert and renewed.cert.public_key() == first.cert.public_key()
    assert renewed.valid_at(later) and renewed.cert.not_valid_after_utc > ends


def test_pki_base_url_goes_into_new_certificates(tmp_path: Path) -> None:
    """Behind HTTPS the CRL and OCSP locations can stay plain HTTP (NSS fetches OCSP over http:// only)."""
    env = {"BIDDING_PUBLIC_BASE_URL": "https://ebid.example.cn", "BIDDING_PKI_BASE_URL": "http://pki.ebid.example.cn/"}
    keys = load_platform_keys(Settings.from_env(env, data_dir=tmp_path), NOW)
    assert keys.ca.ocsp_url == "http://pki.ebid.example.cn/pki/ocsp"
    aia = keys.signer_cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in aia] == ["http://pki.ebid.example.cn/pki/ocsp"]
    fallback = Settings.from_env({"BIDDING_PUBLIC_BASE_URL": "https://ebid.example.cn"}, data_dir=tmp_path)
    assert fallback.effective_pki_base_url == "https://ebid.example.cn"
