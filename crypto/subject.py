"""The platform's certificate subject profile.

A platform end-entity certificate names exactly one person acting for one organisation in one
role. The distinguished name (RFC 5280 §4.1.2.6) carries:

* ``C``  (2.5.4.6)  — always ``CN``;
* ``O``  (2.5.4.10) — the organisation's registered name;
* ``organizationIdentifier`` (2.5.4.97) — ``NTRCN-`` + the 18-character unified social credit
  code (统一社会信用代码), following the legal-person semantics identifier scheme of
  ETSI EN 319 412-1 §5.1.4 (``NTR`` = national trade register, ``CN`` = country);
* ``OU`` (2.5.4.11) — the platform role;
* ``CN`` (2.5.4.3)  — the person's name.

The credit code is validated with its GB 32100-2015 check digit. This module is domain free:
it carries its own small validator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cryptography import x509
from cryptography.x509.oid import NameOID

from crypto.errors import InvalidCreditCodeError, InvalidSubjectError

ROLES: Final[frozenset[str]] = frozenset(
    {"bidder", "agent", "tenderer", "supervisor", "expert", "auditor", "admin", "finance"}
)
"""Roles a platform certificate may carry in its ``OU`` attribute."""

COUNTRY: Final = "CN"
ORG_ID_PREFIX: Final = "NTRCN-"
"""ETSI EN 319 412-1 §5.1.4 semantics identifier prefix: national trade register, China."""

_CODE_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100-2015 check character for the first 17 characters of a credit code.

    Raises InvalidCreditCodeError if a character is outside the code alphabet.
    """
    total = 0
    for char, weight in zip(first17, _CODE_WEIGHTS, strict=True):
        value = _CODE_ALPHABET.find(char)
        if value < 0:
            raise InvalidCreditCodeError(f"contains a character not allowed in a credit code: {char!r}")
        total += value * weight
    return _CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Validate an 18-character unified social credit code (GB 32100-2015 §4) and return it.

    The platform's one validator: length, alphabet (digits and upper-case letters without I, O, S,
    V, Z) and the check character at position 18, each refusal saying what is wrong. It takes the
    code exactly as written (certificates and sealed packages carry it so); people's input is
    normalised first by ``bidding.identity.credit_code.normalise_credit_code``.
    """
    if len(code) != 18:
        raise InvalidCreditCodeError(f"must be 18 characters, got {len(code)}")
    bad = sorted({ch for ch in code if ch not in _CODE_ALPHABET})
    if bad:
        raise InvalidCreditCodeError(f"contains characters not allowed in a credit code: {''.join(bad)}")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise InvalidCreditCodeError(f"check character is {code[17]!r}, expected {expected!r}")
    return code


def make_credit_code(first17: str) -> str:
    """Complete 17 characters of the code alphabet with their check character (demo data, tests)."""
    if len(first17) != 17:
        raise InvalidCreditCodeError(f"need 17 characters, got {len(first17)}")
    return first17 + credit_code_check_char(first17)


def is_valid_credit_code(code: str) -> bool:
    """Return True if ``code`` is a valid unified social credit code."""
    try:
        validate_credit_code(code)
    except InvalidCreditCodeError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class PlatformSubject:
    """A person acting for an organisation in a role; the subject of a platform certificate."""

    organisation: str
    credit_code: str
    common_name: str
    role: str
    country: str = COUNTRY

    def __post_init__(self) -> None:
        _require_text("O (organisation)", self.organisation)
        _require_text("CN (common name)", self.common_name)
        validate_credit_code(self.credit_code)
        if self.role not in ROLES:
            raise InvalidSubjectError(f"unknown role {self.role!r}; expected one of {sorted(ROLES)}")
        if self.country != COUNTRY:
            raise InvalidSubjectError(f"country must be {COUNTRY!r}, got {self.country!r}")

    @property
    def organization_identifier(self) -> str:
        """The ETSI EN 319 412-1 organisation identifier, ``NTRCN-<credit code>``."""
        return ORG_ID_PREFIX + self.credit_code

    def to_name(self) -> x509.Name:
        """Build the RFC 5280 distinguished name for this subject."""
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, self.country),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation),
                x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, self.organization_identifier),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.role),
                x509.NameAttribute(NameOID.COMMON_NAME, self.common_name),
            ]
        )

    def with_role(self, role: str) -> PlatformSubject:
        """Return a copy of this subject carrying ``role``."""
        return PlatformSubject(self.organisation, self.credit_code, self.common_name, role, self.country)


def _require_text(label: str, value: str) -> None:
    if not value or not value.strip():
        raise InvalidSubjectError(f"subject attribute {label} is missing or empty")


def _single(name: x509.Name, oid: x509.ObjectIdentifier, label: str, *, required: bool = True) -> str | None:
    attrs = name.get_attributes_for_oid(oid)
    if len(attrs) > 1:
        raise InvalidSubjectError(f"subject attribute {label} appears {len(attrs)} times")
    if not attrs:
        if required:
            raise InvalidSubjectError(f"subject attribute {label} is missing")
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def credit_code_from_identifier(identifier: str) -> str:
    """Extract and validate the credit code from an ``NTRCN-`` organisation identifier."""
    if not identifier.startswith(ORG_ID_PREFIX):
        raise InvalidSubjectError(f"organizationIdentifier must start with {ORG_ID_PREFIX!r}, got {identifier!r}")
    return validate_credit_code(identifier[len(ORG_ID_PREFIX) :])


def parse_subject(name: x509.Name, *, role: str | None = None) -> PlatformSubject:
    """Parse a distinguished name into a PlatformSubject.

    If ``role`` is given it overrides (or supplies) the ``OU`` of the name, as when a CA assigns
    the role to a CSR subject; otherwise the name must carry a valid role in ``OU``.
    """
    country = _single(name, NameOID.COUNTRY_NAME, "C (country)") or ""
    organisation = _single(name, NameOID.ORGANIZATION_NAME, "O (organisation)") or ""
    identifier = _single(name, NameOID.ORGANIZATION_IDENTIFIER, "organizationIdentifier (credit code)") or ""
    common_name = _single(name, NameOID.COMMON_NAME, "CN (common name)") or ""
    name_role = _single(name, NameOID.ORGANIZATIONAL_UNIT_NAME, "OU (role)", required=role is None)
    return PlatformSubject(
        organisation=organisation,
        credit_code=credit_code_from_identifier(identifier),
        common_name=common_name,
        role=role if role is not None else (name_role or ""),
        country=country,
    )
