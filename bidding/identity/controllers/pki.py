"""Public PKI endpoints: CA certificates, CRLs (RFC 5280 §5), OCSP (RFC 6960 appendix A) and the
RFC 3161 timestamp authority (§3.4, HTTP transport). No login: relying parties must reach them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import unquote

from cryptography.hazmat.primitives import serialization
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from bidding.core.errors import InvalidInput, UnsupportedMediaType
from bidding.core.http.dependencies import PlatformDep
from bidding.core.http.openapi import wire
from crypto.login import certificate_fingerprint

MAX_QUERY_BYTES: Final = 16 * 1024
PEM: Final = "application/x-pem-file"
CRL: Final = "application/pkix-crl"


@dataclass(frozen=True)
class TrustAnchorView:
    subject: str
    fingerprint: str
    not_after: str
    platform_ca: bool


async def _binary_body(request: Request[Any, Any, Any], media_type: str) -> bytes:
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != media_type:
        raise UnsupportedMediaType(
            f"send the request as {media_type} (got {given or 'no content type'})",
            f"请以 {media_type} 发送（收到 {given or '无内容类型'}）",
        )
    body = await request.body()
    if not body:
        raise InvalidInput("the request body is empty", "请求体为空")
    if len(body) > MAX_QUERY_BYTES:
        raise InvalidInput(f"the request is larger than {MAX_QUERY_BYTES} bytes", f"请求超过 {MAX_QUERY_BYTES} 字节")
    return body


def _der(data: bytes, media_type: str, filename: str | None = None) -> Response[bytes]:
    headers = {"Cache-Control": "no-cache"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(data, media_type=media_type, status_code=HTTP_200_OK, headers=headers)


class PkiController(Controller):
    path = "/pki"
    tags = ["pki"]

    @get("/crl/issuing.crl", opt=wire(response=[CRL]), summary="CRL of the issuing CA (revoked user certificates)")
    async def issuing_crl(self, platform: PlatformDep) -> Response[bytes]:
        return _der(await platform.revocations.crl("issuing"), CRL, "issuing.crl")

    @get("/crl/root.crl", opt=wire(response=[CRL]), summary="CRL of the root CA (revoked issuing CAs)")
    async def root_crl(self, platform: PlatformDep) -> Response[bytes]:
        return _der(await platform.revocations.crl("root"), CRL, "root.crl")

    @post(
        "/ocsp",
        opt=wire(request=["application/ocsp-request"], response=["application/ocsp-response"]),
        summary="OCSP responder (RFC 6960 A.1, POST)",
        status_code=HTTP_200_OK,
    )
    async def ocsp_post(self, request: Request[Any, Any, Any], platform: PlatformDep) -> Response[bytes]:
        body = await _binary_body(request, "application/ocsp-request")
        return _der(await platform.revocations.ocsp(body), "application/ocsp-response")

    @get(
        "/ocsp/{encoded:path}",
        opt=wire(response=["application/ocsp-response"]),
        summary="OCSP responder (RFC 6960 A.1, GET with base64 request)",
    )
    async def ocsp_get(self, encoded: FromPath[str], platform: PlatformDep) -> Response[bytes]:
        try:
            request_der = base64.b64decode(unquote(encoded.lstrip("/")), validate=True)
        except (ValueError, binascii.Error):
            raise InvalidInput("the OCSP request in the URL is not base64", "URL 中的 OCSP 请求不是 base64") from None
        return _der(await platform.revocations.ocsp(request_der), "application/ocsp-response")

    @post(
        "/tsa",
        opt=wire(request=["application/timestamp-query"], response=["application/timestamp-reply"]),
        summary="RFC 3161 timestamp authority (application/timestamp-query)",
        status_code=HTTP_200_OK,
    )
    async def timestamp(self, request: Request[Any, Any, Any], platform: PlatformDep) -> Response[bytes]:
        query = await _binary_body(request, "application/timestamp-query")
        # A malformed query still gets a TimeStampResp with status rejection (RFC 3161 §2.4.2).
        return _der(platform.keys.tsa.respond(query, platform.clock.now()), "application/timestamp-reply")

    @get(
        "/ca/{name:str}",
        opt=wire(response=[PEM]),
        summary="Platform CA certificates (root.pem, issuing.pem, tsa.pem, chain.pem)",
    )
    async def ca_certificate(
        self, name: FromPath[Literal["root.pem", "issuing.pem", "tsa.pem", "chain.pem"]], platform: PlatformDep
    ) -> Response[bytes]:
        keys = platform.keys
        certs = {
            "root.pem": [keys.ca.root_cert],
            "issuing.pem": [keys.ca.issuing_cert],
            "tsa.pem": [keys.tsa_cert],
            "chain.pem": [keys.ca.issuing_cert, keys.ca.root_cert],
        }.get(name)
        if certs is None:
            raise InvalidInput(
                "ask for root.pem, issuing.pem, tsa.pem or chain.pem",
                "可获取 root.pem、issuing.pem、tsa.pem 或 chain.pem",
            )
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
        return _der(pem, PEM, name)

    @get("/trust", summary="Every trust anchor: the platform root and configured outside CA roots")
    async def trust(self, platform: PlatformDep) -> list[TrustAnchorView]:
        keys = platform.keys
        return [
            TrustAnchorView(
                subject=cert.subject.rfc4514_string(),
                fingerprint=certificate_fingerprint(cert),
                not_after=cert.not_valid_after_utc.isoformat(),
                platform_ca=cert == keys.ca.root_cert,
            )
            for cert in keys.trusted_roots
        ]
