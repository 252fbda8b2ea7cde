"""Why a login was refused (each cause its own code, so clients and auditors can tell them apart),
and why a logged-in caller may not do what needs an organisation."""

from __future__ import annotations

from typing import Final

from bidding.core.errors import Forbidden, NotAuthenticated


class OrganisationRequired(Forbidden):
    """The caller is logged in, but not as a user of an organisation: the operator's break-glass
    token (or the platform itself) calling what only an organisation's certificate may do.

    One error and one status wherever an organisation or a login session is missing: 403, not
    401, since the credential is valid and logging in again with it would change nothing (RFC 9110
    §15.5.4: the credentials are insufficient for this request); not 400, since nothing in the
    request is wrong."""

    code = "organisation_required"
    message_zh = "此操作须以单位用户的证书登录（运维令牌不代表任何单位）"
    message_en = "This needs the certificate login of an organisation's user (the operator token stands for none)"


class LoginRefused(NotAuthenticated):
    code = "login_refused"
    message_zh = "登录被拒绝"
    message_en = "Login refused"


class ChallengeUnknown(LoginRefused):
    code = "challenge_unknown"
    message_zh = "登录挑战不存在（未签发或已清除）"
    message_en = "Unknown login challenge (never issued here, or purged)"


class ChallengeExpired(LoginRefused):
    code = "challenge_expired"
    message_zh = "登录挑战已过期，请重新获取"
    message_en = "The login challenge has expired; request a new one"


class ChallengeReplayed(LoginRefused):
    code = "challenge_replayed"
    message_zh = "登录挑战已被使用（重放）"
    message_en = "The login challenge has already been used (replay)"


class ChallengeForeign(LoginRefused):
    code = "challenge_foreign"
    message_zh = "登录挑战是为另一张证书签发的"
    message_en = "The login challenge was issued for another certificate"


class SignatureInvalid(LoginRefused):
    code = "signature_invalid"
    message_zh = "签名验证失败"
    message_en = "The signature does not verify"


class CertificateRefused(LoginRefused):
    code = "certificate_invalid"
    message_zh = "证书无效"
    message_en = "The certificate is not valid"


class CertificateExpired(CertificateRefused):
    code = "certificate_expired"
    message_zh = "证书已过期"
    message_en = "The certificate has expired"


class CertificateNotYetValid(CertificateRefused):
    code = "certificate_not_yet_valid"
    message_zh = "证书尚未生效"
    message_en = "The certificate is not yet valid"


class CertificateRevoked(CertificateRefused):
    code = "certificate_revoked"
    message_zh = "证书已被吊销"
    message_en = "The certificate has been revoked"


class CertificateUnknownIssuer(CertificateRefused):
    code = "certificate_unknown_issuer"
    message_zh = "证书颁发机构不受信任"
    message_en = "The certificate was issued by a CA this platform does not trust"


class CertificateWrongKeyUsage(CertificateRefused):
    code = "certificate_wrong_key_usage"
    message_zh = "证书用途不允许用于登录签名"
    message_en = "The certificate's key usage does not allow signing a login"


class CertificateRevocationUnknown(CertificateRefused):
    code = "certificate_revocation_unknown"
    message_zh = "无法确认证书吊销状态"
    message_en = "The certificate's revocation status cannot be determined"


class OrganisationNotEnrolled(LoginRefused):
    code = "organisation_not_enrolled"
    message_zh = "证书所属单位未在本平台登记或未审核通过"
    message_en = "The certificate's organisation is not registered and approved on this platform"


class RoleNotAllowed(LoginRefused):
    code = "role_not_allowed"
    message_zh = "证书角色不适用于该单位"
    message_en = "The certificate's role is not one this organisation may hold"


CERTIFICATE_ERRORS: Final[dict[str, type[CertificateRefused]]] = {
    "expired": CertificateExpired,
    "not_yet_valid": CertificateNotYetValid,
    "revoked": CertificateRevoked,
    "unknown_issuer": CertificateUnknownIssuer,
    "wrong_key_usage": CertificateWrongKeyUsage,
    "revocation_unknown": CertificateRevocationUnknown,
}
"""crypto.validation reason code → the error a login raises (others: :class:`CertificateRefused`)."""
