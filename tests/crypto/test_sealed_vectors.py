"""The committed test vectors (tests/vectors/sealed/) re-derived from the written specification.

The decoding here is a second, deliberately naive implementation of ``docs/sealed-bid-format.md``
using only the primitives (HKDF, HMAC, AES-GCM, SHA-256), so that the document, the vectors and
the library have to agree.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import shutil
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.sealed import inspect, open_body, open_form, recipient_blob, unwrap_data_key, verify_detached
from tests.fixtures.openssl import cms_decrypt
from tests.vectors.sealed import make_vectors

HERE = Path(make_vectors.__file__).resolve().parent
VECTOR = json.loads((HERE / "vector.json").read_text(encoding="utf-8"))
PACKAGE = (HERE / "package.bid").read_bytes()


def _hkdf(key: bytes, salt: bytes, info: bytes, n: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=salt, info=info).derive(key)


def test_the_writer_reproduces_the_vector_byte_for_byte() -> None:
    package, result = make_vectors.seal_vector()
    assert package == PACKAGE
    assert result.digest.hex() == VECTOR["package_digest_sha256_hex"]
    assert make_vectors.describe(package) == VECTOR


def test_decode_from_the_specification() -> None:
    data_key = bytes.fromhex(VECTOR["data_key_hex"])
    assert data_key == hashlib.sha256(VECTOR["rng_seed_utf8"].encode() + (0).to_bytes(8, "big")).digest()
    assert PACKAGE[:8] == b"BIDSEAL1"
    (header_len,) = struct.unpack(">I", PACKAGE[8:12])
    raw = PACKAGE[12 : 12 + header_len]
    header = json.loads(raw)
    assert raw == json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    header_sha = hashlib.sha256(raw).digest()
    assert header_sha.hex() == VECTOR["header_sha256_hex"]
    salt = base64.b64decode(header["kdf_salt"])
    assert salt.hex() == VECTOR["kdf_salt_hex"]
    assert _hkdf(data_key, salt, b"bidseal/v1 key commitment", 32) == base64.b64decode(header["key_commitment"])
    binding_key = _hkdf(data_key, salt, b"bidseal/v1 header binding", 32)

    pos = 12 + header_len
    plaintexts = {}
    for label in ("form", "body"):
        okm = _hkdf(data_key, salt, b"bidseal/v1 part key\x00" + label.encode() + b"\x00" + header_sha, 39)
        key, prefix = okm[:32], okm[32:]
        assert key.hex() == VECTOR[f"{label}_key_hex"] and prefix.hex() == VECTOR[f"{label}_nonce_prefix_hex"]
        assert PACKAGE[pos : pos + 4] == label.upper().encode()
        tag = hmac.new(binding_key, label.encode() + b"\x00" + header_sha, hashlib.sha256).digest()
        assert PACKAGE[pos + 4 : pos + 36] == tag
        pos += 36
        aead = AESGCM(key)
        out = b""
        counter = 0
        while True:
            flag = PACKAGE[pos]
            (ct_len,) = struct.unpack(">I", PACKAGE[pos + 1 : pos + 5])
            ct = PACKAGE[pos + 5 : pos + 5 + ct_len]
            out += aead.decrypt(prefix + struct.pack(">I", counter) + bytes([flag]), ct, None)
            pos += 5 + ct_len
            counter += 1
            if flag == 1:
                break
        plaintexts[label] = out
        if label == "form":
            assert pos == VECTOR["body_offset"]
    assert plaintexts["body"].hex() == VECTOR["body_hex"]
    (n,) = struct.unpack(">I", plaintexts["form"][:4])
    form = plaintexts["form"][4 : 4 + n]
    assert form.decode() == VECTOR["form_json_utf8"]
    signature = plaintexts["form"][8 + n :]
    assert verify_detached(signature, hashlib.sha256(form).digest()).signer_cert.serial_number > 0

    assert pos == VECTOR["trailer_offset"]
    assert hashlib.sha256(PACKAGE[:pos]).hexdigest() == VECTOR["package_digest_sha256_hex"]
    assert PACKAGE[pos : pos + 4] == b"SIGN"
    (sig_len,) = struct.unpack(">I", PACKAGE[pos + 4 : pos + 8])
    assert pos + 8 + sig_len == len(PACKAGE) == VECTOR["package_size"]
    verify_detached(PACKAGE[pos + 8 :], hashlib.sha256(PACKAGE[:pos]).digest())
    assert hashlib.sha256(PACKAGE).hexdigest() == VECTOR["file_sha256_hex"]


@pytest.mark.parametrize("index", [0, 1])
def test_recipients_unwrap_the_vector_data_key(index: int, tmp_path: Path) -> None:
    entry = VECTOR["recipients"][index]
    key, cert = make_vectors.load_party(entry["cert_file"].removesuffix("-cert.pem"))
    info = inspect(io.BytesIO(PACKAGE))
    blob = recipient_blob(info.header, cert)
    data_key = unwrap_data_key(blob, key, cert)
    assert data_key.hex() == VECTOR["data_key_hex"]
    assert open_form(io.BytesIO(PACKAGE), data_key).json_bytes.decode() == VECTOR["form_json_utf8"]
    body = io.BytesIO()
    open_body(io.BytesIO(PACKAGE), data_key, body)
    assert body.getvalue().hex() == VECTOR["body_hex"]
    if shutil.which("openssl"):
        (tmp_path / "r.der").write_bytes(blob)
        out = cms_decrypt(tmp_path / "r.der", HERE / entry["cert_file"], HERE / entry["key_file"])
        assert out.hex() == VECTOR["data_key_hex"]
