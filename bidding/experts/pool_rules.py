"""Rules of the expert pool (专家库), pure: who may enter it and how their particulars must look.

RULES (b2): an evaluation expert has worked **8 years or more** in the field and holds a **senior
title** or an equivalent professional level (规定 11: "从事相关专业领域工作满八年并具有高级职称或者具有
同等专业水平"; 条例 46 draws them from the pool; 26号令 adds conditions not written here). Every
function here takes values and returns the normalised value or raises :class:`PoolRuleError` naming
the field, in Chinese and English; the service turns that into the platform's 400.

Worked examples are in ``tests/unit/experts/test_pool_rules.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, TypeVar

from bidding.core.fields import text_problem
from bidding.experts.specialties import SpecialtyError, check_specialties
from bidding.identity.credit_code import CreditCodeError, normalise_credit_code

__all__ = [
    "MAX_YEARS",
    "MIN_YEARS",
    "PROVINCES",
    "ExpertFields",
    "ExpertStatus",
    "ExpertTitle",
    "PoolRuleError",
    "PoolRuleErrors",
    "check_dates",
    "check_email",
    "check_employer",
    "check_id_number",
    "check_mobile",
    "check_region",
    "check_registry_no",
    "check_text",
    "check_title",
    "check_years",
    "id_number_digest",
    "parse_title",
    "validate_expert",
]

_T = TypeVar("_T")

#: 规定 11: at least eight years in the field.
MIN_YEARS: Final = 8
#: An upper bound that catches typing slips (80 instead of 8) rather than a rule of law.
MAX_YEARS: Final = 70


class ExpertStatus(StrEnum):
    """Where an expert stands in the pool (the draw takes active experts only)."""

    ACTIVE = "active"  # in the pool, may be drawn
    SUSPENDED = "suspended"  # 暂停: not drawn until the end date, with a reason (26号令 penalties)
    RETIRED = "retired"  # 退出/解聘: out of the pool for good; the record stays for the trail


class ExpertTitle(StrEnum):
    """Professional title levels that admit an expert (规定 11). Lower levels (中级, 初级) are not
    values at all: the database's CHECK refuses them, as the rule does."""

    FULL_SENIOR = "full_senior"  # 正高级 (e.g. 教授级高级工程师, 研究员)
    DEPUTY_SENIOR = "deputy_senior"  # 副高级 (e.g. 高级工程师, 高级经济师)
    EQUIVALENT = "equivalent"  # 具有同等专业水平 (e.g. a registered practising qualification), 规定 11


#: How people write each level (zh and en, as in an import file); lower levels with a clear refusal.
_TITLE_WORDS: Final[dict[str, ExpertTitle]] = {
    "full_senior": ExpertTitle.FULL_SENIOR,
    "正高级": ExpertTitle.FULL_SENIOR,
    "正高": ExpertTitle.FULL_SENIOR,
    "deputy_senior": ExpertTitle.DEPUTY_SENIOR,
    "副高级": ExpertTitle.DEPUTY_SENIOR,
    "副高": ExpertTitle.DEPUTY_SENIOR,
    "equivalent": ExpertTitle.EQUIVALENT,
    "同等专业水平": ExpertTitle.EQUIVALENT,
}
_BELOW_SENIOR: Final = frozenset({"intermediate", "junior", "none", "中级", "初级", "无"})

#: Province-level codes of GB/T 2260 (the first two digits of a region code).
PROVINCES: Final = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82"),
    }
)

_REGISTRY_NO = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# One address, as RFC 5321 bounds it (64 before the @, 254 in all), without quoting or comments.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")
#: GB 11643-1999: weights of the first 17 digits and the check character of the sum mod 11 (ISO 7064 MOD 11-2).
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"


@dataclass
class PoolRuleError(ValueError):
    """One refused particular: the field and why, in both languages."""

    field: str
    message_en: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message_en}"


def check_registry_no(value: str) -> str:
    """The expert's number in the pool (专家编号), the stable key of imports: 1–32 of A–Z, 0–9, ``-``."""
    text = value.strip().upper()
    if not _REGISTRY_NO.fullmatch(text):
        raise PoolRuleError(
            "registry_no",
            "must be 1 to 32 letters, digits or '-', starting with a letter or digit",
            "须为 1 至 32 位字母、数字或“-”，以字母或数字开头",
        )
    return text


def check_years(years: int) -> int:
    """Years in the field: at least :data:`MIN_YEARS` (规定 11). ``check_years(8) == 8``; 5 is refused."""
    if years < MIN_YEARS:
        raise PoolRuleError(
            "years_experience",
            f"{years} years in the field; an evaluation expert needs at least {MIN_YEARS} (规定 11)",
            f"从业 {years} 年，评标专家须从事相关专业领域工作满 {MIN_YEARS} 年（规定第十一条）",
        )
    if years > MAX_YEARS:
        raise PoolRuleError(
            "years_experience", f"{years} years is more than {MAX_YEARS}", f"从业年限 {years} 超过 {MAX_YEARS} 年"
        )
    return years


def parse_title(value: str) -> ExpertTitle:
    """A title level as written (``正高级``, ``副高``, ``deputy_senior``…); 中级 and below refused (规定 11)."""
    text = value.strip()
    found = _TITLE_WORDS.get(text) or _TITLE_WORDS.get(text.lower())
    if found is not None:
        return found
    if not text:
        raise PoolRuleError(
            "title",
            "is required: a senior title (正高级/副高级) or an equivalent level (规定 11)",
            "职称必填：须具有高级职称（正高级、副高级）或同等专业水平（规定第十一条）",
        )
    if text in _BELOW_SENIOR or text.lower() in _BELOW_SENIOR:
        raise PoolRuleError(
            "title",
            f"{text!r} is below a senior title; an evaluation expert needs a senior title or equivalent (规定 11)",
            f"“{text}”低于高级职称；评标专家须具有高级职称或同等专业水平（规定第十一条）",
        )
    names = ", ".join(t.value for t in ExpertTitle)
    raise PoolRuleError(
        "title",
        f"unknown title level {text!r}; use one of {names}",
        f"未知职称级别“{text}”；可选：正高级、副高级、同等专业水平",
    )


def check_title(value: str | ExpertTitle | None) -> ExpertTitle:
    """A title level that admits an expert (规定 11): :func:`parse_title` of what was sent."""
    if isinstance(value, ExpertTitle):
        return value
    return parse_title(value or "")


def check_mobile(value: str) -> str:
    """A mainland mobile number (11 digits starting 13–19), with ``+86``, spaces and dashes dropped:
    ``check_mobile("+86 139-1234-5678") == "13912345678"``. Voice and SMS notices go to it."""
    text = re.sub(r"[\s-]", "", value)
    text = text.removeprefix("+86").removeprefix("0086")
    if not _MOBILE.fullmatch(text):
        raise PoolRuleError(
            "mobile",
            f"{value!r} is not a mainland mobile number (11 digits starting with 13 to 19)",
            f"“{value}”不是有效的手机号码（以 13 至 19 开头的 11 位数字）",
        )
    return text


def check_email(value: str | None) -> str | None:
    """An e-mail address for notices, or None (empty means none); lower-cased domain."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise PoolRuleError("email", f"{value!r} is not an e-mail address", f"“{value}”不是有效的电子邮箱地址")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_employer(credit_code: str, name: str) -> tuple[str, str]:
    """The employer by its unified social credit code (GB 32100-2015, check character included) and
    name; recusal compares the code with the tenderer's, the agent's and every bidder's (条例 46)."""
    try:
        code = normalise_credit_code(credit_code)
    except CreditCodeError as exc:
        raise PoolRuleError(
            "employer_credit_code",
            f"{credit_code!r} is not a valid unified social credit code: {exc.message}",
            f"“{credit_code}”不是有效的统一社会信用代码",
        ) from None
    text = check_text(name, "employer_name", max_length=200)
    assert text is not None  # required
    return code, text


def check_conflict_code(credit_code: str) -> str:
    """The credit code of an organisation an expert must never evaluate (规定 12, 198号 §16)."""
    try:
        return normalise_credit_code(credit_code)
    except CreditCodeError as exc:
        raise PoolRuleError(
            "credit_code",
            f"{credit_code!r} is not a valid unified social credit code: {exc.message}",
            f"“{credit_code}”不是有效的统一社会信用代码",
        ) from None


def check_region(value: str) -> str:
    """A GB/T 2260 administrative division code: six digits, a known province, not a bare ``000000``
    placeholder (``320102`` 南京市玄武区, ``320100`` 南京市, ``320000`` 江苏省)."""
    text = value.strip()
    if not re.fullmatch(r"[0-9]{6}", text) or text[:2] not in PROVINCES:
        raise PoolRuleError(
            "region_code",
            f"{value!r} is not a GB/T 2260 region code (six digits, starting with a province code such as 32)",
            f"“{value}”不是有效的行政区划代码（GB/T 2260，6 位数字，以省级代码开头，如 32）",
        )
    if text[2:4] == "00" and text[4:] != "00":
        raise PoolRuleError(
            "region_code", f"{value!r}: a county needs its city (digits 3–4)", f"“{value}”：区县代码缺少地市级部分"
        )
    return text


def check_id_number(value: str) -> str:
    """A resident identity card number (GB 11643-1999): 17 digits and the MOD 11-2 check character;
    ``11010519491231002X`` passes, changing any digit fails."""
    text = value.strip().upper()
    if not _ID_NUMBER.fullmatch(text):
        raise PoolRuleError(
            "id_number",
            "must be 18 characters: 17 digits and a digit or X",
            "身份证号码须为 18 位：17 位数字加校验位（数字或 X）",
        )
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != text[17]:
        raise PoolRuleError(
            "id_number", "the check character does not match (GB 11643)", "身份证号码校验位不符（GB 11643）"
        )
    return text


def id_number_digest(id_number: str, key: bytes) -> str:
    """The stored form of an identity card number: HMAC-SHA256 under a platform key, hex.

    Why not the number, nor a bare SHA-256: the pool needs only to recognise a number shown again
    (the same person registered twice; the card checked at the evaluation room's door, 26号令 art. 21)
    and never to read it back. ID numbers have little entropy (region, birth date, a sequence: about
    10^10 candidates), so an unkeyed hash of a leaked table is reversed in minutes; a keyed one is
    not without the key. The last four characters are kept beside it for people to compare.
    """
    return hmac.new(key, b"expert-id-number:" + id_number.encode(), hashlib.sha256).hexdigest()


def check_dates(starts_on: date, ends_on: date, *, field: str = "ends_on") -> tuple[date, date]:
    """A period of whole days, both ends included: the end not before the start."""
    if ends_on < starts_on:
        raise PoolRuleError(
            field,
            f"the period ends ({ends_on}) before it starts ({starts_on})",
            f"结束日期（{ends_on}）早于开始日期（{starts_on}）",
        )
    return starts_on, ends_on


#: Days the pool takes: a date outside is a typing slip (``0026-01-01``), never a plan.
FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2099, 12, 31)


def check_day(value: date, field: str) -> date:
    """A day within [:data:`FIRST_DAY`, :data:`LAST_DAY`]."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PoolRuleError(
            field, f"{value} is outside {FIRST_DAY} to {LAST_DAY}", f"日期 {value} 不在 {FIRST_DAY} 至 {LAST_DAY} 之间"
        )
    return value


def check_text(value: str | None, field: str, *, max_length: int, required: bool = True) -> str | None:
    """One line of text (a name, a reason): stripped, within ``max_length``, no control or bidirectional
    characters (``bidding.core.fields``); empty is None, or refused when ``required``."""
    text = (value or "").strip()
    if not text:
        if required:
            raise PoolRuleError(field, "is required", "必填")
        return None
    problem = text_problem(text, max_length=max_length)
    if problem:
        raise PoolRuleError(field, problem, f"格式有误（{problem}）")
    return text


@dataclass(frozen=True)
class ExpertFields:
    """An expert's particulars, each checked and normalised (what the service writes)."""

    registry_no: str
    name: str
    mobile: str
    email: str | None
    employer_credit_code: str
    employer_name: str
    title: ExpertTitle
    title_name: str | None
    years_experience: int
    region_code: str
    #: Sub-specialty codes, the primary one first.
    specialties: tuple[str, ...]
    #: The identity card number (GB 11643), or None when not given; stored only as its HMAC.
    id_number: str | None = None


class PoolRuleErrors(ValueError):
    """Every particular refused in one expert's record (an import reports them all at once)."""

    def __init__(self, errors: list[PoolRuleError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


def validate_expert(
    *,
    registry_no: str,
    name: str,
    mobile: str,
    email: str | None,
    employer_credit_code: str,
    employer_name: str,
    title: str | ExpertTitle | None,
    title_name: str | None,
    years_experience: int | None,
    region_code: str,
    specialties: list[str] | tuple[str, ...],
    id_number: str | None = None,
) -> ExpertFields:
    """Check every particular (规定 11 and the formats above) and collect all refusals into one
    :class:`PoolRuleErrors`, so a person fixing a row sees everything wrong with it at once."""
    errors: list[PoolRuleError] = []

    def checked(check: Callable[[], _T], default: _T) -> _T:
        try:
            return check()
        except PoolRuleError as exc:
            errors.append(exc)
            return default

    number = checked(lambda: check_registry_no(registry_no), "")
    person = checked(lambda: check_text(name, "name", max_length=100), None)
    phone = checked(lambda: check_mobile(mobile), "")
    mail = checked(lambda: check_email(email), None)
    employer = checked(lambda: check_employer(employer_credit_code, employer_name), ("", ""))
    level = checked(lambda: check_title(title), ExpertTitle.EQUIVALENT)
    level_name = checked(lambda: check_text(title_name, "title_name", max_length=100, required=False), None)
    years = checked(lambda: _years(years_experience), 0)
    region = checked(lambda: check_region(region_code), "")
    none: tuple[str, ...] = ()
    codes = checked(lambda: _specialties(specialties), none)
    card = checked(lambda: check_id_number(id_number) if id_number and id_number.strip() else None, None)
    if errors:
        raise PoolRuleErrors(errors)
    return ExpertFields(
        registry_no=number,
        name=person or "",
        mobile=phone,
        email=mail,
        employer_credit_code=employer[0],
        employer_name=employer[1],
        title=level,
        title_name=level_name,
        years_experience=years,
        region_code=region,
        specialties=codes,
        id_number=card,
    )


def _years(value: int | None) -> int:
    if value is None:
        raise PoolRuleError(
            "years_experience",
            f"is required (at least {MIN_YEARS}, 规定 11)",
            f"从业年限必填（不少于 {MIN_YEARS} 年，规定第十一条）",
        )
    return check_years(value)


def _specialties(codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    try:
        return check_specialties(codes)
    except SpecialtyError as exc:
        raise PoolRuleError("specialties", exc.message_en, exc.message_zh) from None
